/* tui.c - the ncurses view (STUB: to be implemented) */
#include "config.h"

#include <errno.h>
#include <curses.h>

#include "tui.h"

int cdl_tui_run(struct cdl_snapshot *s, const struct cdl_tui_source *src,
		const struct cdl_tui_opts *o, struct cdl_diag *d)
{
	(void)src; (void)o;
	cdl_snapshot_free(s);
	return cdl_diag_set(d, ENOSYS, "tui");
}
