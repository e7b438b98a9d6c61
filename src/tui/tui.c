/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tui.c - the ncurses view: the terminal, signals, installing snapshots
 * and the loop.  One struct tui (view.h) holds the whole state; the
 * screen is redrawn from it in full after every event (draw.c). */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "view.h"

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
	if ((rc = cdl_tui_build_deadlocks(t)) < 0 || (rc = cdl_tui_rebuild_rows(t)) < 0)
		return rc;
	if (t->dl.n == 0 && t->focus == PANE_DEADLOCKS)
		t->focus = PANE_TABLE;
	t->det_dirty = true;
	return 0;
}

static volatile sig_atomic_t in_refresh;
static volatile sig_atomic_t got_signal;

/* A new snapshot from the source.  An automatic one (auto) leaves the
 * message line alone unless it fails. */
void cdl_tui_refresh(struct tui *t, bool autom)
{
	struct cdl_snapshot *s = NULL;
	struct cdl_diag d = { 0 };
	int64_t t0;
	int rc;

	if (t->interval_s > 0)
		t->next_refresh_ms = now_ms(t) + (int64_t)(t->interval_s * 1000.0);
	if (!t->src || !t->src->refresh) {
		cdl_tui_say(t, true, "nothing to refresh: this snapshot was loaded from %s",
		    nz(t->snap->core_path ? t->snap->core_path : t->snap->source, "a file"));
		return;
	}
	if (!autom) {
		cdl_tui_say(t, false, "taking a snapshot of %d...", t->snap->pid);
		cdl_tui_draw(t);
	}
	t0 = cdl_tui_now_ms();
	in_refresh = 1;
	rc = (t->src->refresh)(t->src->arg, &s, &d);
	in_refresh = 0;
	if (rc < 0 || !s) {
		cdl_tui_say(t, true, "refresh failed: %s: %s", d.what[0] ? d.what : "snapshot",
			    cdl_diag_reason(&d, rc < 0 ? -rc : EIO));
		return;
	}
	rc = install_snapshot(t, s);
	if (rc < 0) {
		cdl_tui_say(t, true, "refresh failed: %s", strerror(-rc));
		return;
	}
	/* what a refresh costs: snapshot + analysis + a redraw */
	char b[32], b2[32], keep[sizeof(t->msg)];
	bool keep_err = t->msg_err;

	memcpy(keep, t->msg, sizeof(keep));
	t->msg[0] = '\0';
	cdl_tui_draw(t);
	if (autom) {
		memcpy(t->msg, keep, sizeof(keep));
		t->msg_err = keep_err;
		return;
	}
	cdl_tui_say(t, false, "new snapshot: %zu threads, %s %s, refresh took %s",
	    t->snap->nthreads, t->snap->capture_mode == CDL_CAPTURE_PERTHREAD ?
	    "longest thread stop" : "target paused",
	    cdl_render_pause(b, sizeof(b), t->snap->pause_us, true),
	    cdl_tui_dur(b2, sizeof(b2), cdl_tui_now_ms() - t0));
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
	cdl_tui_lines_free(&t->dl);
	cdl_tui_lines_free(&t->det);
}

static void tick(struct tui *t)
{
	if (t->interval_s > 0 && now_ms(t) >= t->next_refresh_ms)
		cdl_tui_refresh(t, true);
}

static int run_headless(struct tui *t, const struct cdl_tui_opts *o, struct keyev *ev,
			size_t nev)
{
	int ndump = 0, rc = 0;

	cdl_tui_draw(t);
	for (size_t i = 0; i < nev && !t->quit; i++) {
		switch (ev[i].type) {
		case KEYEV_KEY:
			cdl_tui_handle_key(t, map_key(ev[i].key));
			break;
		case KEYEV_RESIZE:
			resizeterm(ev[i].lines, ev[i].cols);
			cdl_tui_handle_key(t, KEY_RESIZE);
			break;
		case KEYEV_WAIT:
			t->offset_ms += ev[i].wait_ms;
			tick(t);
			break;
		case KEYEV_DUMP:
			cdl_tui_draw(t);
			if (o->screen_out && (rc = dump_screen(o->screen_out, ++ndump)) < 0)
				return rc;
			break;
		}
		cdl_tui_draw(t);
	}
	if (o->screen_out)
		fflush(o->screen_out);
	return 0;
}

