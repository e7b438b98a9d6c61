/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core.h - reading ELF core files (kernel cores, gdb gcore cores,
 * systemd-coredump's stored cores, compressed or not).
 *
 * A pure reader: it opens a file, checks it is an ELF core of this
 * machine's architecture, and turns its notes and segments into plain
 * data.  It does not unwind, symbolize or look for files on disk; the
 * offline stage does that from what is here (threads' registers, the
 * mappings with their build-ids, the memory through cdl_core_read).  It
 * never uses ptrace or /proc, never prints and never exits.
 *
 * Ownership: cdl_core_open returns a struct cdl_core the caller frees with
 * cdl_core_free; every pointer inside it (arrays, strings, the raw auxv
 * and register sets) belongs to it and lives until then.  The struct may
 * keep a file descriptor open (the core, or the decompressed copy).
 *
 * Robustness: every offset, size and count read from the file is checked
 * against the file's size and fixed limits; no loop runs longer than the
 * file or a limit allows.  A core whose ELF header, program headers or
 * notes are damaged or cut off is an error (-EINVAL, why says what).  A
 * core cut off after its notes (memory segments missing) opens, with the
 * threads and mappings complete, and a warning in warnings[]: reads of the
 * missing memory fail like reads of memory that was never dumped.
 */
#ifndef CDL_CORE_H
#define CDL_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"

/* registers of one thread: the architecture's user_regs_struct as an
 * array of 64-bit words, in the kernel's order (x86-64: r15, r14, r13,
 * r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax, rip,
 * cs, eflags, rsp, ss, fs_base, gs_base, ds, es, fs, gs).  Names of the
 * words: cdl_core_reg_name. */
#define CDL_CORE_MAX_REGS 64

/* the note cdeadlock --save-core puts its JSON snapshot in */
#define CDL_CORE_SNAPSHOT_NOTE_NAME "CDEADLOCK"
#define CDL_CORE_SNAPSHOT_NOTE_TYPE 0x4344
#define CDL_CORE_SNAPSHOT_NOTE_MAX (64u << 20)

enum cdl_core_compression {
	CDL_CORE_PLAIN = 0,
	CDL_CORE_ZSTD,
	CDL_CORE_XZ,
	CDL_CORE_LZ4,
};

struct cdl_core_thread {
	pid_t tid;              /* pr_pid of NT_PRSTATUS */
	pid_t ppid, pgrp, sid;
	int cursig;             /* signal pending on the thread (pr_cursig), 0 none */
	uint64_t sigpend;       /* pending signal mask */
	uint64_t sighold;       /* blocked signal mask */
	unsigned nregs;         /* words used in regs[] */
	uint64_t regs[CDL_CORE_MAX_REGS];
	uint64_t pc, sp, fs_base;   /* copies of the words that mean these */
	unsigned char *fpregs;  /* NT_FPREGSET desc as stored (x86-64: the
	                         * 512-byte FXSAVE area), NULL if absent */
	size_t fpregs_size;
	int has_siginfo;        /* a NT_SIGINFO followed this thread's
	                         * NT_PRSTATUS (gdb writes one per thread) */
	int sig_signo, sig_code, sig_errno;
	uint64_t sig_addr;      /* fault address for SIGSEGV/SIGBUS/SIGILL/SIGFPE */
};

/* NT_PRPSINFO: facts about the process */
struct cdl_core_psinfo {
	int valid;              /* 0: the core had no (usable) NT_PRPSINFO */
	pid_t pid, ppid, pgrp, sid;
	unsigned uid, gid;
	char state;             /* pr_sname: 'R', 'S', 'D', 'T', 'Z', ... */
	char fname[17];         /* comm, NUL-terminated (at most 16 bytes) */
	char psargs[81];        /* the first 80 bytes of the command line,
	                         * arguments separated by spaces */
};

/* NT_SIGINFO of the process: the signal that made the core (kernel cores:
 * the one note; gdb cores: the first thread's) */
struct cdl_core_siginfo {
	int valid;
	int signo, code, err;
	uint64_t addr;          /* si_addr for fault signals, else 0 */
};

/* one PT_LOAD program header: memory the core describes.  The file holds
 * filesz bytes of it (fewer when the core is truncated: held says how
 * many are really there); memsz - filesz bytes were not dumped (the kernel
 * leaves out read-only file mappings, for example) and are NOT data:
 * cdl_core_read refuses them instead of returning zeros. */
struct cdl_core_segment {
	uint64_t vaddr, memsz, filesz, offset;
	uint32_t flags;         /* PF_R | PF_W | PF_X */
	uint64_t held;          /* bytes of [vaddr, vaddr+filesz) in the file */
};

/* what is known of a mapping's build-id */
enum cdl_core_buildid_state {
	CDL_CORE_BUILDID_NONE = 0,    /* not looked for (file offset is not 0) */
	CDL_CORE_BUILDID_FOUND,       /* build_id[] holds it */
	CDL_CORE_BUILDID_NOT_DUMPED,  /* the ELF header page is not in the core */
	CDL_CORE_BUILDID_ABSENT,      /* ELF headers dumped, no NT_GNU_BUILD_ID
	                               * in them (or not an ELF file) */
};

/* one NT_FILE entry: a file-backed mapping */
struct cdl_core_map {
	uint64_t start, end;    /* [start, end) */
	uint64_t offset;        /* file offset in bytes */
	const char *path;       /* as the kernel saw it ("(deleted)" suffix kept) */
	enum cdl_core_buildid_state buildid_state;
	unsigned char build_id[64];
	size_t build_id_len;
};

/* a module: one file mapped with its headers (offset 0), from NT_FILE
 * (grouped by path) or, for a core without NT_FILE, from the dynamic
 * linker's link map */
struct cdl_core_module {
	const char *path;       /* "" for the main program found by link map */
	uint64_t start, end;    /* lowest start, highest end of its mappings */
	uint64_t bias;          /* load bias: runtime address - ELF vaddr */
	int has_bias;           /* bias known (ELF headers were readable) */
	uint64_t l_ld;          /* link map only: address of its dynamic section */
	enum cdl_core_buildid_state buildid_state;
	unsigned char build_id[64];
	size_t build_id_len;
};

enum cdl_core_modsource {
	CDL_CORE_MODS_NONE = 0,
	CDL_CORE_MODS_NT_FILE,
	CDL_CORE_MODS_LINK_MAP,
};

struct cdl_core {
	const char *path;       /* as given to cdl_core_open */
	enum cdl_core_compression compression;
	uint64_t size;          /* bytes of the (decompressed) ELF file */
	uint16_t machine;       /* e_machine (EM_X86_64) */
	const char *arch;       /* "x86_64" */

	struct cdl_core_thread *threads;   /* in note order; [0] is the
	                                    * thread that dumped (kernel) */
	size_t nthreads;
	struct cdl_core_psinfo psinfo;
	struct cdl_core_siginfo siginfo;

	uint64_t *auxv;         /* NT_AUXV as (type, value) pairs up to and
	                         * without AT_NULL */
	size_t nauxv;           /* pairs */
	uint64_t at_phdr, at_entry, at_base;   /* 0 when absent */
	const char *execfn;     /* string at AT_EXECFN, NULL if not in the core */

	struct cdl_core_segment *segments;   /* PT_LOAD, in file order */
	size_t nsegments;

	struct cdl_core_map *maps;           /* NT_FILE, in note order */
	size_t nmaps;
	uint64_t map_page_size;              /* NT_FILE page size */

	struct cdl_core_module *modules;     /* by ascending start */
	size_t nmodules;
	enum cdl_core_modsource modsource;

	/* the snapshot cdeadlock --save-core embedded: the desc of the note
	 * named CDL_CORE_SNAPSHOT_NOTE_NAME of type CDL_CORE_SNAPSHOT_NOTE_TYPE
	 * (JSON as --json prints it), NUL-terminated; NULL when the core has
	 * none.  Only its bytes are checked here (no NUL inside, at most
	 * CDL_CORE_SNAPSHOT_NOTE_MAX); parsing it is the caller's. */
	const char *snapshot_json;
	size_t snapshot_json_len;

	char **warnings;        /* what is missing or odd, one line each */
	size_t nwarnings;

	struct cdl_core_priv *priv;          /* the reader's; do not touch */
};

struct cdl_core_opts {
	/* the largest decompressed core accepted (bytes); 0: 4 GiB */
	uint64_t max_decompressed;
	/* where to keep a decompressed core: NULL keeps it in anonymous
	 * memory (memfd); a directory name puts it in an unlinked temporary
	 * file there */
	const char *tmpdir;
	/* list modules through the dynamic linker's link map even when the
	 * core has NT_FILE (cores without NT_FILE always use it) */
	int modules_from_link_map;
};

/* Open and parse the core at path (opts may be NULL).  Compressed cores
 * (zstd, xz, lz4; found by magic, not by name) are decompressed first.
 * Returns 0 and *out, or -errno with d filled ("core: PATH" and a reason
 * such as "core of another architecture (aarch64)", "not a core file (an
 * ELF executable)", "truncated core: ...", "corrupt zstd data: ...") and
 * *out NULL. */
int cdl_core_open(const char *path, const struct cdl_core_opts *opts,
		  struct cdl_core **out, struct cdl_diag *d);

/* The same over a buffer (copied; the caller keeps buf).  name is used in
 * messages and as c->path. */
int cdl_core_open_mem(const void *buf, size_t len, const char *name,
		      const struct cdl_core_opts *opts, struct cdl_core **out,
		      struct cdl_diag *d);

/* Read up to len bytes of the dumped memory at addr into buf.  Returns the
 * number of bytes copied: all of len, or fewer when the dumped memory
 * stops (the bytes from addr up to the first byte not held, through
 * adjacent segments); -EFAULT when the byte at addr is not held (never
 * dumped, past filesz, or cut off by truncation); -EIO when the file
 * cannot be read.  len 0 returns 0. */
ssize_t cdl_core_read(const struct cdl_core *c, uint64_t addr, void *buf, size_t len);

/* The same, succeeding only for all len bytes: 0 or -EFAULT/-EIO. */
int cdl_core_read_all(const struct cdl_core *c, uint64_t addr, void *buf, size_t len);

/* The name of register word i of this core's architecture ("rip"), NULL
 * past the end. */
const char *cdl_core_reg_name(const struct cdl_core *c, unsigned i);

/* The value of auxv entry type (AT_*) in *val: 0, or -ENOENT. */
int cdl_core_auxv(const struct cdl_core *c, uint64_t type, uint64_t *val);

/* "plain", "zstd", "xz", "lz4" */
const char *cdl_core_compression_name(enum cdl_core_compression comp);

/* Free everything (NULL is fine); closes the descriptor. */
void cdl_core_free(struct cdl_core *c);

#endif
