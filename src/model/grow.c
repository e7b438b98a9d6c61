/* SPDX-License-Identifier: GPL-2.0-or-later */
/* grow.c - the growable-array helper (grow.h) */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

int cdl_grow(void *arrp, size_t *cap, size_t need, size_t elsize, size_t first)
{
	size_t ncap = *cap ? *cap : (first ? first : 1);
	void *old, *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (elsize && ncap > SIZE_MAX / elsize)
		return -ENOMEM;
	memcpy(&old, arrp, sizeof(old));
	p = realloc(old, ncap * elsize);
	if (!p)
		return -ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	*cap = ncap;
	return 0;
}
