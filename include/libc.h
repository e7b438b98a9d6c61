/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libc.h - what a libc's internals tell about a blocked thread.
 *
 * Everything the tool knows of a libc sits behind one table, struct
 * cdl_libc_ops; glibc (src/libc/glibc*.c) is the one backend today.
 *
 * Pure: works on a snapshot whose threads have syscall state, thread
 * pointers and frames filled, and on the memory image copied at the
 * freeze.  Fills thread->wait (kind, address, futex, owner_tid, flags,
 * readers, mutex).  Naming objects (symbol/location) and checking owners
 * outside the snapshot are left to the caller.
 */
#ifndef CDL_LIBC_H
#define CDL_LIBC_H

#include <stdbool.h>
#include <stdint.h>
#include "snapshot.h"

/* Layout of the glibc objects we read, for one glibc version. */
struct cdl_libc_layout {
	int major, minor;          /* glibc version, 0.0 if unknown */
	bool known;                /* false: owners are not trusted */
	unsigned pthread_size;     /* sizeof(struct pthread) */
	unsigned pthread_tid;      /* offsetof(struct pthread, tid) */
	unsigned pthread_cleanup;  /* offsetof(struct pthread, cleanup) */
	unsigned pthread_joinid;   /* offsetof(struct pthread, joinid) */
	bool rwlock_new;           /* 2.25+ rwlock layout */
	int cond_gen;              /* 0: <=2.24, 1: 2.25-2.40, 2: 2.41+ */
};

/* Fill the layout for glibc major.minor (x86-64).  Returns true if the
 * version is one we know; otherwise fills best guesses and known=false. */
bool cdl_libc_layout_for(struct cdl_libc_layout *l, int major, int minor);

/* Classify every thread of s.  Threads not in a recognizable wait get
 * has_wait=false (or a sleep/io/other wait from their syscall). */
void cdl_libc_classify(struct cdl_snapshot *s, const struct cdl_libc_layout *l);

/* One libc backend. */
struct cdl_libc_ops {
	const char *name;                  /* "glibc" */
	/* The layout of a release (found offline in the libc's files):
	 * true if it is one we know and trust. */
	bool (*layout_for)(struct cdl_libc_layout *l, int major, int minor);
	/* Confirm l with the offsets the libc itself publishes (-1: not
	 * published); where they differ they win, with a warning in s. */
	void (*confirm_layout)(struct cdl_libc_layout *l, long pthread_tid,
			       long sizeof_pthread, struct cdl_snapshot *s);
	/* Fill every thread's wait (see cdl_libc_classify). */
	void (*classify)(struct cdl_snapshot *s, const struct cdl_libc_layout *l);
	/* Is this frame runtime internals (libc, ld.so, libstdc++, ...)
	 * rather than user code? */
	bool (*is_runtime_frame)(const struct cdl_frame *f);
	/* Is this module the libc itself (or its loader and siblings)? */
	bool (*is_libc_module)(const char *path);
	/* The largest thread descriptor of the known releases: what a source
	 * copies at each thread pointer before the libc is identified. */
	unsigned (*max_thread_desc_size)(void);
};

/* The backend to use (glibc). */
const struct cdl_libc_ops *cdl_libc_ops_default(void);

#endif
