/* collect.c - freeze, copy, thaw, then unwind and classify (STUB) */
#include "config.h"

#include <errno.h>

#include "collect.h"
#include "collect-int.h"

void cdl_collect_opts_init(struct cdl_collect_opts *o)
{
	o->pid = 0;
	o->max_stack = 1u << 20;
	o->no_unwind = false;
}

int cdl_collect(const struct cdl_collect_opts *o, struct cdl_snapshot **out,
		struct cdl_diag *d)
{
	(void)out;
	return cdl_diag_set(d, ENOSYS, "attach %d", o->pid);
}

void cdl_collect_emergency_detach(void)
{
}
