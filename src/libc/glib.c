/* SPDX-License-Identifier: GPL-2.0-or-later */
/* glib.c - GLib's synchronisation objects (libc-int.h: cdl_glib_*).
 *
 * GLib on Linux (2.54 and later, USE_NATIVE_MUTEX) builds GMutex, GCond
 * and the bit locks on bare futex words and waits through the libc's
 * syscall() wrapper; GRecMutex and GRWLock are the libc's own recursive
 * mutex and rwlock on the heap, which the libc backend classifies with
 * their recorded owner (doc/lock-internals.md, §3; 2.74 on Debian 12).
 *
 *   GMutex   one word: 0 free, 1 locked, 2 contended; waits with val 2
 *            from its lock slow path; records no owner.
 *   GCond    { gpointer p; guint i[2]; }: i[0] (the word after p) counts
 *            signals; g_cond_wait and g_cond_wait_until sleep on it with
 *            the count they sampled, any value.  Not a lock: an idle
 *            wait (GAsyncQueue pops, GThreadPool workers, GMainContext).
 *   bit locks  g_bit_lock, g_pointer_bit_lock: a lock bit in an int;
 *            the waiter sleeps with the int's value (bit set, so never
 *            0); no owner is recorded.
 *
 * The frames decide which object it is: the physical frame that called
 * syscall() (the outermost of its inline frames, the function whose code
 * made the call) in libglib.  A frame that only names a GCond further up
 * is not enough: a waiter that was woken relocks its GMutex from inside
 * g_cond_wait (the lock slow path, unnamed in a stripped libglib, is the
 * caller then), and that is a lock wait.
 */
#include "config.h"

#include <string.h>

#include "libc-int.h"

#define GCOND_WORD 8        /* offsetof(GCond, i[0]) on LP64 */

bool cdl_glib_is_module(const char *path)
{
	return path && strncmp(cdl_libc_base_name(path), "libglib-2.0", 11) == 0;
}

/* The function of the physical frame that starts at frame i: inline
 * frames share its pc, the last of them is the real function. */
static const struct cdl_frame *physical(const struct cdl_thread *t, size_t i)
{
	while (i + 1 < t->nframes && t->frames[i].inlined)
		i++;
	return &t->frames[i];
}

static bool is_fn(const char *fn, const char *name)
{
	return fn && strcmp(fn, name) == 0;
}

static bool starts(const char *fn, const char *prefix)
{
	return fn && strncmp(fn, prefix, strlen(prefix)) == 0;
}

bool cdl_glib_futex_wait(const struct cdl_thread *t, size_t caller, struct cdl_wait *w,
			 uint32_t op, uint32_t val)
{
	const struct cdl_frame *f = physical(t, caller);
	const char *fn = f->function;

	if (!cdl_glib_is_module(t->frames[caller].module) || (op & 0x7f) != CDL_FUTEX_WAIT)
		return false;
	if (is_fn(fn, "g_cond_wait") || is_fn(fn, "g_cond_wait_until")) {
		w->kind = CDL_WAIT_CONDVAR;
		w->detail = "GLib GCond";
		if (w->futex >= GCOND_WORD)
			w->address = w->futex - GCOND_WORD;
		return true;
	}
	if (starts(fn, "g_bit_lock") || starts(fn, "g_pointer_bit_lock")) {
		if (val == 0)       /* the lock bit is set in what it waits on */
			return false;
		w->kind = CDL_WAIT_FUTEX;
		w->detail = starts(fn, "g_bit_lock") ? "GLib g_bit_lock" : "GLib g_pointer_bit_lock";
		w->flags |= CDL_WAITF_OWNER_UNKNOWN;
		return true;
	}
	/* the lock slow path is static: unnamed in a stripped libglib, or
	 * the nearest exported symbol's name; any GCond name is excluded
	 * above, and a bit lock's name too */
	if (val == 2 && !(fn && (strstr(fn, "cond") || strstr(fn, "bit_lock")))) {
		w->kind = CDL_WAIT_FUTEX;
		w->detail = "GLib GMutex";
		w->flags |= CDL_WAITF_OWNER_UNKNOWN;
		return true;
	}
	return false;
}

/* GRecMutex and GRWLock: the libc classified the wait (and its owner);
 * the first frame above the libc's says which GLib object it is.
 * g_rec_mutex_lock tail-calls pthread_mutex_lock in Debian's build, so
 * its frame is usually not there: then the wait stays the libc's
 * recursive mutex, unnamed. */
static const char *glib_name(const struct cdl_thread *t)
{
	const struct cdl_frame *f = cdl_thread_user_frame(t);
	const char *fn;

	if (!f || !cdl_glib_is_module(f->module))
		return NULL;
	f = physical(t, (size_t)(f - t->frames));
	fn = f->function;
	switch (t->wait.kind) {
	case CDL_WAIT_MUTEX:
		return is_fn(fn, "g_rec_mutex_lock") ? "GLib GRecMutex" : NULL;
	case CDL_WAIT_RWLOCK_READ:
		return is_fn(fn, "g_rw_lock_reader_lock") ? "GLib GRWLock" : NULL;
	case CDL_WAIT_RWLOCK_WRITE:
		return is_fn(fn, "g_rw_lock_writer_lock") ? "GLib GRWLock" : NULL;
	default:
		return NULL;
	}
}

void cdl_glib_name_waits(struct cdl_snapshot *s)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		struct cdl_thread *t = &s->threads[i];
		const char *name;

		if (!t->has_wait || t->wait.detail || !(name = glib_name(t)))
			continue;
		t->wait.detail = name;
	}
}
