#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests when it is missing. Playwright drives this
# binary (executable_path=/usr/bin/chromium) and never downloads browsers of its own.
# Under CI=true a missing Chromium is an error: the UI tests must fail, not skip.
set -u
BROWSER="${TRACEHOUSE_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$BROWSER" ]; then
  echo "Chromium is ready ($BROWSER)."
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
install() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/dev/null; }
if command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium with apt-get..." >&2
  install || { $SUDO apt-get update -q >/dev/null && install; } || true
fi
if [ -x "$BROWSER" ]; then
  echo "Chromium is ready ($BROWSER)."
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "ERROR: Chromium is required under CI and could not be installed." >&2
  exit 1
fi
echo "WARNING: Chromium is unavailable; the browser tests (tests/ui) will fail." >&2
exit 0
