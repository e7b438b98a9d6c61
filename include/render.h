/* SPDX-License-Identifier: GPL-2.0-or-later */
/* render.h - text and JSON output over snapshot + analysis. */
#ifndef CDL_RENDER_H
#define CDL_RENDER_H

#include <stdbool.h>
#include <stdint.h>
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

/* The JSON contract (tests/expected/snapshot.schema.json), one document
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

/* A thread's tid as a header shows it: "813", or "7 (host 813)" for a
 * thread with a namespace tid.  Returns buf. */
char *cdl_render_tid(char *buf, size_t n, const struct cdl_thread *t);

/* cdl_wait_flag_name() lives in snapshot.h: the loader needs it too. */

/* Copy src into dst (at most n bytes, always terminated) so that it is safe
 * on a terminal: control characters and bytes that are not UTF-8 become
 * "\xNN".  Idempotent.  Returns dst. */
char *cdl_render_sanitize(char *dst, size_t n, const char *src);

/* The whole wait of t as one phrase: "waits for mutex lock_ledger
 * (0x4040a0) held by thread \"audit\" (tid 813)", "waits to join thread
 * ...", "sleeps (clock_nanosleep)"; "" without a wait.  Sanitized.
 * Returns buf. */
/* "holds LOCK_A (0x..) (from its MutexGuard in frame #5)": one lock a
 * thread holds through a guard (cdl_thread.held), into buf. */
char *cdl_render_held(char *buf, size_t n, const struct cdl_held *h);
char *cdl_render_wait(char *buf, size_t n, const struct cdl_snapshot *s,
		      const struct cdl_thread *t);

/* true when a and b have the same stack in the sense of cdl_stack_groups
 * (same function sequence; lines may differ). */
bool cdl_stack_equal(const struct cdl_thread *a, const struct cdl_thread *b);

/* How a frame is worded. */
enum cdl_frame_style {
	CDL_FRAME_NO_PC,   /* the dump without pcs: "transfer_funds (bank.c:42)
	                      from bank [inlined]" */
	CDL_FRAME_PC,      /* the dump: "0x00007f... in transfer_funds ..." */
	CDL_FRAME_COMPACT, /* the TUI: "[inline] transfer_funds at bank.c:42
	                      in bank" (base names) */
};

/* One frame in the given style, without its number.  Sanitized, except
 * CDL_FRAME_COMPACT (raw, see cdl_render_lock_label).  Returns buf. */
char *cdl_render_frame(char *buf, size_t n, const struct cdl_frame *f,
		       enum cdl_frame_style style);

/* The awaited object in a few words, for a table column and the TUI's
 * chains: "lock_ledger", "0x55d0c0a0 (heap)", "thread 813" for a join,
 * the wait's detail when there is no address.  Raw, not sanitized: the
 * TUI shows every byte outside printable ASCII as '?' itself.  Returns
 * buf. */
char *cdl_render_lock_label(char *buf, size_t n, const struct cdl_wait *w);

/* One link of a wait chain, compact (the TUI's deadlock pane): "transfer
 * (812) -> mutex lock_ledger -> held by audit (813)", "main (800) -> joins
 * worker (801)", "... -> held by itself", "815 (exited)", "4242 (other
 * process)", "no recorded owner".  tid is the waiting thread, w its wait
 * (it need not be the thread's own, e.g. an edge of the analysis).  The
 * dump's long chain lines are built from the same words (render-int.h).
 * Raw, like cdl_render_lock_label.  Returns buf. */
char *cdl_render_chain(char *buf, size_t n, const struct cdl_snapshot *s, int tid,
		       const struct cdl_wait *w);

/* Where a snapshot read from a core came from: "Read from core FILE of
 * process PID, made by signal 6 (SIGABRT)"; compact: "core FILE
 * (SIGABRT)", FILE without its directory.  Into buf; returns buf. */
char *cdl_render_core_source(char *buf, size_t n, const struct cdl_snapshot *s, bool compact);

/* How long the target was paused: "307 us", "1.2 ms", then the dump says
 * "350.0 ms" up to 10 s and "12 s" beyond, compact (the TUI's header)
 * "350 ms" from 100 ms on and cdl_render_duration's words from there.
 * Returns buf. */
char *cdl_render_pause(char *buf, size_t n, uint64_t us, bool compact);

/* Scheduler state letter in words: 'S' -> "sleeping"; "unknown" otherwise. */
const char *cdl_render_state_name(char state);

#endif
