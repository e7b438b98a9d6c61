/* SPDX-License-Identifier: GPL-2.0-or-later */
/* text.c - the text dump: the verdict first (like jstack's "Found one
 * Java-level deadlock"), then stuck threads, then every thread with a
 * gdb/eu-stack-like backtrace (or one entry per distinct stack with
 * --group), then warnings.
 *
 * Every line goes through cdl_render_sanitize: thread names, symbols and
 * paths come from the target and may hold terminal escapes or bytes that
 * are not UTF-8.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render-int.h"

#define WIDTH 100          /* wrap verdict lines longer than this */

void cdl_render_opts_init(struct cdl_render_opts *o)
{
	o->group = false;
	o->addresses = true;
}

/* Columns a sanitized string takes (UTF-8 sequences count as one). */
static size_t columns(const char *s)
{
	size_t c = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			c++;
	return c;
}

struct out {
	FILE *f;
	char *clean;
	size_t cap;
	bool oom;
};

/* Write one line (without its newline), sanitized. */
static void emit(struct out *o, const char *line)
{
	size_t need = strlen(line) * 4 + 1;

	if (need > o->cap) {
		char *c = realloc(o->clean, need);

		if (!c) {
			o->oom = true;
			return;
		}
		o->clean = c;
		o->cap = need;
	}
	cdl_render_sanitize(o->clean, o->cap, line);
	fputs(o->clean, o->f);
	putc('\n', o->f);
}

/* ---- the sections ---- */

static void user_frame_line(struct out *o, const struct cdl_thread *t)
{
	const struct cdl_frame *f = cdl_thread_user_frame(t);
	struct sb b = { 0 };

	if (!f)
		return;
	/* the file as the thread's stack below (and gdb) shows it, so the
	 * two can be matched */
	cdl_sb_add(&b, "      at %s", f->function ? f->function : "??");
	if (f->file && f->line > 0)
		cdl_sb_add(&b, " (%s:%d)", f->file, f->line);
	else if (f->file)
		cdl_sb_add(&b, " (%s)", f->file);
	else if (f->module)
		cdl_sb_add(&b, " from %s", cdl_words_base(f->module));
	emit(o, cdl_sb_str(&b));
	free(b.p);
}

/* "  thread "a" (tid 1) <wait> held by <owner>" (wrapped) and its user frame */
static void chain_line(struct out *o, const struct cdl_snapshot *s, const struct cdl_thread *t,
		       const char *after_name, const char *suffix)
{
	struct sb first = { 0 }, what = { 0 }, who = { 0 };

	cdl_words_thread(&first, s, t->tid, false);
	if (after_name)
		cdl_sb_add(&first, "%s", after_name);
	if (t->has_wait) {
		cdl_words_wait(&what, &who, s, t->tid, &t->wait, false);
		cdl_sb_add(&first, " %s", cdl_sb_str(&what));
	}
	if (suffix && *suffix)
		cdl_sb_add(who.len ? &who : &first, "%s", suffix);
	{
		struct sb line = { 0 };
		char *tmp;
		size_t cap;

		cdl_sb_add(&line, "  %s%s%s", cdl_sb_str(&first), who.len ? " " : "", cdl_sb_str(&who));
		cap = line.len * 4 + 1;
		tmp = malloc(cap);
		if (tmp) {
			cdl_render_sanitize(tmp, cap, cdl_sb_str(&line));
			if (columns(tmp) > WIDTH && who.len) {
				cdl_sb_reset(&line);
				cdl_sb_add(&line, "  %s", cdl_sb_str(&first));
				emit(o, cdl_sb_str(&line));
				cdl_sb_reset(&line);
				cdl_sb_add(&line, "      %s", cdl_sb_str(&who));
				emit(o, cdl_sb_str(&line));
			} else {
				emit(o, cdl_sb_str(&line));
			}
			free(tmp);
		}
		free(line.p);
	}
	user_frame_line(o, t);
	free(first.p);
	free(what.p);
	free(who.p);
}

/* Threads that wait for work, time or events: one line per group of
 * threads waiting alike (cdl_analyze_idle_cmp), their names after it. */
