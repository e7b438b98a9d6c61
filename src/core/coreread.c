/* SPDX-License-Identifier: GPL-2.0-or-later */
/* coreread.c - an ELF core file into struct cdl_core: the ELF header and
 * program headers, the notes (threads, process facts, auxv, mappings),
 * the PT_LOAD segments, and reads of the dumped memory.
 *
 * Every number from the file is checked before use: offsets and sizes
 * against the file's size (with overflow checks), counts against what the
 * bytes can hold and fixed limits.  Only the native byte order is parsed:
 * cdl_core_arch_find accepts only architectures whose class and byte
 * order this build reads.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core-int.h"
#include "grow.h"

#define MAX_PHNUM (1u << 22)            /* program headers */
#define MAX_NOTE_SEG (256u << 20)       /* bytes of one PT_NOTE */
#define MAX_NOTES_TOTAL (1024u << 20)   /* bytes of all of them */
#define MAX_WARNINGS 64
#define MAX_EXECFN 4096

/* ---- the source ---- */

ssize_t cdl_core_src_read(const struct cdl_core_src *s, uint64_t off, void *buf, size_t len)
{
	size_t done = 0;

	if (off >= s->size)
		return 0;
	if (len > s->size - off)
		len = (size_t)(s->size - off);
	if (s->fd < 0) {
		memcpy(buf, s->mem + off, len);
		return (ssize_t)len;
	}
	while (done < len) {
		ssize_t r = pread(s->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;     /* the file shrank under us */
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* all of len bytes at off, or -EINVAL (short) / -errno */
static int src_read_all(const struct cdl_core_src *s, uint64_t off, void *buf, size_t len)
{
	ssize_t r = cdl_core_src_read(s, off, buf, len);

	if (r < 0)
		return (int)r;
	return (size_t)r == len ? 0 : -EINVAL;
}

static void src_close(struct cdl_core_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->mem);
	s->mem = NULL;
}

/* ---- small helpers ---- */

const char *cdl_core_compression_name(enum cdl_core_compression comp)
{
	switch (comp) {
	case CDL_CORE_PLAIN: return "plain";
	case CDL_CORE_ZSTD: return "zstd";
	case CDL_CORE_XZ: return "xz";
	case CDL_CORE_LZ4: return "lz4";
	}
	return "unknown";
}

int cdl_core_warn(struct cdl_core *c, const char *fmt, ...)
{
	struct cdl_core_priv *p = c->priv;
	char buf[512], *s;
	va_list ap;

	if (c->nwarnings >= MAX_WARNINGS) {
		p->warn_dropped++;
		return 0;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (CDL_GROW(c->warnings, p->warn_cap, c->nwarnings + 1, 8) < 0 || !(s = strdup(buf)))
		return -ENOMEM;
	c->warnings[c->nwarnings++] = s;
	return 0;
}

static uint16_t get16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static int32_t geti32(const unsigned char *p) { int32_t v; memcpy(&v, p, 4); return v; }

/* a copy of at most max bytes of p, stopping at NUL; trailing spaces cut */
static void copy_str(char *dst, size_t dstsz, const unsigned char *p, size_t max)
{
	size_t n = 0;

	while (n < max && n + 1 < dstsz && p[n])
		n++;
	memcpy(dst, p, n);
	while (n && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

static int fail(struct cdl_diag *d, int err, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct cdl_diag *d, int err, const char *name, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	cdl_diag_set(d, err, "core: %s", name);
	cdl_diag_why(d, "%s", why);
	return -err;
}

/* ---- notes ---- */

static int note_prstatus(struct cdl_core *c, const unsigned char *p, size_t n)
{
	const struct cdl_core_arch *a = c->priv->arch;
	struct cdl_core_thread *t;

	if (n != a->prstatus_size)
		return cdl_core_warn(c, "NT_PRSTATUS note of %zu bytes (expected %zu) ignored: a thread is missing",
				     n, a->prstatus_size);
	if (CDL_GROW(c->threads, c->priv->thread_cap, c->nthreads + 1, 16) < 0)
		return -ENOMEM;
	t = &c->threads[c->nthreads++];
	memset(t, 0, sizeof(*t));
	t->tid = geti32(p + a->pr_pid_off);
	t->ppid = geti32(p + a->pr_ppid_off);
	t->pgrp = geti32(p + a->pr_pgrp_off);
	t->sid = geti32(p + a->pr_sid_off);
	t->cursig = (int16_t)get16(p + a->pr_cursig_off);
	t->sigpend = get64(p + a->pr_sigpend_off);
	t->sighold = get64(p + a->pr_sighold_off);
	t->nregs = a->nregs;
	for (unsigned i = 0; i < a->nregs && i < CDL_CORE_MAX_REGS; i++)
		t->regs[i] = get64(p + a->pr_reg_off + 8 * (size_t)i);
	t->pc = t->regs[a->pc_reg];
	t->sp = t->regs[a->sp_reg];
	t->fs_base = t->regs[a->tls_reg];
	return 0;
}

static int note_fpregset(struct cdl_core *c, const unsigned char *p, size_t n)
{
	struct cdl_core_thread *t;

	if (c->nthreads == 0)
		return cdl_core_warn(c, "NT_FPREGSET note before any NT_PRSTATUS ignored");
	t = &c->threads[c->nthreads - 1];
	if (t->fpregs)
		return 0;     /* one per thread; a second one is not ours */
	if (n == 0 || n > 65536)
		return cdl_core_warn(c, "NT_FPREGSET note of %zu bytes ignored (thread %d)", n, (int)t->tid);
	if (!(t->fpregs = malloc(n)))
		return -ENOMEM;
	memcpy(t->fpregs, p, n);
	t->fpregs_size = n;
	return 0;
}

static int note_prpsinfo(struct cdl_core *c, const unsigned char *p, size_t n)
{
	const struct cdl_core_arch *a = c->priv->arch;
	struct cdl_core_psinfo *ps = &c->psinfo;

	if (n != a->prpsinfo_size)
		return cdl_core_warn(c, "NT_PRPSINFO note of %zu bytes (expected %zu) ignored",
				     n, a->prpsinfo_size);
	if (ps->valid)
		return cdl_core_warn(c, "a second NT_PRPSINFO note ignored");
	ps->valid = 1;
	ps->state = (char)p[a->ps_sname_off];
	ps->uid = a->ps_uid_size == 4 ? get32(p + a->ps_uid_off) : get16(p + a->ps_uid_off);
	ps->gid = a->ps_uid_size == 4 ? get32(p + a->ps_gid_off) : get16(p + a->ps_gid_off);
	ps->pid = geti32(p + a->ps_pid_off);
	ps->ppid = geti32(p + a->ps_ppid_off);
	ps->pgrp = geti32(p + a->ps_pgrp_off);
	ps->sid = geti32(p + a->ps_sid_off);
	copy_str(ps->fname, sizeof(ps->fname), p + a->ps_fname_off, 16);
	copy_str(ps->psargs, sizeof(ps->psargs), p + a->ps_psargs_off, 80);
	return 0;
}

static int note_siginfo(struct cdl_core *c, const unsigned char *p, size_t n)
{
	const struct cdl_core_arch *a = c->priv->arch;
	int signo, code, err;
	uint64_t addr = 0;

	if (n != a->siginfo_size)
		return cdl_core_warn(c, "NT_SIGINFO note of %zu bytes (expected %zu) ignored",
				     n, a->siginfo_size);
	signo = geti32(p);
	err = geti32(p + 4);
	code = geti32(p + 8);
	/* si_addr means something for the fault signals only, when the
	 * kernel (si_code > 0), not a process, sent them */
	if ((signo == SIGSEGV || signo == SIGBUS || signo == SIGILL || signo == SIGFPE ||
	     signo == SIGTRAP) && code > 0)
		addr = get64(p + a->si_addr_off);
	if (!c->siginfo.valid)
		c->siginfo = (struct cdl_core_siginfo){ 1, signo, code, err, addr };
	if (c->nthreads) {
		struct cdl_core_thread *t = &c->threads[c->nthreads - 1];

		if (!t->has_siginfo) {
			t->has_siginfo = 1;
			t->sig_signo = signo;
			t->sig_code = code;
			t->sig_errno = err;
			t->sig_addr = addr;
		}
	}
	return 0;
}

static int note_auxv(struct cdl_core *c, const unsigned char *p, size_t n)
{
	size_t pairs = n / 16, k;

	if (c->auxv)
		return cdl_core_warn(c, "a second NT_AUXV note ignored");
	if (n % 16)
		cdl_core_warn(c, "NT_AUXV note of %zu bytes is not a whole number of entries", n);
	for (k = 0; k < pairs && get64(p + 16 * k) != AT_NULL; k++)
		;
	if (k == pairs && pairs)
		cdl_core_warn(c, "NT_AUXV note lacks its AT_NULL end");
	if (!(c->auxv = malloc(k ? 16 * k : 1)))
		return -ENOMEM;
	for (size_t i = 0; i < k; i++) {
		c->auxv[2 * i] = get64(p + 16 * i);
		c->auxv[2 * i + 1] = get64(p + 16 * i + 8);
	}
	c->nauxv = k;
	return 0;
}

/* NT_FILE: count, page size, count x (start, end, page offset), count
 * NUL-terminated names */
static int note_file(struct cdl_core *c, const unsigned char *p, size_t n)
{
	uint64_t count, psize;
	const unsigned char *names, *end = p + n;

	if (c->maps)
		return cdl_core_warn(c, "a second NT_FILE note ignored");
	if (n < 16)
		return cdl_core_warn(c, "NT_FILE note of %zu bytes ignored", n);
	count = get64(p);
	psize = get64(p + 8);
	if (count > (n - 16) / 24)
		return cdl_core_warn(c, "NT_FILE note claims %llu mappings in %zu bytes: ignored",
				     (unsigned long long)count, n);
	if (psize == 0 || (psize & (psize - 1)) || psize > (1u << 30))
		return cdl_core_warn(c, "NT_FILE note with page size %llu ignored",
				     (unsigned long long)psize);
	if (!(c->maps = calloc(count ? count : 1, sizeof(*c->maps))))
		return -ENOMEM;
	c->map_page_size = psize;
	names = p + 16 + 24 * count;
	for (uint64_t i = 0; i < count; i++) {
		const unsigned char *e = p + 16 + 24 * i;
		const unsigned char *nul = memchr(names, '\0', (size_t)(end - names));
		struct cdl_core_map *m = &c->maps[c->nmaps];
		uint64_t pgoff = get64(e + 16);

		if (!nul) {
			cdl_core_warn(c, "NT_FILE note: names end early (%llu of %llu mappings kept)",
				      (unsigned long long)i, (unsigned long long)count);
			break;
		}
		m->start = get64(e);
		m->end = get64(e + 8);
		if (m->end < m->start || pgoff > UINT64_MAX / psize) {
			cdl_core_warn(c, "NT_FILE note: mapping %llu (0x%llx-0x%llx) is malformed: skipped",
				      (unsigned long long)i, (unsigned long long)m->start,
				      (unsigned long long)m->end);
			names = nul + 1;
			continue;
		}
		m->offset = pgoff * psize;
		if (!(m->path = strndup((const char *)names, (size_t)(nul - names))))
			return -ENOMEM;
		names = nul + 1;
		c->nmaps++;
	}
	return 0;
}

/* cdeadlock's own note: the JSON snapshot --save-core embedded */
static int note_snapshot(struct cdl_core *c, const unsigned char *p, size_t n)
{
	char *copy;

	if (c->snapshot_json)
		return cdl_core_warn(c, "a second cdeadlock snapshot note ignored");
	if (n == 0 || n > CDL_CORE_SNAPSHOT_NOTE_MAX || memchr(p, '\0', n))
		return cdl_core_warn(c, "cdeadlock snapshot note of %zu bytes ignored: %s", n,
				     n == 0 || n > CDL_CORE_SNAPSHOT_NOTE_MAX ? "bad size"
									: "it holds a NUL byte");
	if (!(copy = malloc(n + 1)))
		return -ENOMEM;
	memcpy(copy, p, n);
	copy[n] = '\0';
	c->snapshot_json = copy;
	c->snapshot_json_len = n;
	return 0;
}

static int parse_notes(struct cdl_core *c, const unsigned char *buf, size_t size,
		       uint64_t fileoff, const char *name, struct cdl_diag *d)
{
	size_t pos = 0;
	int rc;

	/* each note is at least 12 bytes, so this runs at most size/12 times */
	while (size - pos >= 12) {
		uint32_t namesz = get32(buf + pos), descsz = get32(buf + pos + 4);
		uint32_t type = get32(buf + pos + 8);
		size_t npad = ((size_t)namesz + 3) & ~(size_t)3;
		size_t dpad = ((size_t)descsz + 3) & ~(size_t)3;
		const unsigned char *nm = buf + pos + 12, *desc;

		if (npad > size - pos - 12 || dpad > size - pos - 12 - npad) {
			/* the last note's padding may be missing */
			if (!(npad <= size - pos - 12 && descsz <= size - pos - 12 - npad))
				return fail(d, EINVAL, name, "malformed note at file offset 0x%llx "
					    "(name %u, data %u bytes, %zu left in the segment)",
					    (unsigned long long)(fileoff + pos), namesz, descsz,
					    size - pos - 12);
			dpad = descsz;
		}
		desc = nm + npad;
		if (namesz == 5 && memcmp(nm, "CORE", 5) == 0) {
			switch (type) {
			case NT_PRSTATUS: rc = note_prstatus(c, desc, descsz); break;
			case NT_FPREGSET: rc = note_fpregset(c, desc, descsz); break;
			case NT_PRPSINFO: rc = note_prpsinfo(c, desc, descsz); break;
			case NT_SIGINFO: rc = note_siginfo(c, desc, descsz); break;
			case NT_AUXV: rc = note_auxv(c, desc, descsz); break;
			case NT_FILE: rc = note_file(c, desc, descsz); break;
			default: rc = 0; break;
			}
			if (rc < 0)
				return cdl_diag_set(d, ENOMEM, "core: %s", name);
		} else if (namesz == sizeof(CDL_CORE_SNAPSHOT_NOTE_NAME) &&
			   memcmp(nm, CDL_CORE_SNAPSHOT_NOTE_NAME, namesz) == 0 &&
			   type == CDL_CORE_SNAPSHOT_NOTE_TYPE) {
			if (note_snapshot(c, desc, descsz) < 0)
				return cdl_diag_set(d, ENOMEM, "core: %s", name);
		}
		pos += 12 + npad + dpad;
	}
	if (pos != size && c->nwarnings < MAX_WARNINGS)
		cdl_core_warn(c, "%zu stray bytes after the notes at file offset 0x%llx",
			      size - pos, (unsigned long long)(fileoff + pos));
	return 0;
}

/* ---- segments and memory ---- */

static int cmp_seg(const void *x, const void *y)
{
	const struct cdl_core_segment *a = x, *b = y;

	return a->vaddr < b->vaddr ? -1 : a->vaddr > b->vaddr;
}

static int build_index(struct cdl_core *c)
{
	struct cdl_core_priv *p = c->priv;
	size_t n = 0, overlaps = 0;

	if (!(p->index = malloc((c->nsegments ? c->nsegments : 1) * sizeof(*p->index))))
		return -ENOMEM;
	for (size_t i = 0; i < c->nsegments; i++)
		if (c->segments[i].held)
			p->index[n++] = c->segments[i];
	qsort(p->index, n, sizeof(*p->index), cmp_seg);
	/* keep the first of overlapping segments (cores never have any) */
	p->nindex = 0;
	for (size_t i = 0; i < n; i++) {
		if (p->nindex) {
			struct cdl_core_segment *last = &p->index[p->nindex - 1];

			if (p->index[i].vaddr < last->vaddr + last->held) {
				overlaps++;
				continue;
			}
		}
		p->index[p->nindex++] = p->index[i];
	}
	if (overlaps)
		return cdl_core_warn(c, "%zu PT_LOAD segments overlap others: their memory is ignored",
				     overlaps);
	return 0;
}

/* the index entry holding addr, or NULL */
static const struct cdl_core_segment *seg_find(const struct cdl_core_priv *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nindex;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->index[mid].vaddr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (addr - p->index[lo - 1].vaddr < p->index[lo - 1].held)
		return &p->index[lo - 1];
	return NULL;
}

ssize_t cdl_core_read(const struct cdl_core *c, uint64_t addr, void *buf, size_t len)
{
	const struct cdl_core_priv *p = c->priv;
	size_t done = 0;

	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	/* each round uses up a segment or len, so it ends within nindex rounds */
	while (done < len) {
		const struct cdl_core_segment *s = seg_find(p, addr + done);
		uint64_t in, avail;
		size_t want;
		ssize_t r;

		if (!s || addr + done < addr)     /* not held, or wrapped */
			break;
		in = addr + done - s->vaddr;
		avail = s->held - in;
		want = len - done < avail ? len - done : (size_t)avail;
		r = cdl_core_src_read(&p->src, s->offset + in, (char *)buf + done, want);
		if (r < 0)
			return done ? (ssize_t)done : -EIO;
		done += (size_t)r;
		if ((size_t)r < want)
			break;     /* the file shrank after open */
	}
	if (done == 0 && len)
		return -EFAULT;
	return (ssize_t)done;
}

int cdl_core_read_all(const struct cdl_core *c, uint64_t addr, void *buf, size_t len)
{
	ssize_t r = cdl_core_read(c, addr, buf, len);

	if (r < 0)
		return (int)r;
	return (size_t)r == len ? 0 : -EFAULT;
}

int cdl_core_auxv(const struct cdl_core *c, uint64_t type, uint64_t *val)
{
	for (size_t i = 0; i < c->nauxv; i++)
		if (c->auxv[2 * i] == type) {
			*val = c->auxv[2 * i + 1];
			return 0;
		}
	return -ENOENT;
}

const char *cdl_core_reg_name(const struct cdl_core *c, unsigned i)
{
	const struct cdl_core_arch *a = c->priv->arch;

	return i < a->nregs ? a->reg_names[i] : NULL;
}

/* ---- opening ---- */

static const char *etype_name(uint16_t t)
{
	switch (t) {
	case ET_EXEC: return "an ELF executable";
	case ET_DYN: return "an ELF shared object or PIE executable";
	case ET_REL: return "an ELF relocatable object";
	case ET_NONE: return "an ELF file of no type";
	default: return "an ELF file of unknown type";
	}
}

/* the ELF header: a core of this architecture, or a clear error */
static int check_header(struct cdl_core *c, const unsigned char *h, uint64_t size,
			const char *name, struct cdl_diag *d)
{
	uint16_t type, machine;
	const struct cdl_core_arch *a;
	const char *mname;

	if (size >= SELFMAG && size < EI_NIDENT && memcmp(h, ELFMAG, SELFMAG) == 0)
		return fail(d, EINVAL, name, "truncated core: the ELF header is cut off at %llu bytes",
			    (unsigned long long)size);
	if (size < EI_NIDENT || memcmp(h, ELFMAG, SELFMAG) != 0)
		return fail(d, EINVAL, name, size == 0 ? "empty file" :
			    "not a core file (no ELF header)");
	if ((h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64) ||
	    (h[EI_DATA] != ELFDATA2LSB && h[EI_DATA] != ELFDATA2MSB))
		return fail(d, EINVAL, name, "not a core file (ELF class %u, byte order %u)",
			    h[EI_CLASS], h[EI_DATA]);
	if (size < 20)
		return fail(d, EINVAL, name, "truncated core: the ELF header is cut off at %llu bytes",
			    (unsigned long long)size);
	/* e_type and e_machine sit at 16 and 18 in both classes */
	if (h[EI_DATA] == ELFDATA2LSB) {
		type = (uint16_t)(h[16] | h[17] << 8);
		machine = (uint16_t)(h[18] | h[19] << 8);
	} else {
		type = (uint16_t)(h[16] << 8 | h[17]);
		machine = (uint16_t)(h[18] << 8 | h[19]);
	}
	if (type != ET_CORE)
		return fail(d, EINVAL, name, "not a core file (%s)", etype_name(type));
	a = cdl_core_arch_find(machine);
	mname = cdl_core_machine_name(machine);
	if (a && (h[EI_CLASS] != a->elfclass || h[EI_DATA] != a->elfdata)) {
		if (machine == EM_X86_64 && h[EI_CLASS] == ELFCLASS32)
			return fail(d, EINVAL, name, "core of another architecture (x32)");
		return fail(d, EINVAL, name, "core of another architecture (%s, %d-bit %s-endian)",
			    mname, h[EI_CLASS] == ELFCLASS64 ? 64 : 32,
			    h[EI_DATA] == ELFDATA2LSB ? "little" : "big");
	}
	if (!a) {
		if (mname)
			return fail(d, EINVAL, name, "core of another architecture (%s)", mname);
		return fail(d, EINVAL, name, "core of another architecture (e_machine %u)", machine);
	}
	if (size < sizeof(Elf64_Ehdr))
		return fail(d, EINVAL, name, "truncated core: the ELF header is cut off at %llu bytes",
			    (unsigned long long)size);
	c->priv->arch = a;
	c->machine = machine;
	c->arch = a->name;
	return 0;
}

/* the program header count, PN_XNUM resolved through section header 0 */
static int phnum_of(struct cdl_core *c, const Elf64_Ehdr *eh, uint64_t *phnum,
		    const char *name, struct cdl_diag *d)
{
	Elf64_Shdr sh;

	*phnum = eh->e_phnum;
	if (eh->e_phnum != PN_XNUM)
		return 0;
	if (eh->e_shentsize != sizeof(sh) || eh->e_shoff == 0)
		return fail(d, EINVAL, name, "malformed core: e_phnum is PN_XNUM but there is no "
			    "section header 0 to hold the count");
	if (src_read_all(&c->priv->src, eh->e_shoff, &sh, sizeof(sh)) < 0)
		return fail(d, EINVAL, name, "truncated core: section header 0 (the program "
			    "header count) at 0x%llx is cut off", (unsigned long long)eh->e_shoff);
	*phnum = sh.sh_info;
	return 0;
}

/* One PT_NOTE segment: read it (bounded) and parse its notes. */
static int read_note_segment(struct cdl_core *c, const Elf64_Phdr *q, uint64_t *notes_total,
			     const char *name, struct cdl_diag *d)
{
	struct cdl_core_priv *p = c->priv;
	const uint64_t size = p->src.size;
	unsigned char *buf;
	int rc;

	if (q->p_filesz > MAX_NOTE_SEG || *notes_total + q->p_filesz > MAX_NOTES_TOTAL)
		return fail(d, EINVAL, name, "malformed core: %llu bytes of notes "
			    "(the limit is %u MiB)", (unsigned long long)q->p_filesz,
			    MAX_NOTE_SEG >> 20);
	if (q->p_offset > size || q->p_filesz > size - q->p_offset)
		return fail(d, EINVAL, name, "truncated core: the notes end at %llu, "
			    "the file has %llu bytes",
			    (unsigned long long)(q->p_offset + q->p_filesz),
			    (unsigned long long)size);
	*notes_total += q->p_filesz;
	if (!(buf = malloc(q->p_filesz ? (size_t)q->p_filesz : 1)))
		return cdl_diag_set(d, ENOMEM, "core: %s", name);
	if (src_read_all(&p->src, q->p_offset, buf, (size_t)q->p_filesz) < 0) {
		free(buf);
		return fail(d, EIO, name, "reading the notes failed");
	}
	rc = parse_notes(c, buf, (size_t)q->p_filesz, q->p_offset, name, d);
	free(buf);
	return rc;
}

/* One PT_LOAD segment: record it with how much of it the file holds. */
static int add_load_segment(struct cdl_core *c, const Elf64_Phdr *q, uint64_t *missing,
			    size_t *nmissing, const char *name, struct cdl_diag *d)
{
	struct cdl_core_priv *p = c->priv;
	const uint64_t size = p->src.size;
	struct cdl_core_segment *s;

	if (CDL_GROW(c->segments, p->seg_cap, c->nsegments + 1, 64) < 0)
		return cdl_diag_set(d, ENOMEM, "core: %s", name);
	s = &c->segments[c->nsegments++];
	s->vaddr = q->p_vaddr;
	s->memsz = q->p_memsz;
	s->filesz = q->p_filesz;
	s->offset = q->p_offset;
	s->flags = q->p_flags;
	s->held = q->p_filesz;
	if (s->filesz > s->memsz || s->vaddr + s->filesz < s->vaddr) {
		cdl_core_warn(c, "PT_LOAD at 0x%llx: file size %llu is larger than its "
			      "memory size %llu or wraps: ignored",
			      (unsigned long long)s->vaddr, (unsigned long long)s->filesz,
			      (unsigned long long)s->memsz);
		s->held = 0;
		return 0;
	}
	if (s->offset >= size)
		s->held = 0;
	else if (s->filesz > size - s->offset)
		s->held = size - s->offset;
	if (s->held < s->filesz) {
		*missing += s->filesz - s->held;
		(*nmissing)++;
	}
	return 0;
}

static int parse(struct cdl_core *c, const char *name, struct cdl_diag *d)
{
	struct cdl_core_priv *p = c->priv;
	const uint64_t size = p->src.size;
	unsigned char h[sizeof(Elf64_Ehdr)] = { 0 };
	Elf64_Ehdr eh;
	Elf64_Phdr *ph = NULL;
	uint64_t phnum, notes_total = 0, missing = 0;
	size_t nmissing = 0;
	ssize_t r;
	int rc = 0;

	r = cdl_core_src_read(&p->src, 0, h, sizeof(h));
	if (r < 0)
		return fail(d, (int)-r, name, "reading the ELF header: %s", strerror((int)-r));
	if ((rc = check_header(c, h, (uint64_t)r, name, d)) < 0)
		return rc;
	memcpy(&eh, h, sizeof(eh));
	if ((rc = phnum_of(c, &eh, &phnum, name, d)) < 0)
		return rc;
	if (phnum == 0)
		return fail(d, EINVAL, name, "malformed core: no program headers");
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return fail(d, EINVAL, name, "malformed core: program header size %u (expected %zu)",
			    eh.e_phentsize, sizeof(Elf64_Phdr));
	if (phnum > MAX_PHNUM)
		return fail(d, EINVAL, name, "malformed core: %llu program headers (the limit is %u)",
			    (unsigned long long)phnum, MAX_PHNUM);
	if (eh.e_phoff > size || phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
		return fail(d, EINVAL, name, "truncated core: the program headers end at %llu, "
			    "the file has %llu bytes",
			    (unsigned long long)eh.e_phoff + phnum * sizeof(Elf64_Phdr),
			    (unsigned long long)size);
	if (!(ph = malloc((size_t)phnum * sizeof(*ph))))
		return cdl_diag_set(d, ENOMEM, "core: %s", name);
	if (src_read_all(&p->src, eh.e_phoff, ph, (size_t)phnum * sizeof(*ph)) < 0) {
		rc = fail(d, EIO, name, "reading the program headers failed");
		goto out;
	}

	for (uint64_t i = 0; i < phnum; i++) {
		const Elf64_Phdr *q = &ph[i];

		if (q->p_type == PT_NOTE)
			rc = read_note_segment(c, q, &notes_total, name, d);
		else if (q->p_type == PT_LOAD)
			rc = add_load_segment(c, q, &missing, &nmissing, name, d);
		if (rc < 0)
			goto out;
	}
	if (nmissing)
		cdl_core_warn(c, "truncated core: %llu bytes of memory in %zu segments are missing "
			      "(the file has %llu bytes)", (unsigned long long)missing, nmissing,
			      (unsigned long long)size);
	if (c->nthreads == 0) {
		rc = fail(d, EINVAL, name, "malformed core: no thread (no usable NT_PRSTATUS note)");
		goto out;
	}
	if (!c->psinfo.valid)
		cdl_core_warn(c, "no NT_PRPSINFO note: the process name and state are unknown");
	if ((rc = build_index(c)) < 0) {
		rc = cdl_diag_set(d, ENOMEM, "core: %s", name);
		goto out;
	}
	cdl_core_auxv(c, AT_PHDR, &c->at_phdr);
	cdl_core_auxv(c, AT_ENTRY, &c->at_entry);
	cdl_core_auxv(c, AT_BASE, &c->at_base);
	{
		uint64_t fn;
		char buf[MAX_EXECFN];

		if (cdl_core_auxv(c, AT_EXECFN, &fn) == 0) {
			ssize_t n = cdl_core_read(c, fn, buf, sizeof(buf) - 1);

			if (n > 0 && memchr(buf, '\0', (size_t)n)) {
				if (!(c->execfn = strdup(buf))) {
					rc = cdl_diag_set(d, ENOMEM, "core: %s", name);
					goto out;
				}
			}
		}
	}
	if ((rc = cdl_core_find_modules(c)) < 0)
		rc = cdl_diag_set(d, ENOMEM, "core: %s", name);
out:
	free(ph);
	return rc;
}

static int open_src(struct cdl_core_src *src, const char *name, const struct cdl_core_opts *opts,
		    struct cdl_core **out, struct cdl_diag *d)
{
	struct cdl_core *c = calloc(1, sizeof(*c));
	unsigned char magic[8] = { 0 };
	ssize_t r;
	int rc;

	*out = NULL;
	if (!c || !(c->priv = calloc(1, sizeof(*c->priv))) || !(c->path = strdup(name))) {
		if (c)
			free(c->priv);
		free(c);
		src_close(src);
		return cdl_diag_set(d, ENOMEM, "core: %s", name);
	}
	c->priv->src = *src;
	c->priv->force_link_map = opts && opts->modules_from_link_map;
	r = cdl_core_src_read(src, 0, magic, sizeof(magic));
	if (r < 0) {
		rc = fail(d, (int)-r, name, "%s", strerror((int)-r));
		goto bad;
	}
	c->compression = cdl_core_detect(magic, (size_t)r);
	if (c->compression != CDL_CORE_PLAIN) {
		struct cdl_core_src plain = { .fd = -1 };

		rc = cdl_core_decompress(&c->priv->src, c->compression, opts, &plain, d);
		if (rc < 0) {
			/* keep why/hint, name the file */
			snprintf(d->what, sizeof(d->what), "core: %s", name);
			goto bad;
		}
		src_close(&c->priv->src);
		c->priv->src = plain;
	}
	c->size = c->priv->src.size;
	if ((rc = parse(c, name, d)) < 0)
		goto bad;
	if (c->priv->warn_dropped) {
		/* one more line, past the limit, says how many were left out */
		char buf[80], *w;

		snprintf(buf, sizeof(buf), "(and %zu more warnings)", c->priv->warn_dropped);
		if (CDL_GROW(c->warnings, c->priv->warn_cap, c->nwarnings + 1, 8) == 0 &&
		    (w = strdup(buf)))
			c->warnings[c->nwarnings++] = w;
	}
	*out = c;
	return 0;
bad:
	cdl_core_free(c);
	return rc;
}

int cdl_core_open(const char *path, const struct cdl_core_opts *opts,
		  struct cdl_core **out, struct cdl_diag *d)
{
	struct cdl_core_src src = { .fd = -1 };
	struct stat st;

	*out = NULL;
	src.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (src.fd < 0)
		return cdl_diag_set(d, errno, "core: %s", path);
	if (fstat(src.fd, &st) < 0) {
		int e = errno;

		close(src.fd);
		return cdl_diag_set(d, e, "core: %s", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(src.fd);
		return cdl_diag_set(d, EISDIR, "core: %s", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(src.fd);
		return fail(d, EINVAL, path, "not a regular file");
	}
	src.size = (uint64_t)st.st_size;
	return open_src(&src, path, opts, out, d);
}

int cdl_core_open_mem(const void *buf, size_t len, const char *name,
		      const struct cdl_core_opts *opts, struct cdl_core **out,
		      struct cdl_diag *d)
{
	struct cdl_core_src src = { .fd = -1 };

	*out = NULL;
	if (!(src.mem = malloc(len ? len : 1)))
		return cdl_diag_set(d, ENOMEM, "core: %s", name);
	memcpy(src.mem, buf, len);
	src.size = len;
	return open_src(&src, name, opts, out, d);
}

void cdl_core_free(struct cdl_core *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nthreads; i++)
		free(c->threads[i].fpregs);
	free(c->threads);
	for (size_t i = 0; i < c->nmaps; i++)
		free((char *)c->maps[i].path);
	free(c->maps);
	for (size_t i = 0; i < c->nmodules; i++)
		free((char *)c->modules[i].path);
	free(c->modules);
	for (size_t i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	free(c->segments);
	free(c->auxv);
	free((char *)c->execfn);
	free((char *)c->snapshot_json);
	free((char *)c->path);
	if (c->priv) {
		src_close(&c->priv->src);
		free(c->priv->index);
		free(c->priv);
	}
	free(c);
}
