/* proc.c - reading /proc (STUB) */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "collect-int.h"

int cdl_proc_maps(int pid, struct cdl_maps *out)
{
	(void)pid;
	out->m = NULL; out->n = 0; out->strbuf = NULL;
	return -ENOSYS;
}

void cdl_proc_maps_free(struct cdl_maps *m)
{
	free(m->m);
	free(m->strbuf);
}

const struct cdl_map *cdl_proc_maps_find(const struct cdl_maps *m, uint64_t addr)
{
	for (size_t i = 0; i < m->n; i++)
		if (addr >= m->m[i].start && addr < m->m[i].end)
			return &m->m[i];
	return NULL;
}
