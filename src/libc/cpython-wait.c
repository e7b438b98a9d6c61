/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cpython-wait.c - CPython's frames in the stacks, and the waits they
 * explain (cpython.h: cdl_cpython_classify; why, at the top of
 * cpython.c).
 *
 * A Python frame is trusted for a verdict only as much as its thread: in
 * per-thread mode the frames were read after the thread's copy and
 * before the proof's last reads (c2), so for a thread proven to have
 * stayed in its wait they are the frames of that wait; a thread not
 * proven takes part in no verdict anyway (analyze.c).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpython.h"
#include "libc.h"
#include "rawcap.h"
#include "snapshot.h"

/* native frames searched from the innermost for the acquire */
#define PY_NATIVE_FRAMES 16

static const char *base(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path;
}

static bool is_eval(const struct cdl_frame *f)
{
	return !f->python && f->function && strcmp(f->function, "_PyEval_EvalFrameDefault") == 0;
}

/* Put pt's frames into t's stack: each eval loop call's group (ending at
 * an entry frame) above its _PyEval_EvalFrameDefault frame, innermost
 * first; groups beyond the eval frames found go above the outermost one,
 * or to the end of a stack with none.  0 or -ENOMEM. */
static int merge(struct cdl_snapshot *s, struct cdl_thread *t, const struct cdl_rawcap_pythread *pt)
{
	size_t n = t->nframes + pt->nframes, k = 0, p = 0, last_eval = t->nframes;
	struct cdl_frame *nf = calloc(n ? n : 1, sizeof(*nf));

	if (!nf)
		return -ENOMEM;
	for (size_t i = t->nframes; i-- > 0;)
		if (is_eval(&t->frames[i])) {
			last_eval = i;
			break;
		}
	for (size_t i = 0; i <= t->nframes; i++) {
		bool here = i < t->nframes && is_eval(&t->frames[i]);

		/* one group above each eval frame; the rest above the
		 * outermost one, or at the end */
		while (p < pt->nframes && (here || i == t->nframes)) {
			const struct cdl_rawcap_pyframe *f = &pt->frames[p++];
			struct cdl_frame *o = &nf[k++];

			o->python = true;
			o->function = cdl_snapshot_intern(s, f->function);
			o->file = cdl_snapshot_intern(s, f->file);
			o->line = f->line;
			if (f->entry && i != last_eval)
				break;
		}
		if (i < t->nframes)
			nf[k++] = t->frames[i];
	}
	free(t->frames);
	t->frames = nf;
	t->nframes = t->frames_cap = k;
	return 0;
}

enum py_native { PN_NONE, PN_UNNAMED, PN_LOCK, PN_RLOCK, PN_SIMPLEQUEUE };

/* The C function that called PyThread_acquire_lock_timed, if the wait is
 * one (PN_NONE: it is not). */
static enum py_native native_caller(const struct cdl_thread *t)
{
	size_t end = t->nframes < PY_NATIVE_FRAMES ? t->nframes : PY_NATIVE_FRAMES;

	for (size_t i = 0; i < end; i++) {
		const char *fn = t->frames[i].function;

		if (t->frames[i].python || !fn || strcmp(fn, "PyThread_acquire_lock_timed") != 0)
			continue;
		for (size_t j = i + 1; j < t->nframes && !t->frames[j].python; j++) {
			fn = t->frames[j].function;
			if (!fn)
				return PN_UNNAMED;
			if (strcmp(fn, "acquire_timed") == 0)
				continue;      /* inlined into both */
			if (strcmp(fn, "lock_PyThread_acquire_lock") == 0)
				return PN_LOCK;
			if (strcmp(fn, "rlock_acquire") == 0)
				return PN_RLOCK;
			if (strncmp(fn, "_queue_SimpleQueue_get", 22) == 0)
				return PN_SIMPLEQUEUE;
			return PN_UNNAMED;
		}
		return PN_UNNAMED;
	}
	return PN_NONE;
}

static const struct cdl_frame *first_python(const struct cdl_thread *t, size_t from, size_t *at)
{
	for (size_t i = from; i < t->nframes; i++)
		if (t->frames[i].python) {
			if (at)
				*at = i;
			return &t->frames[i];
		}
	return NULL;
}

