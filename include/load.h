/* SPDX-License-Identifier: GPL-2.0-or-later */
/* load.h - read a saved snapshot (cdeadlock --json output) back into the model. */
#ifndef CDL_LOAD_H
#define CDL_LOAD_H

#include <stddef.h>
#include "snapshot.h"
#include "diag.h"

/* Parse a JSON snapshot.  Returns 0 and *out (free with cdl_snapshot_free),
 * or -errno (EINVAL for a malformed or truncated document) with d filled
 * ("load: FILE: line 3: expected ','"). */
int cdl_load_json_file(const char *path, struct cdl_snapshot **out, struct cdl_diag *d);
int cdl_load_json_buf(const char *buf, size_t len, const char *name,
		      struct cdl_snapshot **out, struct cdl_diag *d);

#endif
