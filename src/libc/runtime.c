/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime.c - locks of language runtimes that do not use the libc's
 * (libc.h: cdl_runtime_classify).
 *
 * Rust's std (1.62 and later on Linux, glibc or musl alike) implements
 * Mutex, RwLock, Condvar, Once and thread parking on bare futex words
 * that record no owner, and waits through the libc's syscall() wrapper.
 * The libc backend sees only "a futex"; the frames say which object it
 * is: the non-generic slow paths live in the precompiled std and are
 * named the same whatever the program (doc/lock-internals.md, §2).
 * Layouts (1.95): Mutex { futex: u32 } (0 free, 1 locked, 2 contended);
 * RwLock { state: u32, writer_notify: u32 } where state & 0x3fffffff is
 * the reader count, 0x3fffffff write-locked; readers sleep on state,
 * writers on writer_notify.  The owner, where it can be known, comes
 * from the holder's guard (held.c).
 */
#include "config.h"

#include <string.h>

#include "arch.h"
#include "libc-int.h"
#include "libc.h"
#include "memimg.h"
#include "snapshot.h"

#define RUST_RW_MASK 0x3fffffffu      /* reader count; all ones: write-locked */
#define RUST_RW_WRITER_NOTIFY 4       /* offset of writer_notify in the sys RwLock */

enum robj { R_NONE, R_MUTEX, R_REENTRANT, R_RW_READ, R_RW_WRITE, R_CONDVAR, R_ONCE, R_PARK };

/* "std::sys::sync::mutex::futex::Mutex::lock_contended" as gdb names it
 * from DWARF, or "<std::sys::sync::mutex::futex::Mutex>::lock_contended"
 * as the v0 demangler writes it from a symbol */
static bool method(const char *fn, const char *type, const char *name)
{
	const char *p = strstr(fn, type);
	size_t tl = strlen(type);

	if (!p || (p > fn && p[-1] != ':' && p[-1] != '<'))
		return false;
	p += tl;
	if (*p == '>')
		p++;
	if (strncmp(p, "::", 2) != 0)
		return false;
	p += 2;
	return strncmp(p, name, strlen(name)) == 0;
}

/* The slow paths of std's futex locks, under the module paths std gave
 * them over time: 1.95 (std::sys::sync::*::futex) and 1.63 (Debian 12's
 * rustc: std::sys::unix::locks::futex*) were read from the binaries; the
 * releases between moved them through std::sys::unix::locks::futex_* and
 * std::sys::pal::unix::locks::futex_* (from std's history, unverified). */
static const struct {
	const char *type, *method;
	enum robj obj;
} slow_paths[] = {
	{ "std::sys::sync::mutex::futex::Mutex", "lock_contended", R_MUTEX },
	{ "std::sys::pal::unix::locks::futex_mutex::Mutex", "lock_contended", R_MUTEX },
	{ "std::sys::unix::locks::futex_mutex::Mutex", "lock_contended", R_MUTEX },
	{ "std::sys::unix::locks::futex::Mutex", "lock_contended", R_MUTEX },
	{ "std::sys::sync::rwlock::futex::RwLock", "read_contended", R_RW_READ },
	{ "std::sys::pal::unix::locks::futex_rwlock::RwLock", "read_contended", R_RW_READ },
	{ "std::sys::unix::locks::futex_rwlock::RwLock", "read_contended", R_RW_READ },
	{ "std::sys::sync::rwlock::futex::RwLock", "write_contended", R_RW_WRITE },
	{ "std::sys::pal::unix::locks::futex_rwlock::RwLock", "write_contended", R_RW_WRITE },
	{ "std::sys::unix::locks::futex_rwlock::RwLock", "write_contended", R_RW_WRITE },
	{ "std::sys::sync::condvar::futex::Condvar", "wait", R_CONDVAR },
	{ "std::sys::pal::unix::locks::futex_condvar::Condvar", "wait", R_CONDVAR },
	{ "std::sys::unix::locks::futex_condvar::Condvar", "wait", R_CONDVAR },
	{ "std::sys::unix::locks::futex::Condvar", "wait", R_CONDVAR },
	{ "std::sys::sync::once::futex::Once", "call", R_ONCE },
	{ "std::sys::sync::thread_parking::futex::Parker", "park", R_PARK },
	{ "std::sys::pal::unix::thread_parking::futex::Parker", "park", R_PARK },
	{ "std::sys_common::thread_parking::futex::Parker", "park", R_PARK },
};

