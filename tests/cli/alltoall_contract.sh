#!/usr/bin/env bash
# codesim alltoall as a user scripts it: the time and bandwidth lines and the per-link-class
# table, JSON (schema codesim.alltoall/1) whose link classes deliver what they send, the h800
# cluster by default, the Chrome trace (a process per GPU, a track per link class that carried
# bytes), determinism for a seed, and bad input (exit status 2, the value named, nothing
# printed and no file written).
codesim=$1
case $codesim in /*) ;; */*) codesim=$PWD/$codesim ;; esac
here=$(cd "$(dirname "$0")" && pwd)
clusters=$here/../../data/clusters
source "$here/contract_helpers.sh"

small=(--ep 8 --tokens 256)

# 1. Text: the time and bandwidth lines, and a row per link class under the table's header.
if "$codesim" alltoall --mode normal --op dispatch "${small[@]}" >"$tmp/text.txt" 2>"$tmp/err"; then ok; else
  fail "alltoall exit $? ($(cat "$tmp/err"))"; fi
grep -q '^cluster h800  mode normal  op dispatch  EP 8  tokens 256  hidden 7168  SMs 24$' "$tmp/text.txt" && ok ||
  fail "first line: $(head -1 "$tmp/text.txt")"
grep -Eq '^time_us +[0-9]+\.[0-9] ' "$tmp/text.txt" && ok || fail "no time_us line: $(cat "$tmp/text.txt")"
grep -Eq '^bandwidth_gbps +[0-9]+\.[0-9] ' "$tmp/text.txt" && ok || fail "no bandwidth_gbps line"
grep -Eq '^link +links +bytes out +bytes in ' "$tmp/text.txt" && ok || fail "no link-class table header"
for class in nvlink pcie nic fabric hbm sm; do
  grep -Eq "^$class +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ +[0-9.]+$" "$tmp/text.txt" && ok ||
    fail "no table row for $class"
done

# 2. Without --cluster the h800 cluster is used: the same output as naming it, or its file.
"$codesim" alltoall --cluster h800 --mode normal --op dispatch "${small[@]}" >"$tmp/named.txt" 2>/dev/null
cmp -s "$tmp/text.txt" "$tmp/named.txt" && ok || fail "no --cluster differs from --cluster h800"
"$codesim" alltoall --cluster "$clusters/h800.json" --mode normal --op dispatch "${small[@]}" >"$tmp/path.txt" 2>/dev/null
cmp -s "$tmp/text.txt" "$tmp/path.txt" && ok || fail "--cluster data/clusters/h800.json differs from --cluster h800"
"$codesim" alltoall --cluster h100 --mode normal --op dispatch "${small[@]}" | grep -q '^cluster h100 ' && ok ||
  fail "--cluster h100 is not reported"

# 3. JSON, and a Chrome trace from the same run: a process per GPU, the kernel's slice on each
# (the mean of their durations is time_us), and a track per link class that carried bytes.
if "$codesim" alltoall --mode normal --op combine --ep 16 --tokens 128 --json --trace "$tmp/trace.json" \
  >"$tmp/normal.json" 2>"$tmp/err"; then ok; else fail "--json --trace exit $? ($(cat "$tmp/err"))"; fi
check_json normal-json "$tmp/normal.json" "
check(d['schema'] == 'codesim.alltoall/1', f'schema {d.get(\"schema\")}')
check(d['cluster'] == 'h800', f'cluster {d[\"cluster\"]} (the default is h800)')
check((d['mode'], d['op'], d['ep'], d['tokens'], d['hidden'], d['sms']) == ('normal', 'combine', 16, 128, 7168, 24),
      f'request echoed as {d[\"mode\"]} {d[\"op\"]} {d[\"ep\"]} {d[\"tokens\"]} {d[\"hidden\"]} {d[\"sms\"]}')
check(d['time_us'] > 0 and d['max_time_us'] >= d['time_us'], f'time_us {d[\"time_us\"]}, max {d[\"max_time_us\"]}')
check(d['bandwidth_gbps'] > 0, 'bandwidth_gbps not > 0')
links = {l['class']: l for l in d['links']}
check(set(links) == {'nvlink', 'pcie', 'nic', 'fabric', 'hbm', 'sm'}, f'link classes {sorted(links)}')
for c in ('nvlink', 'pcie', 'nic', 'fabric'):
    check(close(links[c]['bytes_out'], links[c]['bytes_in'], 1e-9), f'{c}: {links[c][\"bytes_out\"]} out, {links[c][\"bytes_in\"]} in')
check(links['nic']['bytes_out'] > 0 and links['nvlink']['bytes_out'] > 0, 'EP 16 uses InfiniBand and NVLink')
check(links['hbm']['bytes_other'] > 0 and links['sm']['bytes_other'] > 0, 'copies use memory and SMs')
for l in d['links']:
    check(0 <= l['peak_utilisation'] <= 1 + 1e-9, f'{l[\"class\"]} peak utilisation {l[\"peak_utilisation\"]}')
