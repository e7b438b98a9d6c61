/* SPDX-License-Identifier: GPL-2.0-or-later */
/* corewrite.c - a raw capture out as a small ELF core (corewrite.h).
 *
 * Layout: the ELF header, the program headers (a PT_NOTE with the
 * process notes, a PT_NOTE with the cdeadlock snapshot, a PT_LOAD per
 * copied memory region), the notes, then the memory.  Note layouts are the
 * reader's (core-int.h, core-x86_64.c), so the two cannot drift apart.
 *
 * Notes, in the kernel's order: per thread NT_PRSTATUS, the first thread
 * followed by the process-wide NT_PRPSINFO, NT_AUXV and NT_FILE.  No
 * NT_FPREGSET: the capture does not read floating-point registers (a
 * register set of zeros would be a lie); gdb then shows them as
 * unavailable.  The segments' file offsets are not page-aligned (nothing
 * maps a core; page alignment would cost a page per small region).
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core-int.h"
#include "corewrite.h"
#include "grow.h"
#include "memimg.h"

#define CORE_PAGE 4096u

/* a growing byte buffer for the notes */
struct buf {
	unsigned char *p;
	size_t n, cap;
	int err;
};

static void *buf_room(struct buf *b, size_t len)
{
	void *at;

	if (b->err || CDL_GROW(b->p, b->cap, b->n + len, 4096) < 0) {
		b->err = ENOMEM;
		return NULL;
	}
	at = b->p + b->n;
	memset(at, 0, len);
	b->n += len;
	return at;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Append a note; returns its descriptor (len bytes, zeroed) or NULL. */
static unsigned char *note(struct buf *b, const char *name, uint32_t type, size_t len)
{
	size_t namesz = strlen(name) + 1;
	Elf64_Nhdr h = { (Elf64_Word)namesz, (Elf64_Word)len, type };
	unsigned char *p = buf_room(b, sizeof(h) + pad4(namesz) + pad4(len));

	if (!p)
		return NULL;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), name, namesz);
	return p + sizeof(h) + pad4(namesz);
}

