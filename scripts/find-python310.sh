#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter for the Rasa environment.
# Rasa 3.6 supports Python 3.8-3.10 only. Order: one on PATH, one under pyenv, one uv already
# manages, else ask uv to fetch one (needs internet). Says clearly what is missing otherwise.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

is_310() { [ -x "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }

candidates=()
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
command -v pyenv >/dev/null 2>&1 && pyenv_root="$(pyenv root)"
for dir in "$pyenv_root"/versions/3.10*; do candidates+=("$dir/bin/python3.10"); done
candidates+=(/usr/local/bin/python3.10 /usr/bin/python3.10)

for candidate in "${candidates[@]}"; do
  if is_310 "$candidate"; then echo "$candidate"; exit 0; fi
done

found="$("$here/uv.sh" python find 3.10 2>/dev/null)"
if [ -n "$found" ] && is_310 "$found"; then echo "$found"; exit 0; fi

echo "No Python 3.10 found on PATH or under pyenv; asking uv to download one..." >&2
if "$here/uv.sh" python install 3.10 >&2; then
  found="$("$here/uv.sh" python find 3.10 2>/dev/null)"
  if [ -n "$found" ] && is_310 "$found"; then echo "$found"; exit 0; fi
fi

cat >&2 <<'MSG'
ERROR: Rasa 3.6 needs Python 3.10, and none was found or could be downloaded.
Install one of these, then run the command again:
  - pyenv install 3.10        (https://github.com/pyenv/pyenv)
  - apt-get install python3.10 (or your system's package)
  - uv python install 3.10    (needs internet access)
MSG
exit 1
