#!/usr/bin/env bash
# Runs one libFuzzer target under the project's limits: the run_* build targets and the CTest smoke tests
# call it. Seed paths may be folders (read in place) or files (copied into the work corpus); missing ones
# are skipped, so the run works without ../shared.
#
#   run_fuzzer.sh FUZZER WORK_CORPUS DICT SECONDS [SEED_PATH...]   (extra libFuzzer flags: $FUZZ_FLAGS)
set -euo pipefail
fuzzer=$1 work=$2 dict=$3 seconds=$4
shift 4
mkdir -p "$work"
corpora=("$work")
for seed in "$@"; do
  if [ -d "$seed" ]; then corpora+=("$seed"); elif [ -f "$seed" ]; then cp "$seed" "$work/"; fi
done
args=(-max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -print_final_stats=1)
if [ -f "$dict" ]; then args+=(-dict="$dict"); fi
# shellcheck disable=SC2086 # FUZZ_FLAGS holds several flags on purpose
exec "$fuzzer" "${args[@]}" ${FUZZ_FLAGS:-} "${corpora[@]}"
