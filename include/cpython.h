/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cpython.h - CPython's own frames (src/libc/cpython.c).
 *
 * Every Python-level wait of CPython (threading.Lock, Condition.wait,
 * queue.Queue.get, Thread.join) is the same glibc semaphore wait from
 * PyThread_acquire_lock_timed: only the Python frames tell them apart
 * (doc/lock-internals.md §4).  The interpreter keeps them in its own
 * structures, whose offsets change with each minor version: this file
 * holds the layouts it knows (3.11), walks them through a read callback
 * (the live source reads the target's memory with it) into the raw
 * capture's per-thread Python frames, and, offline, puts those frames in
 * the threads' stacks and classifies the waits from them.
 *
 * Pure: the reads are the caller's; no ptrace, no libdw.
 */
#ifndef CDL_CPYTHON_H
#define CDL_CPYTHON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cdl_rawcap;
struct cdl_snapshot;

/* Where one CPython minor version keeps what the walk reads (bytes). */
struct cdl_py_layout {
	unsigned major, minor;
	unsigned rt_interp_head;      /* _PyRuntime.interpreters.head */
	unsigned is_threads_head;     /* PyInterpreterState.threads.head */
	unsigned ts_next, ts_interp, ts_cframe, ts_native_tid, ts_on_delete_data;
	unsigned ts_size;             /* bytes read of a PyThreadState */
	unsigned cf_current_frame;    /* _PyCFrame.current_frame */
	unsigned fr_code, fr_previous, fr_prev_instr, fr_is_entry;
	unsigned fr_size;             /* bytes read of a _PyInterpreterFrame */
	unsigned co_firstlineno, co_filename, co_name, co_qualname, co_linetable;
	unsigned co_code_adaptive;    /* the first code unit */
	unsigned co_size;             /* bytes read of a PyCodeObject */
	unsigned ob_type;             /* PyObject.ob_type */
	unsigned str_length, str_state, str_ascii_data, str_compact_data;
	unsigned bytes_size, bytes_data;  /* PyBytesObject ob_size, ob_sval */
	unsigned wr_object;           /* PyWeakReference.wr_object */
	unsigned lock_lock;           /* lockobject.lock_lock (the sem_t *) */
};

/* The layout of the release Py_Version names (PY_VERSION_HEX), NULL when
 * this one is not known. */
const struct cdl_py_layout *cdl_py_layout_for(uint32_t py_version);

/* Read len bytes at addr of the target into buf; returns how many were
 * read (a short count ends at the first unreadable byte). */
typedef size_t (*cdl_py_read_fn)(void *arg, uint64_t addr, void *buf, size_t len);

/* One CPython in the target, as the exported symbols place it. */
struct cdl_py_target {
	const struct cdl_py_layout *layout;
	uint64_t runtime;             /* &_PyRuntime */
	uint64_t code_type;           /* &PyCode_Type */
	uint64_t unicode_type;        /* &PyUnicode_Type */
};

#define CDL_PY_MAX_THREADS 4096       /* thread states walked at most */
#define CDL_PY_MAX_DEPTH   128        /* Python frames kept per thread */

/* Walk every thread state of the main interpreter and append its frames
 * to rc->pythreads (innermost first).  Every object is checked against
 * its type (code objects, strings) and every thread state against its
 * interpreter; the walk stops at the first check that fails.  Returns
 * the number of thread states walked, -EINVAL when the runtime does not
 * look like the layout, -ENOMEM. */
int cdl_py_walk(const struct cdl_py_target *tg, cdl_py_read_fn rd, void *arg,
		struct cdl_rawcap *rc);

/* Offline: put rc's Python frames into the threads' stacks (each group
 * of frames one eval loop call ran, above its _PyEval_EvalFrameDefault
 * frame) and classify the waits they explain (Lock, Condition.wait,
 * queue, join).  Threads are found by tid; s need not be sorted. */
void cdl_cpython_classify(struct cdl_snapshot *s, const struct cdl_rawcap *rc);

/* The line of code unit index `unit` in a 3.11 location table
 * (co_linetable) starting at firstlineno; 0 when it has none. */
int cdl_py_line311(const unsigned char *tab, size_t len, int firstlineno, size_t unit);

#endif
