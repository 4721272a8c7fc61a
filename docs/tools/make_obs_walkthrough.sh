#!/usr/bin/env bash
# Makes the README's one-picture walk-through screenshots (docs/walkthrough_*.png) in the real obs on Xvfb:
# an avatar source holding only a character picture, whose "Make a real-time model of this picture" was pressed
# (the settings the button writes are seeded), its properties opened by a double click on the source, shot while `tha4 distill` runs beside
# OBS and again when the face has been learnt and the source has switched to the run's snapshot. No official teacher weights are needed: the run uses the reduced,
# random-weight teacher of the tests (build/default/test-fixtures/distill/teacher, made by `ctest -L distill`)
# for a few dozen examples, so the pictures show the flow, not a good student.
# Usage: docs/tools/make_obs_walkthrough.sh [BUILD_DIR=build/default] [MODELS_DIR=../shared/models]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build/default}" && pwd)
models=$(cd "${2:-$root/../shared/models}" && pwd)
teacher=$build/test-fixtures/distill/teacher
sizes=$(cd "$root/../shared/golden/teacher" && pwd)/teacher_pipeline.json
[ -f "$teacher/face_morpher.pt" ] || { echo "no reduced teacher in $teacher: run ctest -L distill first" >&2; exit 1; }
work=$(mktemp -d /tmp/tha4-walk.XXXXXX); trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2046  # pkg-config output is a word list
g++ -std=c++17 -O2 "$root/docs/tools/x11_screenshot.cpp" -o "$work/x11_screenshot" -lX11 $(pkg-config --cflags --libs opencv4)
g++ -std=c++17 -O2 "$root/docs/tools/x11_click.cpp" -o "$work/x11_click" -lX11 -l:libXtst.so.6
export THA4_PROGRAM=$build/cli/tha4 OMP_NUM_THREADS=1
prefix=$work/home/.config/obs-studio/plugin_config/tha4-avatar/distill/lambda_00
# Only a picture (no model folder): the source shows it still, or animated by the full system where that is fast
# enough (not with the reduced teacher on a 2-core CPU beside the run), until the run has learnt the face.
avatar_settings='{"model_folder":"","character_image":"'"$models"'/lambda_00/character.png","engine":"cpu_fast","cpu_threads":1,"tracking_input":"none",
 "breaths_per_minute":20.0,"auto_blink":true,"distill_teacher":"'"$teacher"'",
 "distill_picture":"'"$models"'/lambda_00/character.png","distill_prefix":"'"$prefix"'","distill_active":true,
 "debug_distill_teacher_sizes":"'"$sizes"'","debug_distill_run_arguments":"'"${RUN_ARGS:---face-examples 16 --body-examples 8 --threads 1}"'"}'
OBS_SECONDS=${OBS_SECONDS:-400}
# shellcheck source=docs/tools/obs_on_xvfb.sh
. "$root/docs/tools/obs_on_xvfb.sh"
sleep 15
DISPLAY=:77 "$work/x11_screenshot" --crop-largest-window "$root/docs/walkthrough_1_scene.png"
# The source's row in OBS's Sources dock (1600x900 layout of OBS 29 without a window manager).
DISPLAY=:77 "$work/x11_click" ${SOURCE_X:-291} ${SOURCE_Y:-532} --double
# Once the run reports progress (the status line follows within a second or two).
for _ in $(seq 1 "${PROGRESS_WAIT:-120}"); do
  [ -f "$prefix/face_morpher/progress.txt" ] && break
  sleep 1
done
sleep 3
DISPLAY=:77 "$work/x11_screenshot" --crop-window-named "Properties" "$root/docs/walkthrough_2_distilling.png"
# Once the face has been learnt the source switches to the run's snapshot (the body follows; on this 2-core
# machine the reduced body step takes longer than is worth waiting for a picture).
for _ in $(seq 1 "${FACE_WAIT:-300}"); do
  grep -q "finished 1" "$prefix/face_morpher/progress.txt" 2>/dev/null && break
  sleep 1
done
sleep 8
DISPLAY=:77 "$work/x11_screenshot" --crop-window-named "Properties" "$root/docs/walkthrough_3_face_learnt.png"
cp "$prefix/distill.log" "$work/distill.log" 2>/dev/null && tail -5 "$work/distill.log"
kill -INT $opid; wait $opid || true
kill $xpid; wait $xpid 2>/dev/null || true
grep -E "tha4" "$cfg/logs/"*.txt | tail -20
