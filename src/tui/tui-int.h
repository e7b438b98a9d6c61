/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tui-int.h - internals of the ncurses view, shared by the files of src/tui and the
 * TUI unit tests.  Not part of the public interface (include/tui.h).
 *
 * The ncurses-free parts live here: the list model (model.c: how long
 * each wait has been seen, the filter match, the sort names) and the key
 * script of the headless mode (keys.c).  The screen is in view.h's files:
 * tui.c (terminal, signals, the loop), draw.c (drawing), panes.c (rows and
 * the panes' lines) and actions.c (the key table and what keys do).
 */
#ifndef CDL_TUI_INT_H
#define CDL_TUI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze.h"
#include "render.h"
#include "snapshot.h"

/* ---- clock ---- */

/* Milliseconds since the epoch, used for the header's age, the stuck
 * tracking and the auto refresh.  Tests replace it to get screens that do
 * not depend on the time they run at; NULL restores the real clock. */
void cdl_tui_set_clock(int64_t (*now_ms)(void));
int64_t cdl_tui_now_ms(void);

/* ---- headless key script ----
 *
 * Plain characters stand for themselves; <Name> for a special key:
 * <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End> <Enter> <Tab>
 * <BTab> <Esc> <Backspace> <Space> <lt> (a literal '<') <C-x> (control
 * key), and for actions: <Dump> (write the screen), <Resize:COLSxLINES>,
 * <Wait:SECONDS> (let that much time pass: the clock moves on and the auto
 * refresh fires if due).  End of script = quit. */
enum keyev_type { KEYEV_KEY, KEYEV_DUMP, KEYEV_RESIZE, KEYEV_WAIT };

struct keyev {
	enum keyev_type type;
	int key;                 /* KEYEV_KEY: a character or a CDL_KEY_* */
	int cols, lines;         /* KEYEV_RESIZE */
	int64_t wait_ms;         /* KEYEV_WAIT */
};

/* Special keys, mapped to ncurses KEY_* codes by tui.c. */
enum {
	CDL_KEY_UP = 0x10000, CDL_KEY_DOWN, CDL_KEY_LEFT, CDL_KEY_RIGHT,
	CDL_KEY_PGUP, CDL_KEY_PGDN, CDL_KEY_HOME, CDL_KEY_END, CDL_KEY_BTAB,
	CDL_KEY_BACKSPACE,
};

/* Parse a key script.  Returns 0 and a malloc'ed array in *out (*n
 * entries), or -EINVAL with the offending position in *bad (a byte offset)
 * or -ENOMEM. */
int cdl_tui_parse_keys(const char *script, struct keyev **out, size_t *n, size_t *bad);

/* ---- the list model ---- */

enum tui_sort { SORT_BLOCKED, SORT_TID, SORT_NAME, SORT_STATE, SORT__COUNT };

const char *cdl_tui_sort_name(enum tui_sort s);

/* What the TUI remembers across snapshots: for each waiting thread, since
 * when it has been waiting on the same object with the same stack.  When a
 * wait is first seen it is taken to have begun blocked_for_ms before (the
 * kernel's off-CPU time), so the duration stays continuous even when a
 * later snapshot's own interruption resets the kernel's figure. */
struct tui_seen {
	int tid;
	uint64_t address;
	uint64_t stack_hash;
	int64_t first_ms;
};

struct tui_tracker {
	struct tui_seen *v;      /* sorted by tid */
	size_t n;
};

/* Update tr from snapshot s (sorted), taken at now_ms.  Returns 0 or
 * -ENOMEM (then tr is unchanged). */
int cdl_tui_track(struct tui_tracker *tr, const struct cdl_snapshot *s, int64_t now_ms);
/* How long thread t has been in its current wait, as of now_ms; -1 when
 * it is not waiting or was not seen. */
int64_t cdl_tui_seen_ms(const struct tui_tracker *tr, const struct cdl_thread *t, int64_t now_ms);
void cdl_tui_tracker_free(struct tui_tracker *tr);
uint64_t cdl_tui_stack_hash(const struct cdl_thread *t);

/* Does thread t match the filter text (case-insensitive substring of its
 * name, tid, function names, lock symbol)? */
bool cdl_tui_thread_matches(const struct cdl_thread *t, const char *filter);

#endif