static void put32(unsigned char *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* x86-64 user_regs_struct words from DWARF numbers, for a thread whose
 * source kept no kernel register set: DWARF number per word, -1 unknown */
static const signed char dwarf_of_word[] = {
	15, 14, 13, 12, 6, 3, 11, 10, 9, 8, 0, 2, 1, 4, 5, -1, 16, -1, -1, 7,
};

static void regs_words(const struct cdl_regs *r, uint64_t *w, unsigned nw)
{
	if (r->nkregs) {
		memcpy(w, r->kregs, (r->nkregs < nw ? r->nkregs : nw) * sizeof(*w));
		return;
	}
	for (unsigned i = 0; i < sizeof(dwarf_of_word) && i < nw; i++)
		if (dwarf_of_word[i] >= 0 && (unsigned)dwarf_of_word[i] < r->nregs)
			w[i] = r->regs[dwarf_of_word[i]];
	w[15] = r->in_syscall ? (uint64_t)r->syscall_nr : (uint64_t)-1;  /* orig_rax */
	w[16] = r->pc;
	w[19] = r->sp;
	w[21] = r->thread_pointer;
}

static void prstatus(struct buf *b, const struct cdl_core_arch *a, const struct cdl_rawcap *rc,
		     const struct cdl_rawcap_thread *t)
{
	unsigned char *p = note(b, "CORE", NT_PRSTATUS, a->prstatus_size);
	uint64_t w[CDL_RAW_KREGS] = { 0 };

	if (!p)
		return;
	put32(p, a->pr_pid_off, (uint32_t)t->tid);
	if (rc->proc.valid) {
		put32(p, a->pr_ppid_off, (uint32_t)rc->proc.ppid);
		put32(p, a->pr_pgrp_off, (uint32_t)rc->proc.pgrp);
		put32(p, a->pr_sid_off, (uint32_t)rc->proc.sid);
	}
	regs_words(&t->r, w, a->nregs);
	memcpy(p + a->pr_reg_off, w, a->nregs * sizeof(uint64_t));
	/* pr_fpvalid (after pr_reg) stays 0: no NT_FPREGSET follows */
}

static void prpsinfo(struct buf *b, const struct cdl_core_arch *a, const struct cdl_rawcap *rc)
{
	static const char states[] = "RSDTZW";
	unsigned char *p = note(b, "CORE", NT_PRPSINFO, a->prpsinfo_size);
	const struct cdl_rawcap_proc *ps = &rc->proc;
	const char *at;
	size_t n;

	if (!p)
		return;
	put32(p, a->ps_pid_off, (uint32_t)rc->pid);
	if (!ps->valid)
		return;
	at = ps->state ? strchr(states, ps->state) : NULL;
	p[0] = at ? (unsigned char)(at - states) : 0;   /* pr_state */
	p[a->ps_sname_off] = (unsigned char)(ps->state ? ps->state : '?');
	put32(p, a->ps_uid_off, ps->uid);
	put32(p, a->ps_gid_off, ps->gid);
	put32(p, a->ps_ppid_off, (uint32_t)ps->ppid);
	put32(p, a->ps_pgrp_off, (uint32_t)ps->pgrp);
	put32(p, a->ps_sid_off, (uint32_t)ps->sid);
	memcpy(p + a->ps_fname_off, ps->fname, sizeof(ps->fname));
	n = strnlen(ps->psargs, 80);
	memcpy(p + a->ps_psargs_off, ps->psargs, n < 80 ? n : 79);
}

static bool file_map(const struct cdl_map *m)
{
	return m->path[0] == '/' && m->end > m->start;
}

/* NT_FILE: count, page size, (start, end, offset in pages) each, names */
static void nt_file(struct buf *b, const struct cdl_maps *maps)
{
	size_t count = 0, names = 0, len;
	unsigned char *p;
	uint64_t *w;
	char *s;

	for (size_t i = 0; i < maps->n; i++)
		if (file_map(&maps->m[i])) {
			count++;
			names += strlen(maps->m[i].path) + 1;
		}
	if (!count)
		return;
	len = 16 + count * 24 + names;
	if (!(p = note(b, "CORE", NT_FILE, len)))
		return;
	w = (uint64_t *)(void *)p;    /* the note starts 4-aligned; copy words */
	uint64_t hdr[2] = { count, CORE_PAGE };
	memcpy(w, hdr, sizeof(hdr));
	s = (char *)p + 16 + count * 24;
	count = 0;
	for (size_t i = 0; i < maps->n; i++) {
		const struct cdl_map *m = &maps->m[i];

		if (!file_map(m))
			continue;
		uint64_t e[3] = { m->start, m->end, m->offset / CORE_PAGE };
		memcpy(p + 16 + count++ * 24, e, sizeof(e));
		len = strlen(m->path) + 1;
		memcpy(s, m->path, len);
		s += len;
	}
}

/* The process notes: threads with registers (the process's own thread
 * first, as the kernel puts the dumping thread first), then psinfo, auxv
 * and the file list after the first thread. */
static int build_notes(struct buf *b, const struct cdl_core_arch *a, const struct cdl_rawcap *rc,
		       struct cdl_core_write_stats *st)
{
	size_t first = rc->nthreads;
	bool done_process = false;

	for (size_t i = 0; i < rc->nthreads; i++)
		if (rc->threads[i].regs_status == CDL_RAWREGS_OK && rc->threads[i].r.nregs &&
		    (first == rc->nthreads || rc->threads[i].tid == rc->pid))
			first = i;
	for (size_t k = 0; k <= rc->nthreads; k++) {
		size_t i = k == 0 ? first : k - 1;

		if (i == rc->nthreads || (k > 0 && i == first))
			continue;
		const struct cdl_rawcap_thread *t = &rc->threads[i];
		if (t->regs_status != CDL_RAWREGS_OK || !t->r.nregs) {
			st->skipped++;
			continue;
		}
		prstatus(b, a, rc, t);
		st->threads++;
		if (!done_process) {
			prpsinfo(b, a, rc);
			if (rc->auxv_len) {
				unsigned char *p = note(b, "CORE", NT_AUXV, rc->auxv_len);

				if (p)
					memcpy(p, rc->auxv, rc->auxv_len);
			}
			nt_file(b, &rc->maps);
			done_process = true;
		}
	}
	if (!done_process)
		return -ENODATA;
	return b->err ? -b->err : 0;
}

static int write_all(int fd, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One PT_LOAD: part of a memory region inside one mapping. */
struct seg {
	uint64_t addr;
	const unsigned char *data;
	size_t len;
	uint32_t flags;
};

static uint32_t map_flags(const struct cdl_map *m)
{
	uint32_t f = 0;

	if (!m)
		return PF_R | PF_W;
	if (m->perms[0] == 'r')
		f |= PF_R;
	if (m->perms[1] == 'w')
		f |= PF_W;
	if (m->perms[2] == 'x')
		f |= PF_X;
	return f;
}

/* The end of the piece of [at, end) that lies in one mapping (or in no
 * mapping): where the mapping holding at ends, or where the next begins. */
static uint64_t piece_end(const struct cdl_maps *maps, uint64_t at, uint64_t end,
			  const struct cdl_map **m)
{
	*m = cdl_maps_find(maps, at);
	if (*m)
		return (*m)->end < end ? (*m)->end : end;
	for (size_t i = 0; i < maps->n; i++)
		if (maps->m[i].start > at)
			return maps->m[i].start < end ? maps->m[i].start : end;
	return end;
}

/* The segments: every copied region cut at mapping boundaries, as the
 * kernel writes one PT_LOAD per mapping (libdwfl maps a core's segments
 * to modules one by one: a segment across two modules loses one).  With
 * out NULL, only counted.  The count, or -errno. */
static long segments(const struct cdl_rawcap *rc, const struct cdl_memimg *mem, struct seg *out)
{
	size_t nreg = cdl_memimg_nregions(mem);
	long n = 0;

	for (size_t i = 0; i < nreg; i++) {
		const unsigned char *data;
		uint64_t addr, at, end;
		size_t len;
		int rc_ = cdl_memimg_region(mem, i, &addr, &data, &len);

		if (rc_ < 0)
			return rc_;
		for (at = addr, end = addr + len; at < end;) {
			const struct cdl_map *m;
			uint64_t e = piece_end(&rc->maps, at, end, &m);

			if (out)
				out[n] = (struct seg){ at, data + (at - addr), (size_t)(e - at),
						       map_flags(m) };
			n++;
			at = e;
		}
	}
	return n;
}

/* Headers, notes and memory, in file order. */
static int emit(int fd, const struct cdl_rawcap *rc, const struct cdl_memimg *mem,
		const struct buf *notes, const struct buf *jnote, struct cdl_core_write_stats *st)
{
	long nseg = segments(rc, mem, NULL);
	size_t nph;
	Elf64_Ehdr eh = { .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
			  .e_phentsize = sizeof(Elf64_Phdr) };
	struct seg *sg;
	Elf64_Phdr *ph;
	uint64_t off;
	int rc_;

	if (nseg < 0)
		return (int)nseg;
	nph = 1 + (jnote->n ? 1 : 0) + (size_t)nseg;
	if (nph > UINT32_MAX)
		return -E2BIG;
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	/* more program headers than e_phnum holds (tens of thousands of
	 * threads): PN_XNUM, the count in section header 0, as the kernel
	 * writes it */
	Elf64_Shdr sh0 = { .sh_type = SHT_NULL, .sh_size = 1, .sh_info = (Elf64_Word)nph };
	bool xnum = nph >= PN_XNUM;

	eh.e_phnum = xnum ? PN_XNUM : (Elf64_Half)nph;
	if (xnum) {
		eh.e_shoff = sizeof(eh) + nph * sizeof(Elf64_Phdr);
		eh.e_shentsize = sizeof(sh0);
		eh.e_shnum = 1;
		eh.e_shstrndx = SHN_UNDEF;
	}
	ph = calloc(nph, sizeof(*ph));
	sg = calloc((size_t)nseg + 1, sizeof(*sg));
	if (!ph || !sg || segments(rc, mem, sg) != nseg) {
		free(ph);
		free(sg);
		return -ENOMEM;
	}
	off = sizeof(eh) + nph * sizeof(*ph) + (xnum ? sizeof(sh0) : 0);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = off, .p_filesz = notes->n, .p_align = 4 };
	off += notes->n;
	if (jnote->n) {
		ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = off, .p_filesz = jnote->n,
				      .p_align = 4 };
		off += jnote->n;
	}
	for (long i = 0; i < nseg; i++) {
		ph[nph - (size_t)nseg + (size_t)i] = (Elf64_Phdr){
			.p_type = PT_LOAD, .p_flags = sg[i].flags, .p_offset = off,
			.p_vaddr = sg[i].addr, .p_filesz = sg[i].len, .p_memsz = sg[i].len,
			.p_align = 1 };
		off += sg[i].len;
		st->mem_bytes += sg[i].len;
	}
	st->segments = (size_t)nseg;
	st->file_bytes = (size_t)off;
	rc_ = write_all(fd, &eh, sizeof(eh));
	if (!rc_)
		rc_ = write_all(fd, ph, nph * sizeof(*ph));
	if (!rc_ && xnum)
		rc_ = write_all(fd, &sh0, sizeof(sh0));
	free(ph);
	if (!rc_)
		rc_ = write_all(fd, notes->p, notes->n);
	if (!rc_ && jnote->n)
		rc_ = write_all(fd, jnote->p, jnote->n);
	for (long i = 0; !rc_ && i < nseg; i++)
		rc_ = write_all(fd, sg[i].data, sg[i].len);
	free(sg);
	return rc_;
}

