/* SPDX-License-Identifier: GPL-2.0-or-later */
/* draw.c - the screen: header, the three panes, the help screen and the
 * status bar, drawn in full from struct tui into stdscr (which the
 * headless mode reads back for its screen dumps). */
#include "config.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

/* ---- attributes ---- */

static attr_t cls_attr[C__COUNT];

void cdl_tui_setup_attrs(bool colors)
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

static char mark_of(int sev)
{
	static const char m[] = " wSBOD";

	return sev == 1 ? ' ' : m[sev];
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

		if (nd)
			snprintf(dl, sizeof(dl), "%zu DEADLOCK%s  ", nd, nd == 1 ? "" : "S");
		else if (t->an && t->an->nundecided)   /* exit status 3 */
			snprintf(dl, sizeof(dl), "no deadlock proven, none excluded  ");
		else
			snprintf(dl, sizeof(dl), "no deadlock  ");
		put(0, n, COLS - n, nd ? cls_attr[C_ERROR] : cls_attr[C_HEADER], dl, false);
		n += (int)strlen(dl);
		if (nd) {
			put(0, n, 1, cls_attr[C_HEADER], " ", false);
			n++;
		}
		if (s->runtime) {
			/* its own locks are not analysed: say which tool does */
			const char *rt = strcmp(s->runtime, "HotSpot JVM") == 0 ?
					 "Java locks: see jstack  " : "runtime locks not analysed  ";

			put(0, n, COLS - n, cls_attr[C_HEADER], rt, false);
			n += (int)strlen(rt);
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
	if (s->core_path) {
		cdl_render_core_source(b2, sizeof(b2), s, true);
	} else if (s->source && strcmp(s->source, "live") != 0) {
		const char *f = s->source ? strrchr(s->source, '/') : NULL;

		snprintf(b2, sizeof(b2), "loaded from %s", f ? f + 1 : nz(s->source, "a file"));
	} else if (t->interval_s > 0) {
		snprintf(b2, sizeof(b2), "refresh every %gs", t->interval_s);
	} else {
		snprintf(b2, sizeof(b2), "refresh off");
	}
	snprintf(line, sizeof(line), " snapshot %s (%s ago)  pause %s  %s  stuck %gs",
		 when, cdl_tui_dur(b1, sizeof(b1), age),
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
	int sev = cdl_tui_severity(t, ti);
	attr_t a = cls_attr[cdl_tui_cls_of(sev)] | (sel ? A_REVERSE : 0);
	char lk[160] = "", owner[16] = "", bl[32], where[256], tid[16], st[2], line[1024];
	int64_t b = cdl_tui_blocked(t, ti);
	size_t off;

	thread_cols(&c);
	if (th->has_wait) {
		cdl_render_lock_label(lk, sizeof(lk), &th->wait);
		if (th->wait.owner_tid > 0)
			snprintf(owner, sizeof(owner), "%d", th->wait.owner_tid);
		else if (th->wait.owner_ns_tid > 0)     /* no thread of this process */
			snprintf(owner, sizeof(owner), "ns %d", th->wait.owner_ns_tid);
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
	col(line, sizeof(line), &off, c.blocked, true,
	    b >= 0 ? cdl_tui_dur(bl, sizeof(bl), b) : th->has_wait ? "?" : "");
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

static void draw_group_row(struct tui *t, int y, size_t gi, bool sel)
{
	const struct cdl_stack_group *g = &t->groups[gi];
	const struct cdl_thread *th = &t->snap->threads[g->rep];
	int sev = cdl_tui_group_severity(t, g);
	int64_t maxb = -1;
	char lk[160] = "", where[256], ids[256], bl[32];
	struct gcols c;

	group_cols(&c);
	for (size_t k = 0; k < g->nthreads; k++) {
		int64_t b = cdl_tui_blocked(t, g->threads[k]);

		if (b > maxb)
			maxb = b;
	}
	fit_ids(ids, sizeof(ids), c.ids, t, g);
	if (th->has_wait)
		cdl_render_lock_label(lk, sizeof(lk), &th->wait);
	user_where(where, sizeof(where), th, c.func);
	putf(y, 0, COLS, cls_attr[cdl_tui_cls_of(sev)] | (sel ? A_REVERSE : 0), true,
	     "%c %c %*zu %c %-*s %-*.*s %-*.*s %*s %s", sel ? '>' : ' ', mark_of(sev),
	     c.count, g->nthreads, th->state ? th->state : '?', c.wait,
	     th->has_wait ? cdl_wait_kind_info(th->wait.kind)->label : "-", c.lock, c.lock, lk, c.func, c.func,
	     where, c.blocked, maxb >= 0 ? cdl_tui_dur(bl, sizeof(bl), maxb) : "", ids);
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

	if (t->det_dirty && cdl_tui_build_detail(t) < 0)
		cdl_tui_say(t, true, "out of memory");
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

/* The help screen's lines, made from the key table: line k of it (keys
 * column and text, text_len bytes of it); false past the end. */
static bool help_line(size_t k, const char **keys, const char **text, int *text_len)
{
	for (size_t i = 0; i < cdl_tui_nkeys; i++) {
		const char *p = cdl_tui_keys[i].help;

		for (bool first = true; p; first = false) {
			const char *nl = strchr(p, '\n');

			if (k-- == 0) {
				*keys = first ? cdl_tui_keys[i].help_keys : "";
				*text = p;
				*text_len = nl ? (int)(nl - p) : (int)strlen(p);
				return true;
			}
			p = nl ? nl + 1 : NULL;
		}
	}
	return false;
}

static void draw_help(struct tui *t)
{
	int h = LINES - 3, len;
	size_t nhelp = 0;
	const char *keys, *text;

	while (help_line(nhelp, &keys, &text, &len))
		nhelp++;
	werase(stdscr);
	putf(0, 0, COLS, cls_attr[C_HEADER], true, " cdeadlock: keys");
	if (t->help_top + (size_t)h > nhelp)
		t->help_top = nhelp > (size_t)h ? nhelp - (size_t)h : 0;
	for (int i = 0; i < h && help_line(t->help_top + (size_t)i, &keys, &text, &len); i++) {
		put(2 + i, 2, 16, cls_attr[C_KEY], keys, true);
		putf(2 + i, 19, COLS - 19, A_NORMAL, false, "%.*s", len, text);
	}
	putf(LINES - 1, 0, COLS, cls_attr[C_HEADER], true,
	     " marks: D deadlocked  O orphaned lock  B behind a deadlock  S stuck  "
	     "(q: close)");
}

/* " q quit  ? help  ...": the keys of the table that have status words,
 * by status_pos. */
static void status_keys(char *buf, size_t n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int pos = 1; off < n; pos++) {
		bool found = false;

		for (size_t i = 0; i < cdl_tui_nkeys && off < n; i++) {
			if (cdl_tui_keys[i].status_pos != pos || !cdl_tui_keys[i].status)
				continue;
			off += (size_t)snprintf(buf + off, n - off, "%s%s", pos == 1 ? " " : "  ",
						cdl_tui_keys[i].status);
			found = true;
		}
		if (!found)
			break;
	}
}

static void draw_status(struct tui *t)
{
	int y = LINES - 1;
	char keys[256];

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
	status_keys(keys, sizeof(keys));
	put(y, 0, COLS, cls_attr[C_HEADER], keys, true);
}

void cdl_tui_draw(struct tui *t)
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
