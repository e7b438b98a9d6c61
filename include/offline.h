/* SPDX-License-Identifier: GPL-2.0-or-later */
/* offline.h - from a raw capture to a snapshot, with no target in sight.
 *
 * cdl_offline_run() reads only the raw capture (rawcap.h) and the files
 * its module map says how to open: it unwinds every thread's stack from
 * the copied registers and memory (libdw), symbolizes the frames,
 * classifies each thread's wait (libc.h) and names the lock objects.  No
 * ptrace and no /proc: a live capture, a core file or a unit test can
 * feed it alike.
 */
#ifndef CDL_OFFLINE_H
#define CDL_OFFLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "rawcap.h"
#include "snapshot.h"

/* What the offline stage keeps between captures of the same process (the
 * libdw session with its decompressed debug sections).  Owned by the
 * caller; NULL wherever a cache is taken means "keep nothing". */
struct cdl_offline_cache;

/* NULL on ENOMEM.  Free with cdl_offline_cache_free (NULL is fine). */
struct cdl_offline_cache *cdl_offline_cache_new(void);
void cdl_offline_cache_free(struct cdl_offline_cache *c);

struct cdl_offline_opts {
	bool no_unwind;        /* leave the frames empty */
	size_t max_frames;     /* per thread; 0 for the default (256) */
};

/* Build *out (free with cdl_snapshot_free) from rc: process facts, the
 * source's warnings (first, in order), one thread per raw thread, then
 * frames, waits and object names.  Takes rc's memory image (rc->mem is
 * NULL afterwards; the snapshot owns it).  A failure to unwind or to
 * identify the libc is a warning in the snapshot, not an error.  cache
 * may be NULL.  Returns 0, or -ENOMEM with d filled. */
int cdl_offline_run(struct cdl_rawcap *rc, const struct cdl_offline_opts *o,
		    struct cdl_offline_cache *cache, struct cdl_snapshot **out,
		    struct cdl_diag *d);

#endif
