#!/usr/bin/env bash
# Real-`obs` smoke test: installs the built plugin into a throwaway HOME, runs Debian's OBS Studio 29
# under Xvfb with a seeded profile and scene collection (a colour background + the THA4 avatar driven by
# VMC over loopback UDP), records a few seconds, stops OBS with SIGINT, and checks the recording.
#
# Usage: record_with_obs.sh BUILD_DIR MODELS_DIR RECORDING_CHECK VMC_SCRIPT_SENDER
#   BUILD_DIR          a configured+built tree with the obs-plugin install component (build/default)
#   MODELS_DIR         the folder holding lambda_00/ (character_model.yaml); "-": $THA4_MODELS, else
#                      <repo>/../shared/models (as the other tests)
#   RECORDING_CHECK    the recording_check binary (tests/obs/recording_check.cpp)
#   VMC_SCRIPT_SENDER  the vmc_script_sender binary (tests/obs/vmc_script_sender.cpp)
# Environment: RECORD_SECONDS (default 4), KEEP_WORK=1 keeps the work dir (HOME, log, recording, frames),
#   OBS (default obs), CMAKE (default cmake). Needs obs-studio, xvfb, xauth, libgl1-mesa-dri. Exit 0 only when everything passes,
#   77 (CTest SKIP_RETURN_CODE) when obs, xvfb-run or the model is missing, 2 on usage errors, else 1.
set -euo pipefail
if [ $# -ne 4 ]; then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
models_dir=$2
if [ "$models_dir" = - ]; then
  models_dir=${THA4_MODELS:-$(dirname "$0")/../../../shared/models}
fi
checker=$(readlink -f "$3")
sender=$(readlink -f "$4")
secs=${RECORD_SECONDS:-4}
obs_bin=${OBS:-obs}
for f in "$checker" "$sender"; do [ -x "$f" ] || { echo "FAIL: $f is not executable"; exit 2; }; done
[ -f "$build_dir/cmake_install.cmake" ] || { echo "FAIL: $build_dir is not a CMake build tree"; exit 2; }
[ -f "$models_dir/lambda_00/character_model.yaml" ] || { echo "SKIP: no $models_dir/lambda_00/character_model.yaml"; exit 77; }
models_dir=$(cd "$models_dir" && pwd)
for tool in "$obs_bin" xvfb-run xauth Xvfb; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

t0=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - t0) / 1000000 ))" | sed -E 's/([0-9]{3})$/.\1/; s/^\./0./'; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tha4-obs-record.XXXXXX")
runner='' sender_pid=''
cleanup() {
  if [ -n "$sender_pid" ]; then kill "$sender_pid" 2> /dev/null || true; fi
  if [ -n "$runner" ]; then kill "$runner" 2> /dev/null || true; fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

export HOME=$work/home
export XDG_CONFIG_HOME=$HOME/.config
unset XDG_RUNTIME_DIR
cfg=$XDG_CONFIG_HOME/obs-studio
mkdir -p "$cfg/basic/profiles/Tha4Test" "$cfg/basic/scenes" "$work/rec" "$work/frames"

# The plugin, exactly as a user installs it (README: "Install the OBS plugin").
"${CMAKE:-cmake}" --install "$build_dir" --component obs-plugin --prefix "$cfg/plugins/tha4-avatar" > "$work/install.log"
[ -f "$cfg/plugins/tha4-avatar/bin/64bit/tha4-avatar.so" ] || { cat "$work/install.log"; echo "FAIL: install"; exit 1; }

# A free UDP port for the avatar's VMC receiver.
port=
for _ in $(seq 1 50); do
  p=$(( 20000 + RANDOM % 40000 ))
  if ! command -v ss > /dev/null; then port=$p; break; fi  # no iproute2: a random port is nearly always free
  if ! ss -Hlun "sport = :$p" 2> /dev/null | grep -q .; then port=$p; break; fi
done
[ -n "$port" ] || { echo "FAIL: no free UDP port"; exit 1; }

# Canvas 640x360: colour 0xFF40A040 (ABGR: RGB 40 A0 40) + the 512x512 avatar scaled to 360x360, centred.
W=640 H=360 AV=360 AX=140 AY=0
bg_rgb=40A040
cat > "$cfg/global.ini" << INI
[General]
FirstRun=true
LastVersion=486539266
ConfirmOnExit=false
EnableAutoUpdates=false
[Basic]
Profile=Tha4Test
ProfileDir=Tha4Test
SceneCollection=Tha4Test
SceneCollectionFile=Tha4Test
[OBSWebSocket]
FirstLoad=false
ServerEnabled=false
INI
cat > "$cfg/basic/profiles/Tha4Test/basic.ini" << INI
[General]
Name=Tha4Test
[Video]
BaseCX=$W
BaseCY=$H
OutputCX=$W
OutputCY=$H
FPSType=0
FPSCommon=30
ColorFormat=NV12
ColorSpace=601
ColorRange=Partial
[Output]
Mode=Simple
[SimpleOutput]
FilePath=$work/rec
RecFormat=mkv
RecQuality=Stream
StreamEncoder=x264
RecEncoder=x264
Preset=ultrafast
VBitrate=4000
ABitrate=160
[Audio]
SampleRate=48000
ChannelSetup=Stereo
INI
scale=$(awk "BEGIN { printf \"%.6f\", $AV / 512 }")
cat > "$cfg/basic/scenes/Tha4Test.json" << JSON
{
  "name": "Tha4Test",
  "current_scene": "Scene",
  "current_program_scene": "Scene",
  "scene_order": [{"name": "Scene"}],
  "sources": [
    {"id": "scene", "versioned_id": "scene", "name": "Scene",
     "settings": {"id_counter": 2, "items": [
       {"name": "Background", "id": 1, "visible": true, "locked": false,
        "pos": {"x": 0.0, "y": 0.0}, "scale": {"x": 1.0, "y": 1.0},
        "rot": 0.0, "align": 5, "bounds_type": 0},
       {"name": "Avatar", "id": 2, "visible": true, "locked": false,
        "pos": {"x": $AX.0, "y": $AY.0}, "scale": {"x": $scale, "y": $scale},
        "rot": 0.0, "align": 5, "bounds_type": 0}]}},
    {"id": "color_source_v3", "versioned_id": "color_source_v3", "name": "Background",
     "settings": {"color": $((0xFF000000 | 0x${bg_rgb:4:2}${bg_rgb:2:2}${bg_rgb:0:2})), "width": $W, "height": $H}},
    {"id": "tha4_avatar_source", "versioned_id": "tha4_avatar_source", "name": "Avatar",
     "settings": {"model_folder": "$models_dir/lambda_00", "engine": "cpu_fast", "cpu_threads": 1,
                  "tracking_input": "vmc", "vmc_port": $port, "mirror": false,
                  "breaths_per_minute": 0.0, "auto_blink": false}}
  ],
  "transitions": [],
  "current_transition": "Fade",
  "transition_duration": 300
}
JSON

# The performer: head turns and jaw open/close at 30 Hz, for longer than OBS will run.
"$sender" --port "$port" --seconds 60 > "$work/sender.log" 2>&1 &
sender_pid=$!

export LIBGL_ALWAYS_SOFTWARE=1
# --multi: no "already running" prompt; --minimize-to-tray: no window; --disable-missing-files-check: no
# modal dialog. `timeout` inside xvfb-run makes obs (not the xvfb-run script) the one that gets SIGINT
# after 40 s, and SIGKILL 5 s later, if anything hangs.
xvfb-run -a -s "-screen 0 1280x720x24 -nolisten tcp" \
  timeout -s INT -k 5 40 "$obs_bin" --startrecording --minimize-to-tray --multi \
  --disable-missing-files-check --collection Tha4Test --profile Tha4Test > "$work/obs.stdout" 2>&1 &
runner=$!

obs_pid=
for _ in $(seq 1 80); do
  obs_pid=$( (pgrep -x obs -u "$(id -u)" || true) | while read -r p; do
    # obs started by our `timeout` (child of xvfb-run $runner)
    pp=$(ps -o ppid= -p "$p" | tr -d ' '); ppp=$(ps -o ppid= -p "$pp" 2> /dev/null | tr -d ' ')
    [ "$ppp" = "$runner" ] && echo "$p"
  done | head -1 || true)
  [ -n "$obs_pid" ] && break
  sleep 0.25
done
[ -n "$obs_pid" ] || { cat "$work/obs.stdout"; echo "FAIL: obs did not start"; exit 1; }

log=
started=0 loaded=0
for _ in $(seq 1 100); do  # up to 25 s for the recording and the model
  log=$(ls -t "$cfg"/logs/*.txt 2> /dev/null | head -1 || true)
  if [ -n "$log" ]; then
    grep -q "Recording Start" "$log" && started=1
    grep -qE "\[tha4-avatar\] '[^']*': (loaded |cannot load)" "$log" && loaded=1
    [ $started = 1 ] && [ $loaded = 1 ] && break
  fi
  kill -0 "$obs_pid" 2> /dev/null || break
  sleep 0.25
done
echo "[$(elapsed) s] recording started: $started, model load reported: $loaded"
sleep "$secs"
kill -INT "$obs_pid" 2> /dev/null || true
obs_status=0
wait "$runner" || obs_status=$?
runner=
kill "$sender_pid" 2> /dev/null || true
wait "$sender_pid" 2> /dev/null || true
sender_pid=
echo "[$(elapsed) s] obs exited with status $obs_status"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
log=$(ls -t "$cfg"/logs/*.txt 2> /dev/null | head -1 || true)
if [ -z "$log" ]; then
  cat "$work/obs.stdout"
  echo "FAIL: no OBS log"
  exit 1
fi
echo "---- OBS log ($(basename "$log")): tha4 and key lines"
grep -E "\[tha4-avatar\]|tha4|Recording Start|Recording Stop|Output 'simple_file_output'|Number of memory leaks|==== Shutting down|Failed to|crash" "$log" || true
echo "---- sender: $(tail -1 "$work/sender.log")"

[ $obs_status = 0 ] || fail "obs exit status $obs_status (124/137: timed out and was killed)"
[ $started = 1 ] || fail "no 'Recording Start' in the log"
grep -qE "\[tha4-avatar\] '[^']*': loaded " "$log" || fail "the avatar did not report 'loaded <model>'"
grep -q "\[tha4-avatar\].*error\|\[tha4-avatar\].*cannot" "$log" && fail "the plugin logged an error"
grep -q "==== Shutting down" "$log" || fail "no clean shutdown ('==== Shutting down') in the log"
ls "$cfg"/crashes/* > /dev/null 2>&1 && fail "crash report(s): $(ls "$cfg"/crashes)"
leaks=$(grep -oE "Number of memory leaks: [0-9]+" "$log" | grep -oE "[0-9]+$" || true)
# Debian's obs 29.0.2 reports 1 leak with or without any plugin (docs: obs-plugin-notes.md section 3B).
if [ -z "$leaks" ]; then fail "no 'Number of memory leaks' line (unclean shutdown?)"
elif [ "$leaks" -gt 1 ]; then fail "memory leaks: $leaks (baseline of obs 29.0.2 alone: 1)"
else echo "memory leaks: $leaks (baseline 1)"; fi

rec=$(ls "$work"/rec/*.mkv 2> /dev/null | head -1 || true)
if [ -z "$rec" ]; then
  fail "no recording in $work/rec"
else
  echo "---- recording: $(basename "$rec"), $(stat -c %s "$rec") bytes"
  "$checker" "$rec" --size ${W}x${H} --avatar $AX,$AY,$AV,$AV --bg $bg_rgb --fps 30 \
    --min-seconds $((secs > 3 ? 3 : secs)) ${KEEP_WORK:+--save-frames "$work/frames"} || fail "recording check"
fi
echo "[$(elapsed) s] $([ $failures = 0 ] && echo PASSED || echo "FAILED ($failures)")"
[ $failures = 0 ]
