/* SPDX-License-Identifier: GPL-2.0-or-later */
/* panes.c - what the panes show: per-thread facts (severity, how long
 * blocked), the table's rows (filter, sort, selection), the lines of the
 * deadlock pane and of the detail pane.  No drawing here. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "view.h"

/* ---- small text helpers ---- */

void cdl_tui_say(struct tui *t, bool err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void cdl_tui_say(struct tui *t, bool err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
	t->msg_err = err;
}

const char *cdl_tui_dur(char *buf, size_t n, int64_t ms)
{
	if (ms < 0)
		snprintf(buf, n, "-");
	else
		cdl_render_duration(buf, n, ms);
	return buf;
}

static int lines_add(struct lines *l, enum cls c, int tid, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int lines_add(struct lines *l, enum cls c, int tid, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (CDL_GROW(l->v, l->cap, l->n + 1, 32) < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return -ENOMEM;
	l->v[l->n].text = s;
	l->v[l->n].cls = c;
	l->v[l->n].tid = tid;
	l->n++;
	return 0;
}

/* Add text as lines of at most w columns, broken at spaces; continuation
 * lines are indented. */
static int lines_add_wrapped(struct lines *l, enum cls c, const char *text, int w)
{
	const char *p = text;
	bool first = true;
	int rc;

	if (w < 20)
		w = 20;
	while (*p) {
		int avail = first ? w : w - 4;
		int len = (int)strlen(p), cut = len;

		if (len > avail) {
			cut = avail;
			while (cut > avail / 2 && p[cut] != ' ')
				cut--;
			if (p[cut] != ' ')
				cut = avail;
		}
		rc = lines_add(l, c, 0, "%s%.*s", first ? "" : "    ", cut, p);
		if (rc < 0)
			return rc;
		p += cut;
		while (*p == ' ')
			p++;
		first = false;
	}
	return 0;
}

static void lines_clear(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	l->n = 0;
}

void cdl_tui_lines_free(struct lines *l)
{
	lines_clear(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

/* ---- per-thread facts ---- */

static enum cdl_verdict verdict_of(const struct tui *t, size_t i)
{
	return t->an && t->an->verdict ? t->an->verdict[i] : CDL_VERDICT_NONE;
}

static int64_t seen_of(const struct tui *t, size_t i)
{
	return cdl_tui_seen_ms(&t->tracker, &t->snap->threads[i], t->snap_ms);
}

/* How long the thread has been blocked as far as we know: the kernel's
 * off-CPU time or how long we have seen it in the same wait. */
int64_t cdl_tui_blocked(const struct tui *t, size_t i)
{
	const struct cdl_thread *th = &t->snap->threads[i];
	int64_t seen = seen_of(t, i);

	if (!th->has_wait && th->state == 'R')
		return -1;
	/* unknown (a core, a loaded file) and not seen across refreshes */
	if (th->blocked_for_ms < 0 && seen <= 0)
		return -1;
	return th->blocked_for_ms > seen ? th->blocked_for_ms : seen;
}

/* Seen in the same lock-like wait with the same stack past --stuck. */
static bool tracked_stuck(const struct tui *t, size_t i)
{
	const struct cdl_thread *th = &t->snap->threads[i];
	int64_t seen = seen_of(t, i);

	/* seen == 0: not seen for any time yet, whatever the threshold */
	return seen > 0 && cdl_analyze_is_stuck(th, seen, t->aopts.stuck_ms);
}

int cdl_tui_severity(const struct tui *t, size_t i)
{
	switch (verdict_of(t, i)) {
	case CDL_VERDICT_DEADLOCKED: return 5;
	case CDL_VERDICT_ORPHANED: return 4;
	case CDL_VERDICT_BEHIND: return 3;
	case CDL_VERDICT_STUCK: return 2;
	default: return tracked_stuck(t, i) ? 2 : (verdict_of(t, i) == CDL_VERDICT_WAITING ||
						 verdict_of(t, i) == CDL_VERDICT_IDLE) ? 1 : 0;
	}
}

enum cls cdl_tui_cls_of(int sev)
{
	switch (sev) {
	case 5: case 4: return C_DEADLOCK;
	case 3: return C_BEHIND;
	case 2: return C_STUCK;
	default: return C_NORMAL;
	}
}

static size_t thread_index(const struct tui *t, int tid)
{
	const struct cdl_thread *th = cdl_snapshot_find_thread(t->snap, tid);

	return th ? (size_t)(th - t->snap->threads) : SIZE_MAX;
}

int cdl_tui_group_severity(const struct tui *t, const struct cdl_stack_group *g)
{
	int sev = 0;

	for (size_t k = 0; k < g->nthreads; k++) {
		int s2 = cdl_tui_severity(t, g->threads[k]);

		if (s2 > sev)
			sev = s2;
	}
	return sev;
}

/* ---- rows: filter and sort ---- */

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct tui *t = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct cdl_thread *x = &t->snap->threads[i], *y = &t->snap->threads[j];
	int r = 0;

	switch (t->sort) {
	case SORT_BLOCKED: {
		int sx = cdl_tui_severity(t, i), sy = cdl_tui_severity(t, j);
		int64_t bx = cdl_tui_blocked(t, i), by = cdl_tui_blocked(t, j);

		r = sy - sx;
		if (!r)
			r = (by > bx) - (by < bx);
		break;
	}
	case SORT_NAME:
		r = strcmp(nz(x->name, ""), nz(y->name, ""));
		break;
	case SORT_STATE:
		r = (x->state > y->state) - (x->state < y->state);
		break;
	case SORT_TID:
	default:
		break;
	}
	if (!r)
		r = (x->tid > y->tid) - (x->tid < y->tid);
	return t->reverse ? -r : r;
}

/* groups: the most severe first, then in cdl_stack_groups' order (largest first) */
static int cmp_groups(const void *a, const void *b, void *arg)
{
	const struct tui *t = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int r = cdl_tui_group_severity(t, &t->groups[j]) - cdl_tui_group_severity(t, &t->groups[i]);

	if (!r)
		r = (i > j) - (i < j);
	return t->reverse ? -r : r;
}

static bool group_matches(const struct tui *t, const struct cdl_stack_group *g)
{
	for (size_t k = 0; k < g->nthreads; k++)
		if (cdl_tui_thread_matches(&t->snap->threads[g->threads[k]], t->filter))
			return true;
	return false;
}

size_t cdl_tui_row_thread(const struct tui *t, size_t r)
{
	if (r >= t->nrows)
		return SIZE_MAX;
	return t->group ? t->groups[t->rows[r]].rep : t->rows[r];
}

bool cdl_tui_row_has_tid(const struct tui *t, size_t r, int tid)
{
	size_t ti = thread_index(t, tid);

	if (ti == SIZE_MAX || r >= t->nrows)
		return false;
	if (!t->group)
		return t->rows[r] == ti;
	return t->group_of && t->group_of[ti] == t->rows[r];
}

int cdl_tui_rebuild_rows(struct tui *t)
{
	size_t n = t->group ? t->ngroups : t->snap->nthreads;
	size_t *rows = calloc(n + 1, sizeof(*rows));
	size_t k = 0;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (t->group ? group_matches(t, &t->groups[i])
			     : cdl_tui_thread_matches(&t->snap->threads[i], t->filter))
			rows[k++] = i;
	}
	if (!t->group)
		qsort_r(rows, k, sizeof(*rows), cmp_rows, t);
	else
		qsort_r(rows, k, sizeof(*rows), cmp_groups, t);
	free(t->rows);
	t->rows = rows;
	t->nrows = k;
	cdl_tui_select_tid(t, t->sel_tid);
	return 0;
}

void cdl_tui_set_sel(struct tui *t, size_t r)
{
	size_t ti;

	if (t->nrows == 0) {
		t->sel = 0;
		t->det_dirty = true;
		return;
	}
	if (r >= t->nrows)
		r = t->nrows - 1;
	if (r != t->sel)
		t->det_top = 0;
	t->sel = r;
	ti = cdl_tui_row_thread(t, r);
	if (ti != SIZE_MAX) {
		int tid = t->snap->threads[ti].tid;

		/* in group mode keep the member we came from while it is in the group */
		if (!(t->group && cdl_tui_row_has_tid(t, r, t->sel_tid)))
			t->sel_tid = tid;
	}
	t->det_dirty = true;
}

/* Select the row holding tid (or keep the row number if it is gone). */
void cdl_tui_select_tid(struct tui *t, int tid)
{
	for (size_t r = 0; r < t->nrows; r++)
		if (cdl_tui_row_has_tid(t, r, tid)) {
			t->sel_tid = tid;
			if (r != t->sel)
				t->det_top = 0;
			t->sel = r;
			t->det_dirty = true;
			return;
		}
	cdl_tui_set_sel(t, t->sel);
}

/* ---- deadlock pane ---- */

/* One link of a chain, in the deadlock pane: "#1  transfer (812) -> mutex
 * lock_ledger -> held by audit (813)". */
static int chain_line(struct tui *t, const char *prefix, int tid, const struct cdl_wait *w)
{
	char chain[512];

	return lines_add(&t->dl, C_DEADLOCK, tid, "%-3s %s", prefix,
			 cdl_render_chain(chain, sizeof(chain), t->snap, tid, w));
}

int cdl_tui_build_deadlocks(struct tui *t)
{
	const struct cdl_analysis *a = t->an;

	lines_clear(&t->dl);
	if (!a)
		return 0;
	for (size_t d = 0; d < a->ndeadlocks; d++) {
		const struct cdl_deadlock *dl = &a->deadlocks[d];

		for (size_t k = 0; k < dl->ntids; k++) {
			const struct cdl_thread *w = cdl_snapshot_find_thread(t->snap, dl->tids[k]);
			char prefix[24];
			int rc;

			if (k == 0)
				snprintf(prefix, sizeof(prefix), "#%zu", d + 1);
			else
				prefix[0] = '\0';
			if (dl->type == CDL_DEADLOCK_CYCLE && k < dl->nedges) {
				const struct cdl_edge *e = &dl->edges[k];
				struct cdl_wait tmp = { .kind = e->kind, .address = e->address,
							.symbol = e->symbol, .owner_tid = e->owner_tid };

				/* the thread's own wait says more (location, flags) */
				if (w && w->has_wait && w->wait.address == e->address &&
				    w->wait.owner_tid == e->owner_tid)
					tmp = w->wait;
				rc = chain_line(t, prefix, dl->tids[k], &tmp);
			} else if (w && w->has_wait) {
				rc = chain_line(t, prefix, dl->tids[k], &w->wait);
			} else {
				rc = lines_add(&t->dl, C_DEADLOCK, dl->tids[k], "%-3s thread %d",
					       prefix, dl->tids[k]);
			}
			if (rc < 0)
				return rc;
		}
	}
	if (t->dl_sel >= t->dl.n)
		t->dl_sel = t->dl.n ? t->dl.n - 1 : 0;
	return 0;
}

/* ---- detail pane ---- */

static int add_wait_lines(struct tui *t, const struct cdl_thread *th)
{
	const struct cdl_wait *w = &th->wait;
	char phrase[400], extra[256], b1[32], b2[32];
	size_t off = 0, ti = (size_t)(th - t->snap->threads);
	int64_t seen = seen_of(t, ti);
	int rc;

	if (th->in_syscall && th->syscall_nr >= 0) {
		char sc[300], line[320];

		cdl_render_syscall(sc, sizeof(sc), th->syscall_nr, th->syscall_args);
		snprintf(line, sizeof(line), "in %s", sc);
		if ((rc = lines_add_wrapped(&t->det, C_NORMAL, line, COLS - 2)) < 0)
			return rc;
	}
	if (!th->has_wait)
		return lines_add(&t->det, C_NORMAL, 0, "Not waiting on a lock%s",
				 th->state == 'R' ? " (running)" : "");
	cdl_render_wait(phrase, sizeof(phrase), t->snap, th);
	if ((rc = lines_add_wrapped(&t->det, C_NORMAL, phrase, COLS - 2)) < 0)
		return rc;

	extra[0] = '\0';
	for (unsigned bit = 1; bit && off < sizeof(extra); bit <<= 1) {
		const char *fn;

		if (!(w->flags & bit) || !(fn = cdl_wait_flag_name(bit)))
			continue;
		off += (size_t)snprintf(extra + off, sizeof(extra) - off, "%s%s", off ? " " : "", fn);
	}
	if (extra[0] && (rc = lines_add(&t->det, C_NORMAL, 0, "  flags: %s", extra)) < 0)
		return rc;
	if (w->owner_tid > 0 && w->owner_tid != th->tid && cdl_snapshot_find_thread(t->snap, w->owner_tid) &&
	    (rc = lines_add(&t->det, C_KEY, w->owner_tid, "  o/Enter: go to the owner, thread %d; b: back",
			    w->owner_tid)) < 0)
		return rc;

	if (th->blocked_for_ms < 0 && seen <= 0)
		return 0;
	bool stuck = cdl_tui_severity(t, ti) == 2;

	if (seen > th->blocked_for_ms)
		return lines_add(&t->det, stuck ? C_STUCK : C_NORMAL, 0,
				 "Blocked %s; in the same wait, same stack, for %s%s",
				 th->blocked_for_ms >= 0 ? cdl_tui_dur(b1, sizeof(b1), th->blocked_for_ms) : "?",
				 cdl_tui_dur(b2, sizeof(b2), seen), stuck ? " (stuck)" : "");
	return lines_add(&t->det, stuck ? C_STUCK : C_NORMAL, 0, "Blocked %s%s",
			 cdl_tui_dur(b1, sizeof(b1), th->blocked_for_ms), stuck ? " (stuck)" : "");
}

/* jstack's "locked ownable synchronizers": the locks its guards hold */
static int add_held_lines(struct tui *t, const struct cdl_thread *th)
{
	char phrase[400];
	int rc;

	if (th->nheld == 0)
		return 0;
	if ((rc = lines_add(&t->det, C_TITLE, 0, "Holds (from guards in its frames):")) < 0)
		return rc;
	for (size_t i = 0; i < th->nheld; i++) {
		cdl_render_held(phrase, sizeof(phrase), &th->held[i]);
		if ((rc = lines_add(&t->det, C_NORMAL, 0, "  %s", phrase)) < 0)
			return rc;
	}
	return 0;
}

static int add_stack_lines(struct tui *t, const struct cdl_thread *th)
{
	int rc;

	if ((rc = lines_add(&t->det, C_TITLE, 0, "Stack (%zu frames):", th->nframes)) < 0)
		return rc;
	for (size_t i = 0; i < th->nframes; i++) {
		const struct cdl_frame *f = &th->frames[i];
		char line[600];

		rc = lines_add(&t->det, f->inlined ? C_INLINE : C_NORMAL, 0, "  #%-2zu %s", i,
			       cdl_render_frame(line, sizeof(line), f, CDL_FRAME_COMPACT));
		if (rc < 0)
			return rc;
	}
	if (th->unwind_error)
		return lines_add(&t->det, C_STUCK, 0, "  (stack incomplete: %s)", th->unwind_error);
	return 0;
}

static int verdict_line(struct tui *t, size_t ti, char *buf, size_t n)
{
	enum cdl_verdict v = verdict_of(t, ti);
	size_t d = t->an && t->an->deadlock_of ? t->an->deadlock_of[ti] : SIZE_MAX;

	if (v == CDL_VERDICT_NONE || v == CDL_VERDICT_WAITING) {
		snprintf(buf, n, "%s", tracked_stuck(t, ti) ? "stuck" : "");
		return 0;
	}
	if (d != SIZE_MAX)
		snprintf(buf, n, "%s (deadlock #%zu)", cdl_verdict_name(v), d + 1);
	else
		snprintf(buf, n, "%s", cdl_verdict_name(v));
	return 0;
}

static int add_warning_lines(struct tui *t)
{
	const struct cdl_snapshot *s = t->snap;
	int rc;

	lines_clear(&t->det);
	rc = lines_add(&t->det, C_TITLE, 0, "Warnings of this snapshot: %zu  (w: back to the thread)",
		       s->nwarnings);
	for (size_t i = 0; rc == 0 && i < s->nwarnings; i++)
		rc = lines_add_wrapped(&t->det, C_STUCK, s->warnings[i], COLS - 2);
	if (rc == 0 && s->libc)
		rc = lines_add(&t->det, C_NORMAL, 0, "libc: %s", s->libc);
	if (rc == 0 && s->tool_version)
		rc = lines_add(&t->det, C_NORMAL, 0, "written by cdeadlock %s", s->tool_version);
	return rc;
}

int cdl_tui_build_detail(struct tui *t)
{
	size_t ti;
	const struct cdl_thread *th;
	char v[64], tid[40];
	int rc;

	lines_clear(&t->det);
	t->det_dirty = false;
	if (t->show_warnings)
		return add_warning_lines(t);
	ti = cdl_tui_row_thread(t, t->sel);
	if (ti == SIZE_MAX)
		return lines_add(&t->det, C_NORMAL, 0, t->filter[0] ? "No thread matches the filter"
				 : "No thread");
	if (t->group) {
		const struct cdl_stack_group *g = &t->groups[t->rows[t->sel]];
		char *ids = NULL;
		size_t len = 0;
		FILE *m;

		ti = g->rep;
		if (t->sel_tid && cdl_tui_row_has_tid(t, t->sel, t->sel_tid))
			ti = thread_index(t, t->sel_tid);
		rc = lines_add(&t->det, C_TITLE, 0, "Group %zu of %zu: %zu thread%s with this stack",
			       t->sel + 1, t->nrows, g->nthreads, g->nthreads == 1 ? "" : "s");
		if (rc < 0)
			return rc;
		m = open_memstream(&ids, &len);
		if (!m)
			return -ENOMEM;
		fputs("threads:", m);
		for (size_t k = 0; k < g->nthreads; k++)
			fprintf(m, " %d", t->snap->threads[g->threads[k]].tid);
		if (fclose(m) != 0) {
			free(ids);
			return -ENOMEM;
		}
		rc = lines_add_wrapped(&t->det, C_NORMAL, ids, COLS - 2);
		free(ids);
		if (rc < 0)
			return rc;
	}
	th = &t->snap->threads[ti];
	verdict_line(t, ti, v, sizeof(v));
	rc = lines_add(&t->det, cdl_tui_cls_of(cdl_tui_severity(t, ti)), 0, "Thread %s \"%s\"  state %c%s%s",
		       cdl_render_tid(tid, sizeof(tid), th), nz(th->name, "?"), th->state ? th->state : '?',
		       v[0] ? "  " : "", v);
	if (rc < 0 || (rc = add_wait_lines(t, th)) < 0 || (rc = add_held_lines(t, th)) < 0 ||
	    (rc = add_stack_lines(t, th)) < 0)
		return rc;
	return 0;
}
