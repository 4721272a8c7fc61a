#!/usr/bin/env bash
# Runs a command (an OBS test executable) under a virtual X server with Mesa's software GL: the emulator
# CTest runs the OBS tests through, for their discovery and for each test case.
export LIBGL_ALWAYS_SOFTWARE=1
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
exec xvfb-run -a -s "-screen 0 1280x720x24 -nolisten tcp" "$@"
