#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A Java program: HotSpot implements Java's locks on a per-thread park
# event (a pthread condvar), so the libc sees only condition variables.
# Two threads deadlocked on `synchronized` must not get "No deadlock
# found.": their waits are Java monitor enters whose owner is not read
# (HotSpot re-checks every second, so how long they waited is not known
# either): exit 3, and the verdict says jstack analyses Java locks.  An
# idle JVM (a pool parked on an empty queue, a thread in Object.wait())
# answers 0, still saying what is not analysed.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/integration/locks-lib.sh"
JAVA=$(command -v java) && JAVAC=$(command -v javac) ||
	skip "no JDK (java and javac): install default-jdk-headless"

"$JAVAC" -d "$TEST_TMP" "$TESTS_SRCDIR/fixtures/LockJava.java" ||
	fail "javac failed"
# small and quiet: one GC thread, no JIT compiler threads
jvm() {
	start_program "java-$1" "$JAVA" -Xmx32m -XX:+UseSerialGC -Xint -XX:-UsePerfData \
		-cp "$TEST_TMP" LockJava "$1"
}

# monitor_waits: how many threads are in a Java monitor enter
monitor_waits() {
	jq '[.threads[] | select(.wait.detail // "" | startswith("Java monitor"))] | length' "$J"
}

jvm abba
pid=$FIX_PID
deadline=$((SECONDS + 120))
until snapshot "$pid" --stuck 1 && [ "$RC" = 3 ] && [ "$(monitor_waits)" = 2 ]; do
	[ $SECONDS -lt $deadline ] || fail "the two Java threads never showed as monitor waits (rc $RC): $(jq -c '[.threads[] | {name, wait}]' "$J")"
	sleep 0.5
done
jq -e '.runtime == "HotSpot JVM"' "$J" >/dev/null || fail "runtime: $(jq -c .runtime "$J")"
expect_deadlocks cycle 0
for n in jtransfer jaudit; do
	t=$(tid_of $n)
	jq -e --argjson t "$t" '
		(.threads[] | select(.tid == $t) | .wait.kind == "futex" and .wait.owner_tid == null and
		 (.wait.flags | index("rechecks")) and
		 (.wait.flags | index("timed") | not) and .verdict == "stuck") and
		(.undecided | index($t))' "$J" >/dev/null ||
		fail "$n: not an undecided Java monitor wait: $(jq -c --argjson t "$t" '.threads[] | select(.tid == $t) | {verdict, wait}' "$J")"
done
cp "$J" "$TEST_TMP/abba.json"

run_cdl -p "$pid" --dump --stuck 1
expect_rc 3
grep -q 'No deadlock proven, but .* on locks whose owner is not known (Java monitor' "$TEST_TMP/out" ||
	fail "no undecided verdict: $(head -6 "$TEST_TMP/out")"
grep -q "This process runs a Java VM (HotSpot).*\`jstack $pid\` reports Java deadlocks" "$TEST_TMP/out" ||
	fail "the verdict does not point at jstack: $(head -6 "$TEST_TMP/out")"
if grep -q 'No deadlock found' "$TEST_TMP/out"; then
	fail "a Java deadlock reported as all clear"
fi
# the saved snapshot says the same
run_cdl --load "$TEST_TMP/abba.json" --dump --stuck 1
expect_rc 3
grep -q "jstack $pid" "$TEST_TMP/out" || fail "--load lost the runtime"

# JIT code is named from the perf map the runtime writes on request, as
# perf does (the map is this test's: removed at exit)
if JCMD=$(command -v jcmd); then
	PERFMAP=/tmp/perf-$pid.map
	trap 'rm -f "$PERFMAP"; cleanup' EXIT
	"$JCMD" "$pid" Compiler.perfmap >/dev/null 2>&1 || fail "jcmd $pid Compiler.perfmap failed"
	[ -s "$PERFMAP" ] || fail "jcmd wrote no $PERFMAP"
	snapshot "$pid" --stuck 1
	jq -e --arg m "perf-$pid.map" --argjson t "$(tid_of jtransfer)" '
		[.threads[] | select(.tid == $t) | .frames[] | select(.module != null and (.module | endswith($m)))] |
		length > 0 and all(.function != null)' "$J" >/dev/null ||
		fail "no frame named from $PERFMAP: $(jq -c --argjson t "$(tid_of jtransfer)" '[.threads[] | select(.tid == $t) | .frames[] | {function, module}]' "$J")"
else
	note "no jcmd: JIT frames from the perf map not checked"
fi

jvm idle
pid=$FIX_PID
deadline=$((SECONDS + 120))
until snapshot "$pid" --stuck 1 &&
      jq -e '[.threads[] | select(.name == "jpool" or .name == "jwait") | .verdict] == ["idle", "idle"]' "$J" >/dev/null; do
	[ $SECONDS -lt $deadline ] || fail "pool and waiter never idle: $(jq -c '[.threads[] | select(.name | startswith("j")) | {name, verdict, wait}]' "$J")"
	sleep 0.5
done
expect_rc 0
jq -e '.runtime == "HotSpot JVM" and (has("undecided") | not)' "$J" >/dev/null ||
	fail "idle JVM: $(jq -c '{runtime, undecided}' "$J")"
jq -e '(.threads[] | select(.name == "jpool") | .wait.detail | startswith("Java LockSupport.park")) and
       (.threads[] | select(.name == "jwait") | .wait.detail == "Java Object.wait()")' "$J" >/dev/null ||
	fail "idle waits not named: $(jq -c '[.threads[] | select(.name == "jpool" or .name == "jwait") | .wait]' "$J")"
run_cdl -p "$pid" --dump --stuck 1
grep -q "jstack $pid" "$TEST_TMP/out" || fail "an idle JVM's verdict does not say Java locks are not analysed"
exit 0
