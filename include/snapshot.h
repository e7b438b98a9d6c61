/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snapshot.h - the model: one consistent picture of a process.
 *
 * Plain data only: no ptrace, libdw or ncurses in here.  Every string a
 * snapshot points to lives in its string pool (cdl_snapshot_intern) and the
 * whole thing is released by one cdl_snapshot_free().  A live capture, a
 * saved JSON file (and later a core file) are sources of the same model.
 */
#ifndef CDL_SNAPSHOT_H
#define CDL_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cdl_memimg;

#define CDL_MAX_REGS 34          /* enough DWARF registers for x86-64 and aarch64 */

enum cdl_wait_kind {
	CDL_WAIT_MUTEX,
	CDL_WAIT_RWLOCK_READ,
	CDL_WAIT_RWLOCK_WRITE,
	CDL_WAIT_CONDVAR,
	CDL_WAIT_SEMAPHORE,
	CDL_WAIT_JOIN,
	CDL_WAIT_FUTEX,
	CDL_WAIT_SLEEP,
	CDL_WAIT_IO,
	CDL_WAIT_OTHER,
	CDL_WAIT__COUNT
};

/* struct cdl_wait.flags */
enum {
	CDL_WAITF_ROBUST        = 1u << 0,  /* robust mutex */
	CDL_WAITF_PI            = 1u << 1,  /* priority-inheritance mutex */
	CDL_WAITF_RECURSIVE     = 1u << 2,
	CDL_WAITF_ERRORCHECK    = 1u << 3,
	CDL_WAITF_PSHARED       = 1u << 4,  /* process-shared object */
	CDL_WAITF_OWNER_UNKNOWN = 1u << 5,  /* locked, but the libc records no owner */
	CDL_WAITF_READERS       = 1u << 6,  /* writer waits for anonymous readers */
	CDL_WAITF_TIMED         = 1u << 7,  /* wait has a timeout */
	CDL_WAITF_LIBC_INTERNAL = 1u << 8,  /* libc internal lock (stdio, ...) */
	CDL_WAITF_LAYOUT_UNKNOWN= 1u << 9,  /* libc layout not known: owner left unset */
	CDL_WAITF_RECHECKS      = 1u << 10, /* the waiter wakes by itself to re-check
	                                       (HotSpot's monitor enter): the kernel's
	                                       off-CPU time is not how long it waited */
};

/* Who says a lock's holder is its holder. */
enum cdl_owner_source {
	CDL_OWNER_RECORDED,      /* the lock (or the libc) records it */
	CDL_OWNER_GUARD,         /* a live guard in the holder's frames (held.c) */
};

/* What a blocked thread waits for. */
struct cdl_wait {
	enum cdl_wait_kind kind;
	uint64_t address;        /* the lock object, not the futex word in it */
	uint64_t futex;          /* the futex word the thread sleeps on, 0 if none */
	const char *symbol;      /* "lock_ledger", "forks[2]", NULL if unnamed */
	const char *location;    /* where an unnamed object lives: "heap",
	                            "stack of thread 812", "anonymous mapping",
	                            a module path; NULL if unknown */
	int owner_tid;           /* recorded holder (mutex owner, rwlock writer,
	                            joined thread); 0 = none recorded */
	int owner_ns_tid;        /* the owner's tid as recorded in the target's
	                            PID namespace when it differs from owner_tid;
	                            with owner_tid 0: no thread of this process
	                            has that namespace tid; 0 = none */
	int owner_pid;           /* when owner_tid is not a thread of this
	                            snapshot: >0 the process it lives in (pshared),
	                            -1 it no longer exists, 0 not checked */
	unsigned flags;          /* CDL_WAITF_* */
	int readers;             /* rwlock: reader count when known, else -1 */
	uint64_t mutex;          /* condvar: the mutex passed to the wait, 0 if unknown */
	const char *mutex_symbol;/* its name, NULL if unnamed */
	const char *detail;      /* free text shown after the wait (e.g. "nanosleep"), may be NULL */
	/* how owner_tid was found: CDL_OWNER_GUARD when the lock records no
	 * holder (or no reader) and a guard of owner_tid names it */
	enum cdl_owner_source owner_source;
	int owner_frame;         /* guard: the holder's frame number, else -1 */
	const char *owner_guard; /* guard: its type as shown ("MutexGuard"), else NULL */
};

