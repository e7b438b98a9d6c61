/* SPDX-License-Identifier: GPL-2.0-or-later */
/* actions.c - what the keys do, and the one table of keys from which the
 * key handling, the help screen and the status bar are made. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "view.h"

/* A new file in the current directory named after the snapshot:
 * cdeadlock-PID-YYYYMMDD-HHMMSS[-N].EXT, created (O_EXCL) with mode.
 * The descriptor and the name in name[128], or -1 with errno. */
static int new_file(struct tui *t, const char *ext, mode_t mode, char name[128])
{
	struct tm tm;
	time_t sec = (time_t)(t->snap->captured_at_ms > 0 ? t->snap->captured_at_ms / 1000
			       : now_ms(t) / 1000);
	int fd = -1;

	gmtime_r(&sec, &tm);
	for (int k = 0; k < 100; k++) {
		int n = snprintf(name, 128, "cdeadlock-%d-%04d%02d%02d-%02d%02d%02d",
				 t->snap->pid, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				 tm.tm_hour, tm.tm_min, tm.tm_sec);

		if (k)
			snprintf(name + n, 128 - (size_t)n, "-%d.%s", k + 1, ext);
		else
			snprintf(name + n, 128 - (size_t)n, ".%s", ext);
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	return fd;
}

static void do_save(struct tui *t)
{
	char name[128];
	int fd = new_file(t, "json", 0644, name);
	FILE *f;
	int rc;

	if (fd < 0) {
		cdl_tui_say(t, true, "save failed: open %s: %s", name, strerror(errno));
		return;
	}
	f = fdopen(fd, "w");
	if (!f) {
		cdl_tui_say(t, true, "save failed: %s: %s", name, strerror(errno));
		close(fd);
		unlink(name);
		return;
	}
	rc = cdl_render_json(f, t->snap, t->an);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		cdl_tui_say(t, true, "save failed: write %s: %s", name, strerror(-rc));
		unlink(name);
		return;
	}
	cdl_tui_say(t, false, "saved ./%s", name);
}

/* The snapshot's capture as a core file for gdb and eu-stack (live only). */
static void do_save_core(struct tui *t)
{
	struct cdl_diag d = { 0 };
	char name[128];
	int fd;

	if (!t->src || !t->src->save_core) {
		cdl_tui_say(t, true, "no core file: loaded from %s (no registers or memory)",
			    nz(t->snap->source, "a file"));
		return;
	}
	fd = new_file(t, "core", 0600, name);
	if (fd < 0) {
		cdl_tui_say(t, true, "save failed: open %s: %s", name, strerror(errno));
		return;
	}
	close(fd);
	if (t->src->save_core(t->src->arg, t->snap, t->an, name, &d) < 0) {
		cdl_tui_say(t, true, "core not saved: %s (%s)", cdl_diag_reason(&d, EIO), name);
		unlink(name);
		return;
	}
	cdl_tui_say(t, false, "saved ./%s", name);
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
	size_t ti = cdl_tui_row_thread(t, t->sel);

	if (ti == SIZE_MAX)
		return NULL;
	if (t->group && t->sel_tid && cdl_tui_row_has_tid(t, t->sel, t->sel_tid))
		return cdl_snapshot_find_thread(t->snap, t->sel_tid);
	return &t->snap->threads[ti];
}

/* Show thread tid in the table, clearing the filter if it hides it
 * (then *cleared is set, if given). */
static bool goto_tid(struct tui *t, int tid, bool *cleared)
{
	cdl_tui_select_tid(t, tid);
	if (!cdl_tui_row_has_tid(t, t->sel, tid) && t->filter[0]) {
		t->filter[0] = '\0';
		cdl_tui_rebuild_rows(t);
		cdl_tui_select_tid(t, tid);
		if (cleared)
			*cleared = true;
	}
	return cdl_tui_row_has_tid(t, t->sel, tid);
}

