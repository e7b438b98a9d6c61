/* json.c - the JSON contract (STUB: to be implemented) */
#include "config.h"

#include <errno.h>

#include "render.h"

int cdl_render_json(FILE *out, const struct cdl_snapshot *s, const struct cdl_analysis *a)
{
	(void)s; (void)a;
	fputs("{}\n", out);
	return ferror(out) ? -EIO : 0;
}
