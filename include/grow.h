/* SPDX-License-Identifier: GPL-2.0-or-later */
/* grow.h - one growable-array helper for the whole tree.
 *
 * Every dynamic array here is a (pointer, count, capacity) triple.  Before
 * storing element number `need - 1`, call
 *
 *     if (CDL_GROW(arr, cap, need, 64) < 0)
 *             return -ENOMEM;
 *
 * which makes room for at least `need` elements: the capacity doubles
 * (starting at `first`) until it fits.  On failure nothing changes: the
 * old array and capacity stay valid, so the caller's cleanup still works.
 */
#ifndef CDL_GROW_H
#define CDL_GROW_H

#include <stddef.h>

/* *arrp points to an array of elements of elsize bytes with room for *cap
 * of them.  Returns 0, or -ENOMEM (also on size overflow) leaving *arrp
 * and *cap untouched.  New room is not zeroed. */
int cdl_grow(void *arrp, size_t *cap, size_t need, size_t elsize, size_t first);

#define CDL_GROW(arr, cap, need, first) \
	cdl_grow(&(arr), &(cap), (need), sizeof(*(arr)), (first))

#endif
