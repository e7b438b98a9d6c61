/* render.h - text and JSON output over snapshot + analysis. */
#ifndef CDL_RENDER_H
#define CDL_RENDER_H

#include <stdbool.h>
#include <stdio.h>
#include "snapshot.h"
#include "analyze.h"

struct cdl_render_opts {
	bool group;        /* --group: one entry per distinct stack */
	bool addresses;    /* show pcs in frames (default true) */
};

void cdl_render_opts_init(struct cdl_render_opts *o);

/* jstack-like text: verdict first, then stuck threads, then all threads.
 * Returns 0 or -errno of the failed write. */
int cdl_render_text(FILE *out, const struct cdl_snapshot *s,
		    const struct cdl_analysis *a, const struct cdl_render_opts *o);

/* The JSON contract (shared/contract/snapshot.schema.json), one document
 * followed by a newline.  Returns 0 or -errno. */
int cdl_render_json(FILE *out, const struct cdl_snapshot *s,
		    const struct cdl_analysis *a);

/* Human description of where a wait's object lives:
 * "mutex lock_ledger (0x4040a0)", "mutex 0x55d0... (heap)".  Writes at most
 * n bytes into buf and returns buf. */
char *cdl_render_wait_object(char *buf, size_t n, const struct cdl_wait *w);

/* Stack groups (threads with identical function sequences). */
struct cdl_stack_group {
	size_t *threads;   /* indexes into s->threads, ascending tid */
	size_t nthreads;
	size_t rep;        /* representative thread index */
};
/* Groups sorted by size (largest first), then smallest tid.  Returns 0 or
 * -ENOMEM; free with cdl_stack_groups_free. */
int cdl_stack_groups(const struct cdl_snapshot *s, struct cdl_stack_group **out, size_t *n);
void cdl_stack_groups_free(struct cdl_stack_group *g, size_t n);

/* ---- small helpers shared with the TUI ---- */

/* Name of the syscall nr on this architecture ("futex"), NULL if unknown. */
const char *cdl_syscall_name(long nr);

/* strace-like rendering of a syscall and its arguments:
 * "futex(0x55d0c0a0, FUTEX_WAIT_PRIVATE, 2, NULL)".  Empty for nr < 0.
 * Writes at most n bytes into buf and returns buf. */
char *cdl_render_syscall(char *buf, size_t n, long nr, const uint64_t args[6]);

/* Human duration: "950 ms", "12.3 s", "4 min 2 s", "2 h 5 min", "3 d 4 h";
 * "?" for a negative (unknown) value.  Returns buf. */
char *cdl_render_duration(char *buf, size_t n, int64_t ms);

/* cdl_wait_flag_name() lives in snapshot.h: the loader needs it too. */

/* Copy src into dst (at most n bytes, always terminated) so that it is safe
 * on a terminal: control characters and bytes that are not UTF-8 become
 * "\xNN".  Idempotent.  Returns dst. */
char *cdl_render_sanitize(char *dst, size_t n, const char *src);

/* Who holds w, as written after "held by": "thread \"audit\" (tid 813)",
 * "itself" (owner_tid == self_tid), "tid 815, which has exited", "tid 4242
 * of process 4200", "3 readers", or "" when no owner is recorded.  s may
 * be NULL (no thread names).  Sanitized.  Returns buf. */
char *cdl_render_wait_owner(char *buf, size_t n, const struct cdl_snapshot *s,
			    const struct cdl_wait *w, int self_tid);

/* The whole wait of t as one phrase: "waits for mutex lock_ledger
 * (0x4040a0) held by thread \"audit\" (tid 813)", "waits to join thread
 * ...", "sleeps (clock_nanosleep)"; "" without a wait.  Sanitized.
 * Returns buf. */
char *cdl_render_wait(char *buf, size_t n, const struct cdl_snapshot *s,
		      const struct cdl_thread *t);

/* true when a and b have the same stack in the sense of cdl_stack_groups
 * (same function sequence; lines may differ). */
bool cdl_stack_equal(const struct cdl_thread *a, const struct cdl_thread *b);

/* One frame as in the dump, without its number: "0x00007f... in
 * transfer_funds (bank.c:42) from bank [inlined]" (pcs false drops the
 * "0x... in ").  Sanitized.  Returns buf. */
char *cdl_render_frame(char *buf, size_t n, const struct cdl_frame *f, bool pcs);

/* Scheduler state letter in words: 'S' -> "sleeping"; "unknown" otherwise. */
const char *cdl_render_state_name(char state);

#endif