static void idle_section(struct out *o, const struct cdl_snapshot *s,
			 const struct cdl_analysis *a)
{
	struct sb b = { 0 };
	char dur[32];

	if (!a->nidle)
		return;
	emit(o, "");
	cdl_sb_add(&b, "Idle threads (waiting %s or more for work, time or events; not counted as stuck):",
		   cdl_render_duration(dur, sizeof(dur), a->stuck_ms));
	emit(o, cdl_sb_str(&b));
	for (size_t i = 0, end; i < a->nidle; i = end) {
		const struct cdl_thread *t = &s->threads[a->idle[i]];

		for (end = i + 1; end < a->nidle &&
		     cdl_analyze_idle_cmp(t, &s->threads[a->idle[end]]) == 0; end++)
			;
		cdl_sb_reset(&b);
		cdl_sb_add(&b, "  %zu %s ", end - i, end - i == 1 ? "thread" : "threads");
		cdl_words_idle_group(&b, t);
		for (size_t k = i; k < end; k++) {
			if (k - i == CDL_IDLE_NAMES) {
				cdl_sb_add(&b, ", and %zu more", end - k);
				break;
			}
			cdl_sb_add(&b, k == i ? ": " : ", ");
			cdl_words_thread(&b, s, s->threads[a->idle[k]].tid, true);
		}
		emit(o, cdl_sb_str(&b));
	}
	free(b.p);
}

static void verdict_section(struct out *o, const struct cdl_snapshot *s,
			    const struct cdl_analysis *a)
{
	struct sb b = { 0 };
	size_t nbehind = 0;

	if (!a)
		return;
	if (a->ndeadlocks == 0 && a->nundecided) {
		cdl_words_undecided(&b, s, a);
		emit(o, cdl_sb_str(&b));
	} else if (a->ndeadlocks == 0) {
		emit(o, "No deadlock found.");
	} else {
		if (a->ndeadlocks == 1)
			emit(o, "Found one deadlock:");
		else {
			cdl_sb_add(&b, "Found %zu deadlocks:", a->ndeadlocks);
			emit(o, cdl_sb_str(&b));
		}
	}
	if (s->runtime) {
		cdl_sb_reset(&b);
		cdl_words_runtime(&b, s);
		emit(o, cdl_sb_str(&b));
	}
	for (size_t i = 0; i < a->ndeadlocks; i++) {
		const struct cdl_deadlock *d = &a->deadlocks[i];

		emit(o, "");
		cdl_sb_reset(&b);
		if (d->type == CDL_DEADLOCK_ORPHANED_LOCK)
			cdl_sb_add(&b, "Deadlock %zu: %zu thread%s wait%s on a lock whose owner has exited",
			       i + 1, d->ntids, d->ntids == 1 ? "" : "s", d->ntids == 1 ? "s" : "");
		else if (d->ntids == 1)
			cdl_sb_add(&b, "Deadlock %zu: a thread waits for a lock it holds itself", i + 1);
		else
			cdl_sb_add(&b, "Deadlock %zu: cycle of %zu threads", i + 1, d->ntids);
		emit(o, cdl_sb_str(&b));
		for (size_t j = 0; j < d->ntids; j++) {
			const struct cdl_thread *t = cdl_snapshot_find_thread(s, d->tids[j]);

			if (t) {
				chain_line(o, s, t, NULL, NULL);
			} else if (j < d->nedges) {
				cdl_sb_reset(&b);
				cdl_sb_add(&b, "  thread %d waits for %s 0x%" PRIx64 " held by thread %d",
				       d->tids[j], cdl_wait_kind_info(d->edges[j].kind)->noun, d->edges[j].address,
				       d->edges[j].owner_tid);
				emit(o, cdl_sb_str(&b));
			}
		}
	}

	for (size_t i = 0; a->verdict && i < s->nthreads; i++)
		if (a->verdict[i] == CDL_VERDICT_BEHIND)
			nbehind++;
	if (nbehind) {
		emit(o, "");
		emit(o, "Blocked behind a deadlock:");
		for (size_t i = 0; i < s->nthreads; i++) {
			char tag[48] = "";

			if (a->verdict[i] != CDL_VERDICT_BEHIND)
				continue;
			if (a->deadlock_of && a->deadlock_of[i] < a->ndeadlocks && a->ndeadlocks > 1)
				snprintf(tag, sizeof(tag), " [deadlock %zu]", a->deadlock_of[i] + 1);
			chain_line(o, s, &s->threads[i], NULL, tag);
		}
	}

	if (a->nstuck) {
		emit(o, "");
		emit(o, "Stuck threads (long waits, no deadlock):");
		for (size_t i = 0; i < a->nstuck; i++) {
			const struct cdl_thread *t;
			char dur[32], mid[64];

			if (a->stuck[i] >= s->nthreads)
				continue;
			t = &s->threads[a->stuck[i]];
			if (t->wait.flags & CDL_WAITF_RECHECKS)
				snprintf(mid, sizeof(mid), " for an unknown time,");
			else
				snprintf(mid, sizeof(mid), " blocked %s,",
					 cdl_render_duration(dur, sizeof(dur), t->blocked_for_ms));
			chain_line(o, s, t, mid, NULL);
		}
	}
	idle_section(o, s, a);
	free(b.p);
}

