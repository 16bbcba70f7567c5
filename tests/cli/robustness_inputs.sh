#!/usr/bin/env bash
# Where a file is expected, only a regular file of bounded size is read (issue 15): a device
# node, a FIFO with no writer or a directory is refused with exit 2 naming it, at once (a FIFO
# would block the open, /dev/zero never ends); standard input has a bounded line length.
codesim=$1
source "$(dirname "$0")/contract_helpers.sh"
# quick NAME STDIN_FILE PATTERN COMMAND...: exit 2 within 20 s, PATTERN on stderr, nothing on stdout.
quick() {
  local name=$1 input=$2 pattern=$3; shift 3
  local rc=0
  timeout 20 "$@" <"$input" >"$tmp/out" 2>"$tmp/err" || rc=$?
  if [ "$rc" -ne 2 ]; then fail "$name: exit $rc, want 2 ($(head -c 300 "$tmp/err"))"; return; fi
  if [ -s "$tmp/out" ]; then fail "$name: printed results despite the error"; return; fi
  grep -q -- "$pattern" "$tmp/err" && ok || fail "$name: stderr '$(head -c 300 "$tmp/err")' lacks '$pattern'"
}
mkfifo "$tmp/fifo"
mkdir "$tmp/folder"
quick dot-dev-zero /dev/null "/dev/zero: not a regular file (a character device)" \
  "$codesim" numerics dot --model hopper-fp8 --input /dev/zero
quick dot-folder /dev/null "folder: not a regular file (a directory)" \
  "$codesim" numerics dot --model hopper-fp8 --input "$tmp/folder"
quick convert-fifo /dev/null "fifo: not a regular file (a FIFO)" "$codesim" numerics convert --to bf16 --input "$tmp/fifo"
quick convert-stdin-zero /dev/zero "stdin:1: line longer than 1048576 bytes" "$codesim" numerics convert --to bf16
quick dot-stdin-zero /dev/zero "stdin:1: line longer than 1048576 bytes" "$codesim" numerics dot --model hopper-fp8
quick device-dev-zero /dev/null "/dev/zero: not a regular file (a character device)" \
  "$codesim" gemm --device /dev/zero --m 128 --n 128 --k 128
quick device-fifo /dev/null "fifo: not a regular file (a FIFO)" "$codesim" gemm --device "$tmp/fifo" --m 128 --n 128 --k 128
quick device-folder /dev/null "folder: not a regular file (a directory)" \
  "$codesim" gemm --device "$tmp/folder" --m 128 --n 128 --k 128
quick workload-fifo /dev/null "fifo: not a regular file (a FIFO)" "$codesim" workload show "$tmp/fifo"
# A scenario whose model is a device node or a FIFO.
scenario=$(dirname "$0")/../../workloads/data/scenarios/train-ep64.json
for model in /dev/zero "$tmp/fifo"; do
  python3 - "$scenario" "$model" "$tmp/scenario.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['model'] = sys.argv[2]
json.dump(d, open(sys.argv[3], 'w'))
PY
  quick "scenario-model-$(basename "$model")" /dev/null "$(basename "$model"): not a regular file" \
    "$codesim" workload show "$tmp/scenario.json"
done
# The reference formats (GPU outputs read by numerics check) too: a FIFO for a set's a.txt.
"$codesim" numerics inputs --out "$tmp/inputs" --rows 100 >/dev/null && ok || fail "numerics inputs"
set_dir="$tmp/inputs/dot/e4m3-edge-vectors"
rm "$set_dir/a.txt" && mkfifo "$set_dir/a.txt"
quick check-fifo /dev/null "a.txt: not a regular file (a FIFO)" "$codesim" numerics check --reference "$set_dir"
# A data file over the size limit is refused before it is read.
truncate -s 65M "$tmp/huge.json"
quick device-huge /dev/null "huge.json: 68157440 bytes, more than the 64 MiB" \
  "$codesim" gemm --device "$tmp/huge.json" --m 128 --n 128 --k 128
# Regular files and pipes still work.
echo 3f80ffff >"$tmp/one.txt"
[ "$("$codesim" numerics convert --to bf16 --input "$tmp/one.txt")" = 3f81 ] && ok || fail "convert --input regular file"
[ "$(printf '3f80ffff' | "$codesim" numerics convert --to bf16)" = 3f81 ] && ok || fail "convert: last line without newline"
finish
