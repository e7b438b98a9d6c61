/* unwind.c - offline unwinding and symbols with libdw (STUB) */
#include "config.h"

#include <errno.h>
#include <elfutils/libdwfl.h>

#include "collect-int.h"

int cdl_unwinder_new(int pid, struct cdl_unwinder **out, struct cdl_diag *d)
{
	*out = NULL;
	return cdl_diag_set(d, ENOSYS, "unwind %d", pid);
}

void cdl_unwinder_free(struct cdl_unwinder *u)
{
	(void)u;
}

int cdl_unwind_all(struct cdl_unwinder *u, struct cdl_snapshot *s, size_t max_frames)
{
	(void)u; (void)s; (void)max_frames;
	return 0;
}

const char *cdl_unwinder_name_data(struct cdl_unwinder *u, struct cdl_snapshot *s,
				   uint64_t addr, const char **location)
{
	(void)u; (void)s; (void)addr;
	if (location)
		*location = NULL;
	return NULL;
}

int cdl_unwinder_libc_info(struct cdl_unwinder *u, struct cdl_snapshot *s,
			   struct cdl_libc_info *out)
{
	(void)u; (void)s; (void)out;
	return -ENOENT;
}
