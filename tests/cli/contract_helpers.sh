# Shared by the command-line contract scripts (sourced): pass/fail counters, a scratch folder
# removed on exit, the check that bad input fails cleanly, and checks on JSON output.
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
# check_json NAME FILE PYTHON: runs PYTHON with d = the parsed FILE; every check(cond, msg)
# it calls counts as one pass or failure. A file that is not JSON, or code that raises, fails.
check_json() {
  local name=$1 file=$2 code=$3 line
  while IFS= read -r line; do
    case "$line" in
      PASS) ok ;;
      *) fail "$name: $line" ;;
    esac
  done < <(python3 - "$file" "$code" 2>&1 <<'EOF'
import json, sys
def check(cond, msg):
    print("PASS" if cond else msg, flush=True)
def close(a, b, rel):
    return abs(a - b) <= rel * max(abs(a), abs(b))
try:
    with open(sys.argv[1]) as f:
        d = json.load(f)
except Exception as e:
    print(f"{sys.argv[1]} is not valid JSON: {e}")
    sys.exit(0)
try:
    exec(sys.argv[2])
except Exception as e:
    print(f"check raised {type(e).__name__}: {e}")
EOF
)
}
finish() {
  echo "$pass passed, $fails failed"
  [ "$fails" -eq 0 ]
}
