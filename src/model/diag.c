/* SPDX-License-Identifier: GPL-2.0-or-later */
/* diag.c - filling struct cdl_diag */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

int cdl_diag_set(struct cdl_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (err < 0)
		err = -err;
	if (d) {
		d->err = err;
		va_start(ap, fmt);
		vsnprintf(d->what, sizeof(d->what), fmt, ap);
		va_end(ap);
		d->why[0] = '\0';
		d->hint[0] = '\0';
	}
	return -err;
}

void cdl_diag_why(struct cdl_diag *d, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
}

void cdl_diag_hint(struct cdl_diag *d, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	vsnprintf(d->hint, sizeof(d->hint), fmt, ap);
	va_end(ap);
}

const char *cdl_diag_reason(const struct cdl_diag *d, int fallback)
{
	if (d->why[0])
		return d->why;
	return strerror(d->err ? d->err : fallback);
}
