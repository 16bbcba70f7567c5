#!/usr/bin/env bash
# Fuzzes every parser with libFuzzer: scripts/fuzz.sh [SECONDS per target, default 30] [TARGET...]
# Builds build-fuzz when needed (clang, -DCODESIM_FUZZ=ON: ASan, UBSan and coverage on every
# library a target links), then runs each target (fuzz/<name>_fuzz.cpp; default: all) for
# SECONDS on a fresh copy of its seeds (fuzz/corpus/<name>, which never grows here). Exits 1 on
# the first crash, sanitizer report, leak, out-of-memory or timeout, printing the reproducer
# (kept in build-fuzz/artifacts/<name>/; replay it with build-fuzz/fuzz/<name>_fuzz FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
[ $# -gt 0 ] && shift
build=build-fuzz

# The largest input worth trying per format: above its largest seed (device files are 12 KB),
# small enough that an input stays fast to parse.
declare -A max_len=(
  [dot_lines]=16384 [convert_lines]=4096 [gemm_recipe]=64 [proposal_spec]=256
  [device_file]=32768 [cluster_file]=32768 [model_file]=8192 [scenario_file]=8192 [result_file]=8192
  [dot_set]=16384 [gemm_case]=16384 [shape_lists]=8192 [deepep_rows]=4096 [csv_table]=8192
  [published_gemms]=8192
)

if [ ! -f "$build/build.ninja" ]; then
  # -O1 with line tables: what libFuzzer's documentation advises, and quick to compile.
  cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCODESIM_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    -DCODESIM_BUILD_TESTS=OFF -DCODESIM_BUILD_BENCH=OFF -DCODESIM_BUILD_REFERENCE_GPU=OFF >/dev/null
fi
cmake --build "$build" --target codesim_fuzzers --parallel "$(nproc)"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.cpp; do
    name=$(basename "$f" _fuzz.cpp)
    targets+=("$name")
  done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/codesim-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The targets' scratch folders (fuzz/support/scratch_folder.hpp) go here too: a crash leaves its
# scratch folder behind, and this removes it.
export TMPDIR=$work

for name in "${targets[@]}"; do
  len=${max_len[$name]:-}
  if [ -z "$len" ]; then
    echo "fuzz: no max_len for target '$name' in scripts/fuzz.sh" >&2
    exit 2
  fi
  corpus=$work/corpus/$name
  artifacts=$build/artifacts/$name
  mkdir -p "$corpus" "$artifacts"
  cp fuzz/corpus/"$name"/* "$corpus"/
  log=$work/$name.log
  status=0
  "$build/fuzz/${name}_fuzz" "$corpus" -max_total_time="$seconds" -max_len="$len" -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  echo "fuzz: $name: ${execs:-0} executions in ${seconds} s, coverage ${cov:-0} edges"
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz: $name FAILED (exit $status); reproducer:" >&2
    grep -ao "Test unit written to .*" "$log" | sed 's/Test unit written to /  /' >&2 || true
    exit 1
  fi
done
