/* SPDX-License-Identifier: GPL-2.0-or-later */
/* utf8.c - validating UTF-8 */
#include "config.h"

#include "utf8.h"

size_t cdl_utf8_len(const unsigned char *p, size_t n, uint32_t *cpp)
{
	unsigned c;
	size_t len;
	uint32_t cp;

	if (n == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		len = 1;
		cp = c;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cpp)
		*cpp = cp;
	return len;
}
