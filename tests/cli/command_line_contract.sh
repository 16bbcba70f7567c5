#!/usr/bin/env bash
# The command-line contract other tools script against: outputs, JSON fields, and bad input
# (error naming line and field, exit status 2, no result printed).
codesim=$1
source "$(dirname "$0")/contract_helpers.sh"
expect_out() {  # name expected command...
  local name=$1 want=$2; shift 2
  local got
  got=$("$@" 2>&1) && [ "$got" = "$want" ] && ok || fail "$name: got '$got' want '$want'"
}

# dot: numerics.md §8.4 T2 (1*1 + 2^-6*2^-7 = 1+2^-13) and T2b (2^-14 is truncated away).
expect_out dot-T2 3f800400 sh -c "echo '3f800000 3c800000 3f800000 3c000000 00000000' | $codesim numerics dot --model hopper-fp8"
expect_out dot-T2b 3f800000 sh -c "echo '3f800000 3c800000 3f800000 3b800000 00000000' | $codesim numerics dot --model hopper-fp8"
# K=64 chains two k32 blocks: the second block sees the first result as c.
line=$( (for i in $(seq 64); do printf '3f800000 '; done; for i in $(seq 64); do printf '3f800000 '; done; echo 3f800000) )
expect_out dot-chain 42820000 sh -c "echo '$line' | $codesim numerics dot --model hopper-fp8"
expect_out convert-e4m3 "$(printf '7e\n7e\n7f\n00')" sh -c "printf '43e00000\n43e80000\n43f00000\n3a000000\n' | $codesim numerics convert --to e4m3"
expect_out convert-sat fe sh -c "echo c4000000 | $codesim numerics convert --to e4m3 --saturate"
expect_out convert-bf16-rz 3f80 sh -c "echo 3f80ffff | $codesim numerics convert --to bf16 --round rz"
expect_out convert-bf16-rne 3f81 sh -c "echo 3f80ffff | $codesim numerics convert --to bf16"

expect_error dot-bad-hex '3f800000 3f80000g 00000000\n' 'stdin:1: field 2 (b\[0\])' "$codesim" numerics dot --model hopper-fp8
expect_error dot-field-count '3f800000 3f800000 00000000\n3f800000 00000000\n' 'stdin:2: expected 2K+1 fields' "$codesim" numerics dot --model hopper-fp8
expect_error dot-not-e4m3 '3f800001 3f800000 00000000\n' 'field 1 (a\[0\]).*not representable in e4m3' "$codesim" numerics dot --model hopper-fp8
expect_error dot-unknown-model '' "unknown model" "$codesim" numerics dot --model volta-fp8
expect_error dot-no-fp16 '' "no FP16 output" "$codesim" numerics dot --model hopper-bf16 --out fp16
expect_error convert-unknown-format '' "unknown format" "$codesim" numerics convert --to e9m99
expect_error convert-two-fields '3f800000 3f800000\n' 'stdin:1: expected one' "$codesim" numerics convert --to bf16
expect_error gemm-unknown-recipe '' "unknown recipe 'promote-128'" "$codesim" numerics gemm --recipe promote-128
expect_error gemm-bad-k '' "k = 100 is not a multiple of 128" "$codesim" numerics gemm --recipe promote:128 --k 100
expect_error gemm-bad-proposal-value '' "bits = '99'" "$codesim" numerics gemm --proposal tc-accum-bits:99
expect_error gemm-unknown-proposal '' "unknown proposal 'tc-magic'" "$codesim" numerics gemm --proposal tc-magic
expect_error gemm-bad-option-value '' "dist" "$codesim" numerics gemm --recipe fast-accum --dist cauchy

# gemm --json: one object with the contract's fields; the same seed gives the same bytes.
"$codesim" numerics gemm --m 16 --n 16 --k 256 --in e4m3 --recipe promote:128 --dist normal --seed 7 --json >"$tmp/j1" || fail gemm-json-run
"$codesim" numerics gemm --m 16 --n 16 --k 256 --in e4m3 --recipe promote:128 --dist normal --seed 7 --json --threads 1 >"$tmp/j2" || fail gemm-json-run2
for key in max_abs_err_over_mean_abs_ref frobenius_rel_err max_elementwise_rel_err; do
  grep -q "\"$key\":" "$tmp/j1" && ok || fail "gemm --json lacks $key"
done
cmp -s "$tmp/j1" "$tmp/j2" && ok || fail "gemm --json differs between runs with the same seed"
[ "$(wc -l <"$tmp/j1")" -eq 1 ] && ok || fail "gemm --json is not one line"

listing=$("$codesim" proposals list)
for p in baseline tc-full-accum tc-accum-bits tc-group-scaling; do
  grep -q "^$p\$" <<<"$listing" && ok || fail "proposals list lacks $p"
done

# Results written to a full device are lost: the command must say so and fail (exit 2), for
# output printed with std::cout and with fmt::print alike, small or larger than a buffer. The
# cause is named where it is known (C stdio does not keep it for every failed write).
if [ -w /dev/full ]; then
  for cmd in "proposals list --json" "proposals list" "workload list --json" "workload show decode-ep128 --json" \
    "workload show decode-ep128" "--help"; do
    rc=0
    # shellcheck disable=SC2086  # the command's words are meant to split
    "$codesim" $cmd >/dev/full 2>"$tmp/err" || rc=$?
    [ "$rc" -eq 2 ] && grep -q "^codesim: error: standard output: " "$tmp/err" && ok ||
      fail "$cmd > /dev/full: exit $rc, stderr '$(cat "$tmp/err")'"
  done
  "$codesim" proposals list --json >/dev/full 2>"$tmp/err"
  grep -q "standard output: No space left on device" "$tmp/err" && ok || fail "/dev/full: cause not named: $(cat "$tmp/err")"
else
  echo "SKIP: /dev/full is absent; the failed-write check did not run"
fi

finish
