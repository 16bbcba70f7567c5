#!/usr/bin/env bash
# codesim workload list/show as a user scripts it: the catalogue, JSON output, determinism,
# and bad input (error naming file, field and value; exit status 2; nothing written).
codesim=$1
source "$(dirname "$0")/contract_helpers.sh"

list=$("$codesim" workload list)
for name in train-ep64 prefill-ep32 decode-ep320 decode-ep144 decode-ep128 deepseek-v3 kimi-k2 qwen3-235b-a22b mixtral-8x22b zipf; do
  grep -q "$name" <<<"$list" && ok || fail "workload list lacks $name"
done
"$codesim" workload list --json | grep -q '"score_generators"' && ok || fail "workload list --json"

"$codesim" workload show decode-ep128 --seed 7 --json >"$tmp/a.json" && ok || fail "show --json exit"
grep -q '"schema": "codesim.workload/1"' "$tmp/a.json" && ok || fail "JSON lacks the schema tag"
grep -q '"bytes_per_copy": 7408' "$tmp/a.json" && ok || fail "low-latency FP8 dispatch is not 7408 B per copy"
"$codesim" workload show decode-ep128 --seed 7 --json --threads 1 >"$tmp/b.json"
cmp -s "$tmp/a.json" "$tmp/b.json" && ok || fail "same seed gave different output"
"$codesim" workload show decode-ep128 --seed 8 --json >"$tmp/c.json"
cmp -s "$tmp/a.json" "$tmp/c.json" && fail "different seeds gave the same draw" || ok
"$codesim" workload show decode-ep128 --seed 7 --out "$tmp/d.json" >/dev/null && cmp -s "$tmp/a.json" "$tmp/d.json" && ok ||
  fail "--out differs from --json"

summary=$("$codesim" workload show train-ep64 --gpu 63)
grep -q "dispatch e4m3 7392 B/token, combine bf16 14336 B/token" <<<"$summary" && ok || fail "wire sizes in summary"
grep -q "GPU 63 (node 7)" <<<"$summary" && ok || fail "--gpu 63"
grep -q "routed.gate_up.wgrad" <<<"$summary" && ok || fail "training lists weight-gradient GEMMs"
"$codesim" workload show decode-ep144 --skew 1.2 | grep -q "scores zipf, skew 1.2" && ok || fail "--skew implies zipf"

expect_error unknown-workload '' "unknown workload 'train-ep65'" "$codesim" workload show train-ep65
expect_error bad-gpu '' "--gpu 64: scenario train-ep64 has GPUs 0..63" "$codesim" workload show train-ep64 --gpu 64
expect_error bad-skew '' "skew" "$codesim" workload show train-ep64 --skew -1
expect_error bad-scores '' "unknown score generator 'pareto'" "$codesim" workload show train-ep64 --scores pareto
# NaN and infinity fail every comparison, so a range check must refuse them explicitly
# (--skew nan once passed the [0, 16] check and crashed the routing).
for v in nan -nan NAN inf -inf 1e999; do
  expect_error "skew-$v" '' "--skew.*'$v' is not a finite number in \[0, 16\]" \
    "$codesim" workload show decode-ep144 --skew "$v" --scores zipf
done
expect_error skew-without-zipf '' "has no skew" "$codesim" workload show train-ep64 --scores independent --skew 0.5

data=$(dirname "$0")/../../workloads/data/scenarios
sed 's/"micro_batches": 1/"micro_batches": 1, "micro_batch": 2/' "$data/train-ep64.json" >"$tmp/typo.json"
expect_error unknown-field '' "typo.json: field /tokens/micro_batch = 2: unknown field" "$codesim" workload show "$tmp/typo.json"
sed 's/"redundant": 32/"redundant": 30/' "$data/prefill-ep32.json" >"$tmp/indivisible.json"
expect_error indivisible '' "indivisible.json: field /experts/redundant = 30:.*do not divide over 32 GPUs" \
  "$codesim" workload show "$tmp/indivisible.json"
# The JSON reader's limits: a key given twice, nesting past 64 levels (100,000 once overflowed
# the stack; refused within seconds), a number beyond a double, a huge value quoted in part.
sed 's/"micro_batches": 1/"micro_batches": 1, "micro_batches": 2/' "$data/train-ep64.json" >"$tmp/twice.json"
expect_error duplicate-key '' "twice.json: field /tokens/micro_batches: the key appears twice" \
  "$codesim" workload show "$tmp/twice.json"
python3 -c "print('{\"name\": '+'['*100000+']'*100000+'}')" >"$tmp/deep.json"
expect_error deep-nesting '' "deep.json: field /name/0/0.*nested deeper than 64 levels" \
  timeout 10 "$codesim" workload show "$tmp/deep.json"
sed 's/"micro_batches": 1/"micro_batches": 1e999/' "$data/train-ep64.json" >"$tmp/overflow.json"
expect_error number-overflow '' "overflow.json: field /tokens/micro_batches = 1e999: the number is beyond the range of a double" \
  "$codesim" workload show "$tmp/overflow.json"
python3 - "$data/train-ep64.json" "$tmp/huge.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); d['name'] = 2 * 10 ** 6 * [0]
json.dump(d, open(sys.argv[2], 'w'))
EOF
expect_error huge-value '' "huge.json: field /name = \[0,0,0.*characters): must be a string" \
  "$codesim" workload show "$tmp/huge.json"
[ "$(wc -c <"$tmp/err")" -lt 1000 ] && ok || fail "huge-value: a $(wc -c <"$tmp/err")-byte message"
printf '{ "name": ' >"$tmp/broken.json"
expect_error malformed '' "broken.json:1:" "$codesim" workload show "$tmp/broken.json"
expect_error no-output-on-error '' "unknown field" "$codesim" workload show "$tmp/typo.json" --out "$tmp/never.json"
[ -e "$tmp/never.json" ] && fail "--out wrote a file despite the error" || ok

finish
