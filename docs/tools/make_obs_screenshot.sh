#!/usr/bin/env bash
# Makes docs/obs_screenshot.png: the real obs on Xvfb :77 (1600x900), an isolated HOME, a 1280x720 scene
# (two colour sources + the avatar, breathing and blinking), a 12 s wait, then x11_screenshot.
# Usage: docs/tools/make_obs_screenshot.sh [BUILD_DIR=build/default] [MODELS_DIR=../shared/models] [OUT=docs/obs_screenshot.png]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build/default}" && pwd)
models=$(cd "${2:-$root/../shared/models}" && pwd)
out=$(readlink -f "${3:-$root/docs/obs_screenshot.png}")
work=$(mktemp -d /tmp/tha4-shot.XXXXXX); trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2046  # pkg-config output is a word list
g++ -std=c++17 -O2 "$root/docs/tools/x11_screenshot.cpp" -o "$work/x11_screenshot" -lX11 $(pkg-config --cflags --libs opencv4)
avatar_settings='{"model_folder":"'"$models"'/lambda_00","engine":"cpu_fast","cpu_threads":0,"tracking_input":"none","breaths_per_minute":20.0,"auto_blink":true}'
# shellcheck source=docs/tools/obs_on_xvfb.sh
. "$root/docs/tools/obs_on_xvfb.sh"
sleep ${WAIT:-12}
DISPLAY=:77 "$work/x11_screenshot" --crop-largest-window "$out"
kill -INT $opid; wait $opid || true
kill $xpid; wait $xpid 2>/dev/null || true
grep -E "tha4|leaks" "$cfg/logs/"*.txt
