#!/usr/bin/env bash
# One command on a GPU machine: build reference_gpu on its own, run every program's self-test,
# then the benchmarks, then (when codesim wrote them on a CPU machine) the numerics probes.
#
#   reference_gpu/run_all.sh [--inputs DIR] [--out DIR]
#
#   --inputs DIR  inputs written by `codesim numerics inputs` (dot-product sets and GEMM cases)
#                 (default reference_gpu/inputs; the probes are skipped when it does not exist)
#   --out DIR     results folder (default reference_gpu/results/<device>, <device> being the GPU's
#                 name in lower case with every run of other characters as '-', as
#                 device_folder_name() in common/result_json.cpp names it)
#
# Every step's output goes to <results>/run_all.log. The first failing step stops the run.
# Exit status: 0 done, 1 a step failed, 2 bad arguments, 77 no GPU (nothing run).
set -euo pipefail

usage() { echo "usage: reference_gpu/run_all.sh [--inputs DIR] [--out DIR]"; }

start_dir=$PWD
inputs=""
results=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --inputs) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; inputs=$2; shift 2 ;;
    --out) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; results=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run_all.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

# Paths given relative to where the script was called from, before moving to the repository root.
absolute() { if [[ $1 = /* ]]; then echo "$1"; else echo "$start_dir/$1"; fi; }
[[ -n $inputs ]] && inputs=$(absolute "$inputs")
[[ -n $results ]] && results=$(absolute "$results")
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! gpu_name=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1) || [[ -z $gpu_name ]]; then
  echo "run_all.sh: skipped: no NVIDIA GPU (nvidia-smi found none)"
  exit 77
fi
device=$(echo "$gpu_name" | tr '[:upper:]' '[:lower:]' | sed -E 's/[^a-z0-9]+/-/g; s/^-+//; s/-+$//')
[[ -n $device ]] || device=unknown-device
inputs=${inputs:-$PWD/reference_gpu/inputs}
results=${results:-$PWD/reference_gpu/results/$device}
mkdir -p "$results"
log=$results/run_all.log
: >"$log"
build="build-gpu"

names=()
statuses=()
files=()

print_table() {
  printf '\n%-32s %-8s %s\n' step status file
  local i
  for i in "${!names[@]}"; do printf '%-32s %-8s %s\n' "${names[$i]}" "${statuses[$i]}" "${files[$i]}"; done
}

# run_step NAME FILE COMMAND...: runs COMMAND with its output shown and logged; exit 77 (no
# usable GPU for that program) is recorded as skipped, any other failure ends the run.
run_step() {
  local name=$1 file=$2
  shift 2
  echo "== $name: $*" | tee -a "$log"
  local rc=0
  "$@" 2>&1 | tee -a "$log" || rc=$?
  local status=ok
  if [[ $rc -eq 77 ]]; then status=skipped; fi
  names+=("$name")
  files+=("$file")
  if [[ $rc -ne 0 && $rc -ne 77 ]]; then
    statuses+=("FAILED")
    print_table | tee -a "$log"
    echo "run_all.sh: step '$name' FAILED (exit $rc); see $log" | tee -a "$log"
    exit 1
  fi
  statuses+=("$status")
}

echo "run_all.sh: $gpu_name -> $results" | tee -a "$log"
nvidia-smi 2>&1 | tee -a "$log" >/dev/null
run_step configure "$build" cmake -S reference_gpu -B "$build" -DCMAKE_BUILD_TYPE=Release
run_step build "$build" cmake --build "$build" -j

programs=(gemm_bench quant_bench moe_bench wgmma_probe cublaslt_numerics)
for p in "${programs[@]}"; do
  if [[ -x $build/$p ]]; then run_step "$p --self-test" - "$build/$p" --self-test; fi
done

# The quantisers should load and store 16 bytes per instruction: counts of LDG.E.128 and
# STG.E.128 per quantize kernel in quant_bench's SASS (kept in the results folder).
sass_summary() {
  cuobjdump --dump-sass "$build/quant_bench" >"$results/quant_bench.sass"
  awk '/Function :/ { f = $3 }
       f ~ /quantize/ && /LDG\.E\.128/ { ldg[f]++ }
       f ~ /quantize/ && /STG\.E\.128/ { stg[f]++ }
       END { for (f in ldg) printf "%s: %d LDG.E.128, %d STG.E.128\n", f, ldg[f], stg[f] }' "$results/quant_bench.sass"
}
# The probe must run on the tensor cores' own instructions: QGMMA (FP8) and HGMMA (BF16), one
# kind per N; a probe without them would measure some other path.
probe_sass_summary() {
  cuobjdump --dump-sass "$build/wgmma_probe" >"$results/wgmma_probe.sass"
  grep -oE '(QGMMA|HGMMA)[.A-Z0-9x]*' "$results/wgmma_probe.sass" | sort | uniq -c
  grep -qE 'QGMMA' "$results/wgmma_probe.sass" && grep -qE 'HGMMA' "$results/wgmma_probe.sass"
}
if command -v cuobjdump >/dev/null; then
  run_step "quant_bench SASS" "$results/quant_bench.sass" sass_summary
  run_step "wgmma_probe SASS" "$results/wgmma_probe.sass" probe_sass_summary
fi

for p in gemm_bench quant_bench moe_bench; do
  run_step "$p" "$results/$p.json" "$build/$p" --shapes reference_gpu/shapes --out "$results/$p.json"
done

if [[ -d $inputs ]]; then
  for p in wgmma_probe cublaslt_numerics; do
    run_step "$p" "$results/numerics/$p.json" "$build/$p" --inputs "$inputs" --out "$results/numerics"
  done
  # Is the fused block 32 products for every N (numerics.md section 9, question 2)? d_n<N>.txt
  # beside each set's d.txt; `codesim numerics check` compares every d file.
  for n in 8 128 256; do
    run_step "wgmma_probe --n $n" "$results/numerics/wgmma_probe_n$n.json" \
      "$build/wgmma_probe" --n "$n" --inputs "$inputs" --out "$results/numerics"
  done
else
  echo "run_all.sh: no inputs folder $inputs: wgmma_probe and cublaslt_numerics not run" | tee -a "$log"
fi

print_table | tee -a "$log"
echo "run_all.sh: done; results in $results" | tee -a "$log"
