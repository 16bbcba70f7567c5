#!/usr/bin/env bash
# codesim run --cluster as a user scripts it: one MoE layer on every GPU of a (small) scenario,
# the baseline and the communication proposals in text and JSON (the shared result schema),
# every GPU's breakdown accounted for, the layer between its critical path and its parts in
# series, the Chrome trace (a process per GPU, tracks for its SM groups and link classes),
# determinism, and scenarios the cluster cannot run (exit status 2, nothing printed, no file).
codesim=$1
case $codesim in /*) ;; */*) codesim=$PWD/$codesim ;; esac
here=$(cd "$(dirname "$0")" && pwd)
scenarios=$here/../../workloads/data/scenarios
clusters=$here/../../data/clusters
source "$here/contract_helpers.sh"

# A two-node prefill scenario with the shipped one's structure, small enough for a test.
python3 - "$scenarios/prefill-ep32.json" "$tmp/small-prefill.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["name"] = "small-prefill"
d["cluster"]["nodes"] = 2
d["parallelism"]["expert"] = d["parallelism"]["attention_data"] = 16
d["tokens"]["per_gpu_per_micro_batch"] = 128
d["experts"].update({"redundant": 0, "placement": "contiguous"})
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
small=(--workload "$tmp/small-prefill.json" --best-fit-only)
comm=(--proposal comm-coprocessor --proposal unified-network --proposal in-network-reduce
      --proposal scale-up-bandwidth:gbps=900)

# 1. Text: the proposal table with every column, and a line per GPU.
if "$codesim" run "${small[@]}" --cluster "${comm[@]}" >"$tmp/text.txt" 2>"$tmp/err"; then ok; else
  fail "run --cluster exit ($(cat "$tmp/err"))"; fi
grep -q '^small-prefill on cluster h800: one MoE layer on each of its 16 GPUs' "$tmp/text.txt" && ok ||
  fail "first line: $(head -1 "$tmp/text.txt")"
for p in baseline comm-coprocessor unified-network in-network-reduce scale-up-bandwidth; do
  grep -Eq "^  $p[^ ]* +[0-9]+\.[0-9] +[0-9.]+x" "$tmp/text.txt" && ok || fail "no row for $p"
done
[ "$(grep -Ec '^ +1[0-5] +[0-9]+\.[0-9] ' "$tmp/text.txt")" -ge 5 ] && ok || fail "GPU lines missing"

# 2. JSON: every GPU of every column, accounted for; the layer between its bounds.
if "$codesim" run "${small[@]}" --cluster h800 "${comm[@]}" --json >"$tmp/a.json" 2>"$tmp/err"; then ok; else
  fail "run --cluster --json exit ($(cat "$tmp/err"))"; fi
check_json layer "$tmp/a.json" "
check(d['schema'].startswith('codesim.result'), f'schema {d.get(\"schema\")}')
check(d['cluster']['name'] == 'h800' and d['workload']['gpus'] == 16, 'cluster or GPU count')
runs = d['runs']
check([r['proposal'].split(':')[0] for r in runs] == ['baseline', 'comm-coprocessor', 'unified-network',
      'in-network-reduce', 'scale-up-bandwidth'], 'columns')
for r in runs:
    check(len(r['gpus']) == 16, f'{r[\"proposal\"]}: {len(r[\"gpus\"])} GPUs')
    end = max(g['end_us'] for g in r['gpus'])
    check(close(r['time_us'], end, 1e-12), f'{r[\"proposal\"]}: time {r[\"time_us\"]} is not the slowest GPU {end}')
    check(r['gpus'][r['slowest_gpu']]['end_us'] == end, 'slowest_gpu is not the slowest')
    check(r['critical_path_us'] <= r['time_us'] * (1 + 1e-12) <= r['sum_of_parts_us'] * (1 + 1e-9),
          f'{r[\"proposal\"]}: {r[\"critical_path_us\"]} <= {r[\"time_us\"]} <= {r[\"sum_of_parts_us\"]} fails')
    for g in r['gpus']:
        check(close(g['compute_us'] + g['communication_exposed_us'] + g['idle_us'], g['end_us'], 1e-9),
              f'GPU {g[\"gpu\"]} not accounted for')
    check(r['bound_by'] in ('compute', 'network', 'both'), 'bound_by')
    check(len(r['alltoalls']) == 4 and r['busiest_link'], 'all-to-alls or busiest link')
    check(r['time_us_low'] <= r['time_us'] <= r['time_us_high'], 'band')
base, cop = runs[0], runs[1]
check(base['communication_sms'] == 24 and cop['communication_sms'] == 0 and cop['compute_sms'] == 132, 'SMs')
check(cop['speedup'] != 1.0 and runs[2]['speedup'] != 1.0 and runs[3]['speedup'] != 1.0, 'a proposal changes nothing')
"
"$codesim" run "${small[@]}" --cluster h800 "${comm[@]}" --json >"$tmp/b.json" 2>/dev/null
cmp -s "$tmp/a.json" "$tmp/b.json" && ok || fail "two identical runs differ"

# 3. The trace: a process per GPU with its compute and communication tracks and link classes.
if "$codesim" run "${small[@]}" --cluster --trace "$tmp/trace.json" >/dev/null 2>"$tmp/err"; then ok; else
  fail "run --cluster --trace exit ($(cat "$tmp/err"))"; fi
check_json trace "$tmp/trace.json" "
events = d['traceEvents'] if isinstance(d, dict) else d
procs = {e['pid'] for e in events if e.get('ph') == 'M' and e.get('name') == 'process_name'}
check(len(procs) == 16, f'{len(procs)} processes')
tracks = {e['args']['name'] for e in events if e.get('ph') == 'M' and e.get('name') == 'thread_name'}
check('compute SMs (108)' in tracks and 'communication SMs (24)' in tracks, f'SM tracks {sorted(tracks)[:6]}')
check('nic links' in tracks and 'nvlink links' in tracks, 'link-class tracks')
cats = {e.get('cat') for e in events if e.get('ph') == 'X'}
check({'compute', 'communication', 'link'} <= cats, f'categories {cats}')
"

# 4. Scenarios the cluster cannot run: more GPUs than it has, a mode it cannot run.
python3 -c "
import json, sys
d = json.load(open(sys.argv[1])); d['nodes'] = 1
json.dump(d, open(sys.argv[2], 'w'))
d['nodes'] = 4; d['fabric']['planes'] = 2
json.dump(d, open(sys.argv[3], 'w'))
" "$clusters/h800.json" "$tmp/one-node.json" "$tmp/two-planes.json"
expect_error too-many-gpus '' "needs 16 GPUs" \
  "$codesim" run "${small[@]}" --cluster "$tmp/one-node.json" --trace "$tmp/never.json"
expect_error mode '' "normal mode forwards by in-node index" \
  "$codesim" run "${small[@]}" --cluster "$tmp/two-planes.json" --trace "$tmp/never.json"
expect_error unknown-cluster '' "--cluster nope" "$codesim" run "${small[@]}" --cluster nope
expect_error gpu-only '' "--best-fit-only" "$codesim" run "${small[@]}" --gpu 0
[ -e "$tmp/never.json" ] && fail "a failed run wrote its trace" || ok

finish