static void goto_owner(struct tui *t)
{
	const struct cdl_thread *th = selected_thread(t), *o;
	bool cleared = false;
	int from;

	if (!th) {
		cdl_tui_say(t, true, "no thread selected");
		return;
	}
	if (!th->has_wait) {
		cdl_tui_say(t, true, "thread %d is not waiting on a lock", th->tid);
		return;
	}
	if (th->wait.owner_tid <= 0) {
		cdl_tui_say(t, true, "no owner to go to: the %s thread %d waits for has none recorded",
		    cdl_wait_kind_info(th->wait.kind)->noun, th->tid);
		return;
	}
	o = cdl_snapshot_find_thread(t->snap, th->wait.owner_tid);
	if (!o) {
		if (th->wait.owner_pid > 0)
			cdl_tui_say(t, true, "owner %d is a thread of process %d", th->wait.owner_tid,
			    th->wait.owner_pid);
		else
			cdl_tui_say(t, true, "owner %d is not a thread of this process (exited)",
			    th->wait.owner_tid);
		return;
	}
	from = th->tid;
	if (!goto_tid(t, o->tid, &cleared)) {
		cdl_tui_say(t, true, "owner %d is not shown", o->tid);
		return;
	}
	history_push(t, from);
	t->det_top = 0;
	cdl_tui_say(t, false, "owner of %s: thread %d \"%s\"  (b: back to %d)%s",
	    th->wait.symbol ? th->wait.symbol : cdl_wait_kind_name(th->wait.kind),
	    o->tid, nz(o->name, "?"), from, cleared ? "; filter cleared" : "");
}

static void go_back(struct tui *t)
{
	while (t->nhist) {
		int tid = t->hist[--t->nhist];

		if (goto_tid(t, tid, NULL)) {
			cdl_tui_say(t, false, "back to thread %d", tid);
			return;
		}
	}
	cdl_tui_say(t, true, "no earlier thread to go back to");
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
		cdl_tui_set_sel(t, s);
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
		cdl_tui_say(t, false, "auto refresh every %gs", s);
	} else {
		cdl_tui_say(t, false, "auto refresh off");
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
	cdl_tui_rebuild_rows(t);
	if (!t->prompt)
		cdl_tui_say(t, false, "%s", t->filter[0] ? "filter set (Esc clears)" : "filter cleared");
}

/* ---- the key table ---- */

static void key_quit(struct tui *t, int k)
{
	(void)k;
	t->quit = true;
}

static void key_move(struct tui *t, int k)
{
	move_focused(t, k == KEY_UP || k == 'k' ? -1 : 1);
}

static void key_page(struct tui *t, int k)
{
	move_focused(t, k == KEY_PPAGE ? -page_of(t) : page_of(t));
}

static void key_home_end(struct tui *t, int k)
{
	move_focused(t, k == KEY_HOME ? -(long)(SIZE_MAX >> 2) : (long)(SIZE_MAX >> 2));
}

static void key_focus(struct tui *t, int k)
{
	cycle_focus(t, k == KEY_BTAB ? -1 : 1);
}

static void key_enter(struct tui *t, int k)
{
	(void)k;
	if (t->focus == PANE_DEADLOCKS && t->dl_sel < t->dl.n) {
		int tid = t->dl.v[t->dl_sel].tid;

		if (tid && goto_tid(t, tid, NULL))
			t->focus = PANE_TABLE;
	} else if (t->focus == PANE_TABLE) {
		t->focus = PANE_DETAIL;
	} else {
		goto_owner(t);
	}
}

static void key_owner(struct tui *t, int k)
{
	(void)k;
	goto_owner(t);
}

static void key_back(struct tui *t, int k)
{
	(void)k;
	go_back(t);
}

static void key_group(struct tui *t, int k)
{
	(void)k;
	t->group = !t->group;
	cdl_tui_rebuild_rows(t);
	cdl_tui_say(t, false, t->group ? "grouped by identical stacks (g: ungroup)" : "one row per thread");
}

static void key_sort(struct tui *t, int k)
{
	(void)k;
	if (t->group) {
		cdl_tui_say(t, false, "groups are sorted by size; g ungroups");
		return;
	}
	t->sort = (enum tui_sort)((t->sort + 1) % SORT__COUNT);
	cdl_tui_rebuild_rows(t);
	cdl_tui_say(t, false, "sort by %s", cdl_tui_sort_name(t->sort));
}

static void key_reverse(struct tui *t, int k)
{
	(void)k;
	t->reverse = !t->reverse;
	cdl_tui_rebuild_rows(t);
	cdl_tui_say(t, false, "sort by %s%s", cdl_tui_sort_name(t->sort), t->reverse ? ", reversed" : "");
}

static void key_filter(struct tui *t, int k)
{
	(void)k;
	t->prompt = true;
	snprintf(t->prompt_buf, sizeof(t->prompt_buf), "%s", t->filter);
}

static void key_clear_filter(struct tui *t, int k)
{
	(void)k;
	if (t->filter[0]) {
		t->filter[0] = '\0';
		cdl_tui_rebuild_rows(t);
		cdl_tui_say(t, false, "filter cleared");
	}
}

static void key_refresh(struct tui *t, int k)
{
	(void)k;
	cdl_tui_refresh(t, false);
}

