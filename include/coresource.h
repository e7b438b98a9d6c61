/* SPDX-License-Identifier: GPL-2.0-or-later */
/* coresource.h - a core file as a source: struct cdl_core in, raw capture
 * out (rawcap.h), for the offline stage to unwind, classify and name as it
 * does a live capture.
 *
 * What a core holds becomes the raw capture: every thread's registers (in
 * DWARF numbering, with the syscall it was in), the memory (read from the
 * core on demand, never copied whole: a multi-gigabyte core costs a
 * page cache of the pages the analysis touches), the mappings, and the
 * modules with the file to open for each (modfile.h: under --sysroot,
 * only when its build-id is the one the core recorded).  What only a live
 * capture knows (thread states, wait channels, how long a thread has been
 * blocked, the pause) stays unknown, unless the core carries the snapshot
 * cdeadlock --save-core embedded: then those facts come from it, and
 * everything else is still recomputed from the core.
 *
 * No ptrace, no /proc: libcdl_core.a.
 */
#ifndef CDL_CORESOURCE_H
#define CDL_CORESOURCE_H

#include "core.h"
#include "diag.h"
#include "rawcap.h"

struct cdl_core_source_opts {
	const char *exe;        /* the executable given by the user (--core
	                           FILE EXE), NULL: found from the core */
	const char *sysroot;    /* root the core's paths are under, NULL: / */
};

/* Turn c into a raw capture (source "core").  Takes c: it is freed with
 * the raw capture's memory image (which reads from it), also on failure.
 * Returns 0 and *out (free with cdl_rawcap_free), or -errno with d
 * filled: -ENOENT when the executable cannot be found (d names the file
 * and hints at EXE and --sysroot), -ENOMEM.  A missing library, a file
 * whose build-id differs, a snapshot note that cannot be read: a warning
 * in (*out)->warnings, one per module. */
int cdl_core_to_rawcap(struct cdl_core *c, const struct cdl_core_source_opts *o,
		       struct cdl_rawcap **out, struct cdl_diag *d);

#endif
