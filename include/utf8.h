/* SPDX-License-Identifier: GPL-2.0-or-later */
/* utf8.h - validating UTF-8, shared by the JSON writer, the loader and the
 * text sanitizer. */
#ifndef CDL_UTF8_H
#define CDL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the well-formed UTF-8 sequence at p, which has n bytes
 * available; 0 if it is malformed, overlong, a surrogate, beyond U+10FFFF
 * or cut short.  An ASCII byte is a sequence of 1.  The code point goes to
 * *cp when cp is not NULL. */
size_t cdl_utf8_len(const unsigned char *p, size_t n, uint32_t *cp);

#endif