int cdl_core_write(const char *path, const struct cdl_rawcap *rc, const struct cdl_memimg *mem,
		   const void *json, size_t json_len, struct cdl_core_write_stats *stats,
		   struct cdl_diag *d)
{
	const struct cdl_core_arch *a = cdl_core_arch_find(EM_X86_64);
	struct cdl_core_write_stats st = { 0 };
	struct buf notes = { 0 }, jnote = { 0 };
	int fd, rc_;

	rc_ = build_notes(&notes, a, rc, &st);
	if (rc_ == 0 && json) {
		unsigned char *p = note(&jnote, CDL_CORE_SNAPSHOT_NOTE_NAME, CDL_CORE_SNAPSHOT_NOTE_TYPE, json_len);

		if (p)
			memcpy(p, json, json_len);
		rc_ = jnote.err ? -jnote.err : 0;
	}
	if (rc_ < 0) {
		free(notes.p);
		free(jnote.p);
		cdl_diag_set(d, -rc_, "save core: %s", path);
		if (rc_ == -ENODATA)
			cdl_diag_why(d, "no thread's registers were captured");
		return rc_;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc_ = -errno;
		free(notes.p);
		free(jnote.p);
		return cdl_diag_set(d, -rc_, "save core: open %s", path);
	}
	rc_ = emit(fd, rc, mem, &notes, &jnote, &st);
	free(notes.p);
	free(jnote.p);
	if (close(fd) < 0 && rc_ == 0)
		rc_ = -errno;
	if (rc_ < 0) {
		unlink(path);
		cdl_diag_set(d, -rc_, "save core: write %s", path);
		if (rc_ == -E2BIG)
			cdl_diag_why(d, "more than %u memory regions", UINT32_MAX - 2);
		return rc_;
	}
	if (stats)
		*stats = st;
	return 0;
}
