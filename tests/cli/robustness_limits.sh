#!/usr/bin/env bash
# Requests that would exhaust memory or time are refused at once (issue 15): a device slower
# than physics allows, and sizes beyond the documented work limits, exit 2 naming the field or
# the limit, in seconds and within a bounded address space.
codesim=$1
source "$(dirname "$0")/contract_helpers.sh"
# A sanitizer build reserves terabytes of address space: bound memory only without one.
limit_memory=""
if ! ldd "$codesim" 2>/dev/null | grep 'libasan\|libtsan' >/dev/null; then limit_memory="ulimit -v 2000000;"; fi
# bounded NAME PATTERN COMMAND...: expect_error, under 30 s and (Release) 2 GB of address space.
bounded() {
  local name=$1 pattern=$2; shift 2
  expect_error "$name" '' "$pattern" bash -c "$limit_memory exec timeout 30 \"\$@\"" bounded "$@"
}
# device FIELD_PATH VALUE: a copy of h800.json with one field changed.
device() {
  python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[3]))
keys = sys.argv[1].split('/')
o = d
for k in keys[:-1]: o = o[k]
o[keys[-1]] = float(sys.argv[2])
d['name'] = 'slow'
json.dump(d, open(sys.argv[4], 'w'))
PY
}
h800=$(dirname "$0")/../../data/devices/h800.json
for case in "hbm/bandwidth_gbps 1e-300" "hbm/bandwidth_gbps 1e-6" "hbm/bandwidth_gbps 9.99" \
            "sm/tensor_fp8_flops_per_clk 1e-300" "sm/tensor_bf16_flops_per_clk 0.5" "l2/latency_ns 1e-300" \
            "network/nvlink_gbps_per_direction 1e-9" "network/nic_gbps 1e-9"; do
  set -- $case
  device "$1" "$2" "$h800" "$tmp/slow.json"
  bounded "device $1=$2" "slow.json: field /$1 = .*must be in \[" "$codesim" gemm --device "$tmp/slow.json" --m 128 --n 128 --k 128
done
# The calibration's efficiencies and L2 rate have hard bounds of their own.
for case in "calibration/parameters/hbm_read_efficiency/value 1e-6" "calibration/parameters/l2_bandwidth_gbps/value 1e-6"; do
  set -- $case
  device "$1" "$2" "$h800" "$tmp/slow.json"
  bounded "device $1=$2" "slow.json: field /$1" "$codesim" gemm --device "$tmp/slow.json" --m 128 --n 128 --k 128
done
# The slowest device the loader accepts still runs in bounded memory: bins widen with the rate.
device hbm/bandwidth_gbps 10 "$h800" "$tmp/slow.json"
python3 - "$tmp/slow.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = d['calibration']['parameters']['hbm_read_efficiency']
p['value'] = p['range'][0] = 0.01
for m in d['calibration']['consistent_set']['members']: m['values']['hbm_read_efficiency'] = 0.01
json.dump(d, open(sys.argv[1], 'w'))
PY
rc=0
bash -c "$limit_memory exec timeout 60 \"\$@\"" slowest "$codesim" gemm --device "$tmp/slow.json" --m 512 --n 512 --k 512 \
  >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 0 ] && grep -q time_us "$tmp/out" && ok || fail "slowest device: exit $rc $(head -c 300 "$tmp/err")"

# Work limits derived from the request, each naming the limit and how to raise it.
bounded gemm-grouped-tiles "tiles per kernel, above the limit of 1048576 (set CODESIM_MAX_TILES" \
  "$codesim" gemm --m 16777216 --n 4096 --k 7168 --groups 16 --layout contiguous
bounded gemm-dense-tiles "tiles per kernel, above the limit of 1048576 (set CODESIM_MAX_TILES" \
  "$codesim" gemm --m 16777216 --n 16777216 --k 128
bounded gemm-iterations "main-loop iterations .* (set CODESIM_MAX_TILE_ITERATIONS" \
  "$codesim" gemm --m 32768 --n 32768 --k 524288
bounded numerics-gemm-macs "needs 549755813888 multiply-accumulates, above the limit of 8589934592 (set CODESIM_MAX_MACS" \
  "$codesim" numerics gemm --m 8192 --n 8192 --k 8192 --recipe fast-accum
bounded numerics-inputs-rows "rows per set, above the limit of 100000 (set CODESIM_MAX_INPUT_ROWS" \
  "$codesim" numerics inputs --rows 10000000 --out "$tmp/inputs"
[ ! -e "$tmp/inputs" ] && ok || fail "numerics inputs wrote $tmp/inputs despite refusing"
# Raising a limit through its variable lets the request through; a malformed value is refused.
CODESIM_MAX_MACS=1 bounded numerics-gemm-lowered "needs 262144 multiply-accumulates, above the limit of 1 " \
  "$codesim" numerics gemm --m 16 --n 16 --k 1024 --recipe fast-accum
CODESIM_MAX_TILES=abc bounded limit-malformed "CODESIM_MAX_TILES = 'abc': must be a positive whole number" \
  "$codesim" gemm --m 128 --n 128 --k 128
CODESIM_MAX_INPUT_ROWS=200000 "$codesim" numerics inputs --rows 64 --out "$tmp/raised" >/dev/null 2>&1 && ok ||
  fail "numerics inputs with CODESIM_MAX_INPUT_ROWS raised"
finish
