#!/usr/bin/env bash
# codesim numerics inputs / numerics check / reference shapes / validate --reference as a user
# scripts them around a GPU run: deterministic input folders, all-or-nothing output, the check
# against the published H100 vectors, and bad input (exit status 2 naming the value, nothing
# written). Arguments: codesim, the tensor-core data folder, the published H800 folder; the
# checks that need a data folder are skipped when it is absent.
codesim=$1
tensor_cores=${2:-}
published=${3:-}
source "$(dirname "$0")/contract_helpers.sh"

# Inputs: the same seed writes the same bytes; another seed other bytes.
"$codesim" numerics inputs --out "$tmp/a" --rows 100 --seed 5 >/dev/null && ok || fail "inputs a"
"$codesim" numerics inputs --out "$tmp/b" --rows 100 --seed 5 >/dev/null && ok || fail "inputs b"
"$codesim" numerics inputs --out "$tmp/c" --rows 100 --seed 6 >/dev/null && ok || fail "inputs c"
diff -r "$tmp/a" "$tmp/b" >/dev/null && ok || fail "same seed gave different files"
diff -q "$tmp/a/dot/e4m3-random-c/a.txt" "$tmp/c/dot/e4m3-random-c/a.txt" >/dev/null && fail "seeds 5 and 6 gave the same draw" || ok
[ "$(find "$tmp/a/dot" -name info.txt | wc -l)" -eq 15 ] && ok || fail "expected 15 dot-product sets"
[ "$(find "$tmp/a/gemm" -name a.bin | wc -l)" -eq 4 ] && ok || fail "expected 4 GEMM cases"
expect_error "inputs into a non-empty folder" "" "exists and is not empty" "$codesim" numerics inputs --out "$tmp/a"
expect_error "too few rows" "" "rows 3" "$codesim" numerics inputs --out "$tmp/d" --rows 3
[ ! -e "$tmp/d" ] && [ ! -e "$tmp/d.partial" ] && ok || fail "a failed inputs run left files behind"

# Check: a folder with inputs but no GPU output is an error, not a pass.
expect_error "check without GPU outputs" "" "no GPU outputs found" "$codesim" numerics check --reference "$tmp/a"
# A fake GPU output: the emulator's own results (from `numerics dot`) except row 8, which holds
# the value the 14-bit hypothesis would give for numerics.md's T2 (1.0): exactly that row is
# reported, with the model's 1 + 2^-13 (0x3f800400) against it.
set_dir="$tmp/a/dot/e4m3-edge-vectors"
python3 - "$set_dir" >"$tmp/dot_in.txt" <<'PY'
import sys, pathlib
d = pathlib.Path(sys.argv[1])
a = [l.split() for l in (d / "a.txt").read_text().splitlines()]
b = [l.split() for l in (d / "b.txt").read_text().splitlines()]
c = [format(int(l, 2), "08x") for l in (d / "c.txt").read_text().split()]
for x, y, z in zip(a, b, c):
    print(" ".join(x + y + [z]))
PY
"$codesim" numerics dot --model hopper-fp8 --input "$tmp/dot_in.txt" >"$tmp/dot_out.txt" && ok || fail "numerics dot"
python3 - "$set_dir" "$tmp/dot_out.txt" <<'PY'
import sys, pathlib
d = pathlib.Path(sys.argv[1])
out = [format(int(h, 16), "032b") for h in open(sys.argv[2]).read().split()]
out[8] = format(0x3f800000, "032b")
(d / "d.txt").write_text("\n".join(out) + "\n")
PY
rc=0
"$codesim" numerics check --reference "$set_dir" --json >"$tmp/check.json" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] && ok || fail "check with a mismatch: exit $rc, want 1"
grep -q "1 of 44 dot-product rows differ" "$tmp/err" && ok || fail "check with a mismatch says: $(cat "$tmp/err")"
python3 - "$tmp/check.json" <<'PY' && ok || fail "check on the edge vectors: $(cat "$tmp/err")"
import json, sys
r = json.load(open(sys.argv[1]))["dot"][0]
assert r["rows"] == 44 and r["mismatches"] == 1, r
assert r["first_mismatches"] == [{"row": 8, "emulator": "3f800400", "gpu": "3f800000"}], r
PY
# A published-layout set with a file missing is an error, not a set left out of the count.
mkdir -p "$tmp/partial/H100/E4M3" "$tmp/partial/H100/bf16"
cp "$set_dir/a.txt" "$tmp/partial/H100/E4M3/a_H100_E4M3.txt"
cp "$set_dir/b.txt" "$tmp/partial/H100/E4M3/b_H100_E4M3.txt"
cp "$set_dir/d.txt" "$tmp/partial/H100/E4M3/d_H100_fp32.txt"
cp "$set_dir/d.txt" "$tmp/partial/H100/bf16/d_H100_fp32.txt"
expect_error "check a set without a and b" "" "H100/bf16: an incomplete dot-product set, missing a_<gpu>_<format>.txt b_<gpu>_<format>.txt" \
  "$codesim" numerics check --reference "$tmp/partial"