static bool in_threading(const struct cdl_frame *f, const char *qualname)
{
	const char *b = base(f->file);

	return b && strcmp(b, "threading.py") == 0 && strcmp(f->function, qualname) == 0;
}

/* The thread a Thread.join waits for: the one whose tstate lock is the
 * semaphore waited on. */
static int joinee(const struct cdl_rawcap *rc, uint64_t sem)
{
	for (size_t i = 0; sem && i < rc->npythreads; i++)
		if (rc->pythreads[i].sentinel == sem)
			return rc->pythreads[i].tid;
	return 0;
}

static void set_wait(struct cdl_wait *w, enum cdl_wait_kind kind, unsigned flags, const char *detail)
{
	w->kind = kind;
	w->flags = (w->flags & CDL_WAITF_TIMED) | flags;
	w->owner_tid = 0;
	w->detail = detail;
}

/* Classify t's wait from its frames; returns true when an unnamed C
 * caller left Lock and queue untold. */
static bool classify(struct cdl_snapshot *s, const struct cdl_rawcap *rc, struct cdl_thread *t)
{
	struct cdl_wait *w = &t->wait;
	enum py_native nat = native_caller(t);
	const struct cdl_frame *py, *caller;
	size_t at = 0;

	if (!t->has_wait || w->kind != CDL_WAIT_SEMAPHORE || nat == PN_NONE ||
	    !(py = first_python(t, 0, &at)))
		return false;
	if (in_threading(py, "Condition.wait") || in_threading(py, "Condition.wait_for")) {
		caller = first_python(t, at + 1, NULL);
		while (caller && strncmp(caller->function, "Condition.wait", 14) == 0)
			caller = first_python(t, (size_t)(caller - t->frames) + 1, NULL);
		set_wait(w, CDL_WAIT_CONDVAR, 0, caller ?
			 cdl_snapshot_internf(s, "CPython threading.Condition.wait in %s", caller->function) :
			 "CPython threading.Condition.wait");
		return false;
	}
	if (in_threading(py, "Thread._wait_for_tstate_lock")) {
		int tid = joinee(rc, t->syscall_args[0]);

		if (tid > 0) {
			set_wait(w, CDL_WAIT_JOIN, 0, "CPython Thread.join");
			w->owner_tid = tid;
		} else
			w->detail = "CPython Thread.join (the thread joined is not known)";
		return false;
	}
	switch (nat) {
	case PN_LOCK:
		set_wait(w, CDL_WAIT_MUTEX, CDL_WAITF_OWNER_UNKNOWN, "CPython threading.Lock");
		break;
	case PN_RLOCK:
		/* it records its owner (a pthread_t); reading it needs the
		 * lock object, which the frames do not give */
		set_wait(w, CDL_WAIT_FUTEX, 0, "CPython threading.RLock: its owner is recorded but not read");
		break;
	case PN_SIMPLEQUEUE:
		w->detail = "CPython queue.SimpleQueue.get";
		break;
	default:
		w->detail = "CPython: a Lock, RLock or SimpleQueue, not told apart without the interpreter's debug information";
		return true;
	}
	return false;
}

void cdl_cpython_classify(struct cdl_snapshot *s, const struct cdl_rawcap *rc)
{
	size_t untold = 0;

	for (size_t i = 0; i < rc->npythreads; i++) {
		const struct cdl_rawcap_pythread *pt = &rc->pythreads[i];

		for (size_t k = 0; k < s->nthreads; k++) {
			struct cdl_thread *t = &s->threads[k];

			if (t->tid != pt->tid)
				continue;
			if (pt->nframes && merge(s, t, pt) < 0) {
				cdl_snapshot_warn(s, "Python frames: out of memory");
				return;
			}
			untold += classify(s, rc, t);
			break;
		}
	}
	if (untold)
		cdl_snapshot_warn(s, "%s: %zu thread%s wait%s in PyThread_acquire_lock_timed called from a "
				  "function without a name: a threading.Lock cannot be told from a queue "
				  "without the interpreter's debug information (Debian: python3-dbg)",
				  rc->pyruntime ? rc->pyruntime : "CPython", untold, untold == 1 ? "" : "s",
				  untold == 1 ? "s" : "");
}
