/* load.c - read a saved JSON snapshot (STUB: to be implemented) */
#include "config.h"

#include <errno.h>

#include "load.h"

int cdl_load_json_file(const char *path, struct cdl_snapshot **out, struct cdl_diag *d)
{
	(void)out;
	return cdl_diag_set(d, ENOSYS, "load %s", path);
}

int cdl_load_json_buf(const char *buf, size_t len, const char *name,
		      struct cdl_snapshot **out, struct cdl_diag *d)
{
	(void)buf; (void)len; (void)out;
	return cdl_diag_set(d, ENOSYS, "load %s", name);
}
