/* SPDX-License-Identifier: GPL-2.0-or-later */
/* view.h - the state of the ncurses view and what its files share:
 * tui.c (terminal, signals, snapshots, the loop), draw.c (the screen),
 * panes.c (rows, the deadlock and detail panes, per-thread facts) and
 * actions.c (the key table and what the keys do).  Only src/tui includes
 * it; the ncurses-free parts the unit tests use are in tui-int.h. */
#ifndef CDL_TUI_VIEW_H
#define CDL_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze.h"
#include "render.h"
#include "snapshot.h"
#include "tui.h"
#include "tui-int.h"

/* What a line of text looks like (draw.c maps each to attributes). */
enum cls {
	C_NORMAL, C_HEADER, C_TITLE, C_TITLE_FOCUS, C_DEADLOCK, C_STUCK,
	C_BEHIND, C_ERROR, C_INLINE, C_KEY, C__COUNT
};

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

static inline int64_t now_ms(const struct tui *t)
{
	return cdl_tui_now_ms() + t->offset_ms;
}

static inline const char *nz(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

/* ---- panes.c ---- */

/* Set the message line (printf-style); err shows it as an error. */
void cdl_tui_say(struct tui *t, bool err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A duration as the TUI shows it: cdl_render_duration, "-" when unknown. */
const char *cdl_tui_dur(char *buf, size_t n, int64_t ms);
void cdl_tui_lines_free(struct lines *l);

/* Thread i (index into the snapshot): 5 deadlocked, 4 orphaned, 3
 * behind, 2 stuck (the analysis' verdict, or seen in the same wait past
 * the threshold), 1 waiting, 0 none. */
int cdl_tui_severity(const struct tui *t, size_t i);
int cdl_tui_group_severity(const struct tui *t, const struct cdl_stack_group *g);
enum cls cdl_tui_cls_of(int sev);
/* How long thread i has been blocked as far as we know, -1 if not. */
int64_t cdl_tui_blocked(const struct tui *t, size_t i);

/* The table's rows: filter and sort again (keeps the selected thread). */
int cdl_tui_rebuild_rows(struct tui *t);
/* Thread index shown by row r (a group's representative), SIZE_MAX if none. */
size_t cdl_tui_row_thread(const struct tui *t, size_t r);
bool cdl_tui_row_has_tid(const struct tui *t, size_t r, int tid);
void cdl_tui_set_sel(struct tui *t, size_t r);
/* Select the row holding tid (or keep the row number if it is gone). */
void cdl_tui_select_tid(struct tui *t, int tid);

int cdl_tui_build_deadlocks(struct tui *t);
int cdl_tui_build_detail(struct tui *t);

/* ---- draw.c ---- */

void cdl_tui_setup_attrs(bool colors);
/* Redraw the whole screen from t (and show it, unless headless). */
void cdl_tui_draw(struct tui *t);

/* ---- actions.c: one table of keys ---- */

#define TUI_KEYS_MAX 6

struct tui_key {
	int keys[TUI_KEYS_MAX];  /* the keys (ncurses codes), 0-terminated */
	const char *help_keys;   /* how the help screen names them */
	const char *help;        /* help text; '\n' starts a continuation line */
	const char *status;      /* words in the status bar, NULL: not there */
	int status_pos;          /* place in the status bar, from 1 */
	void (*fn)(struct tui *t, int key);
};

extern const struct tui_key cdl_tui_keys[];
extern const size_t cdl_tui_nkeys;

void cdl_tui_handle_key(struct tui *t, int k);

/* ---- tui.c ---- */

/* Take a new snapshot from the source; an automatic one (autom) leaves
 * the message line alone unless it fails. */
void cdl_tui_refresh(struct tui *t, bool autom);

#endif
