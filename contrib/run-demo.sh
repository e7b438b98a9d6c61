#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run-demo.sh DEMO CDEADLOCK - start the deadlocking demo, show what
# cdeadlock says about it, and clean up.  Used by `make demo`.
demo=${1:-./contrib/deadlock-demo}
cdl=${2:-./src/cdeadlock}
out=$(mktemp)
"$demo" >"$out" &
pid=$!
trap 'kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$out"' EXIT
trap 'exit 1' INT TERM HUP PIPE
i=0
until grep -q '^ready' "$out"; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 $pid 2>/dev/null; then
		echo "run-demo: the demo did not start" >&2
		exit 1
	fi
	sleep 0.05
done
echo "\$ cdeadlock -p $pid --dump    # the demo, pid $pid"
"$cdl" -p "$pid" --dump --stuck 1
rc=$?
echo
case $rc in
2) echo "cdeadlock exited with status 2: deadlock found (as the demo intends)"; exit 0 ;;
0) echo "cdeadlock exited with status 0: no deadlock found, but the demo deadlocks" >&2; exit 1 ;;
*) echo "cdeadlock failed with status $rc" >&2; exit 1 ;;
esac
