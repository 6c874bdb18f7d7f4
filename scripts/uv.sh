#!/usr/bin/env bash
# Run uv, installing it with pip first if this machine does not have it.
set -euo pipefail
if command -v uv >/dev/null 2>&1; then
  exec uv "$@"
fi
if ! python3 -m uv --version >/dev/null 2>&1; then
  echo "uv not found: installing it with pip (python3 -m pip install --user uv)..." >&2
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
fi
exec python3 -m uv "$@"
