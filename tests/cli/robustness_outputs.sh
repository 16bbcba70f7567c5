#!/usr/bin/env bash
# Outputs replace only regular files (issue 15): --out and --trace naming a symbolic link, a
# FIFO, a device node or a directory exit 2 and leave it as it was; an empty path is refused;
# an unusable output path exits 2 in every command family.
codesim=$1
source "$(dirname "$0")/contract_helpers.sh"
# refused NAME PATTERN COMMAND...: exit 2 within 20 s with PATTERN on stderr.
refused() {
  local name=$1 pattern=$2; shift 2
  local rc=0
  timeout 20 "$@" </dev/null >"$tmp/out" 2>"$tmp/err" || rc=$?
  if [ "$rc" -ne 2 ]; then fail "$name: exit $rc, want 2 ($(head -c 300 "$tmp/err"))"; return; fi
  grep -q -- "$pattern" "$tmp/err" && ok || fail "$name: stderr '$(head -c 300 "$tmp/err")' lacks '$pattern'"
}
echo keep >"$tmp/real"
ln -s "$tmp/real" "$tmp/link"
mkfifo "$tmp/fifo"
mkdir "$tmp/folder"
# A character device of our own (never /dev/null: a writer that renamed over it would replace it).
mknod "$tmp/null" c 1 3 2>/dev/null || true
for entry in link fifo folder null; do
  [ -e "$tmp/$entry" ] || [ -L "$tmp/$entry" ] || continue
  case $entry in link) kind="a symbolic link" ;; fifo) kind="a FIFO" ;; folder) kind="a directory" ;; null) kind="a character device" ;; esac
  refused "workload --out $entry" "it exists and is $kind" "$codesim" workload show train-ep64 --out "$tmp/$entry"
  refused "gemm --trace $entry" "it exists and is $kind" "$codesim" gemm --m 128 --n 128 --k 128 --trace "$tmp/$entry"
done
[ -L "$tmp/link" ] && [ "$(cat "$tmp/real")" = keep ] && ok || fail "the symbolic link or its target was replaced"
[ -p "$tmp/fifo" ] && ok || fail "the FIFO was replaced"
[ -d "$tmp/folder" ] && ok || fail "the folder was replaced"
if [ -e "$tmp/null" ]; then [ -c "$tmp/null" ] && ok || fail "the device node was replaced"; fi
# No temporary file is left beside the refused targets.
leftover=$(find "$tmp" -name '.*.tmp-*' | head -1)
[ -z "$leftover" ] && ok || fail "temporary file left behind: $leftover"
# A regular file is still replaced, and a new one created.
"$codesim" workload show train-ep64 --out "$tmp/real" >/dev/null 2>&1 && grep -q '"gpus"' "$tmp/real" && ok ||
  fail "workload show --out over a regular file"
"$codesim" gemm --m 128 --n 128 --k 128 --trace "$tmp/new-trace.json" >/dev/null 2>&1 && [ -f "$tmp/new-trace.json" ] && ok ||
  fail "gemm --trace to a new file"

# An empty path names nothing: refused, not taken as "none" or as the current folder.
refused "reference shapes --out ''" "--out.*empty path" "$codesim" reference shapes --published "$tmp" --out ""
refused "workload show --out ''" "--out.*empty path" "$codesim" workload show train-ep64 --out ""
refused "gemm --trace ''" "--trace.*empty path" "$codesim" gemm --m 128 --n 128 --k 128 --trace ""
refused "run --trace ''" "--trace.*empty path" "$codesim" run --workload train-ep64 --trace ""
refused "report numerics --out ''" "--out.*empty path" "$codesim" report numerics --out ""

# Output-path errors exit 2 in every family (report numerics and workload show exited 1).
refused "report numerics --out file" "exists and is not a directory" "$codesim" report numerics --out "$tmp/real"
refused "workload show --out missing folder" "cannot write '$tmp/missing/w.json'" \
  "$codesim" workload show train-ep64 --out "$tmp/missing/w.json"
finish
