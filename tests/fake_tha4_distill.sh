#!/bin/sh
# A stand-in for `tha4 distill init|run` in the tests of the OBS source's "make a real-time model"
# (plugin/runtime/distillation_job.h): it behaves as $FAKE_DISTILL says, fast, without a teacher.
#   finish — writes progress, then the finished model (a copy of $FAKE_DISTILL_MODEL), exits 0
#   fail   — prints an error and exits 3
#   hang   — writes progress and waits until it is stopped
#   face-only — writes progress and exits 0 without a finished model (a run of one part)
set -e
[ "$1" = distill ] || { echo "fake tha4: only 'distill' ($*)" >&2; exit 64; }
case "$2" in
  init)
    while [ $# -gt 0 ]; do [ "$1" = --out ] && out="$2"; shift; done
    mkdir -p "$out" && echo "fake config" > "$out/config.yaml"
    echo "wrote $out/config.yaml"
    ;;
  run)
    prefix=$(dirname "$3")
    echo "fake run of $prefix with: $*"
    mkdir -p "$prefix/face_morpher"
    printf 'examples 300\ntotal 1000\nexamples_per_second 2\nseconds_left 350\nfinished 0\n' > "$prefix/face_morpher/progress.txt"
    case "$FAKE_DISTILL" in
      fail) echo "error: the teacher's face_morpher.pt is damaged" >&2; exit 3 ;;
      hang) exec sleep 600 ;;
      face-only) exit 0 ;;
    esac
    sleep 1
    printf 'examples 1000\ntotal 1000\nexamples_per_second 2\nseconds_left 0\nfinished 1\n' > "$prefix/face_morpher/progress.txt"
    mkdir -p "$prefix/body_morpher"
    printf 'examples 1500\ntotal 1500\nexamples_per_second 2\nseconds_left 0\nfinished 1\n' > "$prefix/body_morpher/progress.txt"
    cp -r "$FAKE_DISTILL_MODEL" "$prefix/character_model.tmp" && mv "$prefix/character_model.tmp" "$prefix/character_model"
    ;;
  *) echo "fake tha4: distill $2?" >&2; exit 64 ;;
esac
