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
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config
cfg=$XDG_CONFIG_HOME/obs-studio
mkdir -p "$cfg/basic/profiles/Avatar" "$cfg/basic/scenes"
cmake --install "$build" --component obs-plugin --prefix "$cfg/plugins/tha4-avatar" >/dev/null
cat > "$cfg/global.ini" <<INI
[General]
FirstRun=true
LastVersion=486539266
ConfirmOnExit=false
EnableAutoUpdates=false
[Basic]
Profile=Avatar
ProfileDir=Avatar
SceneCollection=Avatar
SceneCollectionFile=Avatar
[OBSWebSocket]
FirstLoad=false
ServerEnabled=false
INI
cat > "$cfg/basic/profiles/Avatar/basic.ini" <<INI
[General]
Name=Avatar
[Video]
BaseCX=1280
BaseCY=720
OutputCX=1280
OutputCY=720
FPSType=0
FPSCommon=30
[Output]
Mode=Simple
INI
cat > "$cfg/basic/scenes/Avatar.json" <<JSON
{"name":"Avatar","current_scene":"Scene","current_program_scene":"Scene","scene_order":[{"name":"Scene"}],
 "sources":[
  {"id":"scene","versioned_id":"scene","name":"Scene","settings":{"id_counter":3,"items":[
    {"name":"Backdrop","id":1,"visible":true,"locked":false,"pos":{"x":0,"y":0},"scale":{"x":1,"y":1},"rot":0,"align":5,"bounds_type":0},
    {"name":"Floor","id":2,"visible":true,"locked":false,"pos":{"x":0,"y":560},"scale":{"x":1,"y":1},"rot":0,"align":5,"bounds_type":0},
    {"name":"THA4 Avatar","id":3,"visible":true,"locked":false,"pos":{"x":320,"y":0},"scale":{"x":1.40625,"y":1.40625},"rot":0,"align":5,"bounds_type":0}]}},
  {"id":"color_source_v3","versioned_id":"color_source_v3","name":"Backdrop","settings":{"color":$((0xFFF0D8B0)),"width":1280,"height":720}},
  {"id":"color_source_v3","versioned_id":"color_source_v3","name":"Floor","settings":{"color":$((0xFFC8A078)),"width":1280,"height":160}},
  {"id":"tha4_avatar_source","versioned_id":"tha4_avatar_source","name":"THA4 Avatar",
   "settings":{"model_folder":"$models/lambda_00","engine":"cpu_fast","cpu_threads":0,"tracking_input":"none",
               "breaths_per_minute":20.0,"auto_blink":true}}],
 "transitions":[],"current_transition":"Fade","transition_duration":300}
JSON
Xvfb :77 -screen 0 1600x900x24 -nolisten tcp > $work/xvfb.log 2>&1 &
xpid=$!
sleep 1
LIBGL_ALWAYS_SOFTWARE=1 DISPLAY=:77 timeout -s INT -k 5 60 obs --multi --disable-missing-files-check --collection Avatar --profile Avatar > $work/obs.stdout 2>&1 &
opid=$!
sleep ${WAIT:-12}
DISPLAY=:77 "$work/x11_screenshot" --crop-largest-window "$out"
kill -INT $opid; wait $opid || true
kill $xpid; wait $xpid 2>/dev/null || true
grep -E "tha4|leaks" "$cfg/logs/"*.txt
