/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tui.h - the interactive ncurses view. */
#ifndef CDL_TUI_H
#define CDL_TUI_H

#include <stdio.h>
#include "snapshot.h"
#include "analyze.h"
#include "diag.h"

/* Where the TUI gets fresh snapshots from.  refresh may be NULL (a loaded
 * file).  It returns 0 and a new snapshot, or -errno with d filled. */
struct cdl_tui_source {
	int (*refresh)(void *arg, struct cdl_snapshot **out, struct cdl_diag *d);
	void *arg;
	/* Write the core file of snapshot s (the last refresh's) to path: 0 or
	 * -errno with d filled.  NULL: no core can be written (a loaded file). */
	int (*save_core)(void *arg, const struct cdl_snapshot *s, const struct cdl_analysis *an,
			 const char *path, struct cdl_diag *d);
	/* --save-core FILE: write the first snapshot's core there; NULL none */
	const char *core_path;
};

struct cdl_tui_opts {
	double interval_s;     /* -i: auto refresh, 0 = off */
	double stuck_s;        /* --stuck threshold */
	const char *keys;      /* headless: script of keys (NULL = interactive) */
	FILE *screen_out;      /* headless: where screens are dumped */
	int cols, lines;       /* headless: terminal size */
};

/* Run the TUI over s (takes ownership).  Returns 0 or -errno. */
int cdl_tui_run(struct cdl_snapshot *s, const struct cdl_tui_source *src,
		const struct cdl_tui_opts *o, struct cdl_diag *d);

/* Give the terminal back (endwin) if the TUI holds it; for the CLI's fatal
 * signal handlers, before they end the process.  Safe to call at any time,
 * from a signal handler too (as much as endwin is), and more than once. */
void cdl_tui_emergency_restore(void);

#endif
