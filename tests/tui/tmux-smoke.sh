#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tmux-smoke.sh - the TUI on a real terminal (tmux) against a deadlocked
# fixture: the deadlock with thread and lock names shows up, the target
# runs while the TUI is open, q gives the shell back with status 0, and a
# SIGTERM does too (with the terminal restored); the target always runs.
. "$TESTS_SRCDIR/lib.sh"

tmux_bin=${TMUX:-}
[ -n "$tmux_bin" ] || tmux_bin=$(command -v tmux 2>/dev/null)
if [ -z "$tmux_bin" ] || [ ! -x "$tmux_bin" ]; then skip "tmux not installed"; fi
unset TMUX          # tmux reads $TMUX as "already inside tmux"

sock=cdl-test-$$
tm() { "$tmux_bin" -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; cleanup' EXIT

FIXTURES=$TOP_BUILDDIR/tests/tui start_fixture tui-deadlock
wait_futex_blocked "$FIX_PID" 2

# a plain shell in a 120x40 pane
tm new-session -d -x 120 -y 40 -s cdl "env -i PATH=$PATH TERM=screen HOME=$TEST_TMP PS1='cdl-shell\$ ' bash --norc --noprofile" ||
	fail "tmux new-session failed"

# how long to wait for the screen: cdeadlock under CDL_WRAPPER (valgrind)
# on a loaded machine can take minutes to draw its first screen (seen:
# over 60 s with no wrapper at load 200, 0.3 s of CPU in 2 min under valgrind);
# these are deadlines for polling, not timing assertions
patience=180
[ -z "${CDL_WRAPPER:-}" ] || patience=600

SCREEN=
# wait_screen PATTERN...: poll the pane until every fixed string shows
wait_screen() {
	local deadline=$((SECONDS + patience)) p ok
	while :; do
		SCREEN=$(tm capture-pane -p -t cdl 2>/dev/null)
		ok=1
		for p in "$@"; do
			grep -qF -- "$p" <<<"$SCREEN" || { ok=0; break; }
		done
		[ $ok = 1 ] && return 0
		if [ $SECONDS -ge $deadline ]; then
			printf '%s\n' "$SCREEN" >&2
			fail "the screen never showed: $*"
		fi
		sleep 0.05
	done
}

# wait_re REGEX: poll the pane until a line matches REGEX (grep -E)
wait_re() {
	local deadline=$((SECONDS + patience))
	while :; do
		SCREEN=$(tm capture-pane -p -t cdl 2>/dev/null)
		grep -qE -- "$1" <<<"$SCREEN" && return 0
		if [ $SECONDS -ge $deadline ]; then
			printf '%s\n' "$SCREEN" >&2
			fail "the screen never showed a line like $1"
		fi
		sleep 0.05
	done
}

# cdl_pid: the cdeadlock process running under the pane's shell
cdl_pid() {
	local sh
	sh=$(tm display-message -p -t cdl '#{pane_pid}')
	pgrep -f -- "-p $FIX_PID --stuck 1" | grep -v "^$sh\$" | while read -r p; do
		case $(cat /proc/"$p"/comm 2>/dev/null) in
		bash | env | sh | '') ;;        # cdeadlock, or its CDL_WRAPPER
		*) echo "$p" ;;
		esac
	done | head -n 1
}

wait_screen 'cdl-shell$'

# run_tui [ENV=VALUE...]: start the TUI in the pane's shell, wait for the
# deadlock on screen
run_tui() {
	# (a non-interactive bash reports the status even of a death by
	# SIGINT, after which an interactive one drops the rest of the line)
	tm send-keys -t cdl "clear; bash -c 'env $* ${CDL_WRAPPER:-} $CDEADLOCK -p $FIX_PID --stuck 1; echo cdl-exit=\$?'" Enter
	# (the hint line is drawn last: the screen is complete)
	wait_screen 'Deadlocks: 1' 'tui-xfer' 'tui-audit' 'lock_alpha' 'lock_beta' 'DEADLOCK' \
		'tui-idle' 'q quit'
	# the chain: thread -> lock -> owner, both ways
	grep -qE 'tui-xfer \([0-9]+\) -> mutex lock_beta -> held by tui-audit' <<<"$SCREEN" ||
		{ printf '%s\n' "$SCREEN" >&2; fail "no chain tui-xfer -> lock_beta -> tui-audit"; }
	grep -qE 'tui-audit \([0-9]+\) -> mutex lock_alpha -> held by tui-xfer' <<<"$SCREEN" ||
		{ printf '%s\n' "$SCREEN" >&2; fail "no chain tui-audit -> lock_alpha -> tui-xfer"; }
	grep -q 'tui-idle' <<<"$SCREEN" || fail "idle thread not in the table"
	# the target runs while a person reads the screen
	assert_running "$FIX_PID"
}