static enum robj frame_object(const char *fn)
{
	for (size_t i = 0; i < sizeof(slow_paths) / sizeof(slow_paths[0]); i++)
		if (method(fn, slow_paths[i].type, slow_paths[i].method))
			return slow_paths[i].obj;
	return R_NONE;
}

/* The runtime object a thread's futex wait belongs to: the innermost
 * frames, from the syscall() wrapper up, name a std slow path. */
static enum robj rust_object(const struct cdl_thread *t)
{
	size_t end = t->nframes < 12 ? t->nframes : 12;
	enum robj o = R_NONE;

	if (end == 0 || !t->frames[0].function || strcmp(t->frames[0].function, "syscall") != 0)
		return R_NONE;
	for (size_t i = 1; i < end && o == R_NONE; i++)
		if (t->frames[i].function)
			o = frame_object(t->frames[i].function);
	if (o != R_MUTEX)
		return o;
	for (size_t i = 1; i < end; i++)
		if (t->frames[i].function && strstr(t->frames[i].function, "ReentrantLock"))
			return R_REENTRANT;
	return o;
}

static void classify(struct cdl_snapshot *s, struct cdl_thread *t, enum robj o)
{
	struct cdl_wait *w = &t->wait;
	uint64_t uaddr = t->syscall_args[0];
	uint32_t state;
	unsigned timed = w->flags & CDL_WAITF_TIMED;

	memset(w, 0, sizeof(*w));
	w->readers = -1;
	w->owner_frame = -1;
	w->flags = timed;
	w->futex = uaddr;
	w->address = uaddr;
	switch (o) {
	case R_MUTEX:
	case R_REENTRANT:
		w->kind = CDL_WAIT_MUTEX;
		w->flags |= CDL_WAITF_OWNER_UNKNOWN;
		w->detail = o == R_MUTEX ? "Rust std::sync::Mutex" : "Rust std ReentrantLock";
		break;
	case R_RW_READ:
	case R_RW_WRITE:
		w->kind = o == R_RW_READ ? CDL_WAIT_RWLOCK_READ : CDL_WAIT_RWLOCK_WRITE;
		w->detail = "Rust std::sync::RwLock";
		if (o == R_RW_WRITE)
			w->address = uaddr - RUST_RW_WRITER_NOTIFY;
		w->flags |= CDL_WAITF_OWNER_UNKNOWN;
		/* readers: the lock counts them but does not name them */
		if (o == R_RW_WRITE && s->mem && cdl_memimg_u32(s->mem, w->address, &state) == 0 &&
		    (state & RUST_RW_MASK) != 0 && (state & RUST_RW_MASK) != RUST_RW_MASK) {
			w->flags &= ~(unsigned)CDL_WAITF_OWNER_UNKNOWN;
			w->flags |= CDL_WAITF_READERS;
			w->readers = (int)(state & RUST_RW_MASK);
		}
		break;
	case R_CONDVAR:
		w->kind = CDL_WAIT_CONDVAR;
		w->detail = "Rust std::sync::Condvar";
		break;
	case R_ONCE:
		w->kind = CDL_WAIT_FUTEX;
		w->detail = "Rust std::sync::Once";
		break;
	case R_PARK:
		w->kind = CDL_WAIT_FUTEX;
		w->detail = "Rust thread::park (a channel or a parked thread)";
		break;
	case R_NONE:
		break;
	}
}

void cdl_runtime_classify(struct cdl_snapshot *s)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		struct cdl_thread *t = &s->threads[i];
		enum robj o;

		if (!t->has_wait || !t->in_syscall ||
		    (t->syscall_nr != cdl_arch()->nr_futex &&
		     t->syscall_nr != cdl_arch()->nr_restart_syscall))
			continue;
		o = rust_object(t);
		if (o != R_NONE)
			classify(s, t, o);
	}
	cdl_glib_name_waits(s);
}