rm -r "$tmp/partial/H100/bf16" "$tmp/partial/H100/E4M3/d_H100_fp32.txt"
expect_error "check a set without d" "" "H100/E4M3: an incomplete dot-product set, missing d_<gpu>_<fp32|fp16>.txt" \
  "$codesim" numerics check --reference "$tmp/partial"
if [ -n "$tensor_cores" ] && [ -d "$tensor_cores/H100" ]; then
  "$codesim" numerics check --reference "$tensor_cores/H100" >"$tmp/tc.txt" 2>&1 && ok ||
    fail "check on published data (exit $?: 0 without mismatches)"
  grep -q "total: 0 mismatches in 25000 rows" "$tmp/tc.txt" && ok || fail "published H100 vectors: $(tail -1 "$tmp/tc.txt")"
fi

# Shapes: the committed lists are what the command writes.
if [ -n "$published" ] && [ -d "$published" ]; then
  "$codesim" reference shapes --published "$published" --out "$tmp/shapes" >/dev/null && ok || fail "reference shapes"
  diff -r "$tmp/shapes" "$(dirname "$0")/../../reference_gpu/shapes" >/dev/null && ok ||
    fail "reference_gpu/shapes differs from 'codesim reference shapes' (re-run it and commit)"
fi
expect_error "shapes from a missing folder" "" "deepgemm_dense_fp8_gemm.csv" \
  "$codesim" reference shapes --published "$tmp/nowhere" --out "$tmp/s2"

# validate --reference: a measured file in the result schema; errors name file and field.
mkdir -p "$tmp/results"
cat >"$tmp/results/gemm_bench.json" <<'JSON'
{"schema": "codesim.result/1", "source": "reference_gpu", "device": "NVIDIA H100 80GB HBM3",
 "device_info": {"sm_count": 132},
 "results": [{"operator": "fp8_gemm", "shape": {"m": 4096, "n": 7168, "k": 16384}, "time_us": 700.0},
             {"operator": "copy_d2d", "shape": {"bytes": 1073741824}, "time_us": 700.0}]}
JSON
"$codesim" validate --reference "$tmp/results" --json >"$tmp/v.json" 2>"$tmp/err" && ok || fail "validate --reference: $(cat "$tmp/err")"
"$codesim" gemm --device h100-sxm --m 4096 --n 7168 --k 16384 --json >"$tmp/g.json" && ok || fail "gemm"
python3 - "$tmp/v.json" "$tmp/g.json" <<'PY' && ok || fail "validate --reference disagrees with codesim gemm"
import json, sys
v = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))
assert v["device"] == "h100-sxm", v["device"]
assert len(v["rows"]) == 1 and len(v["skipped"]) == 1
r = v["rows"][0]
assert abs(r["predicted_us"] - g["time_us"]) < 1e-9 * g["time_us"], (r, g["time_us"])
assert abs(r["error_percent"] - 100 * (r["predicted_us"] - 700.0) / 700.0) < 1e-9
assert abs(v["mape_percent"] - abs(r["error_percent"])) < 1e-9
PY
sed -i 's/"k": 16384/"k": 0/' "$tmp/results/gemm_bench.json"
expect_error "bad shape" "" "gemm_bench.json: results\[0\].shape.k: '0' is not a positive integer" \
  "$codesim" validate --reference "$tmp/results"
expect_error "both sources" "" "exactly one of --published and --reference" \
  "$codesim" validate --reference "$tmp/results" --published "$tmp/results"
sed -i 's/NVIDIA H100 80GB HBM3/Some GPU/' "$tmp/results/gemm_bench.json"
expect_error "unknown GPU" "" "no device file matches the GPU 'Some GPU'" "$codesim" validate --reference "$tmp/results"
finish