static void header(struct out *o, const struct cdl_snapshot *s)
{
	struct sb b = { 0 };
	char pause[32];

	cdl_sb_add(&b, "Process %d", s->pid);
	if (s->exe)
		cdl_sb_add(&b, " (%s)", s->exe);
	cdl_sb_add(&b, ": %zu thread%s, %s", s->nthreads, s->nthreads == 1 ? "" : "s",
	       s->libc ? s->libc : "libc unknown");
	emit(o, cdl_sb_str(&b));
	cdl_sb_reset(&b);
	if (s->core_path && !s->core_live_facts) {
		/* a core records no capture time, pause or thread states */
		cdl_sb_add(&b, "Core written %s", s->captured_at_ms > 0 && s->captured_at ? s->captured_at
										  : "at an unknown time");
		cdl_sb_add(&b, "; thread states and blocked times unknown (not in a core)");
	} else {
		cdl_sb_add(&b, "Captured %s", s->captured_at ? s->captured_at : "at an unknown time");
		cdl_sb_add(&b, ", target paused %s",
			   cdl_render_pause(pause, sizeof(pause), s->pause_us, false));
	}
	if (s->nwarnings)
		cdl_sb_add(&b, "; %zu warning%s at the end", s->nwarnings, s->nwarnings == 1 ? "" : "s");
	emit(o, cdl_sb_str(&b));
	if (s->core_path) {
		char line[PATH_MAX + 128];

		emit(o, cdl_render_core_source(line, sizeof(line), s, false));
	} else if (s->source && strcmp(s->source, "live") != 0) {
		cdl_sb_reset(&b);
		cdl_sb_add(&b, "Loaded from %s", s->source);
		emit(o, cdl_sb_str(&b));
	}
	free(b.p);
}

/* "0x... in fn (file:line) from module [inlined]" without the "#N". */

static void frame_line(struct out *o, const struct cdl_frame *f, size_t n, bool pcs,
		       const char *lines)
{
	struct sb b = { 0 };

	cdl_sb_add(&b, "#%-3zu", n);
	cdl_words_frame(&b, f, pcs ? CDL_FRAME_PC : CDL_FRAME_NO_PC, lines);
	emit(o, cdl_sb_str(&b));
	free(b.p);
}

static const char *verdict_tag(const struct cdl_analysis *a, size_t i, char *buf, size_t n)
{
	if (!a || !a->verdict)
		return "";
	switch (a->verdict[i]) {
	case CDL_VERDICT_DEADLOCKED:
		return " [deadlocked]";
	case CDL_VERDICT_ORPHANED:
		return " [waits on an orphaned lock]";
	case CDL_VERDICT_BEHIND:
		if (a->deadlock_of && a->deadlock_of[i] < a->ndeadlocks) {
			snprintf(buf, n, " [behind deadlock %zu]", a->deadlock_of[i] + 1);
			return buf;
		}
		return " [behind a deadlock]";
	case CDL_VERDICT_STUCK:
		return " [stuck]";
	case CDL_VERDICT_IDLE:
		return " [idle]";
	default:
		return "";
	}
}

