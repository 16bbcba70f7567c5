#!/usr/bin/env bash
# Values that used to pass silently or fail with raw library text (issue 15): a seed that
# wraps or clamps, a data folder that does not exist, a name longer than the file system
# allows, and a catalogue with a bad file, which must not print half a listing first.
codesim=$1
source "$(dirname "$0")/contract_helpers.sh"
data=$(dirname "$0")/../../workloads/data
for seed in -1 18446744073709551616 12345678901234567890123 1e3; do
  expect_error "seed $seed" "" "--seed: must be a whole number from 0 to 18446744073709551615" \
    "$codesim" workload show decode-ep144 "--seed=$seed"
  expect_error "alltoall seed $seed" "" "--seed: must be a whole number" \
    "$codesim" alltoall --mode low-latency --op dispatch --ep 8 --tokens 8 "--seed=$seed"
done
expect_error "numerics gemm seed -1" "" "--seed: must be a whole number" \
  "$codesim" numerics gemm --m 64 --n 64 --k 128 --recipe fast-accum --seed=-1
# The largest seed is a seed like any other.
"$codesim" workload show decode-ep144 --seed 18446744073709551615 >/dev/null && ok || fail "seed 2^64-1 refused"
expect_error no-data-folder "" "/nonexistent/models: no such folder of model files (CODESIM_WORKLOAD_DATA is /nonexistent)" \
  env CODESIM_WORKLOAD_DATA=/nonexistent "$codesim" workload list
long=$(python3 -c "print('x' * 100000)")
expect_error long-name "" "unknown workload 'xxxxxxxx.*(100000 characters)'" "$codesim" workload show "$long"
expect_error long-path "" "(100007 characters): cannot open the file: File name too long" \
  "$codesim" workload show "./$long.json"
[ "$("$codesim" workload show "$long" 2>&1 | wc -c)" -lt 1000 ] && ok || fail "long-name: the message repeats the name"
expect_error long-l2-state "" "--l2-at-start: 'b-tail/xxxx.*(100007 characters)': expected flushed or b-tail" \
  "$codesim" gemm --m 128 --n 128 --k 128 --l2-at-start "b-tail/$long"
[ "$("$codesim" gemm --m 128 --n 128 --k 128 --l2-at-start "b-tail/$long" 2>&1 | wc -c)" -lt 1000 ] && ok ||
  fail "long-l2-state: the message repeats the value"
# Paths and names given as options are quoted to a bounded prefix too.
mkdir -p "$tmp/published"
printf "m,n,k,tflops\n64,2112,7168,206\n" > "$tmp/published/deepgemm_dense_fp8_gemm.csv"
for args in "validate --published $tmp/published --profile $long" "validate --published ./$long" \
            "alltoall --mode normal --op dispatch --ep 8 --tokens 128 --trace /nonexistent/$long"; do
  [ "$("$codesim" $args 2>&1 | wc -c)" -lt 1000 ] && ok || fail "long option value repeated: ${args:0:40}"
done
expect_error long-kernel "" "--kernel: unknown GEMM kernel generation 'xxxx.*(100000 characters)'" \
  "$codesim" gemm --m 128 --n 128 --k 128 --kernel "$long"
[ "$("$codesim" gemm --m 128 --n 128 --k 128 --kernel "$long" 2>&1 | wc -c)" -lt 1000 ] && ok ||
  fail "long-kernel: the message repeats the value"
# A catalogue whose last scenario is bad: an error, and no listing before it.
mkdir -p "$tmp/data"
cp -r "$data/models" "$data/scenarios" "$tmp/data/"
echo '{"name": "zz-bad"}' >"$tmp/data/scenarios/zz-bad.json"
for json in "" --json; do
  expect_error "list-bad-file $json" "" "zz-bad.json" env CODESIM_WORKLOAD_DATA="$tmp/data" "$codesim" workload list $json
done
finish
