/* SPDX-License-Identifier: GPL-2.0-or-later */
/* musl-ops.c - musl is recognized (its loader-and-libc object), nothing
 * more yet: no layout of its objects is known, so no owner is trusted and
 * the generic futex classification applies, with the warning that says
 * so.  The layouts (struct pthread, mutex types that record their owner)
 * are issue #11's musl backend. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libc.h"

static bool is_musl_module(const char *path)
{
	const char *b = cdl_libc_base_name(path);

	return strncmp(b, "ld-musl", 7) == 0 || strncmp(b, "libc.musl", 9) == 0;
}

static int identify(const struct cdl_libc_module *m, struct cdl_libc_id *id)
{
	memset(id, 0, sizeof(*id));
	id->pthread_tid = id->sizeof_pthread = -1;
	if (m->is_exe)
		return -ENOENT;   /* a static musl binary is not told apart yet */
	snprintf(id->name, sizeof(id->name), "musl");
	return 0;
}

static bool layout_for(struct cdl_libc_layout *l, int major, int minor)
{
	(void)major;
	(void)minor;
	cdl_libc_layout_for(l, 0, 0);
	l->known = false;
	return false;
}

static void confirm_layout(struct cdl_libc_layout *l, long pthread_tid,
			   long sizeof_pthread, struct cdl_snapshot *s)
{
	(void)l; (void)pthread_tid; (void)sizeof_pthread; (void)s;
}

static bool is_runtime_frame(const struct cdl_frame *f)
{
	return (f->module && is_musl_module(f->module)) ||
	       cdl_libc_ops_default()->is_runtime_frame(f);
}

static unsigned max_thread_desc_size(void)
{
	return cdl_libc_ops_default()->max_thread_desc_size();
}

const struct cdl_libc_ops cdl_musl_ops = {
	.name = "musl",
	.is_main_module = is_musl_module,
	.identify = identify,
	.layout_for = layout_for,
	.confirm_layout = confirm_layout,
	/* the generic futex waits; with no trusted layout, owners stay unset */
	.classify = cdl_libc_classify,
	.is_runtime_frame = is_runtime_frame,
	.is_libc_module = is_musl_module,
	.max_thread_desc_size = max_thread_desc_size,
};
