#!/bin/sh
# The browser test drives the system's Chromium (never a downloaded one). On Debian or Ubuntu,
# as root, install it when missing, with a Chinese and an emoji font so that screenshots are legible.
# Anywhere else this only says what is missing, and the browser test is skipped
# (REQUIRE_BROWSER=1, set by CI, turns that into a failure).
set -u
packages="chromium fonts-wqy-microhei fonts-noto-color-emoji"
have_browser() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
have_font() { fc-list :lang=zh 2>/dev/null | grep -q . && fc-list 2>/dev/null | grep -qi emoji; }
if have_browser && have_font; then
    exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing $packages for the browser test"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends $packages >/dev/null ||
        { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $packages >/dev/null; }
fi
have_browser || echo "Chromium is not installed: the browser test will be skipped." >&2
exit 0
