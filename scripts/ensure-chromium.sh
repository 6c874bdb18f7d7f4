#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with Playwright (Playwright's own browser
# download does not work on our machines). Install it from the distribution if missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if command -v apt-get >/dev/null 2>&1; then
  echo "==> Installing Chromium for the browser tests (apt-get install chromium)" >&2
  sudo_if_needed apt-get update -qq >&2
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  exit 0
fi
echo "ERROR: Chromium is needed for the browser tests: install it so that 'chromium' is" >&2
echo "on PATH (or at /usr/bin/chromium)." >&2
exit 1
