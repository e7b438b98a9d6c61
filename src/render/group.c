/* group.c - grouping identical stacks (STUB: to be implemented) */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "render.h"

int cdl_stack_groups(const struct cdl_snapshot *s, struct cdl_stack_group **out, size_t *n)
{
	(void)s;
	*out = NULL;
	*n = 0;
	return 0;
}

void cdl_stack_groups_free(struct cdl_stack_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].threads);
	free(g);
}
