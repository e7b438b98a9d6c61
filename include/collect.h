/* collect.h - the only code that touches the target.
 *
 * cdl_collect() freezes every thread of pid (PTRACE_SEIZE + INTERRUPT),
 * copies registers, stacks and the lock words blocked threads point at,
 * thaws the target, then unwinds and symbolizes offline from the copies
 * (libdw), classifies every thread's wait (libc/) and names lock objects.
 */
#ifndef CDL_COLLECT_H
#define CDL_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include "snapshot.h"
#include "diag.h"

struct cdl_collect_opts {
	int pid;
	size_t max_stack;      /* bytes copied per thread stack; default 1 MiB */
	bool no_unwind;        /* skip stack unwinding (frames left empty) */
};

void cdl_collect_opts_init(struct cdl_collect_opts *o);

/* Returns 0 and *out (free with cdl_snapshot_free), or -errno with d
 * filled.  On every path the target is left running. */
int cdl_collect(const struct cdl_collect_opts *o, struct cdl_snapshot **out,
		struct cdl_diag *d);

/* Detach from every thread still seized (async-signal-safe).  Installed by
 * cdl_collect for SIGINT/SIGTERM/SIGHUP and fatal signals; exported so the
 * CLI can call it from its own handlers. */
void cdl_collect_emergency_detach(void);

#endif
