/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sorted.c - binary search (sorted.h) */
#include "config.h"

#include "sorted.h"

size_t cdl_lower_bound(const void *base, size_t n, size_t size, const void *key,
		       bool (*before)(const void *elem, const void *key))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (before((const char *)base + mid * size, key))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
