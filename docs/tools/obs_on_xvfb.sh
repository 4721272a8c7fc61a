# Shared by make_obs_screenshot.sh and make_obs_walkthrough.sh (sourced, not run): a throwaway HOME with OBS's
# global.ini, a 1280x720 profile and a scene collection (two colour sources and the avatar with
# $avatar_settings), the plugin installed from $build, then Xvfb on :77 (1600x900) and the real obs on it.
# Needs: $work (a scratch folder), $build, $avatar_settings (a JSON object). Sets $xpid, $opid, $cfg.
# shellcheck shell=bash
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
   "settings":$avatar_settings}],
 "transitions":[],"current_transition":"Fade","transition_duration":300}
JSON
Xvfb :77 -screen 0 1600x900x24 -nolisten tcp > $work/xvfb.log 2>&1 &
xpid=$!
sleep 1
LIBGL_ALWAYS_SOFTWARE=1 DISPLAY=:77 timeout -s INT -k 5 "${OBS_SECONDS:-60}" obs --multi --disable-missing-files-check --collection Avatar --profile Avatar > $work/obs.stdout 2>&1 &
opid=$!
