# SPDX-License-Identifier: GPL-2.0-or-later
# core-lib.sh - the facts a core must give as the live capture gave them
# (core-locks.sh: gcore and kernel cores; savecore-roundtrip.sh: the cores
# --save-core writes).  Sourced after lib.sh.

need_jq

# lock_summary JSON: per tid the verdict and the wait (kind, lock name,
# owner, a condvar's mutex); the deadlocks with their edges; the stuck and
# undecided lists
lock_summary() {
	jq -S '{deadlocks: [.deadlocks[] | {type, threads,
		  edges: [.edges[] | {waiter_tid, owner_tid, kind, symbol}]}],
		stuck, undecided,
		threads: [.threads[] | {tid, verdict, wait: (if .wait == null then null else
		  {kind: .wait.kind, symbol: .wait.symbol, owner_tid: .wait.owner_tid,
		   mutex_symbol: .wait.mutex_symbol} end)}]}' "$1"
}
