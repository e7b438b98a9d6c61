/* glibc.c - glibc's pthread internals (STUB: to be implemented) */
#include "config.h"

#include "libc.h"

bool cdl_libc_layout_for(struct cdl_libc_layout *l, int major, int minor)
{
	*l = (struct cdl_libc_layout){ .major = major, .minor = minor, .known = false,
		.pthread_size = 2368, .pthread_tid = 720, .pthread_cleanup = 760,
		.pthread_joinid = 1568, .rwlock_new = true, .cond_gen = 1 };
	return false;
}

void cdl_libc_classify(struct cdl_snapshot *s, const struct cdl_libc_layout *l)
{
	(void)s;
	(void)l;
}
