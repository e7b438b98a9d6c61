/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core-int.h - what the files of the core reader share.
 *
 * Layout facts of one architecture live in a struct cdl_core_arch
 * (core-x86_64.c); a new architecture is a new table, not edits in the
 * parser.  The bytes of the ELF file come from a "source": a descriptor
 * read with pread (a plain core, or the memfd/temporary file holding a
 * decompressed one) or a buffer (cdl_core_open_mem).
 */
#ifndef CDL_CORE_INT_H
#define CDL_CORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "diag.h"

struct cdl_core_arch {
	uint16_t machine;            /* EM_* */
	const char *name;            /* "x86_64" */
	unsigned char elfclass;      /* ELFCLASS64 */
	unsigned char elfdata;       /* ELFDATA2LSB */
	/* struct elf_prstatus */
	size_t prstatus_size;
	size_t pr_cursig_off, pr_sigpend_off, pr_sighold_off;
	size_t pr_pid_off, pr_ppid_off, pr_pgrp_off, pr_sid_off;
	size_t pr_reg_off;
	unsigned nregs;              /* words of pr_reg */
	unsigned pc_reg, sp_reg, tls_reg;   /* indexes into pr_reg */
	const char *const *reg_names;
	/* struct elf_prpsinfo */
	size_t prpsinfo_size;
	size_t ps_sname_off, ps_uid_off, ps_gid_off, ps_uid_size;
	size_t ps_pid_off, ps_ppid_off, ps_pgrp_off, ps_sid_off;
	size_t ps_fname_off, ps_psargs_off;
	/* siginfo_t */
	size_t siginfo_size, si_addr_off;
};

/* the table for e_machine, or NULL */
const struct cdl_core_arch *cdl_core_arch_find(uint16_t machine);
/* a name for any e_machine ("aarch64"), or NULL when unknown */
const char *cdl_core_machine_name(uint16_t machine);

/* where the bytes come from */
struct cdl_core_src {
	int fd;                      /* -1 when mem is used */
	unsigned char *mem;          /* owned */
	uint64_t size;
};

/* pread-like: copies up to len bytes at off; returns the count (short at
 * the end of the source), or -errno */
ssize_t cdl_core_src_read(const struct cdl_core_src *s, uint64_t off, void *buf, size_t len);

/* the compression whose magic begins buf[0..len), CDL_CORE_PLAIN if none */
enum cdl_core_compression cdl_core_detect(const unsigned char *buf, size_t len);

/* Decompress all of in (compressed with comp) into a new source *out (a
 * memfd, or an unlinked file in opts->tmpdir).  Fails with -EINVAL for
 * corrupt or truncated data, -EFBIG past the cap, -ENOSPC/-ENOMEM/-EIO
 * when the copy cannot be written, -ENOTSUP for a compression this build
 * lacks; d says which ("what" is left to the caller: only why/hint are
 * set, and err). */
int cdl_core_decompress(const struct cdl_core_src *in, enum cdl_core_compression comp,
			const struct cdl_core_opts *opts, struct cdl_core_src *out,
			struct cdl_diag *d);

/* the reader's private part of struct cdl_core */
struct cdl_core_priv {
	struct cdl_core_src src;
	const struct cdl_core_arch *arch;
	/* segments with held > 0, sorted by vaddr, not overlapping */
	struct cdl_core_segment *index;
	size_t nindex;
	int force_link_map;     /* opts->modules_from_link_map */
	size_t warn_cap, warn_dropped;
	size_t thread_cap, seg_cap, map_cap, mod_cap;
};

/* append a warning (printf-style); past a limit they are counted only.
 * Returns 0 or -ENOMEM. */
int cdl_core_warn(struct cdl_core *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* modules: build-ids of NT_FILE mappings, the module list, and the link
 * map walk for cores without NT_FILE (coremods.c).  0 or -ENOMEM; what
 * cannot be read becomes a state or a warning. */
int cdl_core_find_modules(struct cdl_core *c);

/* The build-id of the ELF file open at fd (size bytes) into id (cap
 * bytes), its length in *len: 0; -ENODATA when it has none or is not an
 * ELF file, -EINVAL when its headers are cut off, -ENOSPC when cap is too
 * small. */
int cdl_core_file_build_id(int fd, uint64_t size, unsigned char *id, size_t cap, size_t *len);

#endif