check(d['flows'] > 0 and d['rate_computations'] > 0, 'no flows')
"
check_json normal-trace "$tmp/trace.json" "
run = json.load(open('$tmp/normal.json'))
ev = d['traceEvents']
procs = {e['pid']: e['args']['name'] for e in ev if e.get('ph') == 'M' and e.get('name') == 'process_name'}
check(all(procs.get(g) == f'GPU {g}' for g in range(16)), f'processes {procs}')
kernels = [e for e in ev if e.get('ph') == 'X' and e.get('cat') == 'kernel']
check(sorted(e['pid'] for e in kernels) == list(range(16)), f'kernel slices on {sorted(e[\"pid\"] for e in kernels)}')
if kernels:
    mean = sum(e['dur'] for e in kernels) / len(kernels)
    check(abs(mean - run['time_us']) <= 1e-3 + 1e-6 * run['time_us'], f'mean kernel slice {mean} != time_us {run[\"time_us\"]}')
    check(max(e['dur'] for e in kernels) <= run['max_time_us'] + 1e-3, 'a kernel slice is longer than max_time_us')
links_pid = [p for p, n in procs.items() if n == 'links']
check(len(links_pid) == 1, f'no links process: {procs}')
if links_pid:
    tracks = {e['args']['name'] for e in ev if e.get('ph') == 'M' and e.get('name') == 'thread_name' and e['pid'] == links_pid[0]}
    used = {l['class'] for l in run['links'] if l['bytes_out'] + l['bytes_other'] > 0}
    check(tracks == used, f'link tracks {sorted(tracks)}, classes with bytes {sorted(used)}')
    busy = [e for e in ev if e.get('ph') == 'X' and e['pid'] == links_pid[0]]
    check(len(busy) > 0, 'no busy intervals on the link tracks')
    check(all(e['ts'] >= 0 and e['dur'] >= 0 and e['ts'] + e['dur'] <= run['max_time_us'] + 1e-3 for e in busy),
          'a link busy interval lies outside the run')
"

# 4. Low-latency: no SMs held (no sm class), every message over RDMA on its first release.
"$codesim" alltoall --mode low-latency --op dispatch --ep 16 --tokens 64 --json >"$tmp/ll.json" 2>"$tmp/err" && ok ||
  fail "low-latency --json exit ($(cat "$tmp/err"))"
check_json low-latency-json "$tmp/ll.json" "
check(d['mode'] == 'low-latency' and d['sms'] == 0, f'mode {d[\"mode\"]}, sms {d[\"sms\"]}')
links = {l['class']: l for l in d['links']}
check('sm' not in links, 'low-latency holds no SMs, yet an sm class is listed')
check(links['nic']['bytes_out'] > 0, 'no RDMA bytes')
check(close(links['nic']['bytes_out'], links['nic']['bytes_in'], 1e-9), 'NIC bytes out != in')
"

# 5. Determinism: the same seed gives the same bytes, another seed another routing.
"$codesim" alltoall --mode low-latency --op dispatch --ep 16 --tokens 64 --json >"$tmp/ll2.json" 2>/dev/null
cmp -s "$tmp/ll.json" "$tmp/ll2.json" && ok || fail "two identical alltoall --json runs differ"
"$codesim" alltoall --mode low-latency --op dispatch --ep 16 --tokens 64 --seed 2 --json >"$tmp/ll3.json" 2>"$tmp/err" &&
  ok || fail "--seed 2 exit ($(cat "$tmp/err"))"
check_json other-seed "$tmp/ll3.json" "
first = json.load(open('$tmp/ll.json'))
check(d['seed'] == 2 and first['seed'] == 1, f'seeds {first[\"seed\"]} and {d[\"seed\"]}')
check(d['time_us'] != first['time_us'], 'seed 2 took exactly the time of seed 1: the routing did not change')
"

# 5b. Bands and proposal columns: every figure with _low <= value <= _high over the cluster's
# consistent set; a proposal column through the communication hook (the baseline proposal
# changes nothing, so its speedup is exactly 1); the exact fluid backend within 2%.
"$codesim" alltoall --mode normal --op dispatch --ep 8 --tokens 256 --proposal baseline --json >"$tmp/cols.json" \
  2>"$tmp/err" && ok || fail "--proposal baseline exit ($(cat "$tmp/err"))"
"$codesim" alltoall --mode normal --op dispatch --ep 8 --tokens 256 --backend fluid-exact --json >"$tmp/exact.json" \
  2>"$tmp/err" && ok || fail "--backend fluid-exact exit ($(cat "$tmp/err"))"
check_json bands "$tmp/cols.json" "
exact = json.load(open('$tmp/exact.json'))
for k in ('time_us', 'max_time_us', 'bandwidth_gbps'):
    check(d[k + '_low'] <= d[k] <= d[k + '_high'], f'{k} {d[k]} outside [{d[k + \"_low\"]}, {d[k + \"_high\"]}]')
