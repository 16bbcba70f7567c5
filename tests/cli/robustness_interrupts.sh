#!/usr/bin/env bash
# Interrupted runs do not leave their work folders behind for good (issue 15): a run killed by
# SIGTERM leaves `.NAME.staging-PID-N` (report numerics) or `.NAME.partial-PID` (numerics
# inputs); the next run next to the same output removes those of dead processes and keeps
# those of live ones.
codesim=$1
source "$(dirname "$0")/contract_helpers.sh"
# wait_for GLOB...: true once a path matches one of the GLOBs (up to 120 s: a sanitizer build
# on a loaded CI machine starts slowly).
wait_for() {
  for _ in $(seq 1200); do
    for glob in "$@"; do compgen -G "$glob" >/dev/null && return 0; done
    sleep 0.1
  done
  return 1
}
# A process id that is certainly dead: a child that has exited and been reaped.
sh -c 'exit 0' &
dead=$!
wait "$dead"

# report numerics, killed while it computes: its staging folder stays behind.
"$codesim" report numerics --out "$tmp/report" --threads 1 >/dev/null 2>&1 &
first=$!
wait_for "$tmp/.report.staging-$first-*" && ok || fail "report numerics made no staging folder"
kill -TERM "$first"
wait "$first" 2>/dev/null
compgen -G "$tmp/.report.staging-$first-*" >/dev/null && ok || fail "the killed run left no staging folder to clean"
mkdir "$tmp/.report.staging-$dead-3" "$tmp/.report.staging-$$-7"  # dead: removed; this shell's: kept
touch "$tmp/.report.staging-$dead-3/report.md"
# The next run removes the dead runs' folders as it starts; it is then stopped too.
"$codesim" report numerics --out "$tmp/report" --threads 1 >/dev/null 2>&1 &
second=$!
wait_for "$tmp/.report.staging-$second-*" && ok || fail "the second report numerics made no staging folder"
compgen -G "$tmp/.report.staging-$first-*" >/dev/null && fail "the killed run's staging folder is still there" || ok
[ ! -e "$tmp/.report.staging-$dead-3" ] && ok || fail "a dead process's staging folder is still there"
[ -d "$tmp/.report.staging-$$-7" ] && ok || fail "a live process's staging folder was removed"
kill -TERM "$second"
wait "$second" 2>/dev/null

# numerics inputs: the same for its partial folder.
mkdir "$tmp/.inputs.partial-$dead" "$tmp/.inputs.partial-$$"
"$codesim" numerics inputs --rows 100000 --out "$tmp/inputs" >/dev/null 2>&1 &
first=$!
wait_for "$tmp/.inputs.partial-$first" "$tmp/inputs.partial" && ok || fail "numerics inputs made no partial folder"
kill -TERM "$first"
wait "$first" 2>/dev/null
"$codesim" numerics inputs --rows 64 --out "$tmp/inputs" >/dev/null 2>&1 && [ -d "$tmp/inputs/dot" ] && ok ||
  fail "numerics inputs after an interrupted run"
[ ! -e "$tmp/.inputs.partial-$dead" ] && ok || fail "a dead process's partial folder is still there"
[ ! -e "$tmp/.inputs.partial-$first" ] && [ ! -e "$tmp/inputs.partial" ] && ok || fail "the killed run's partial folder is still there"
[ -d "$tmp/.inputs.partial-$$" ] && ok || fail "a live process's partial folder was removed"
finish
