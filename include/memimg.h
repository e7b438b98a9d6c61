/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memimg.h - memory of the target copied while it was frozen.
 *
 * A set of non-overlapping regions.  Every stage after the thaw reads the
 * target's memory through this, never live.
 */
#ifndef CDL_MEMIMG_H
#define CDL_MEMIMG_H

#include <stddef.h>
#include <stdint.h>

struct cdl_memimg;

struct cdl_memimg *cdl_memimg_new(void);
void cdl_memimg_free(struct cdl_memimg *m);

/* Add a copy of [addr, addr+len).  Takes ownership of data (malloc'd).
 * Overlapping regions are allowed; where they disagree, reads get the
 * bytes of the region that starts lowest (the longest of those that start
 * at the same address), whatever the order they were added in.
 * Returns 0 or -ENOMEM (data is freed on failure). */
int cdl_memimg_add(struct cdl_memimg *m, uint64_t addr, void *data, size_t len);
/* Same, copying data. */
int cdl_memimg_add_copy(struct cdl_memimg *m, uint64_t addr, const void *data, size_t len);

/* Copies made into large mappings (populated at once: a page fault
 * costs tens of microseconds on some virtual machines) are handed over
 * without copying them again: adopt the mapping (the image unmaps it when
 * freed; on -ENOMEM it is unmapped at once), then add each copy in it by
 * reference.  add_ref: 0 or -ENOMEM. */
int cdl_memimg_adopt_map(struct cdl_memimg *m, void *base, size_t len);
int cdl_memimg_add_ref(struct cdl_memimg *m, uint64_t addr, const void *data, size_t len);

/* Read len bytes at addr into buf.  Returns 0 if every byte was captured,
 * -EFAULT otherwise (buf contents then unspecified). */
int cdl_memimg_read(const struct cdl_memimg *m, uint64_t addr, void *buf, size_t len);

/* Convenience readers: 0 or -EFAULT. */
int cdl_memimg_u32(const struct cdl_memimg *m, uint64_t addr, uint32_t *out);
int cdl_memimg_u64(const struct cdl_memimg *m, uint64_t addr, uint64_t *out);

/* The copied memory as sorted, non-overlapping, non-touching regions
 * (never what a backing store below reads: a core written from a capture
 * holds what the capture copied): the count (0 also when the regions
 * cannot be merged for want of memory: then -ENOMEM from
 * cdl_memimg_region). */
size_t cdl_memimg_nregions(const struct cdl_memimg *m);
/* Region i (in address order): its address, bytes and length, valid
 * until the next add.  0, -ENOENT past the end, -ENOMEM. */
int cdl_memimg_region(const struct cdl_memimg *m, size_t i, uint64_t *addr,
		      const unsigned char **data, size_t *len);

/* A backing store for the bytes no region holds: a source that keeps the
 * target's memory elsewhere (a core file) has it read on demand instead of
 * copying it.  read returns 0 when it filled all len bytes, else
 * -EFAULT.  release (may be NULL) is called with arg when the image is
 * freed: the image owns what arg points to.  Reads through the backing
 * are not thread-safe unless read is. */
typedef int (*cdl_memimg_read_fn)(void *arg, uint64_t addr, void *buf, size_t len);
void cdl_memimg_set_backing(struct cdl_memimg *m, cdl_memimg_read_fn read, void *arg,
			    void (*release)(void *arg));

/* Total bytes held (copied regions only, not the backing). */
size_t cdl_memimg_size(const struct cdl_memimg *m);

#endif
