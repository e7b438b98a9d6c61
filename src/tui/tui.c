/* tui.c - the ncurses view: terminal, layout, drawing, keys, the loop.
 *
 * One struct tui holds the whole state.  The screen is redrawn from it in
 * full after every event (only the visible rows are formatted, so this
 * stays cheap with thousands of threads) into stdscr, which the headless
 * mode reads back for its screen dumps.
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "render.h"
#include "tui.h"
#include "tui-int.h"

/* ---- attributes ---- */

enum cls {
	C_NORMAL, C_HEADER, C_TITLE, C_TITLE_FOCUS, C_DEADLOCK, C_STUCK,
	C_BEHIND, C_ERROR, C_INLINE, C_KEY, C__COUNT
};

static attr_t cls_attr[C__COUNT];

static void setup_attrs(bool colors)
{
	static const struct { short fg, bg; attr_t extra; attr_t mono; } def[C__COUNT] = {
		[C_NORMAL]      = { -1, -1, 0, 0 },
		[C_HEADER]      = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
		[C_TITLE]       = { COLOR_CYAN, -1, 0, A_BOLD },
		[C_TITLE_FOCUS] = { COLOR_CYAN, -1, A_BOLD, A_BOLD | A_REVERSE },
		[C_DEADLOCK]    = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
		[C_STUCK]       = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
		[C_BEHIND]      = { COLOR_MAGENTA, -1, 0, A_UNDERLINE },
		[C_ERROR]       = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
		[C_INLINE]      = { -1, -1, A_DIM, A_DIM },
		[C_KEY]         = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	};

	for (int i = 0; i < C__COUNT; i++) {
		if (!colors) {
			cls_attr[i] = def[i].mono;
			continue;
		}
		if (i == C_NORMAL || (def[i].fg == -1 && def[i].bg == -1)) {
			cls_attr[i] = def[i].extra;
			continue;
		}
		init_pair((short)i, def[i].fg, def[i].bg);
		cls_attr[i] = COLOR_PAIR(i) | def[i].extra;
	}
}

/* ---- state ---- */

enum pane { PANE_DEADLOCKS, PANE_TABLE, PANE_DETAIL, PANE__COUNT };

struct line {
	char *text;
	enum cls cls;
	int tid;                 /* the thread the line is about, 0 if none */
};

struct lines {
	struct line *v;
	size_t n, cap;
};

#define HIST_MAX 64

struct tui {
	struct cdl_snapshot *snap;
	struct cdl_analysis *an;
	struct cdl_stack_group *groups;
	size_t ngroups;
	size_t *group_of;        /* thread index -> group index */
	const struct cdl_tui_source *src;
	struct cdl_analyze_opts aopts;
	double stuck_s;
	struct tui_tracker tracker;
	int64_t snap_ms;         /* our clock when the snapshot arrived */
	int64_t offset_ms;       /* headless: time let pass with <Wait:N> */

	/* table */
	bool group;
	enum tui_sort sort;
	bool reverse;
	char filter[128];
	bool prompt;             /* typing a filter */
	char prompt_buf[128];
	size_t *rows;            /* thread or group indexes, in display order */
	size_t nrows;
	size_t sel, top;
	int sel_tid;             /* identity of the selection across rebuilds */

	struct lines dl;         /* deadlock pane */
	size_t dl_sel, dl_top;
	struct lines det;        /* detail pane */
	size_t det_top;
	bool det_dirty;

	enum pane focus;
	bool show_warnings;      /* the detail pane lists the snapshot's warnings */
	bool help;
	size_t help_top;
	int hist[HIST_MAX];
	size_t nhist;
	char msg[512];
	bool msg_err;

	double interval_s, last_interval_s;
	int64_t next_refresh_ms;
	bool colors, ascii, headless;
	bool quit;

	/* layout of the last draw */
	int h_dl, h_tab, h_det;
};

static int64_t now_ms(const struct tui *t)
{
	return cdl_tui_now_ms() + t->offset_ms;
}

/* ---- small text helpers ---- */

static void say(struct tui *t, bool err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct tui *t, bool err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
	t->msg_err = err;
}

static const char *dur(char *buf, size_t n, int64_t ms)
{
	if (ms < 0)
		snprintf(buf, n, "-");
	else
		cdl_render_duration(buf, n, ms);
	return buf;
}

