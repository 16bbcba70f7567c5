# Shared by the command-line contract scripts (sourced): pass/fail counters, a scratch folder
# removed on exit, and the check that bad input fails cleanly.
set -uo pipefail
fails=0
pass=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect_error NAME STDIN PATTERN COMMAND...: exit status 2, nothing on stdout, PATTERN on stderr.
expect_error() {
  local name=$1 input=$2 pattern=$3; shift 3
  local rc=0
  printf '%b' "$input" | "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  if [ "$rc" -ne 2 ]; then fail "$name: exit $rc, want 2 ($(cat "$tmp/err"))"; return; fi
  if [ -s "$tmp/out" ]; then fail "$name: printed results despite the error: $(cat "$tmp/out")"; return; fi
  grep -q -- "$pattern" "$tmp/err" && ok || fail "$name: stderr '$(cat "$tmp/err")' lacks '$pattern'"
}
finish() {
  echo "$pass passed, $fails failed"
  [ "$fails" -eq 0 ]
}
