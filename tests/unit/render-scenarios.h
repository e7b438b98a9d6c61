/* SPDX-License-Identifier: GPL-2.0-or-later */
/* render-scenarios.h - synthetic snapshots shared by the render and load
 * unit tests.  Each builder returns a sorted snapshot (free with
 * cdl_snapshot_free) describing one situation. */
#ifndef CDL_RENDER_SCENARIOS_H
#define CDL_RENDER_SCENARIOS_H

#include <stdbool.h>
#include "snapshot.h"

struct scenario {
	const char *name;            /* expected files: tests/expected/render-<name>.* */
	struct cdl_snapshot *(*build)(void);
	bool lossy;                  /* holds bytes that are not UTF-8: JSON
	                                turns them into U+FFFD */
};

extern const struct scenario scenarios[];
extern const size_t nscenarios;

#endif