static void thread_section(struct out *o, const struct cdl_snapshot *s,
			   const struct cdl_analysis *a, size_t i, bool pcs)
{
	const struct cdl_thread *t = &s->threads[i];
	struct sb b = { 0 }, what = { 0 }, who = { 0 };
	const char *st = cdl_words_state(t->state);
	char tag[48], dur[32], tid[40];

	cdl_sb_add(&b, "Thread %s \"%s\" (%c%s%s", cdl_render_tid(tid, sizeof(tid), t),
		   t->name ? t->name : "",
	       t->state ? t->state : '?', st ? " " : "", st ? st : "");
	if (t->blocked_for_ms >= 0)
		cdl_sb_add(&b, ", blocked %s", cdl_render_duration(dur, sizeof(dur), t->blocked_for_ms));
	cdl_sb_add(&b, ")%s", verdict_tag(a, i, tag, sizeof(tag)));
	emit(o, cdl_sb_str(&b));
	if (t->syscall_nr >= 0) {
		char sc[256];

		cdl_sb_reset(&b);
		cdl_sb_add(&b, "  syscall: %s", cdl_render_syscall(sc, sizeof(sc), t->syscall_nr, t->syscall_args));
		if (t->wchan && columns(cdl_sb_str(&b)) + strlen(t->wchan) + 8 <= WIDTH) {
			cdl_sb_add(&b, ", wchan %s", t->wchan);
			emit(o, cdl_sb_str(&b));
		} else {
			emit(o, cdl_sb_str(&b));
			if (t->wchan) {
				cdl_sb_reset(&b);
				cdl_sb_add(&b, "  wchan: %s", t->wchan);
				emit(o, cdl_sb_str(&b));
			}
		}
	} else if (t->wchan) {
		cdl_sb_reset(&b);
		cdl_sb_add(&b, "  wchan: %s", t->wchan);
		emit(o, cdl_sb_str(&b));
	}
	if (t->has_wait) {
		cdl_words_wait(&what, &who, s, t->tid, &t->wait, false);
		cdl_sb_reset(&b);
		cdl_sb_add(&b, "  %s%s%s", cdl_sb_str(&what), who.len ? " " : "", cdl_sb_str(&who));
		emit(o, cdl_sb_str(&b));
	}
	for (size_t j = 0; j < t->nheld; j++) {
		cdl_sb_reset(&b);
		cdl_sb_add(&b, "  ");
		cdl_words_held(&b, &t->held[j]);
		emit(o, cdl_sb_str(&b));
	}
	for (size_t j = 0; j < t->nframes; j++)
		frame_line(o, &t->frames[j], j, pcs, NULL);
	if (t->unwind_error) {
		cdl_sb_reset(&b);
		cdl_sb_add(&b, "Backtrace stopped: %s", t->unwind_error);
		emit(o, cdl_sb_str(&b));
	} else if (t->nframes == 0) {
		emit(o, "(no stack)");
	}
	free(b.p);
	free(what.p);
	free(who.p);
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return (a > b) - (a < b);
}

/* The lines of frame j across a group: "42" or "40, 41" (at most 4). */
static const char *group_lines(const struct cdl_snapshot *s, const struct cdl_stack_group *g,
			       size_t j, char *buf, size_t n)
{
	int v[4] = { 0 };
	size_t nv = 0;
	bool more = false;
	struct sb b = { 0 };

	for (size_t k = 0; k < g->nthreads; k++) {
		int line = s->threads[g->threads[k]].frames[j].line;
		size_t x;

		if (line <= 0)
			line = 0;
		for (x = 0; x < nv && v[x] != line; x++)
			;
		if (x < nv)
			continue;
		if (nv == 4) {
			more = true;
			break;
		}
		v[nv++] = line;
	}
	qsort(v, nv, sizeof(v[0]), cmp_int);
	for (size_t x = 0; x < nv; x++)
		cdl_sb_add(&b, x ? ", %d" : "%d", v[x]);
	if (more)
		cdl_sb_add(&b, ", ...");
	snprintf(buf, n, "%s", cdl_sb_str(&b));
	free(b.p);
	return buf;
}

