/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carryfile.h - off-CPU evidence kept from one capture to the next.
 *
 * A capture wakes every thread for a moment, which restarts the kernel's
 * idea of when it went off-CPU.  What the previous capture of the same
 * process saw (per thread: the syscall, its first argument, and since
 * when it was off-CPU) is kept in memory for the next capture of the same
 * run (the TUI's refresh) and in a small file for the next run of
 * cdeadlock, so "blocked for" keeps counting across repeated captures.
 *
 * The file lives in $CDEADLOCK_STATE_DIR, else $XDG_RUNTIME_DIR/cdeadlock,
 * else /run/cdeadlock for root, else /tmp/cdeadlock-UID: a directory of
 * ours (mode 0700) that nobody else can write.  One file per process,
 * named by its pid and start time, so a reused pid never inherits another
 * process's evidence.  Files of processes older than a day are pruned.
 */
#ifndef CDL_CARRYFILE_H
#define CDL_CARRYFILE_H

#include <stddef.h>
#include <stdint.h>

struct cdl_carry {
	int tid;
	long nr;                 /* syscall number at the stop */
	uint64_t arg0;           /* its first argument */
	int64_t off_since;       /* CLOCK_MONOTONIC ns it went off-CPU */
	long vol;                /* its voluntary context switches when a
	                            per-thread capture last proved it asleep in
	                            that call; -1 unknown */
};

/* Load the evidence the last run saved for process pid (start time
 * starttime): *thaw (CLOCK_MONOTONIC ns of that capture's thaw: the last
 * thread let go), *first (the first thread let go: earlier than *thaw in
 * a per-thread capture; *thaw in a file without it) and the entries
 * sorted by tid in *e (malloc'd, caller frees).  Returns the count, 0
 * when there is none, or -errno; never fails the capture. */
int cdl_carry_load(int pid, unsigned long long starttime, int64_t *thaw, int64_t *first,
		   struct cdl_carry **e);

/* Save the entries (sorted by tid) for the next run; errors are ignored
 * (the next run then counts from this capture). */
void cdl_carry_save(int pid, unsigned long long starttime, int64_t thaw, int64_t first,
		    const struct cdl_carry *e, size_t n);

#endif
