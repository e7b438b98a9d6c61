/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sorted.h - one binary search for the sorted arrays of the tree. */
#ifndef CDL_SORTED_H
#define CDL_SORTED_H

#include <stdbool.h>
#include <stddef.h>

/* The index of the first of the n elements of base (size bytes each)
 * for which before(element, key) is false, n if there is none: the array
 * must be sorted so that before() holds for a prefix of it. */
size_t cdl_lower_bound(const void *base, size_t n, size_t size, const void *key,
		       bool (*before)(const void *elem, const void *key));

#endif
