#!/usr/bin/env bash
# The whole test suite: install what is missing, then build and run ctest twice, in Release
# and under AddressSanitizer + UndefinedBehaviorSanitizer, then fuzz every parser briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build -DCMAKE_BUILD_TYPE=Release
(cd build && ctest --output-on-failure --parallel "$(nproc)")
# -O1 -g1 (line tables, enough for sanitizer stack traces) halves this build's compile time
# against -O2 -g; CI has two cores and builds from scratch.
scripts/build.sh build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCODESIM_SANITIZE=ON \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DCODESIM_BUILD_BENCH=OFF -DCODESIM_BUILD_REFERENCE_GPU=OFF
(cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure --parallel "$(nproc)")
# Every parser under libFuzzer (clang build of the fuzz targets only, build-fuzz), about a minute in
# all: 45 s shared out, plus about a second of start-up per target. The committed crash inputs
# were already replayed by both ctest runs.
targets=$(ls fuzz/*_fuzz.cpp | wc -l)
scripts/fuzz.sh $(( 45 / targets > 0 ? 45 / targets : 1 ))
