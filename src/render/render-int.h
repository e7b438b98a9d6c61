/* SPDX-License-Identifier: GPL-2.0-or-later */
/* render-int.h - helpers shared by the files of the render layer.
 * Not installed; only src/render includes it. */
#ifndef CDL_RENDER_INT_H
#define CDL_RENDER_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "render.h"

/* Write s as a JSON string literal ("null" for NULL): quotes, backslash
 * and control characters escaped, bytes that are not UTF-8 written as
 * \ufffd. */
void cdl_json_string(FILE *out, const char *s);

/* ---- a small growable string ---- */

struct sb {
	char *p;                 /* NULL until the first add; caller frees */
	size_t len, cap;
	bool oom;                /* an add failed: the string reads as "" */
};

void cdl_sb_vadd(struct sb *b, const char *fmt, va_list ap);
void cdl_sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *cdl_sb_str(const struct sb *b);   /* "" when empty or oom */
void cdl_sb_reset(struct sb *b);

/* ---- the wording (words.c), raw: text.c sanitizes each line it writes ----
 * compact selects the TUI's forms, see include/render.h. */

/* Scheduler state letter in words, NULL for an unknown letter. */
const char *cdl_words_state(char st);
/* Last component of a path (the path itself if it ends with '/'). */
const char *cdl_words_base(const char *path);
/* "thread \"audit\" (tid 813)" / "thread 813"; compact "audit (813)". */
/* " (from its MutexGuard in frame #5)" */
void cdl_words_guard(struct sb *b, const char *guard, int frame);
/* "holds LOCK_A (0x..) (from its MutexGuard in frame #5)" */
void cdl_words_held(struct sb *b, const struct cdl_held *h);
void cdl_words_thread(struct sb *b, const struct cdl_snapshot *s, int tid, bool compact);
/* "mutex lock_ledger (0x4040a0)", "rwlock x (0x..) for reading"
 * [" with mutex m (0x..)" for a condvar with with_mutex]; compact
 * "rwlock x (read)". */
void cdl_words_object(struct sb *b, const struct cdl_wait *w, bool with_mutex, bool compact);
/* The wait w of thread tid.  Long: "waits for <object>" into what and
 * "held by <holder>" (plus condvar mutex, detail, timeout) into who, so a
 * long line can break between them.  Compact: "-> <object> -> held by
 * <holder>" or "-> joins <holder>", all into what (who unused). */
void cdl_words_wait(struct sb *what, struct sb *who, const struct cdl_snapshot *s, int tid,
		    const struct cdl_wait *w, bool compact);
/* The verdict when no deadlock is proven but threads wait on locks
 * whose holder is not known (a->nundecided > 0): one sentence, with the
 * threads and the lock implementations whose owners are not known. */
void cdl_words_undecided(struct sb *b, const struct cdl_snapshot *s,
			 const struct cdl_analysis *a);
/* When the process runs a language runtime whose own locks are not
 * analysed (s->runtime): one sentence saying so and which tool does. */
void cdl_words_runtime(struct sb *b, const struct cdl_snapshot *s);
/* What a group of idle threads waits on, after "N threads ": "on
 * condvar queue_nonempty (0x..) with mutex queue_lock (0x..)", "in
 * epoll_wait", "sleeping". */
void cdl_words_idle_group(struct sb *b, const struct cdl_thread *t);
/* names listed per idle group before "and N more" */
#define CDL_IDLE_NAMES 8
/* One frame without its number; lines (may be NULL) replaces the line
 * number in the long forms ("40, 41" for a stack group). */
void cdl_words_frame(struct sb *b, const struct cdl_frame *f, enum cdl_frame_style style,
		     const char *lines);

#endif
