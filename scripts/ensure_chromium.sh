#!/bin/sh
# The admin UI's browser tests drive the system's Chromium through Playwright
# (never `playwright install`, which downloads a browser of its own). Install it
# from the system's package manager when it is missing; say what to do where we
# cannot. Under CI a missing browser is an error (the tests would fail anyway).
set -eu

for candidate in "${PERSONA_MEMORY_CHROMIUM:-}" chromium chromium-browser; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1; then
        exit 0
    fi
done

if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    echo "Installing Chromium (Debian package) for the admin UI's browser tests"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
    exit 0
fi

echo "No Chromium found: install it, or set PERSONA_MEMORY_CHROMIUM to its path." >&2
echo "Without it the browser tests (tests/ui) are skipped." >&2
if [ -n "${CI:-}" ]; then exit 1; fi
