/* SPDX-License-Identifier: GPL-2.0-or-later */
/* corewrite.h - writing a small ELF core from a raw capture (--save-core).
 *
 * The core holds what the capture copied and nothing else: a NT_PRSTATUS
 * per thread with registers (as the kernel gave them), NT_PRPSINFO,
 * NT_AUXV, NT_FILE for every file mapping, one PT_LOAD per copied memory
 * region (stacks, thread descriptors, lock memory, the modules' headers
 * and writable data), and the cdeadlock snapshot (the JSON --json prints)
 * as a note of its own.  Memory that was not copied is absent, so gdb and
 * eu-stack say "cannot access memory" instead of showing zeros; read-only
 * file contents (code, constants) come from the files, as with any core.
 *
 * Pure: no ptrace, no /proc; it writes one file.
 */
#ifndef CDL_COREWRITE_H
#define CDL_COREWRITE_H

#include <stddef.h>

#include "core.h"      /* CDL_CORE_SNAPSHOT_NOTE_*: the note the reader knows */
#include "diag.h"
#include "rawcap.h"

struct cdl_memimg;

/* What cdl_core_write wrote. */
struct cdl_core_write_stats {
	size_t threads;        /* NT_PRSTATUS notes (threads with registers) */
	size_t skipped;        /* threads left out: no registers */
	size_t segments;       /* PT_LOAD segments */
	size_t mem_bytes;      /* bytes of memory in them */
	size_t file_bytes;     /* size of the file */
};

/* Write the core of rc to path (created or truncated, mode 0600: it holds
 * the process's memory).  mem is the memory the capture copied (rc->mem,
 * or the snapshot's once the offline stage has taken it); json/json_len
 * the snapshot note (json NULL: none).  Threads without registers are left
 * out (a core has no way to say "unknown").  stats may be NULL.  Returns 0,
 * or -errno with d filled ("save core: PATH" and why); a partly written
 * file is removed. */
int cdl_core_write(const char *path, const struct cdl_rawcap *rc, const struct cdl_memimg *mem,
		   const void *json, size_t json_len, struct cdl_core_write_stats *stats,
		   struct cdl_diag *d);

#endif
