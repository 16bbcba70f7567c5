#!/usr/bin/env bash
# Every text option of every command given a 100,000-character value, the other options valid
# (issue 15: messages quote a bounded prefix of bad input). Each run must exit 2, print nothing
# on stdout, and keep its message under 1.1 KiB (the error printer's bound is 1 KiB plus the
# "codesim: error: " prefix); an option named in the message is checked where it is known.
codesim=$1
source "$(dirname "$0")/contract_helpers.sh"
long=$(python3 -c "print('q' * 100000)")
mkdir -p "$tmp/published"
printf "m,n,k,tflops\n64,2112,7168,206\n" > "$tmp/published/deepgemm_dense_fp8_gemm.csv"
echo 3f800000 > "$tmp/one.txt"
# bounded NAME PATTERN ARGS...: exit 2, empty stdout, PATTERN in a message under 1.1 KiB.
bounded() {
  local name=$1 pattern=$2; shift 2
  expect_error "$name" "" "$pattern" "$codesim" "$@"
  local size
  size=$(wc -c < "$tmp/err")
  [ "$size" -lt 1130 ] && ok || fail "$name: a $size-byte message repeats the value"
}
g=(--m 128 --n 128 --k 128)
bounded gemm-device "" gemm "${g[@]}" --device "$long"
bounded gemm-proposal "--proposal q" gemm "${g[@]}" --proposal "$long"
bounded gemm-proposal-parameter "tc-group-scaling" gemm "${g[@]}" --proposal "tc-group-scaling:accum=$long"
bounded gemm-kernel "--kernel" gemm "${g[@]}" --kernel "$long"
bounded gemm-l2 "--l2-at-start" gemm "${g[@]}" --l2-at-start "$long"
bounded gemm-trace "--trace" gemm "${g[@]}" --trace "/nonexistent/$long"
bounded gemm-layout "--layout" gemm "${g[@]}" --layout "$long"
for c in run compare; do
  bounded "$c-workload" "" $c --workload "$long"
  bounded "$c-device" "" $c --workload decode-ep144 --device "$long"
  bounded "$c-proposal" "--proposal" $c --workload decode-ep144 --proposal "$long"
  bounded "$c-proposal-parameter" "near-memory-cast" $c --workload decode-ep144 --proposal "near-memory-cast:$long=1"
done
bounded run-cluster "--cluster" run --workload decode-ep144 --cluster "$long"
bounded run-trace "--trace" run --workload decode-ep144 --trace "/nonexistent/$long"
a=(--op dispatch --ep 8 --tokens 128)
bounded alltoall-mode "mode" alltoall --mode "$long" "${a[@]}"
bounded alltoall-cluster "--cluster" alltoall --mode normal "${a[@]}" --cluster "$long"
bounded alltoall-proposal "--proposal" alltoall --mode normal "${a[@]}" --proposal "$long"
bounded alltoall-trace "--trace" alltoall --mode normal "${a[@]}" --trace "/nonexistent/$long"
bounded workload-name "unknown workload" workload show "$long"
bounded workload-out "" workload show decode-ep144 --out "/nonexistent/$long"
bounded workload-scores "score generator" workload show decode-ep144 --scores "$long"
bounded validate-published "" validate --published "$long"
bounded validate-device "" validate --published "$tmp/published" --device "$long"
bounded validate-cluster "" validate --published "$tmp/published" --cluster "$long"
bounded validate-profile "--profile" validate --published "$tmp/published" --profile "$long"
bounded validate-reference "" validate --reference "$long"
bounded calibrate-out "--out" calibrate --published "$tmp/published" --out "/nonexistent/$long"
bounded calibrate-cluster "" calibrate --published "$tmp/published" --cluster "$long" --out "$tmp/c.json"
bounded dot-model "--model" numerics dot --model "$long"
bounded dot-input "" numerics dot --model hopper-fp8 --input "$long"
bounded dot-in "--in" numerics dot --model hopper-fp8 --in "$long"
bounded dot-out "--out" numerics dot --model hopper-fp8 --out "$long"
bounded convert-to "--to" numerics convert --to "$long" --input "$tmp/one.txt"
bounded convert-round "--round" numerics convert --to e4m3 --round "$long"
bounded numerics-gemm-recipe "--recipe" numerics gemm --recipe "$long"
bounded numerics-gemm-promote "--recipe" numerics gemm --recipe "promote:$long"
bounded numerics-gemm-proposal "--proposal" numerics gemm --proposal "$long"
bounded numerics-inputs-out "--out" numerics inputs --out "/nonexistent/$long"
bounded numerics-check "" numerics check --reference "$long"
bounded reference-shapes-out "--out" reference shapes --published "$tmp/published" --out "/nonexistent/$long"
bounded report-out "" report numerics --out "/nonexistent/$long"
bounded unexpected-argument "not expected" proposals list "$long"
# A cluster the folder's rows never need is still refused (it used to pass unread, exit 0).
bounded validate-unused-cluster "no-such-cluster" validate --published "$tmp/published" --cluster no-such-cluster
finish
