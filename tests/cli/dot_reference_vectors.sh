#!/usr/bin/env bash
# `codesim numerics dot` against the published H100 tensor-core vectors, through the
# command line exactly as a user scripts it. Exit 77 (skipped) when the data is absent.
set -euo pipefail
codesim=$1
data=${CODESIM_TENSOR_CORE_DATA:-$2}/H100
if [ ! -d "$data" ]; then
  echo "SKIP: tensor-core reference data not found at $data (set CODESIM_TENSOR_CORE_DATA)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bits_to_hex() { while read -r b; do printf '%08x\n' "$((2#$b))"; done; }
check() {  # folder a b c|- d model in out
  local dir=$data/$1
  if [ "$4" = - ]; then awk '{print "00000000"}' "$dir/$2" >"$tmp/c"; else bits_to_hex <"$dir/$4" >"$tmp/c"; fi
  paste -d' ' "$dir/$2" "$dir/$3" "$tmp/c" | tr -s ' ' >"$tmp/in"
  "$codesim" numerics dot --model "$6" --in "$7" --out "$8" --input "$tmp/in" >"$tmp/got"
  bits_to_hex <"$dir/$5" >"$tmp/want"
  local n bad
  n=$(wc -l <"$tmp/want")
  bad=$(paste "$tmp/got" "$tmp/want" | awk '$1 != $2' | wc -l)
  echo "$1 $6 --out $8: $bad mismatches of $n"
  [ "$n" -eq 5000 ] && [ "$bad" -eq 0 ]
}
check E4M3 a_H100_E4M3.txt b_H100_E4M3.txt - d_H100_fp32.txt hopper-fp8 e4m3 fp32
check bf16 a_H100_bf16.txt b_H100_bf16.txt c_H100_fp32.txt d_H100_fp32.txt hopper-bf16 bf16 fp32
check fp16 a_H100_fp16.txt b_H100_fp16.txt c_H100_fp32.txt d_H100_fp32.txt hopper-fp16 fp16 fp32
check fp16 a_H100_fp16.txt b_H100_fp16.txt c_H100_fp32.txt d_H100_fp16.txt hopper-fp16 fp16 fp16
check tf32 a_H100_tf32.txt b_H100_tf32.txt c_H100_fp32.txt d_H100_fp32.txt hopper-tf32 tf32 fp32