/* A lock a thread holds, seen through a guard object live in one of its
 * frames (C++ std::lock_guard, unique_lock, scoped_lock, shared_lock; Rust
 * MutexGuard, RwLockReadGuard, RwLockWriteGuard): jstack's "locked
 * ownable synchronizers".  Also GLib's g_autoptr(GMutexLocker). */
struct cdl_held {
	uint64_t address;        /* the lock object, as a wait names it */
	uint64_t size;           /* its size: futex words inside it are its own */
	const char *symbol;      /* its name, NULL if unnamed */
	const char *guard;       /* "std::lock_guard", "MutexGuard", ... */
	int frame;               /* frame number of the guard's function */
	bool shared;             /* a read (shared) hold */
	int param;               /* 0 a local; a parameter: 1 by value,
	                            2 by reference (only tells a condvar
	                            wait's mutex, never held by itself) */
};

/* How a live snapshot was made. */
enum cdl_capture_mode {
	CDL_CAPTURE_GLOBAL,      /* every thread stopped at once (also: a core,
	                            a file saved before the modes existed) */
	CDL_CAPTURE_PERTHREAD,   /* one thread at a time, then proven */
};

struct cdl_frame {
	uint64_t pc;
	const char *function;    /* demangled; NULL if unknown */
	uint64_t offset;         /* pc - start of function, when known */
	const char *module;      /* path of the ELF object holding pc; NULL if none */
	const char *file;        /* source file; NULL if unknown */
	int line;                /* 0 if unknown */
	int column;              /* 0 if unknown */
	bool inlined;            /* an inline instance: shares pc with the next frame */
	bool signal_frame;       /* <signal handler called> */
	bool python;             /* a CPython frame (function = co_qualname,
	                            file = co_filename; pc and module none) */
};

struct cdl_thread {
	int tid;
	int ns_tid;              /* tid in the target's PID namespace when it
	                            differs from tid, else 0 */
	const char *name;        /* comm */
	char state;              /* /proc stat state letter before the stop */
	bool has_wait;
	struct cdl_wait wait;
	int64_t blocked_for_ms;  /* off-CPU time, -1 if unknown */
	struct cdl_frame *frames;/* innermost first */
	size_t nframes, frames_cap;
	const char *unwind_error;/* why the stack stops early, NULL if complete */
	struct cdl_held *held;   /* locks held through guards, innermost frame first */
	size_t nheld, held_cap;

	/* machine state at the stop (live captures only) */
	bool in_syscall;         /* stopped inside (or restarting) a syscall */
	long syscall_nr;         /* -1 when not in a syscall */
	uint64_t syscall_args[6];
	uint64_t pc, sp;
	uint64_t thread_pointer; /* x86-64 fs_base: glibc's struct pthread */
	uint64_t regs[CDL_MAX_REGS]; /* DWARF-numbered registers at the stop */
	unsigned nregs;          /* 0 when not captured (loaded file) */
	const char *wchan;       /* kernel wait channel, NULL if unknown */
	bool moved;              /* per-thread capture: not proven to have
	                            stayed in one wait across the capture (it
	                            ran, or its lock changed); it takes part in
	                            no verdict.  false in a global capture */
};

struct cdl_snapshot {
	int pid;
	const char *exe;         /* NULL if unknown */
	const char *captured_at; /* RFC 3339 UTC */
	int64_t captured_at_ms;  /* same, ms since the epoch */
	uint64_t pause_us;       /* per-thread mode: the longest single stop */
	enum cdl_capture_mode capture_mode;
	uint64_t window_us;      /* per-thread mode: first stop to last proof read */
	const char *libc;        /* "glibc 2.36", "musl", NULL if unknown */
	const char *runtime;     /* a language runtime with locks of its own that
	                            are not analysed ("HotSpot JVM"), NULL none */
	const char *tool_version;/* producer version (from a loaded file) */
	const char *source;      /* "live", "core", or the path of a loaded file */
	const char *core_path;   /* source "core": the core file, else NULL */
	int core_signal;         /* the signal that made the core, 0 none/unknown */
	bool core_live_facts;    /* the core held cdeadlock's snapshot: the
	                            time, pause and thread states are a live
	                            capture's; false: captured_at is when the
	                            core was written, the rest unknown */

