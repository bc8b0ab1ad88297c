#!/usr/bin/env bash
# Renders the README's screenshots into docs/screenshots/: the real window on a fresh demo
# store, driven through its actions, drawn in process with the cairo renderer (the same pixels
# on every machine). Starts a virtual display and a session bus when there is no display.
#
#   bash docs/render-screenshots.sh [BUILD-FOLDER]     (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

bash .ci/build "$build" >/dev/null
out=docs/screenshots
mkdir -p "$out"

export GSK_RENDERER=cairo
export GSETTINGS_BACKEND=memory
export GSETTINGS_SCHEMA_DIR="$PWD/$build/app"
# Fixed text and widget metrics, whatever the developer's desktop uses.
export LANG=C.UTF-8 LANGUAGE=
unset GTK_THEME

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  "$build/docs/render-screens" "$out"
else
  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x1440x24" \
    "$build/docs/render-screens" "$out"
fi