static void run_interactive(struct tui *t)
{
	while (!t->quit && !got_signal) {
		int timeout_ms = 1000, k;

		cdl_tui_draw(t);
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
		cdl_tui_handle_key(t, k);
	}
}

/* The headless key script; on an error s is freed and d filled. */
static int read_script(const struct cdl_tui_opts *o, struct cdl_snapshot *s,
		       struct keyev **ev, size_t *nev, struct cdl_diag *d)
{
	size_t bad = 0;
	int rc = cdl_tui_parse_keys(o->keys, ev, nev, &bad);

	if (rc == 0)
		return 0;
	cdl_snapshot_free(s);
	if (rc != -EINVAL)
		return cdl_diag_set(d, -rc, "tui: key script");
	cdl_diag_set(d, EINVAL, "--keys: bad key at offset %zu", bad);
	cdl_diag_why(d, "unknown <...> name near \"%.20s\"", o->keys + bad);
	cdl_diag_hint(d, "keys are plain characters or <Up> <Down> <PgUp> <PgDn> "
		      "<Home> <End> <Enter> <Tab> <Esc> <Backspace> <C-x> <Dump> "
		      "<Resize:COLSxLINES> <Wait:SECS>");
	return -EINVAL;
}

/* The terminal (or, headless, a screen over /dev/null), set up for the
 * view; NULL when there is none. */
static SCREEN *open_screen(struct tui *t, const struct cdl_tui_opts *o, FILE **fin, FILE **fout)
{
	SCREEN *sc;
	const char *nc = getenv("NO_COLOR");

	setlocale(LC_CTYPE, "");
	if (t->headless) {
		sc = open_headless(o, fin, fout);
		t->ascii = true;
	} else {
		sc = newterm(NULL, stdout, stdin);
		t->ascii = !locale_utf8();
	}
	if (!sc)
		return NULL;
	set_term(sc);
	curses_on = 1;
	if (!t->headless) {
		got_signal = 0;
		install_handlers();
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	t->colors = has_colors() && !(nc && *nc);
	if (t->colors) {
		start_color();
		use_default_colors();
	}
	cdl_tui_setup_attrs(t->colors);
	return sc;
}

static void close_files(FILE *fin, FILE *fout)
{
	if (fin)
		fclose(fin);
	if (fout)
		fclose(fout);
}

int cdl_tui_run(struct cdl_snapshot *s, const struct cdl_tui_source *src,
		const struct cdl_tui_opts *o, struct cdl_diag *d)
{
	struct tui t;
	struct keyev *ev = NULL;
	size_t nev = 0;
	FILE *fin = NULL, *fout = NULL;
	SCREEN *sc;
	int rc, sig;

	memset(&t, 0, sizeof(t));
	t.src = src;
	t.headless = o->keys != NULL;
	t.stuck_s = o->stuck_s > 0 ? o->stuck_s : 5;
	cdl_analyze_opts_init(&t.aopts);
	t.aopts.stuck_ms = (int64_t)(t.stuck_s * 1000.0);
	t.focus = PANE_TABLE;
	t.sort = SORT_BLOCKED;

	if (t.headless && (rc = read_script(o, s, &ev, &nev, d)) < 0)
		return rc;
	rc = install_snapshot(&t, s);
	if (rc < 0) {
		free(ev);
		tui_free(&t);
		return cdl_diag_set(d, -rc, "tui: analysis");
	}
	/* --save-core FILE: the first snapshot's core, before the screen */
	if (src && src->core_path && src->save_core &&
	    (rc = src->save_core(src->arg, t.snap, t.an, src->core_path, d)) < 0) {
		free(ev);
		tui_free(&t);
		return rc;
	}
	t.interval_s = o->interval_s > 0 ? o->interval_s : 0;
	t.last_interval_s = t.interval_s;
	if (t.interval_s > 0)
		t.next_refresh_ms = now_ms(&t) + (int64_t)(t.interval_s * 1000.0);

	sc = open_screen(&t, o, &fin, &fout);
	if (!sc) {
		close_files(fin, fout);
		free(ev);
		tui_free(&t);
		rc = cdl_diag_set(d, ENOTTY, "tui: cannot set up the terminal");
		cdl_diag_hint(d, "check TERM, or use --dump for text output");
		return rc;
	}

	rc = 0;
	if (t.headless)
		rc = run_headless(&t, o, ev, nev);
	else
		run_interactive(&t);

	cdl_tui_emergency_restore();
	delscreen(sc);
	close_files(fin, fout);
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