	struct cdl_thread *threads;   /* sorted by tid after cdl_snapshot_sort */
	size_t nthreads, threads_cap;

	const char **warnings;
	size_t nwarnings, warnings_cap;

	struct cdl_memimg *mem;  /* memory copied at the freeze; NULL for a
	                            loaded file; owned, freed with the snapshot */
	struct cdl_strpool *pool;
};

/* Everything the layers say or decide about one wait kind.  One table
 * (snapshot.c) holds a row per enum cdl_wait_kind; the JSON writer, the
 * loader, the analysis, the text dump and the TUI all read it, so a new
 * kind is one new row. */
struct cdl_wait_kind_info {
	const char *name;        /* contract enum name: "rwlock_read" */
	const char *noun;        /* in sentences: "mutex", "rwlock", "thread"
	                            for a join; "object" for kinds that wait
	                            for no object */
	const char *access;      /* rwlocks: "read" / "write", else NULL */
	const char *access_long; /* rwlocks: "reading" / "writing", else NULL */
	const char *label;       /* short label of the TUI's WAIT column: "rwlock-r" */
	bool is_lock;            /* waits for a lock-like object (can be stuck) */
	bool owner_edge;         /* a recorded owner is a wait-for edge (not a
	                            condvar's or a semaphore's: they have none) */
	bool idle;               /* waits for work, time or events (a condvar,
	                            a semaphore, a sleep, I/O): never stuck;
	                            long waits are grouped as idle */
};

/* The row of kind k; kinds out of range get the CDL_WAIT_OTHER row.
 * Never NULL. */
const struct cdl_wait_kind_info *cdl_wait_kind_info(enum cdl_wait_kind k);

const char *cdl_wait_kind_name(enum cdl_wait_kind k);   /* contract enum name */
/* Returns the kind for a contract name, or -1. */
int cdl_wait_kind_from_name(const char *name);
/* Name of one CDL_WAITF_* bit as JSON writes it ("robust", "pi", ...),
 * NULL for a bit without a name. */
const char *cdl_wait_flag_name(unsigned bit);
/* true for kinds that mean "waits for a lock-like object" */
bool cdl_wait_kind_is_lock(enum cdl_wait_kind k);
/* true for kinds that mean "idle: waits for work, time or events" */
bool cdl_wait_kind_is_idle(enum cdl_wait_kind k);

/* "global-freeze" / "per-thread" (the JSON's capture_mode); the mode of
 * a name, or -1. */
const char *cdl_capture_mode_name(enum cdl_capture_mode m);
int cdl_capture_mode_from_name(const char *name);

/* Allocate an empty snapshot; NULL on ENOMEM.  Caller frees with
 * cdl_snapshot_free. */
struct cdl_snapshot *cdl_snapshot_new(void);
void cdl_snapshot_free(struct cdl_snapshot *s);

/* Copy s (may be NULL -> NULL) into the snapshot's pool. */
const char *cdl_snapshot_intern(struct cdl_snapshot *s, const char *str);
const char *cdl_snapshot_internf(struct cdl_snapshot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append a zeroed thread (blocked_for_ms -1, syscall_nr -1).  The pointer
 * is valid until the next add_thread.  NULL on ENOMEM. */
struct cdl_thread *cdl_snapshot_add_thread(struct cdl_snapshot *s, int tid);
/* Append a zeroed frame to t.  NULL on ENOMEM. */
struct cdl_frame *cdl_thread_add_frame(struct cdl_thread *t);
/* Append a zeroed held lock to t.  NULL on ENOMEM. */
struct cdl_held *cdl_thread_add_held(struct cdl_thread *t);
/* Add a warning (interned). */
void cdl_snapshot_warn(struct cdl_snapshot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sort threads by tid; enables cdl_snapshot_find_thread. */
void cdl_snapshot_sort(struct cdl_snapshot *s);
/* Binary search after cdl_snapshot_sort; NULL if absent. */
struct cdl_thread *cdl_snapshot_find_thread(const struct cdl_snapshot *s, int tid);

/* First frame that is not in the libc/ld.so/libstdc++ runtime ("user
 * code"; in a CPython thread its innermost Python frame), or NULL.  The libc backend says what is runtime: defined in
 * src/libc (libcdl_libc.a). */
const struct cdl_frame *cdl_thread_user_frame(const struct cdl_thread *t);

#endif
