/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect.h - the live source: the only code that touches the target.
 *
 * cdl_collect() stops the threads of pid (PTRACE_SEIZE + INTERRUPT: one
 * at a time, then proves which stayed in their wait; or, with
 * global_freeze, all at once), copies registers, stacks and the lock
 * words blocked threads point at, lets them go, and hands what it got (a raw capture, rawcap.h) to
 * the offline stage (offline.h), which unwinds and symbolizes from the
 * copies (libdw), classifies every thread's wait (libc/) and names lock
 * objects.
 */
#ifndef CDL_COLLECT_H
#define CDL_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include "snapshot.h"
#include "diag.h"
#include "rawcap.h"

struct cdl_collect_opts {
	int pid;
	size_t max_stack;      /* bytes copied per thread stack; default 1 MiB */
	bool no_unwind;        /* skip stack unwinding (frames left empty) */
	bool for_core;         /* also copy what a core file needs (each
	                          module's headers, notes and writable data,
	                          the link map, auxv) and keep the raw capture
	                          for cdl_collector_raw (--save-core) */
	const char *sysroot;   /* open the target's files under this root
	                          (--sysroot), NULL: as the target sees them */
	bool global_freeze;    /* stop every thread at once (one instant of
	                          every stack) instead of one thread at a time */
};

void cdl_collect_opts_init(struct cdl_collect_opts *o);

/* What one capture leaves for the next: the off-CPU time of the sleeps it
 * interrupted (carried into the next capture of the same process) and the
 * offline stage's libdw session (reused while the process maps the same
 * files).  Owned by the caller, who keeps one for a series of captures (the
 * interactive view's refreshes).  NULL on ENOMEM; free with
 * cdl_collector_free (NULL is fine). */
struct cdl_collector;
struct cdl_collector *cdl_collector_new(void);
void cdl_collector_free(struct cdl_collector *k);

/* The calling thread at the lowest priority there is (SCHED_IDLE, and
 * nice 19 where that is refused): for the work after the target was let
 * go, so that any of its threads that wakes takes the CPU at once. */
void cdl_live_lowest_priority(void);
/* As root, a thread that took the lowest priority and then waited for a
 * CPU 95% of the time for a second gets its priority back (a
 * watcher thread, prio.c).  _done: the calling thread's work is over, stop
 * watching it.  _raised: how many times a priority was given back. */
void cdl_live_lowest_done(void);
unsigned cdl_live_lowest_raised(void);

/* Capture o->pid.  k may be NULL (nothing carried from or to other
 * captures).  Returns 0 and *out (free with cdl_snapshot_free), or -errno
 * with d filled.  On every path the target is left running. */
int cdl_collect(struct cdl_collector *k, const struct cdl_collect_opts *o,
		struct cdl_snapshot **out, struct cdl_diag *d);

/* The raw capture of k's last successful cdl_collect with for_core set,
 * NULL if none.  Its memory image has gone to that capture's snapshot
 * (rc->mem is NULL: use the snapshot's mem).  Owned by k; valid until the
 * next cdl_collect with k or cdl_collector_free. */
const struct cdl_rawcap *cdl_collector_raw(const struct cdl_collector *k);

/* Detach from every thread still seized (async-signal-safe).  Installed by
 * cdl_collect for SIGINT/SIGTERM/SIGHUP and fatal signals; exported so the
 * CLI can call it from its own handlers. */
void cdl_collect_emergency_detach(void);

#endif