static void key_auto_refresh(struct tui *t, int k)
{
	(void)k;
	set_interval(t, t->interval_s > 0 ? 0 : t->last_interval_s > 0 ? t->last_interval_s : 2);
}

static void key_interval(struct tui *t, int k)
{
	if (k != '-')
		set_interval(t, t->interval_s > 0 ? (t->interval_s < 1 ? t->interval_s + 0.5 : t->interval_s * 2)
			     : t->last_interval_s > 0 ? t->last_interval_s : 2);
	else if (t->interval_s > 0)
		set_interval(t, t->interval_s > 1 ? t->interval_s / 2 : 0.5);
}

static void key_save(struct tui *t, int k)
{
	if (k == 'C')
		do_save_core(t);
	else
		do_save(t);
}

static void key_warnings(struct tui *t, int k)
{
	(void)k;
	t->show_warnings = !t->show_warnings;
	t->det_dirty = true;
	t->det_top = 0;
}

static void key_redraw(struct tui *t, int k)
{
	(void)k;
	if (!t->headless)
		clearok(curscr, TRUE);
}

static void key_help(struct tui *t, int k)
{
	(void)k;
	t->help = true;
	t->help_top = 0;
}

/* In the help screen's order; status_pos orders the status bar. */
const struct tui_key cdl_tui_keys[] = {
	{ { KEY_UP, 'k', KEY_DOWN, 'j' }, "Up/k  Down/j", "move in the focused pane", NULL, 0, key_move },
	{ { KEY_PPAGE, KEY_NPAGE, ' ' }, "PgUp  PgDn", "page up / down", NULL, 0, key_page },
	{ { KEY_HOME, KEY_END }, "Home  End", "first / last row", NULL, 0, key_home_end },
	{ { '\t', KEY_BTAB }, "Tab  Shift-Tab", "next / previous pane (deadlocks, threads, detail)",
	  NULL, 0, key_focus },
	{ { '\n', '\r', KEY_ENTER }, "Enter", "threads: open the detail; deadlocks: show that thread;\n"
	  "detail: go to the owner of the awaited lock", NULL, 0, key_enter },
	{ { 'o', KEY_RIGHT }, "o  Right", "go to the owner of the lock the thread waits for",
	  "o owner", 6, key_owner },
	{ { 'b', KEY_BACKSPACE, 127, 8, KEY_LEFT }, "b  Bksp  Left",
	  "back to the thread before the last jump", "b back", 7, key_back },
	{ { 'g' }, "g", "group threads with identical stacks, or not", "g group", 4, key_group },
	{ { 'S' }, "S", "sort by: blocked, tid, name, state (cycles)", "S sort", 5, key_sort },
	{ { 'I' }, "I", "reverse the sort order", NULL, 0, key_reverse },
	{ { '/' }, "/", "filter by thread, function or lock name (Enter keeps it)", "/ filter", 3,
	  key_filter },
	{ { 27 }, "Esc", "clear the filter; close this help", NULL, 0, key_clear_filter },
	{ { 'r' }, "r", "take a new snapshot now", "r refresh", 8, key_refresh },
	{ { 'i' }, "i", "auto refresh on / off", NULL, 0, key_auto_refresh },
	{ { '+', '=', '-' }, "+  -", "auto refresh interval longer / shorter", NULL, 0, key_interval },
	{ { 's', 'C' }, "s  C", "save the snapshot as JSON / the capture as a gdb core, in ./",
	  "s save", 9, key_save },
	{ { 'w' }, "w", "the snapshot's warnings in the detail pane, or not", NULL, 0, key_warnings },
	{ { 12 }, "Ctrl-L", "redraw the screen", NULL, 0, key_redraw },
	{ { '?', 'h', KEY_F(1) }, "?", "this help", "? help", 2, key_help },
	{ { 'q', 'Q' }, "q", "quit (closes this help first)", "q quit", 1, key_quit },
};

const size_t cdl_tui_nkeys = sizeof(cdl_tui_keys) / sizeof(cdl_tui_keys[0]);

void cdl_tui_handle_key(struct tui *t, int k)
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
		if (k == KEY_UP || k == 'k') {
			if (t->help_top)
				t->help_top--;
		} else if (k == KEY_DOWN || k == 'j') {
			t->help_top++;
		} else {
			t->help = false;
		}
		return;
	}
	t->msg[0] = '\0';
	for (size_t i = 0; i < cdl_tui_nkeys; i++)
		for (size_t j = 0; j < TUI_KEYS_MAX && cdl_tui_keys[i].keys[j]; j++)
			if (cdl_tui_keys[i].keys[j] == k) {
				cdl_tui_keys[i].fn(t, k);
				return;
			}
}