check(d['band_members'] >= 1, 'no band members')
check(len(d['proposals']) == 1 and d['proposals'][0]['proposal'] == 'baseline', f'proposals {d[\"proposals\"]}')
p = d['proposals'][0]
check(p['speedup'] == 1 and p['speedup_low'] == 1 and p['speedup_high'] == 1, f'baseline speedup {p[\"speedup\"]}')
check(p['time_us'] == d['time_us'] and p['sms'] == 24, 'the baseline column differs from the run')
check(exact['backend'] == 'fluid-exact' and d['backend'] == 'fluid', 'backend not echoed')
check(abs(exact['time_us'] / d['time_us'] - 1) < 0.02, f'fluid {d[\"time_us\"]} vs fluid-exact {exact[\"time_us\"]}')
"
"$codesim" alltoall --mode normal --op dispatch --ep 8 --tokens 256 | grep -q '^time_us  *[0-9.]* \[[0-9.]*, [0-9.]*\]' &&
  ok || fail "time_us printed without its band"

# 6. Bad input: exit status 2, a message naming the value, nothing on stdout, and no file
# written: every case runs in an empty folder and asks for a trace there.
mkdir -p "$tmp/cwd"
cd "$tmp/cwd" || exit 1
never=(--trace "$tmp/cwd/never.json")
sed 's/"nodes": 256,/"nodes": 256, "nodez": 1,/' "$clusters/h800.json" >"$tmp/typo.json"
expect_error cluster-unknown-field '' "typo.json: field /nodez = 1: unknown field" \
  "$codesim" alltoall --cluster "$tmp/typo.json" --mode normal --op dispatch "${small[@]}" "${never[@]}"
sed 's/"bandwidth_gbps_per_direction": [0-9.]*/"bandwidth_gbps_per_direction": -64/' "$clusters/h800.json" >"$tmp/negative.json"
expect_error cluster-negative-bandwidth '' "negative.json: field /pcie/bandwidth_gbps_per_direction = -64" \
  "$codesim" alltoall --cluster "$tmp/negative.json" --mode normal --op dispatch "${small[@]}" "${never[@]}" --json
printf '{ "schema": ' >"$tmp/broken.json"
expect_error cluster-malformed '' "broken.json:1:" \
  "$codesim" alltoall --cluster "$tmp/broken.json" --mode normal --op dispatch "${small[@]}" "${never[@]}"
expect_error cluster-unknown-name '' "unknown cluster 'h900'.*h100, h200, h800" \
  "$codesim" alltoall --cluster h900 --mode normal --op dispatch "${small[@]}" "${never[@]}"
expect_error ep-not-dividing-experts '' "EP 12 does not divide the 256 experts" \
  "$codesim" alltoall --mode normal --op dispatch --ep 12 --tokens 64 "${never[@]}"
expect_error ep-above-cluster '' "EP 4096 is more than the 2048 GPUs" \
  "$codesim" alltoall --mode low-latency --op dispatch --ep 4096 --tokens 64 "${never[@]}"
expect_error sms-above-device '' "--sms 134 is more than the 132 SMs" \
  "$codesim" alltoall --mode normal --op dispatch "${small[@]}" --sms 134 "${never[@]}"
expect_error sms-odd '' "even number of SMs" \
  "$codesim" alltoall --mode normal --op dispatch "${small[@]}" --sms 7 "${never[@]}"
expect_error sms-with-low-latency '' "--sms: mode low-latency holds no SMs" \
  "$codesim" alltoall --mode low-latency --op dispatch "${small[@]}" --sms 24 "${never[@]}"
expect_error sms-with-low-latency-nvlink '' "--sms: mode low-latency-nvlink holds no SMs" \
  "$codesim" alltoall --mode low-latency-nvlink --op combine "${small[@]}" --sms 24 "${never[@]}" --json
expect_error unknown-mode '' "unknown mode 'ring' (known: low-latency, low-latency-nvlink, normal)" \
  "$codesim" alltoall --mode ring --op dispatch "${small[@]}" "${never[@]}"
expect_error unknown-op '' "--op" "$codesim" alltoall --mode normal --op reduce "${small[@]}" "${never[@]}"
expect_error hidden-not-128 '' "--hidden 7000" \
  "$codesim" alltoall --mode normal --op dispatch "${small[@]}" --hidden 7000 "${never[@]}"
expect_error no-tokens '' "--tokens" "$codesim" alltoall --mode normal --op dispatch --ep 8 --tokens 0 "${never[@]}"
expect_error trace-folder-missing '' "--trace $tmp/cwd/none/t.json" \
  "$codesim" alltoall --mode normal --op dispatch "${small[@]}" --trace "$tmp/cwd/none/t.json"
expect_error unknown-proposal '' "--proposal warp-drive" \
  "$codesim" alltoall --mode normal --op dispatch "${small[@]}" --proposal warp-drive "${never[@]}"
expect_error unknown-backend '' "unknown network backend 'packet'" \
  "$codesim" alltoall --mode normal --op dispatch "${small[@]}" --backend packet "${never[@]}"
[ -z "$(ls -A "$tmp/cwd")" ] && ok || fail "files written despite errors: $(ls -A "$tmp/cwd")"

finish
