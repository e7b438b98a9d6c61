/* SPDX-License-Identifier: GPL-2.0-or-later */
/* jvm.c - what the HotSpot Java VM's frames say about a wait.
 *
 * HotSpot implements Java's locks on top of the libc: a thread that blocks
 * entering a `synchronized` monitor, in Object.wait(), in
 * LockSupport.park() (java.util.concurrent) or on one of the VM's own
 * monitors sleeps in pthread_cond_wait on a per-thread event, so the libc
 * backend sees "a condition variable" and nothing says that a lock is
 * behind it.  The frames of libjvm.so (which keeps its .symtab) tell the
 * cases apart:
 *
 *   ObjectMonitor::EnterI / enter / ReenterI, ObjectSynchronizer::enter,
 *   LightweightSynchronizer::enter     entering a Java monitor: a lock wait
 *   ObjectMonitor::wait                 Object.wait(): idle
 *   Parker::park                        LockSupport.park(): a j.u.c lock or
 *                                       an idle pool, the Java frames (which
 *                                       we do not read) would tell: idle
 *   Monitor::wait, PlatformMonitor::wait  the VM's own monitors: idle
 *
 * The owner of a Java monitor is recorded by the VM (ObjectMonitor's
 * _owner), but reading it needs HotSpot's structure layouts
 * (gHotSpotVMStructs) and memory this capture does not copy: the wait is
 * a lock wait whose owner is not known, so a long one makes the answer
 * "cannot tell" (exit 3), and the verdict points at jstack.
 */
#include "config.h"

#include <string.h>

#include "libc.h"
#include "snapshot.h"

/* the frames searched, innermost first: the libc's, the park, the monitor */
#define JVM_FRAMES 16

enum jvm_wait { JW_NONE, JW_MONITOR_ENTER, JW_OBJECT_WAIT, JW_PARK, JW_VM_MONITOR };

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool cdl_jvm_is_module(const char *path)
{
	return path && starts(cdl_libc_base_name(path), "libjvm.so");
}

static enum jvm_wait frame_wait(const char *fn)
{
	static const char *const enter[] = {
		"ObjectMonitor::EnterI", "ObjectMonitor::enter", "ObjectMonitor::ReenterI",
		"ObjectSynchronizer::enter", "LightweightSynchronizer::enter", NULL
	};

	for (int i = 0; enter[i]; i++)
		if (starts(fn, enter[i]))
			return JW_MONITOR_ENTER;
	if (starts(fn, "ObjectMonitor::wait"))
		return JW_OBJECT_WAIT;
	if (starts(fn, "Parker::park"))
		return JW_PARK;
	if (starts(fn, "Monitor::wait") || starts(fn, "PlatformMonitor::wait"))
		return JW_VM_MONITOR;
	return JW_NONE;
}

static enum jvm_wait thread_wait(const struct cdl_thread *t)
{
	size_t end = t->nframes < JVM_FRAMES ? t->nframes : JVM_FRAMES;

	for (size_t i = 0; i < end; i++) {
		const struct cdl_frame *f = &t->frames[i];
		enum jvm_wait w;

		if (!f->function || !cdl_jvm_is_module(f->module))
			continue;
		if ((w = frame_wait(f->function)) != JW_NONE)
			return w;
	}
	return JW_NONE;
}

static bool runs_jvm(const struct cdl_thread *t)
{
	for (size_t i = 0; i < t->nframes; i++)
		if (cdl_jvm_is_module(t->frames[i].module))
			return true;
	return false;
}

void cdl_jvm_classify(struct cdl_snapshot *s)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		struct cdl_thread *t = &s->threads[i];
		struct cdl_wait *w = &t->wait;

		if (!s->runtime && runs_jvm(t))
			s->runtime = cdl_snapshot_intern(s, "HotSpot JVM");

		/* the VM parks on a condvar; a wait the libc explained as
		 * something else (a mutex) is that */
		if (!t->has_wait || w->kind != CDL_WAIT_CONDVAR)
			continue;
		switch (thread_wait(t)) {
		case JW_MONITOR_ENTER:
			/* the VM records the owner; cdeadlock does not read
			 * it: not "owner_unknown", which says the lock
			 * records none */
			w->kind = CDL_WAIT_FUTEX;
			/* the VM re-checks (1 ms, then 8 times longer up to
			 * 1 s), it is not a timeout of the program */
			w->flags &= ~CDL_WAITF_TIMED;
			w->flags |= CDL_WAITF_RECHECKS;
			w->owner_tid = 0;
			w->mutex = 0;
			w->mutex_symbol = NULL;
			w->detail = cdl_snapshot_intern(s, "Java monitor (synchronized): HotSpot's owner not read, see jstack");
			break;
		case JW_OBJECT_WAIT:
			w->detail = cdl_snapshot_intern(s, "Java Object.wait()");
			break;
		case JW_PARK:
			w->detail = cdl_snapshot_intern(s, "Java LockSupport.park(): a java.util.concurrent lock or an idle pool");
			break;
		case JW_VM_MONITOR:
			w->detail = cdl_snapshot_intern(s, "a HotSpot VM monitor");
			break;
		case JW_NONE:
			break;
		}
	}
}