# tty_sane: the pane's tty is in canonical mode with echo again
tty_sane() {
	tm send-keys -t cdl 's=$(stty -a); if [[ $s =~ (^|[[:space:]])-(icanon|echo)([[:space:]]|$) ]]; then echo tty=R; else echo tty=S; fi' Enter
	wait_re '^tty=[RS]$'
	grep -q '^tty=S$' <<<"$SCREEN" || { printf '%s\n' "$SCREEN" >&2; fail "terminal not restored after $1"; }
	tm send-keys -t cdl "clear" Enter
	wait_screen 'cdl-shell$'
}

# 1. open (UTF-8 locale, colors), look, refresh, quit with q
run_tui LANG=C.UTF-8
note "TUI shows the deadlock; target running"
grep -qF '─' <<<"$SCREEN" || { printf '%s\n' "$SCREEN" >&2; fail "no box drawing lines in a UTF-8 locale"; }
colors=$(tm capture-pane -p -e -t cdl)
grep -qE $'\e\\[(3[0-7]|4[0-7])m' <<<"$colors" || fail "no colors on a color terminal"
tm send-keys -t cdl r
wait_screen 'new snapshot:'
assert_running "$FIX_PID"
tm send-keys -t cdl q
wait_re '^cdl-exit=[0-9]+$'
grep -q '^cdl-exit=0$' <<<"$SCREEN" || { printf '%s\n' "$SCREEN" >&2; fail "cdeadlock did not exit 0 after q"; }
# the terminal is back: the shell's screen, not the TUI's
grep -q 'Deadlocks:' <<<"$SCREEN" && { printf '%s\n' "$SCREEN" >&2; fail "TUI left on the screen after q"; }
wait_re '^cdl-shell\$ ?$'
assert_running "$FIX_PID"
note "q: exit 0, shell back, target running"

# 2. SIGTERM while the TUI is open
tm send-keys -t cdl "clear" Enter
wait_screen 'cdl-shell$'
run_tui
pid=$(cdl_pid)
[ -n "$pid" ] || fail "cannot find the cdeadlock process"
kill -TERM "$pid"
wait_re '^cdl-exit=[0-9]+$'
grep -q '^cdl-exit=143$' <<<"$SCREEN" || { printf '%s\n' "$SCREEN" >&2; fail "cdeadlock did not die of SIGTERM"; }
grep -q 'Deadlocks:' <<<"$SCREEN" && { printf '%s\n' "$SCREEN" >&2; fail "TUI left on the screen after SIGTERM"; }
assert_running "$FIX_PID"
tty_sane SIGTERM
note "SIGTERM: terminal restored, target running"

# 3. no colors with NO_COLOR, ASCII lines without UTF-8; SIGINT ends it
run_tui NO_COLOR=1 LANG=C
colors=$(tm capture-pane -p -e -t cdl)
grep -qE $'\e\\[(3[0-7]|4[0-7])m' <<<"$colors" && fail "colors despite NO_COLOR"
grep -qE '^-+\[? ' <<<"$SCREEN" || { printf '%s\n' "$SCREEN" >&2; fail "no ASCII lines in the C locale"; }
grep -qF '─' <<<"$SCREEN" && fail "box drawing characters in the C locale"
pid=$(cdl_pid)
[ -n "$pid" ] || fail "cannot find the cdeadlock process"
kill -INT "$pid"
wait_re '^cdl-exit=[0-9]+$'
grep -q '^cdl-exit=130$' <<<"$SCREEN" || { printf '%s\n' "$SCREEN" >&2; fail "cdeadlock did not die of SIGINT"; }
assert_running "$FIX_PID"
tty_sane SIGINT
note "NO_COLOR, ASCII lines; SIGINT: terminal restored, target running"

# 4. the terminal goes away (SIGHUP): cdeadlock ends, the target runs
run_tui
pid=$(cdl_pid)
[ -n "$pid" ] || fail "cannot find the cdeadlock process"
tm kill-session -t cdl
deadline=$((SECONDS + patience))
while kill -0 "$pid" 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || fail "cdeadlock $pid still running after its terminal went away"
	sleep 0.05
done
assert_running "$FIX_PID"
note "hangup: cdeadlock gone, target running"
exit 0