static const char *nz(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

static int lines_add(struct lines *l, enum cls c, int tid, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int lines_add(struct lines *l, enum cls c, int tid, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct line *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
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

static void lines_free(struct lines *l)
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
static int64_t blocked_of(const struct tui *t, size_t i)
{
	const struct cdl_thread *th = &t->snap->threads[i];
	int64_t seen = seen_of(t, i);

	if (!th->has_wait && th->state == 'R')
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

static int severity(const struct tui *t, size_t i)
{
	switch (verdict_of(t, i)) {
	case CDL_VERDICT_DEADLOCKED: return 5;
	case CDL_VERDICT_ORPHANED: return 4;
	case CDL_VERDICT_BEHIND: return 3;
	case CDL_VERDICT_STUCK: return 2;
	default: return tracked_stuck(t, i) ? 2 : verdict_of(t, i) == CDL_VERDICT_WAITING ? 1 : 0;
	}
}

static char mark_of(int sev)
{
	static const char m[] = " wSBOD";

	return sev == 1 ? ' ' : m[sev];
}

static enum cls cls_of(int sev)
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

/* ---- rows: filter and sort ---- */

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct tui *t = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct cdl_thread *x = &t->snap->threads[i], *y = &t->snap->threads[j];
	int r = 0;

	switch (t->sort) {
	case SORT_BLOCKED: {
		int sx = severity(t, i), sy = severity(t, j);
		int64_t bx = blocked_of(t, i), by = blocked_of(t, j);

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

static int group_severity(const struct tui *t, const struct cdl_stack_group *g);

/* groups: the most severe first, then in cdl_stack_groups' order (largest first) */
static int cmp_groups(const void *a, const void *b, void *arg)
{
	const struct tui *t = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int r = group_severity(t, &t->groups[j]) - group_severity(t, &t->groups[i]);

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

static size_t row_tid_index(const struct tui *t, size_t r)
{
	if (r >= t->nrows)
		return SIZE_MAX;
	return t->group ? t->groups[t->rows[r]].rep : t->rows[r];
}

static bool row_has_tid(const struct tui *t, size_t r, int tid)
{
	size_t ti = thread_index(t, tid);

	if (ti == SIZE_MAX || r >= t->nrows)
		return false;
	if (!t->group)
		return t->rows[r] == ti;
	return t->group_of && t->group_of[ti] == t->rows[r];
}

static void select_tid(struct tui *t, int tid);

static int rebuild_rows(struct tui *t)
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
	select_tid(t, t->sel_tid);
	return 0;
}

static void set_sel(struct tui *t, size_t r)
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
	ti = row_tid_index(t, r);
	if (ti != SIZE_MAX) {
		int tid = t->snap->threads[ti].tid;

		/* in group mode keep the member we came from while it is in the group */
		if (!(t->group && row_has_tid(t, r, t->sel_tid)))
			t->sel_tid = tid;
	}
	t->det_dirty = true;
}

/* Select the row holding tid (or keep the row number if it is gone). */
static void select_tid(struct tui *t, int tid)
{
	for (size_t r = 0; r < t->nrows; r++)
		if (row_has_tid(t, r, tid)) {
			t->sel_tid = tid;
			if (r != t->sel)
				t->det_top = 0;
			t->sel = r;
			t->det_dirty = true;
			return;
		}
	set_sel(t, t->sel);
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

static int build_deadlocks(struct tui *t)
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
	bool stuck = severity(t, ti) == 2;

	if (seen > th->blocked_for_ms)
		return lines_add(&t->det, stuck ? C_STUCK : C_NORMAL, 0,
				 "Blocked %s; in the same wait, same stack, for %s%s",
				 th->blocked_for_ms >= 0 ? dur(b1, sizeof(b1), th->blocked_for_ms) : "?",
				 dur(b2, sizeof(b2), seen), stuck ? " (stuck)" : "");
	return lines_add(&t->det, stuck ? C_STUCK : C_NORMAL, 0, "Blocked %s%s",
			 dur(b1, sizeof(b1), th->blocked_for_ms), stuck ? " (stuck)" : "");
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

static int build_detail(struct tui *t)
{
	size_t ti;
	const struct cdl_thread *th;
	char v[64];
	int rc;

	lines_clear(&t->det);
	t->det_dirty = false;
	if (t->show_warnings)
		return add_warning_lines(t);
	ti = row_tid_index(t, t->sel);
	if (ti == SIZE_MAX)
		return lines_add(&t->det, C_NORMAL, 0, t->filter[0] ? "No thread matches the filter"
				 : "No thread");
	if (t->group) {
		const struct cdl_stack_group *g = &t->groups[t->rows[t->sel]];
		char *ids = NULL;
		size_t len = 0;
		FILE *m;

		ti = g->rep;
		if (t->sel_tid && row_has_tid(t, t->sel, t->sel_tid))
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
	rc = lines_add(&t->det, cls_of(severity(t, ti)), 0, "Thread %d \"%s\"  state %c%s%s",
		       th->tid, nz(th->name, "?"), th->state ? th->state : '?',
		       v[0] ? "  " : "", v);
	if (rc < 0 || (rc = add_wait_lines(t, th)) < 0 || (rc = add_stack_lines(t, th)) < 0)
		return rc;
	return 0;
}

/* ---- snapshots ---- */

static void free_groups(struct tui *t)
{
	cdl_stack_groups_free(t->groups, t->ngroups);
	t->groups = NULL;
	t->ngroups = 0;
	free(t->group_of);
	t->group_of = NULL;
}

/* Make s the current snapshot (takes ownership).  On failure s is freed
 * and the old snapshot stays. */
static int install_snapshot(struct tui *t, struct cdl_snapshot *s)
{
	struct cdl_analysis *an = NULL;
	struct cdl_stack_group *g = NULL;
	size_t ng = 0, *gof;
	int rc;

	cdl_snapshot_sort(s);
	rc = cdl_analyze(s, &t->aopts, &an);
	if (rc < 0) {
		cdl_snapshot_free(s);
		return rc;
	}
	rc = cdl_stack_groups(s, &g, &ng);
	gof = calloc(s->nthreads + 1, sizeof(*gof));
	if (rc < 0 || !gof) {
		cdl_stack_groups_free(g, ng);
		free(gof);
		cdl_analysis_free(an);
		cdl_snapshot_free(s);
		return rc < 0 ? rc : -ENOMEM;
	}
	for (size_t i = 0; i < s->nthreads; i++)
		gof[i] = SIZE_MAX;
	for (size_t k = 0; k < ng; k++)
		for (size_t j = 0; j < g[k].nthreads; j++)
			if (g[k].threads[j] < s->nthreads)
				gof[g[k].threads[j]] = k;
	t->snap_ms = now_ms(t);
	rc = cdl_tui_track(&t->tracker, s, t->snap_ms);
	if (rc < 0) {
		cdl_stack_groups_free(g, ng);
		free(gof);
		cdl_analysis_free(an);
		cdl_snapshot_free(s);
		return rc;
	}
	free_groups(t);
	cdl_analysis_free(t->an);
	cdl_snapshot_free(t->snap);
	t->snap = s;
	t->an = an;
	t->groups = g;
	t->ngroups = ng;
	t->group_of = gof;
	/* the history names threads of the old snapshot: keep those still here */
	size_t k = 0;
	for (size_t i = 0; i < t->nhist; i++)
		if (cdl_snapshot_find_thread(s, t->hist[i]))
			t->hist[k++] = t->hist[i];
	t->nhist = k;
	if ((rc = build_deadlocks(t)) < 0 || (rc = rebuild_rows(t)) < 0)
		return rc;
	if (t->dl.n == 0 && t->focus == PANE_DEADLOCKS)
		t->focus = PANE_TABLE;
	t->det_dirty = true;
	return 0;
}

static volatile sig_atomic_t in_refresh;
static volatile sig_atomic_t got_signal;

static void draw(struct tui *t);

/* A new snapshot from the source.  An automatic one (auto) leaves the
 * message line alone unless it fails. */
static void do_refresh(struct tui *t, bool autom)
{
	struct cdl_snapshot *s = NULL;
	struct cdl_diag d = { 0 };
	int64_t t0;
	int rc;

	if (t->interval_s > 0)
		t->next_refresh_ms = now_ms(t) + (int64_t)(t->interval_s * 1000.0);
	if (!t->src || !t->src->refresh) {
		say(t, true, "nothing to refresh: this snapshot was loaded from %s",
		    nz(t->snap->source, "a file"));
		return;
	}
	if (!autom) {
		say(t, false, "taking a snapshot of %d...", t->snap->pid);
		draw(t);
	}
	t0 = cdl_tui_now_ms();
	in_refresh = 1;
	rc = (t->src->refresh)(t->src->arg, &s, &d);
	in_refresh = 0;
	if (rc < 0 || !s) {
		int e = d.err ? d.err : rc < 0 ? -rc : EIO;

		say(t, true, "refresh failed: %s: %s", d.what[0] ? d.what : "snapshot",
		    d.why[0] ? d.why : strerror(e));
		return;
	}
	rc = install_snapshot(t, s);
	if (rc < 0) {
		say(t, true, "refresh failed: %s", strerror(-rc));
		return;
	}
	/* what a refresh costs: snapshot + analysis + a redraw */
	char b[32], b2[32], keep[sizeof(t->msg)];
	bool keep_err = t->msg_err;

	memcpy(keep, t->msg, sizeof(keep));
	t->msg[0] = '\0';
	draw(t);
	if (autom) {
		memcpy(t->msg, keep, sizeof(keep));
		t->msg_err = keep_err;
		return;
	}
	say(t, false, "new snapshot: %zu threads, target paused %s, refresh took %s",
	    t->snap->nthreads, cdl_render_pause(b, sizeof(b), t->snap->pause_us, true),
	    dur(b2, sizeof(b2), cdl_tui_now_ms() - t0));
}

static void do_save(struct tui *t)
{
	char name[128];
	struct tm tm;
	time_t sec = (time_t)(t->snap->captured_at_ms > 0 ? t->snap->captured_at_ms / 1000
			       : now_ms(t) / 1000);
	int fd = -1;
	FILE *f;
	int rc;

	gmtime_r(&sec, &tm);
	for (int k = 0; k < 100; k++) {
		int n = snprintf(name, sizeof(name), "cdeadlock-%d-%04d%02d%02d-%02d%02d%02d",
				 t->snap->pid, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				 tm.tm_hour, tm.tm_min, tm.tm_sec);

		if (k)
			snprintf(name + n, sizeof(name) - (size_t)n, "-%d.json", k + 1);
		else
			snprintf(name + n, sizeof(name) - (size_t)n, ".json");
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		say(t, true, "save failed: open %s: %s", name, strerror(errno));
		return;
	}
	f = fdopen(fd, "w");
	if (!f) {
		say(t, true, "save failed: %s: %s", name, strerror(errno));
		close(fd);
		unlink(name);
		return;
	}
	rc = cdl_render_json(f, t->snap, t->an);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		say(t, true, "save failed: write %s: %s", name, strerror(-rc));
		unlink(name);
		return;
	}
	say(t, false, "saved ./%s", name);
}

/* ---- drawing ---- */

/* Write s at (y, x), at most w columns, non-printable bytes as '?', padded
 * with spaces to w when pad. */
static void put(int y, int x, int w, attr_t a, const char *s, bool pad)
{
	int i = 0;

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + w > COLS)
		w = COLS - x;
	wmove(stdscr, y, x);
	wattrset(stdscr, a);
	for (; s && s[i] && i < w; i++) {
		unsigned char c = (unsigned char)s[i];

		waddch(stdscr, c >= 0x20 && c < 0x7f ? c : '?');
	}
	for (; pad && i < w; i++)
		waddch(stdscr, ' ');
	wattrset(stdscr, A_NORMAL);
}

static void putf(int y, int x, int w, attr_t a, bool pad, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void putf(int y, int x, int w, attr_t a, bool pad, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(y, x, w, a, buf, pad);
}

static void hline_title(struct tui *t, int y, const char *title, bool focus)
{
	chtype ch = t->ascii ? '-' : ACS_HLINE;
	char buf[256];

	wmove(stdscr, y, 0);
	wattrset(stdscr, cls_attr[focus ? C_TITLE_FOCUS : C_TITLE]);
	whline(stdscr, ch, COLS);
	snprintf(buf, sizeof(buf), focus ? "[ %s ]" : "  %s  ", title);
	put(y, 1, COLS - 2, cls_attr[focus ? C_TITLE_FOCUS : C_TITLE], buf, false);
}

static void draw_header(struct tui *t)
{
	const struct cdl_snapshot *s = t->snap;
	const char *exe = nz(s->exe, "?");
	char b1[32], b2[96], b3[32], when[32], line[512];
	size_t nd = t->an ? t->an->ndeadlocks : 0;
	int64_t age = s->captured_at_ms > 0 ? now_ms(t) - s->captured_at_ms : -1;
	int n;

	if (s->captured_at && strlen(s->captured_at) >= 19)
		snprintf(when, sizeof(when), "%.8s UTC", s->captured_at + 11);
	else
		snprintf(when, sizeof(when), "?");
	wmove(stdscr, 0, 0);
	wattrset(stdscr, cls_attr[C_HEADER]);
	whline(stdscr, ' ', COLS);
	wmove(stdscr, 1, 0);
	whline(stdscr, ' ', COLS);
	n = snprintf(line, sizeof(line), " cdeadlock  pid %d  %zu threads  ", s->pid, s->nthreads);
	put(0, 0, COLS, cls_attr[C_HEADER], line, false);
	if (n < COLS) {
		char dl[64];

		snprintf(dl, sizeof(dl), nd ? "%zu DEADLOCK%s  " : "no deadlock  ", nd, nd == 1 ? "" : "S");
		put(0, n, COLS - n, nd ? cls_attr[C_ERROR] : cls_attr[C_HEADER], dl, false);
		n += (int)strlen(dl);
		if (nd) {
			put(0, n, 1, cls_attr[C_HEADER], " ", false);
			n++;
		}
		if (s->nwarnings) {
			char wn[48];

			snprintf(wn, sizeof(wn), "%zu warning%s (w)  ", s->nwarnings,
				 s->nwarnings == 1 ? "" : "s");
			put(0, n, COLS - n, cls_attr[C_HEADER], wn, false);
			n += (int)strlen(wn);
		}
		if ((int)strlen(exe) > COLS - n - 1 && strrchr(exe, '/'))
			exe = strrchr(exe, '/') + 1;
		put(0, n, COLS - n, cls_attr[C_HEADER], exe, false);
	}
	if (s->source && strcmp(s->source, "live") != 0) {
		const char *f = s->source ? strrchr(s->source, '/') : NULL;

		snprintf(b2, sizeof(b2), "loaded from %s", f ? f + 1 : nz(s->source, "a file"));
	} else if (t->interval_s > 0) {
		snprintf(b2, sizeof(b2), "refresh every %gs", t->interval_s);
	} else {
		snprintf(b2, sizeof(b2), "refresh off");
	}
	snprintf(line, sizeof(line), " snapshot %s (%s ago)  pause %s  %s  stuck %gs",
		 when, dur(b1, sizeof(b1), age),
		 s->pause_us ? cdl_render_pause(b3, sizeof(b3), s->pause_us, true) : "-",
		 b2, t->stuck_s);
	put(1, 0, COLS, cls_attr[C_HEADER], line, false);
}

static void draw_deadlocks(struct tui *t, int y, int h)
{
	char title[64];
	bool focus = t->focus == PANE_DEADLOCKS;
	size_t nd = t->an ? t->an->ndeadlocks : 0;

	snprintf(title, sizeof(title), "Deadlocks: %zu", nd);
	hline_title(t, y, title, focus);
	h--;
	y++;
	if (t->dl_sel < t->dl_top)
		t->dl_top = t->dl_sel;
	if (h > 0 && t->dl_sel >= t->dl_top + (size_t)h)
		t->dl_top = t->dl_sel - (size_t)h + 1;
	for (int i = 0; i < h; i++) {
		size_t k = t->dl_top + (size_t)i;
		bool sel = focus && k == t->dl_sel;

		if (k >= t->dl.n)
			break;
		if (i == h - 1 && k + 1 < t->dl.n && !focus) {
			putf(y + i, 0, COLS, cls_attr[C_DEADLOCK], true,
			     "  ... %zu more lines (Tab to this pane to scroll)", t->dl.n - k);
			break;
		}
		put(y + i, 0, 2, cls_attr[C_DEADLOCK] | (sel ? A_REVERSE : 0), sel ? "> " : "  ", true);
		put(y + i, 2, COLS - 2, cls_attr[C_DEADLOCK] | (sel ? A_REVERSE : 0), t->dl.v[k].text, sel);
	}
}

struct cols {
	int tid, name, st, wait, lock, owner, blocked, where;   /* 0 = not shown */
};

/* Column widths for COLS: below 80 columns the owner, then the wait kind
 * go and the name narrows; above, a WHERE column (innermost user frame)
 * appears. */
static void thread_cols(struct cols *c)
{
	int rest;

	c->tid = 7; c->name = 15; c->st = 1; c->wait = 8; c->owner = 7; c->blocked = 9;
	/* "> M " + each column with the space before it (lock's included) */
	rest = COLS - 4 - (c->tid + 1 + c->name + 1 + c->st + 1 + c->wait + 1 + c->owner + 1 + c->blocked) - 1;
	if (rest < 14) {
		c->owner = 0;
		rest += 8;
	}
	if (rest < 14) {
		c->wait = 0;
		rest += 9;
	}
	if (rest < 14) {
		int cut = 14 - rest > 7 ? 7 : 14 - rest;

		c->name -= cut;
		rest += cut;
	}
	c->lock = rest > 36 ? 36 : rest;
	if (c->lock < 4)
		c->lock = 4;
	c->where = rest - c->lock - 1;
	if (c->where < 12)
		c->where = 0;
}

/* Append " text" in a column of w (right-aligned if right); nothing for
 * w == 0. */
static void col(char *buf, size_t n, size_t *off, int w, bool right, const char *text)
{
	int k;

	if (w <= 0 || *off >= n)
		return;
	k = snprintf(buf + *off, n - *off, right ? " %*.*s" : " %-*.*s", w, w, text);
	if (k > 0)
		*off = *off + (size_t)k < n ? *off + (size_t)k : n - 1;
}

/* The innermost user frame, "function (file:line)", or just the function
 * when that is wider than w columns. */
static void user_where(char *buf, size_t n, const struct cdl_thread *th, int w)
{
	const struct cdl_frame *f = cdl_thread_user_frame(th);

	if (!f && th->nframes)
		f = &th->frames[0];
	if (!f)
		buf[0] = 0;
	else if (f->file && f->line > 0) {
		const char *b = strrchr(f->file, '/');

		int l = snprintf(buf, n, "%s (%s:%d)", nz(f->function, "??"), b ? b + 1 : f->file, f->line);

		if (l > w)
			snprintf(buf, n, "%s", nz(f->function, "??"));
	} else
		snprintf(buf, n, "%s", nz(f->function, "??"));
}

static void draw_thread_row(struct tui *t, int y, size_t ti, bool sel)
{
	const struct cdl_thread *th = &t->snap->threads[ti];
	struct cols c;
	int sev = severity(t, ti);
	attr_t a = cls_attr[cls_of(sev)] | (sel ? A_REVERSE : 0);
	char lk[160] = "", owner[16] = "", bl[32], where[256], tid[16], st[2], line[1024];
	int64_t b = blocked_of(t, ti);
	size_t off;

	thread_cols(&c);
	if (th->has_wait) {
		cdl_render_lock_label(lk, sizeof(lk), &th->wait);
		if (th->wait.owner_tid > 0)
			snprintf(owner, sizeof(owner), "%d", th->wait.owner_tid);
	}
	user_where(where, sizeof(where), th, c.where);
	snprintf(tid, sizeof(tid), "%d", th->tid);
	st[0] = th->state ? th->state : '?';
	st[1] = '\0';
	off = (size_t)snprintf(line, sizeof(line), "%c %c", sel ? '>' : ' ', mark_of(sev));
	col(line, sizeof(line), &off, c.tid, true, tid);
	col(line, sizeof(line), &off, c.name, false, nz(th->name, "?"));
	col(line, sizeof(line), &off, c.st, false, st);
	col(line, sizeof(line), &off, c.wait, false, th->has_wait ? cdl_wait_kind_info(th->wait.kind)->label : "-");
	col(line, sizeof(line), &off, c.lock, false, lk);
	col(line, sizeof(line), &off, c.owner, true, owner);
	col(line, sizeof(line), &off, c.blocked, true, b >= 0 ? dur(bl, sizeof(bl), b) : "");
	col(line, sizeof(line), &off, c.where, false, where);
	put(y, 0, COLS, a, line, true);
}

struct gcols {
	int count, wait, lock, func, blocked, ids;
};

static void group_cols(struct gcols *c)
{
	int rest;

	c->count = 5; c->wait = 8; c->blocked = 9;
	/* "> M " + count, state, wait, blocked and the spaces between all */
	rest = COLS - 4 - (c->count + 1 + 1 + 1 + c->wait + 1 + c->blocked + 1) - 2;
	c->lock = rest * 3 / 10;
	if (c->lock > 30)
		c->lock = 30;
	c->func = rest * 35 / 100;
	if (c->func > 40)
		c->func = 40;
	c->ids = rest - c->lock - c->func;
	if (c->ids < 0)
		c->ids = 0;
}

/* The group's tids in at most w columns, "+N" for those that do not fit. */
static void fit_ids(char *buf, size_t n, int w, const struct tui *t, const struct cdl_stack_group *g)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < g->nthreads; k++) {
		char one[16], more[24];
		int l = snprintf(one, sizeof(one), "%s%d", k ? " " : "", t->snap->threads[g->threads[k]].tid);
		int lm = k + 1 < g->nthreads ? snprintf(more, sizeof(more), " +%zu", g->nthreads - k - 1) : 0;

		if ((int)off + l + lm > w || off + (size_t)l + 1 > n) {
			snprintf(buf + off, n - off, "%s+%zu", k ? " " : "", g->nthreads - k);
			return;
		}
		memcpy(buf + off, one, (size_t)l + 1);
		off += (size_t)l;
	}
}

static int group_severity(const struct tui *t, const struct cdl_stack_group *g)
{
	int sev = 0;

	for (size_t k = 0; k < g->nthreads; k++) {
		int s2 = severity(t, g->threads[k]);

		if (s2 > sev)
			sev = s2;
	}
	return sev;
}

static void draw_group_row(struct tui *t, int y, size_t gi, bool sel)
{
	const struct cdl_stack_group *g = &t->groups[gi];
	const struct cdl_thread *th = &t->snap->threads[g->rep];
	int sev = group_severity(t, g);
	int64_t maxb = -1;
	char lk[160] = "", where[256], ids[256], bl[32];
	struct gcols c;

	group_cols(&c);
	for (size_t k = 0; k < g->nthreads; k++) {
		int64_t b = blocked_of(t, g->threads[k]);

		if (b > maxb)
			maxb = b;
	}
	fit_ids(ids, sizeof(ids), c.ids, t, g);
	if (th->has_wait)
		cdl_render_lock_label(lk, sizeof(lk), &th->wait);
	user_where(where, sizeof(where), th, c.func);
	putf(y, 0, COLS, cls_attr[cls_of(sev)] | (sel ? A_REVERSE : 0), true,
	     "%c %c %*zu %c %-*s %-*.*s %-*.*s %*s %s", sel ? '>' : ' ', mark_of(sev),
	     c.count, g->nthreads, th->state ? th->state : '?', c.wait,
	     th->has_wait ? cdl_wait_kind_info(th->wait.kind)->label : "-", c.lock, c.lock, lk, c.func, c.func,
	     where, c.blocked, maxb >= 0 ? dur(bl, sizeof(bl), maxb) : "", ids);
}

static void draw_table(struct tui *t, int y, int h)
{
	char title[256];
	bool focus = t->focus == PANE_TABLE;
	int rows = h - 2;

	if (t->group)
		snprintf(title, sizeof(title), "Stacks: %zu group%s of %zu threads%s%s%s", t->nrows,
			 t->nrows == 1 ? "" : "s", t->snap->nthreads,
			 t->filter[0] ? "  filter \"" : "", t->filter, t->filter[0] ? "\"" : "");
	else
		snprintf(title, sizeof(title), "Threads: %zu%s%zu  sort %s%s%s%s%s", t->nrows,
			 t->filter[0] ? " of " : "", t->filter[0] ? t->snap->nthreads : 0,
			 cdl_tui_sort_name(t->sort), t->reverse ? " (reversed)" : "",
			 t->filter[0] ? "  filter \"" : "", t->filter, t->filter[0] ? "\"" : "");
	if (!t->filter[0] && !t->group) {
		/* no "of N" without a filter */
		snprintf(title, sizeof(title), "Threads: %zu  sort %s%s", t->nrows,
			 cdl_tui_sort_name(t->sort), t->reverse ? " (reversed)" : "");
	}
	hline_title(t, y, title, focus);
	if (h < 2)
		return;
	if (t->group) {
		struct gcols c;

		group_cols(&c);
		putf(y + 1, 0, COLS, A_BOLD, true, "    %*s %c %-*s %-*.*s %-*.*s %*s %s",
		     c.count, "COUNT", 'S', c.wait, "WAIT", c.lock, c.lock, "LOCK", c.func, c.func,
		     "FUNCTION", c.blocked, "BLOCKED", "THREADS");
	} else {
		struct cols c;
		char line[512];
		size_t off = 3;

		thread_cols(&c);
		snprintf(line, sizeof(line), "   ");
		col(line, sizeof(line), &off, c.tid, true, "TID");
		col(line, sizeof(line), &off, c.name, false, "NAME");
		col(line, sizeof(line), &off, c.st, false, "S");
		col(line, sizeof(line), &off, c.wait, false, "WAIT");
		col(line, sizeof(line), &off, c.lock, false, "LOCK");
		col(line, sizeof(line), &off, c.owner, true, "OWNER");
		col(line, sizeof(line), &off, c.blocked, true, "BLOCKED");
		col(line, sizeof(line), &off, c.where, false, "WHERE");
		put(y + 1, 0, COLS, A_BOLD, line, true);
	}
	if (rows <= 0)
		return;
	if (t->sel < t->top)
		t->top = t->sel;
	if (t->sel >= t->top + (size_t)rows)
		t->top = t->sel - (size_t)rows + 1;
	if (t->top + (size_t)rows > t->nrows)
		t->top = t->nrows > (size_t)rows ? t->nrows - (size_t)rows : 0;
	if (t->nrows == 0) {
		put(y + 2, 0, COLS, A_NORMAL, t->filter[0] ? "    (no thread matches the filter)"
		    : "    (no threads)", true);
		return;
	}
	for (int i = 0; i < rows; i++) {
		size_t r = t->top + (size_t)i;

		if (r >= t->nrows)
			break;
		if (t->group)
			draw_group_row(t, y + 2 + i, t->rows[r], r == t->sel);
		else
			draw_thread_row(t, y + 2 + i, t->rows[r], r == t->sel);
	}
}

static void draw_detail(struct tui *t, int y, int h)
{
	bool focus = t->focus == PANE_DETAIL;

	if (t->det_dirty && build_detail(t) < 0)
		say(t, true, "out of memory");
	hline_title(t, y, "Detail", focus);
	h--;
	y++;
	if (h <= 0)
		return;
	if (t->det_top + (size_t)h > t->det.n)
		t->det_top = t->det.n > (size_t)h ? t->det.n - (size_t)h : 0;
	for (int i = 0; i < h; i++) {
		size_t k = t->det_top + (size_t)i;

		if (k >= t->det.n)
			break;
		put(y + i, 1, COLS - 1, cls_attr[t->det.v[k].cls], t->det.v[k].text, false);
	}
}

static const struct {
	const char *keys, *what;
} help_keys[] = {
	{ "Up/k  Down/j", "move in the focused pane" },
	{ "PgUp  PgDn", "page up / down" },
	{ "Home  End", "first / last row" },
	{ "Tab  Shift-Tab", "next / previous pane (deadlocks, threads, detail)" },
	{ "Enter", "threads: open the detail; deadlocks: show that thread;" },
	{ "", "detail: go to the owner of the awaited lock" },
	{ "o  Right", "go to the owner of the lock the thread waits for" },
	{ "b  Bksp  Left", "back to the thread before the last jump" },
	{ "g", "group threads with identical stacks, or not" },
	{ "S", "sort by: blocked, tid, name, state (cycles)" },
	{ "I", "reverse the sort order" },
	{ "/", "filter by thread, function or lock name (Enter keeps it)" },
	{ "Esc", "clear the filter; close this help" },
	{ "r", "take a new snapshot now" },
	{ "i", "auto refresh on / off" },
	{ "+  -", "auto refresh interval longer / shorter" },
	{ "s", "save this snapshot as JSON in the current directory" },
	{ "w", "the snapshot's warnings in the detail pane, or not" },
	{ "Ctrl-L", "redraw the screen" },
	{ "?", "this help" },
	{ "q", "quit (closes this help first)" },
};

#define NHELP (sizeof(help_keys) / sizeof(help_keys[0]))

static void draw_help(struct tui *t)
{
	int h = LINES - 3;

	werase(stdscr);
	putf(0, 0, COLS, cls_attr[C_HEADER], true, " cdeadlock: keys");
	if (t->help_top + (size_t)h > NHELP)
		t->help_top = NHELP > (size_t)h ? NHELP - (size_t)h : 0;
	for (int i = 0; i < h; i++) {
		size_t k = t->help_top + (size_t)i;

		if (k >= NHELP)
			break;
		put(2 + i, 2, 16, cls_attr[C_KEY], help_keys[k].keys, true);
		put(2 + i, 19, COLS - 19, A_NORMAL, help_keys[k].what, false);
	}
	putf(LINES - 1, 0, COLS, cls_attr[C_HEADER], true,
	     " marks: D deadlocked  O orphaned lock  B behind a deadlock  S stuck  "
	     "(q: close)");
}

static void draw_status(struct tui *t)
{
	int y = LINES - 1;

	if (t->prompt) {
		putf(y, 0, COLS, A_NORMAL, true, "/%s", t->prompt_buf);
		if (!t->headless) {
			int x = 1 + (int)strlen(t->prompt_buf);

			wmove(stdscr, y, x < COLS ? x : COLS - 1);
		}
		return;
	}
	if (t->msg[0]) {
		put(y, 0, COLS, t->msg_err ? cls_attr[C_ERROR] : cls_attr[C_TITLE], t->msg, true);
		return;
	}
	put(y, 0, COLS, cls_attr[C_HEADER],
	    " q quit  ? help  / filter  g group  S sort  o owner  b back  r refresh  s save",
	    true);
}

static void draw(struct tui *t)
{
	int avail, hdl = 0, htab, hdet, rows_want;

	werase(stdscr);
	if (t->help) {
		draw_help(t);
		goto out;
	}
	if (COLS < 40 || LINES < 10) {
		putf(0, 0, COLS, A_NORMAL, false, "terminal too small (%dx%d)", COLS, LINES);
		putf(1, 0, COLS, A_NORMAL, false, "need 40x10; q quits");
		goto out;
	}
	draw_header(t);
	avail = LINES - 3;
	if (t->dl.n) {
		int cap = avail / 4 > 3 ? avail / 4 : 3;

		hdl = 1 + ((int)t->dl.n < cap ? (int)t->dl.n : cap);
	}
	avail -= hdl;
	/* the table takes what it needs up to half of the rest, the detail the remainder */
	rows_want = (int)t->nrows ? (int)t->nrows : 1;
	htab = 2 + rows_want;
	if (htab > 2 + (avail - 3) / 2)
		htab = 2 + (avail - 3) / 2;
	if (htab < 3)
		htab = 3;
	hdet = avail - htab;
	t->h_dl = hdl;
	t->h_tab = htab;
	t->h_det = hdet;
	if (hdl)
		draw_deadlocks(t, 2, hdl);
	draw_table(t, 2 + hdl, htab);
	draw_detail(t, 2 + hdl + htab, hdet);
	draw_status(t);
out:
	if (!t->headless) {
		curs_set(t->prompt && !t->help ? 1 : 0);
		wnoutrefresh(stdscr);
		doupdate();
	}
}

/* ---- screen dump (headless) ---- */

static int dump_screen(FILE *out, int n)
{
	chtype *buf = calloc((size_t)COLS + 1, sizeof(*buf));

	if (!buf)
		return -ENOMEM;
	fprintf(out, "==== screen %d (%dx%d) ====\n", n, COLS, LINES);
	for (int y = 0; y < LINES; y++) {
		char line[1024];
		int len = mvwinchnstr(stdscr, y, 0, buf, COLS), end = 0;

		if (len < 0)
			len = 0;
		if (len > (int)sizeof(line) - 1)
			len = (int)sizeof(line) - 1;
		for (int x = 0; x < len; x++) {
			chtype ch = buf[x];
			int c = (int)(ch & A_CHARTEXT);

			if (ch & A_ALTCHARSET)
				c = c == 'q' ? '-' : c == 'x' ? '|' : '+';
			else if (c < 0x20 || c >= 0x7f)
				c = '?';
			line[x] = (char)c;
			if (c != ' ')
				end = x + 1;
		}
		line[end] = '\0';
		fprintf(out, "%s\n", line);
	}
	free(buf);
	return ferror(out) ? -EIO : 0;
}

/* ---- keys ---- */

static void history_push(struct tui *t, int tid)
{
	if (t->nhist == HIST_MAX) {
		memmove(t->hist, t->hist + 1, (HIST_MAX - 1) * sizeof(t->hist[0]));
		t->nhist--;
	}
	t->hist[t->nhist++] = tid;
}

static const struct cdl_thread *selected_thread(const struct tui *t)
{
	size_t ti = row_tid_index(t, t->sel);

	if (ti == SIZE_MAX)
		return NULL;
	if (t->group && t->sel_tid && row_has_tid(t, t->sel, t->sel_tid))
		return cdl_snapshot_find_thread(t->snap, t->sel_tid);
	return &t->snap->threads[ti];
}

/* Show thread tid in the table, clearing the filter if it hides it
 * (then *cleared is set, if given). */
static bool goto_tid(struct tui *t, int tid, bool *cleared)
{
	select_tid(t, tid);
	if (!row_has_tid(t, t->sel, tid) && t->filter[0]) {
		t->filter[0] = '\0';
		rebuild_rows(t);
		select_tid(t, tid);
		if (cleared)
			*cleared = true;
	}
	return row_has_tid(t, t->sel, tid);
}

static void goto_owner(struct tui *t)
{
	const struct cdl_thread *th = selected_thread(t), *o;
	bool cleared = false;
	int from;

	if (!th) {
		say(t, true, "no thread selected");
		return;
	}
	if (!th->has_wait) {
		say(t, true, "thread %d is not waiting on a lock", th->tid);
		return;
	}
	if (th->wait.owner_tid <= 0) {
		say(t, true, "no owner to go to: the %s thread %d waits for has none recorded",
		    cdl_wait_kind_info(th->wait.kind)->noun, th->tid);
		return;
	}
	o = cdl_snapshot_find_thread(t->snap, th->wait.owner_tid);
	if (!o) {
		if (th->wait.owner_pid > 0)
			say(t, true, "owner %d is a thread of process %d", th->wait.owner_tid,
			    th->wait.owner_pid);
		else
			say(t, true, "owner %d is not a thread of this process (exited)",
			    th->wait.owner_tid);
		return;
	}
	from = th->tid;
	if (!goto_tid(t, o->tid, &cleared)) {
		say(t, true, "owner %d is not shown", o->tid);
		return;
	}
	history_push(t, from);
	t->det_top = 0;
	say(t, false, "owner of %s: thread %d \"%s\"  (b: back to %d)%s",
	    th->wait.symbol ? th->wait.symbol : cdl_wait_kind_name(th->wait.kind),
	    o->tid, nz(o->name, "?"), from, cleared ? "; filter cleared" : "");
}

static void go_back(struct tui *t)
{
	while (t->nhist) {
		int tid = t->hist[--t->nhist];

		if (goto_tid(t, tid, NULL)) {
			say(t, false, "back to thread %d", tid);
			return;
		}
	}
	say(t, true, "no earlier thread to go back to");
}

static void move_in(size_t *pos, size_t n, long delta)
{
	long p = (long)*pos + delta;

	if (n == 0) {
		*pos = 0;
		return;
	}
	if (p < 0)
		p = 0;
	if (p >= (long)n)
		p = (long)n - 1;
	*pos = (size_t)p;
}

static void move_focused(struct tui *t, long delta)
{
	switch (t->focus) {
	case PANE_DEADLOCKS:
		move_in(&t->dl_sel, t->dl.n, delta);
		break;
	case PANE_TABLE: {
		size_t s = t->sel;

		move_in(&s, t->nrows, delta);
		set_sel(t, s);
		break;
	}
	case PANE_DETAIL: {
		size_t maxtop = t->det.n > (size_t)(t->h_det - 1) ? t->det.n - (size_t)(t->h_det - 1) : 0;

		move_in(&t->det_top, maxtop + 1, delta);
		break;
	}
	default:
		break;
	}
}

static long page_of(const struct tui *t)
{
	long h = t->focus == PANE_DEADLOCKS ? t->h_dl - 1 : t->focus == PANE_TABLE ? t->h_tab - 2
		 : t->h_det - 1;

	return h > 1 ? h : 1;
}

static void cycle_focus(struct tui *t, int dir)
{
	for (int k = 0; k < PANE__COUNT; k++) {
		t->focus = (enum pane)(((int)t->focus + dir + PANE__COUNT) % PANE__COUNT);
		if (t->focus != PANE_DEADLOCKS || t->dl.n)
			return;
	}
}

static void set_interval(struct tui *t, double s)
{
	t->interval_s = s;
	if (s > 0) {
		t->last_interval_s = s;
		t->next_refresh_ms = now_ms(t) + (int64_t)(s * 1000.0);
		say(t, false, "auto refresh every %gs", s);
	} else {
		say(t, false, "auto refresh off");
	}
}

static void prompt_key(struct tui *t, int k)
{
	size_t n = strlen(t->prompt_buf);

	switch (k) {
	case 27:
		t->prompt = false;
		t->filter[0] = '\0';
		t->prompt_buf[0] = '\0';
		break;
	case '\n': case '\r': case KEY_ENTER:
		t->prompt = false;
		break;
	case KEY_BACKSPACE: case 127: case 8:
		if (n)
			t->prompt_buf[n - 1] = '\0';
		break;
	case 21: /* C-u */
		t->prompt_buf[0] = '\0';
		break;
	default:
		if (k >= 0x20 && k < 0x7f && n + 1 < sizeof(t->prompt_buf)) {
			t->prompt_buf[n] = (char)k;
			t->prompt_buf[n + 1] = '\0';
		}
		break;
	}
	if (t->prompt || k == 27) {
		/* filter as one types */
		snprintf(t->filter, sizeof(t->filter), "%s", t->prompt_buf);
	}
	rebuild_rows(t);
	if (!t->prompt)
		say(t, false, "%s", t->filter[0] ? "filter set (Esc clears)" : "filter cleared");
}

static void handle_key(struct tui *t, int k)
{
	if (k == KEY_RESIZE) {
		t->det_dirty = true;    /* the detail is wrapped to the width */
		return;
	}
	if (t->prompt) {
		prompt_key(t, k);
		return;
	}
	if (t->help) {
		switch (k) {
		case KEY_UP: case 'k': if (t->help_top) t->help_top--; break;
		case KEY_DOWN: case 'j': t->help_top++; break;
		case KEY_RESIZE: break;
		default: t->help = false; break;
		}
		return;
	}
	t->msg[0] = '\0';
	switch (k) {
	case 'q': case 'Q':
		t->quit = true;
		break;
	case KEY_UP: case 'k':
		move_focused(t, -1);
		break;
	case KEY_DOWN: case 'j':
		move_focused(t, 1);
		break;
	case KEY_PPAGE:
		move_focused(t, -page_of(t));
		break;
	case KEY_NPAGE: case ' ':
		move_focused(t, page_of(t));
		break;
	case KEY_HOME:
		move_focused(t, -(long)(SIZE_MAX >> 2));
		break;
	case KEY_END:
		move_focused(t, (long)(SIZE_MAX >> 2));
		break;
	case '\t':
		cycle_focus(t, 1);
		break;
	case KEY_BTAB:
		cycle_focus(t, -1);
		break;
	case '\n': case '\r': case KEY_ENTER:
		if (t->focus == PANE_DEADLOCKS && t->dl_sel < t->dl.n) {
			int tid = t->dl.v[t->dl_sel].tid;

			if (tid && goto_tid(t, tid, NULL))
				t->focus = PANE_TABLE;
		} else if (t->focus == PANE_TABLE) {
			t->focus = PANE_DETAIL;
		} else {
			goto_owner(t);
		}
		break;
	case 'o': case KEY_RIGHT:
		goto_owner(t);
		break;
	case 'b': case KEY_BACKSPACE: case 127: case 8: case KEY_LEFT:
		go_back(t);
		break;
	case 'g':
		t->group = !t->group;
		rebuild_rows(t);
		say(t, false, t->group ? "grouped by identical stacks (g: ungroup)" : "one row per thread");
		break;
	case 'S':
		if (t->group) {
			say(t, false, "groups are sorted by size; g ungroups");
			break;
		}
		t->sort = (enum tui_sort)((t->sort + 1) % SORT__COUNT);
		rebuild_rows(t);
		say(t, false, "sort by %s", cdl_tui_sort_name(t->sort));
		break;
	case 'I':
		t->reverse = !t->reverse;
		rebuild_rows(t);
		say(t, false, "sort by %s%s", cdl_tui_sort_name(t->sort), t->reverse ? ", reversed" : "");
		break;
	case '/':
		t->prompt = true;
		snprintf(t->prompt_buf, sizeof(t->prompt_buf), "%s", t->filter);
		break;
	case 27:
		if (t->filter[0]) {
			t->filter[0] = '\0';
			rebuild_rows(t);
			say(t, false, "filter cleared");
		}
		break;
	case 'r':
		do_refresh(t, false);
		break;
	case 'i':
		set_interval(t, t->interval_s > 0 ? 0 : t->last_interval_s > 0 ? t->last_interval_s : 2);
		break;
	case '+': case '=':
		set_interval(t, t->interval_s > 0 ? (t->interval_s < 1 ? t->interval_s + 0.5 : t->interval_s * 2)
			     : t->last_interval_s > 0 ? t->last_interval_s : 2);
		break;
	case '-':
		if (t->interval_s > 0)
			set_interval(t, t->interval_s > 1 ? t->interval_s / 2 : 0.5);
		break;
	case 's':
		do_save(t);
		break;
	case 'w':
		t->show_warnings = !t->show_warnings;
		t->det_dirty = true;
		t->det_top = 0;
		break;
	case '?': case 'h': case KEY_F(1):
		t->help = true;
		t->help_top = 0;
		break;
	case 12: /* C-l */
		if (!t->headless)
			clearok(curscr, TRUE);
		break;
	case KEY_RESIZE:
		t->det_dirty = true;
		break;
	default:
		break;
	}
}

static int map_key(int k)
{
	switch (k) {
	case CDL_KEY_UP: return KEY_UP;
	case CDL_KEY_DOWN: return KEY_DOWN;
	case CDL_KEY_LEFT: return KEY_LEFT;
	case CDL_KEY_RIGHT: return KEY_RIGHT;
	case CDL_KEY_PGUP: return KEY_PPAGE;
	case CDL_KEY_PGDN: return KEY_NPAGE;
	case CDL_KEY_HOME: return KEY_HOME;
	case CDL_KEY_END: return KEY_END;
	case CDL_KEY_BTAB: return KEY_BTAB;
	case CDL_KEY_BACKSPACE: return KEY_BACKSPACE;
	default: return k;
	}
}

/* ---- terminal and signals ---- */

static volatile sig_atomic_t curses_on;
static const int tui_sigs[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction old_sa[3];

void cdl_tui_emergency_restore(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

static void on_signal(int sig)
{
	if (in_refresh) {
		/* the target may be stopped right now: let the CLI's handler
		 * detach at once (it ends the process); it restores the
		 * terminal after the detach.  The re-raised signal is blocked
		 * until this handler returns. */
		for (size_t i = 0; i < sizeof(tui_sigs) / sizeof(tui_sigs[0]); i++)
			if (tui_sigs[i] == sig)
				sigaction(sig, &old_sa[i], NULL);
		raise(sig);
		return;
	}
	got_signal = sig;
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(tui_sigs) / sizeof(tui_sigs[0]); i++)
		sigaction(tui_sigs[i], &sa, &old_sa[i]);
}

static void restore_handlers(void)
{
	for (size_t i = 0; i < sizeof(tui_sigs) / sizeof(tui_sigs[0]); i++)
		sigaction(tui_sigs[i], &old_sa[i], NULL);
}

static SCREEN *open_headless(const struct cdl_tui_opts *o, FILE **fin, FILE **fout)
{
	static const char *const terms[] = { "xterm", "vt100", "ansi" };
	SCREEN *sc = NULL;

	*fout = fopen("/dev/null", "w");
	/* cppcheck-suppress incompatibleFileOpen ; /dev/null, nothing to corrupt */
	*fin = fopen("/dev/null", "r");
	if (!*fout || !*fin)
		return NULL;
	use_env(FALSE);
	for (size_t i = 0; i < sizeof(terms) / sizeof(terms[0]) && !sc; i++)
		sc = newterm(terms[i], *fout, *fin);
	if (!sc)
		sc = newterm(NULL, *fout, *fin);
	if (sc)
		resizeterm(o->lines > 0 ? o->lines : 24, o->cols > 0 ? o->cols : 80);
	return sc;
}

static bool locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

/* ---- the loop ---- */

static void tui_free(struct tui *t)
{
	free_groups(t);
	cdl_analysis_free(t->an);
	cdl_snapshot_free(t->snap);
	cdl_tui_tracker_free(&t->tracker);
	free(t->rows);
	lines_free(&t->dl);
	lines_free(&t->det);
}

static void tick(struct tui *t)
{
	if (t->interval_s > 0 && now_ms(t) >= t->next_refresh_ms)
		do_refresh(t, true);
}

static int run_headless(struct tui *t, const struct cdl_tui_opts *o, struct keyev *ev,
			size_t nev)
{
	int ndump = 0, rc = 0;

	draw(t);
	for (size_t i = 0; i < nev && !t->quit; i++) {
		switch (ev[i].type) {
		case KEYEV_KEY:
			handle_key(t, map_key(ev[i].key));
			break;
		case KEYEV_RESIZE:
			resizeterm(ev[i].lines, ev[i].cols);
			handle_key(t, KEY_RESIZE);
			break;
		case KEYEV_WAIT:
			t->offset_ms += ev[i].wait_ms;
			tick(t);
			break;
		case KEYEV_DUMP:
			draw(t);
			if (o->screen_out && (rc = dump_screen(o->screen_out, ++ndump)) < 0)
				return rc;
			break;
		}
		draw(t);
	}
	if (o->screen_out)
		fflush(o->screen_out);
	return 0;
}

static void run_interactive(struct tui *t)
{
	while (!t->quit && !got_signal) {
		int timeout_ms = 1000, k;

		draw(t);
		if (t->interval_s > 0) {
			int64_t left = t->next_refresh_ms - now_ms(t);

			if (left < timeout_ms)
				timeout_ms = left > 0 ? (int)left : 0;
		}
		wtimeout(stdscr, timeout_ms);
		k = wgetch(stdscr);
		if (k == ERR) {
			tick(t);
			continue;
		}
		handle_key(t, k);
	}
}

int cdl_tui_run(struct cdl_snapshot *s, const struct cdl_tui_source *src,
		const struct cdl_tui_opts *o, struct cdl_diag *d)
{
	struct tui t;
	struct keyev *ev = NULL;
	size_t nev = 0, bad = 0;
	FILE *fin = NULL, *fout = NULL;
	SCREEN *sc = NULL;
	int rc, sig;

	memset(&t, 0, sizeof(t));
	t.src = src;
	t.headless = o->keys != NULL;
	t.stuck_s = o->stuck_s > 0 ? o->stuck_s : 5;
	cdl_analyze_opts_init(&t.aopts);
	t.aopts.stuck_ms = (int64_t)(t.stuck_s * 1000.0);
	t.focus = PANE_TABLE;
	t.sort = SORT_BLOCKED;

	if (t.headless) {
		rc = cdl_tui_parse_keys(o->keys, &ev, &nev, &bad);
		if (rc < 0) {
			cdl_snapshot_free(s);
			if (rc == -EINVAL) {
				cdl_diag_set(d, EINVAL, "--keys: bad key at offset %zu", bad);
				cdl_diag_why(d, "unknown <...> name near \"%.20s\"", o->keys + bad);
				cdl_diag_hint(d, "keys are plain characters or <Up> <Down> <PgUp> <PgDn> "
					      "<Home> <End> <Enter> <Tab> <Esc> <Backspace> <C-x> <Dump> "
					      "<Resize:COLSxLINES> <Wait:SECS>");
				return -EINVAL;
			}
			return cdl_diag_set(d, -rc, "tui: key script");
		}
	}

	rc = install_snapshot(&t, s);
	if (rc < 0) {
		free(ev);
		tui_free(&t);
		return cdl_diag_set(d, -rc, "tui: analysis");
	}
	t.interval_s = o->interval_s > 0 ? o->interval_s : 0;
	t.last_interval_s = t.interval_s;
	if (t.interval_s > 0)
		t.next_refresh_ms = now_ms(&t) + (int64_t)(t.interval_s * 1000.0);

	setlocale(LC_CTYPE, "");
	if (t.headless) {
		sc = open_headless(o, &fin, &fout);
		t.ascii = true;
	} else {
		sc = newterm(NULL, stdout, stdin);
		t.ascii = !locale_utf8();
	}
	if (!sc) {
		if (fin)
			fclose(fin);
		if (fout)
			fclose(fout);
		free(ev);
		tui_free(&t);
		rc = cdl_diag_set(d, ENOTTY, "tui: cannot set up the terminal");
		cdl_diag_hint(d, "check TERM, or use --dump for text output");
		return rc;
	}
	set_term(sc);
	curses_on = 1;
	if (!t.headless) {
		got_signal = 0;
		install_handlers();
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	{
		const char *nc = getenv("NO_COLOR");

		t.colors = has_colors() && !(nc && *nc);
		if (t.colors) {
			start_color();
			use_default_colors();
		}
		setup_attrs(t.colors);
	}

	rc = 0;
	if (t.headless)
		rc = run_headless(&t, o, ev, nev);
	else
		run_interactive(&t);

	cdl_tui_emergency_restore();
	delscreen(sc);
	if (fin)
		fclose(fin);
	if (fout)
		fclose(fout);
	free(ev);
	tui_free(&t);
	sig = got_signal;
	if (!t.headless) {
		restore_handlers();
		if (sig)
			raise(sig);     /* the CLI's handler ends us with that signal */
	}
	if (rc < 0)
		return cdl_diag_set(d, -rc, "tui: write the screen dump");
	return 0;
}