static int group_section(struct out *o, const struct cdl_snapshot *s,
			 const struct cdl_analysis *a)
{
	struct cdl_stack_group *g;
	size_t ng;
	struct sb b = { 0 };
	int rc = cdl_stack_groups(s, &g, &ng);

	if (rc < 0)
		return rc;
	cdl_sb_add(&b, "Stacks: %zu distinct in %zu thread%s", ng, s->nthreads, s->nthreads == 1 ? "" : "s");
	emit(o, cdl_sb_str(&b));
	for (size_t i = 0; i < ng; i++) {
		const struct cdl_thread *rep = &s->threads[g[i].rep];
		bool same_name = true, same_wait = true, same_verdict = a && a->verdict;
		char tag[48];
		size_t col;

		for (size_t k = 1; k < g[i].nthreads; k++) {
			const struct cdl_thread *t = &s->threads[g[i].threads[k]];

			if (same_verdict && (a->verdict[g[i].threads[k]] != a->verdict[g[i].rep] ||
					     (a->deadlock_of && a->deadlock_of[g[i].threads[k]] !=
					      a->deadlock_of[g[i].rep])))
				same_verdict = false;
			if (!t->name || !rep->name || strcmp(t->name, rep->name))
				same_name = false;
			if (t->has_wait != rep->has_wait ||
			    (t->has_wait && (t->wait.kind != rep->wait.kind ||
					     t->wait.address != rep->wait.address ||
					     t->wait.owner_tid != rep->wait.owner_tid)))
				same_wait = false;
		}
		emit(o, "");
		cdl_sb_reset(&b);
		cdl_sb_add(&b, "%zu thread%s", g[i].nthreads, g[i].nthreads == 1 ? "" : "s");
		if (same_name && rep->name && *rep->name)
			cdl_sb_add(&b, " \"%s\"", rep->name);
		cdl_sb_add(&b, "%s:", same_verdict ? verdict_tag(a, g[i].rep, tag, sizeof(tag)) : "");
		col = columns(cdl_sb_str(&b));
		for (size_t k = 0; k < g[i].nthreads; k++) {
			char num[24];
			int len = snprintf(num, sizeof(num), "%d", s->threads[g[i].threads[k]].tid);

			if (col + (size_t)len + 2 > WIDTH) {
				emit(o, cdl_sb_str(&b));
				cdl_sb_reset(&b);
				cdl_sb_add(&b, "   ");
				col = 3;
			}
			cdl_sb_add(&b, " %s%s", num, k + 1 < g[i].nthreads ? "," : "");
			col += (size_t)len + 2;
		}
		emit(o, cdl_sb_str(&b));
		if (same_wait && rep->has_wait) {
			struct sb what = { 0 }, who = { 0 };

			cdl_words_wait(&what, &who, s, rep->tid, &rep->wait, false);
			cdl_sb_reset(&b);
			cdl_sb_add(&b, "  %s%s%s", cdl_sb_str(&what), who.len ? " " : "", cdl_sb_str(&who));
			emit(o, cdl_sb_str(&b));
			free(what.p);
			free(who.p);
		}
		for (size_t j = 0; j < rep->nframes; j++) {
			char lines[64];

			frame_line(o, &rep->frames[j], j, false,
				   group_lines(s, &g[i], j, lines, sizeof(lines)));
		}
		if (rep->nframes == 0)
			emit(o, "(no stack)");
	}
	cdl_stack_groups_free(g, ng);
	free(b.p);
	return 0;
}

int cdl_render_text(FILE *out, const struct cdl_snapshot *s,
		    const struct cdl_analysis *a, const struct cdl_render_opts *opts)
{
	struct out o = { .f = out };
	struct cdl_render_opts def;
	int rc = 0;

	if (!opts) {
		cdl_render_opts_init(&def);
		opts = &def;
	}
	header(&o, s);
	emit(&o, "");
	verdict_section(&o, s, a);
	emit(&o, "");
	if (opts->group) {
		rc = group_section(&o, s, a);
	} else {
		char buf[64];

		snprintf(buf, sizeof(buf), "Threads (%zu):", s->nthreads);
		emit(&o, buf);
		for (size_t i = 0; i < s->nthreads; i++) {
			emit(&o, "");
			thread_section(&o, s, a, i, opts->addresses);
		}
	}
	if (s->nwarnings) {
		char buf[64];

		emit(&o, "");
		snprintf(buf, sizeof(buf), "Warnings (%zu):", s->nwarnings);
		emit(&o, buf);
		for (size_t i = 0; i < s->nwarnings; i++) {
			struct sb b = { 0 };

			cdl_sb_add(&b, "  %s", s->warnings[i]);
			emit(&o, cdl_sb_str(&b));
			free(b.p);
		}
	}
	free(o.clean);
	if (rc < 0)
		return rc;
	if (o.oom)
		return -ENOMEM;
	if (ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}
