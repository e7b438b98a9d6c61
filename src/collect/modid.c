/* SPDX-License-Identifier: GPL-2.0-or-later */
/* modid.c - which file to open for a mapped module, and is it the mapped
 * one.
 *
 * A path in /proc/PID/maps names what was mapped, not what that path
 * holds now: a package upgrade renames a new file over it, a bad one
 * writes over it in place, a container has its own root.  Names read from
 * another file than the mapped one are wrong names, so every module's
 * file is checked before the offline stage may read names from it:
 *
 *   - before the freeze, the build-id note of each object is read from
 *     its mapped ELF headers in the target's memory;
 *   - the candidates are the path as the process sees it (under
 *     /proc/PID/root when its root is not ours), then the mapping itself
 *     (/proc/PID/map_files/START-END, the mapped inode even after a
 *     rename or unlink);
 *   - a candidate is the mapped file when its build-id is the one in
 *     memory or, with no build-id to compare, it is the mapped inode on
 *     the mapped device; and in either case when it is the mapped inode,
 *     it must not have been written since the process started: writing
 *     in place changes the page cache the mapping shows, so neither the
 *     file nor the mapping tells what was loaded.  (The kernel dates the
 *     start to a clock tick, so a write within two ticks of it is not
 *     seen: a margin that never calls a file written before the start
 *     changed.)
 *
 * What held is recorded per module (rawcap.h: identity, checks, why);
 * a module whose file is not the mapped one gets no file at all, and a
 * warning says why its names are unavailable.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"
#include "live-int.h"
#include "modfile.h"

#define MAX_NOTES (16u << 10)    /* a PT_NOTE segment larger than this is skipped */

struct memid {
	uint64_t start, ino;
	size_t len;
	unsigned char id[CDL_BUILD_ID_MAX];
};

struct cdl_modids {
	struct memid *v;
	size_t n, cap;
	int64_t start_ns;        /* CLOCK_REALTIME of the process's start, 0 unknown */
	struct stat exe;         /* the executable (/proc/PID/exe) */
	bool exe_known;
	int64_t margin_ns;       /* the start's precision: two clock ticks */
};

/* ---- the build-id note of an ELF image, in a file or in memory ---- */

/* Bytes [off, off+len) of an ELF image that starts at base in fd and is
 * limit bytes long. */
struct elfrd {
	int fd;
	uint64_t base, limit;
};

static bool rd(const struct elfrd *r, void *buf, size_t len, uint64_t off)
{
	if (off > r->limit || len > r->limit - off)
		return false;
	return pread(r->fd, buf, len, (off_t)(r->base + off)) == (ssize_t)len;
}

/* The GNU build-id in the notes of one PT_NOTE segment; its length or 0. */
static size_t note_build_id(const unsigned char *p, size_t len, size_t align,
			    unsigned char *id)
{
	size_t off = 0;

	while (off + sizeof(Elf64_Nhdr) <= len) {
		Elf64_Nhdr nh;
		size_t name, desc;

		memcpy(&nh, p + off, sizeof(nh));
		name = off + sizeof(nh);
		desc = name + ((nh.n_namesz + align - 1) & ~(align - 1));
		if (nh.n_namesz > len || nh.n_descsz > len || desc + nh.n_descsz > len)
			return 0;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp(p + name, "GNU", 4) == 0 && nh.n_descsz > 0 &&
		    nh.n_descsz <= CDL_BUILD_ID_MAX) {
			memcpy(id, p + desc, nh.n_descsz);
			return nh.n_descsz;
		}
		off = desc + ((nh.n_descsz + align - 1) & ~(align - 1));
	}
	return 0;
}

/* The build-id of the 64-bit ELF image r reads (its notes found through
 * the program headers, at their file offsets); its length or 0. */
static size_t elf_build_id(const struct elfrd *r, unsigned char *id)
{
	Elf64_Ehdr eh;
	unsigned char *notes;
	size_t len = 0;

	if (!rd(r, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > 128)
		return 0;
	for (unsigned i = 0; i < eh.e_phnum && len == 0; i++) {
		Elf64_Phdr ph;

		if (!rd(r, &ph, sizeof(ph), eh.e_phoff + (uint64_t)i * sizeof(ph)))
			return 0;
		if (ph.p_type != PT_NOTE || ph.p_filesz == 0 || ph.p_filesz > MAX_NOTES ||
		    !(notes = malloc(ph.p_filesz)))
			continue;
		if (rd(r, notes, ph.p_filesz, ph.p_offset))
			len = note_build_id(notes, ph.p_filesz, ph.p_align == 8 ? 8 : 4, id);
		free(notes);
	}
	return len;
}

static void hex(const unsigned char *id, size_t len, char *out, size_t n)
{
	size_t k = 0;

	out[0] = '\0';
	for (size_t i = 0; i < len && k + 3 <= n; i++, k += 2)
		snprintf(out + k, n - k, "%02x", id[i]);
}

/* ---- before the freeze ---- */

/* When the process started, on the realtime clock: its start in ticks
 * after boot, carried to now over CLOCK_BOOTTIME. */
static int64_t start_realtime_ns(unsigned long long starttime, long hz)
{
	struct timespec boot, real;

	if (hz <= 0 || starttime == 0 || clock_gettime(CLOCK_BOOTTIME, &boot) < 0 ||
	    clock_gettime(CLOCK_REALTIME, &real) < 0)
		return 0;
	int64_t age = (int64_t)boot.tv_sec * 1000000000 + boot.tv_nsec -
		      (int64_t)(starttime / (unsigned long long)hz) * 1000000000 -
		      (int64_t)(starttime % (unsigned long long)hz) * (1000000000 / hz);

	return (int64_t)real.tv_sec * 1000000000 + real.tv_nsec - age;
}

int cdl_live_modids_read(struct ctx *c)
{
	struct cdl_modids *ids = calloc(1, sizeof(*ids));
	long hz = sysconf(_SC_CLK_TCK);
	char path[64];

	if (!ids)
		return -ENOMEM;
	c->modids = ids;
	ids->start_ns = start_realtime_ns(c->starttime, hz);
	ids->margin_ns = hz > 0 ? 2 * (1000000000 / hz) : 20000000;
	snprintf(path, sizeof(path), "/proc/%d/exe", c->mm_pid);
	ids->exe_known = stat(path, &ids->exe) == 0;
	for (size_t i = 0; c->memfd >= 0 && i < c->maps.n; i++) {
		const struct cdl_map *m = &c->maps.m[i];
		struct elfrd r = { c->memfd, m->start, m->end - m->start };
		struct memid *e;

		if (m->offset != 0 || m->path[0] != '/' || m->ino == 0)
			continue;
		if (CDL_GROW(ids->v, ids->cap, ids->n + 1, 32) < 0)
			return -ENOMEM;
		e = &ids->v[ids->n];
		e->len = elf_build_id(&r, e->id);
		if (e->len == 0)
			continue;
		e->start = m->start;
		e->ino = m->ino;
		ids->n++;
	}
	return 0;
}

void cdl_live_modids_free(struct ctx *c)
{
	if (c->modids)
		free(c->modids->v);
	free(c->modids);
	c->modids = NULL;
}

static const struct memid *memid_of(const struct cdl_modids *ids, const struct cdl_map *m)
{
	for (size_t i = 0; ids && i < ids->n; i++)
		if (ids->v[i].start == m->start && ids->v[i].ino == m->ino)
			return &ids->v[i];
	return NULL;
}

/* ---- is this file the mapped one ---- */

static void clock_text(int64_t ns, char *buf, size_t n)
{
	struct tm tm;
	time_t t = (time_t)(ns / 1000000000);

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

enum cdl_modid cdl_live_file_identity(const struct cdl_modids *ids, const struct cdl_map *m,
				      const char *path, unsigned *checks, char *why, size_t n)
{
	const struct memid *mem = memid_of(ids, m);
	unsigned char fid[CDL_BUILD_ID_MAX];
	char a[2 * CDL_BUILD_ID_MAX + 1], b[2 * CDL_BUILD_ID_MAX + 1];
	struct stat sb;
	size_t flen;
	bool same_inode;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	*checks = 0;
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		int err = fd < 0 ? errno : ENOENT;

		snprintf(why, n, "%s: %s", path, fd < 0 ? strerror(err) : "not a regular file");
		if (fd >= 0)
			close(fd);
		errno = err;
		return CDL_MODID_MISSING;
	}
	struct elfrd r = { fd, 0, (uint64_t)sb.st_size };

	flen = elf_build_id(&r, fid);
	close(fd);
	same_inode = sb.st_ino == m->ino && major(sb.st_dev) == m->dev_major &&
		     minor(sb.st_dev) == m->dev_minor;
	if (mem && flen == mem->len && memcmp(fid, mem->id, flen) == 0) {
		*checks |= CDL_MODCHK_BUILD_ID;
	} else if (mem) {
		hex(mem->id, mem->len, a, sizeof(a));
		hex(fid, flen, b, sizeof(b));
		if (flen)
			snprintf(why, n, "its build-id is %s, the mapped copy's is %s", b, a);
		else
			snprintf(why, n, "it has no build-id, the mapped copy's is %s", a);
		return CDL_MODID_REPLACED;
	}
	if (same_inode) {
		*checks |= CDL_MODCHK_INODE;
	} else if (!(*checks & CDL_MODCHK_BUILD_ID)) {
		snprintf(why, n, "it is inode %ju on %u:%u, the mapped file was inode %" PRIu64
			 " on %u:%u, and neither has a build-id to compare",
			 (uintmax_t)sb.st_ino, major(sb.st_dev), minor(sb.st_dev), m->ino,
			 m->dev_major, m->dev_minor);
		return CDL_MODID_REPLACED;
	}
	/* the mapped inode itself (through overlayfs, on another device
	 * number): written in place after the start?  Not the executable:
	 * the kernel refuses to write a running program (ETXTBSY) from its
	 * exec on, which may come long after the start */
	int64_t mtime = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	bool mapped_ino = sb.st_ino == m->ino;

	if (mapped_ino && ids && ids->exe_known && ids->exe.st_ino == sb.st_ino &&
	    ids->exe.st_dev == sb.st_dev)
		return CDL_MODID_SAME;
	if (mapped_ino && ids && ids->start_ns > 0 && mtime > ids->start_ns + ids->margin_ns) {
		clock_text(mtime, a, sizeof(a));
		clock_text(ids->start_ns, b, sizeof(b));
		snprintf(why, n, "it was written in place at %s, after the process started (%s); "
			 "the mapping shows the new bytes too, so what was loaded cannot be read",
			 a, b);
		return CDL_MODID_CHANGED;
	}
	if (mapped_ino && ids && ids->start_ns > 0)
		*checks |= CDL_MODCHK_MTIME;
	return CDL_MODID_SAME;
}

/* ---- the module's file ---- */

/* What to add when the mapping could not be opened for want of privilege. */
static const char *map_files_hint(int err)
{
	return err == EPERM || err == EACCES ?
	       ": reading /proc/PID/map_files needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE" : "";
}

static int set_why(struct cdl_rawcap_module *mod, enum cdl_modid id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_why(struct cdl_rawcap_module *mod, enum cdl_modid id, const char *fmt, ...)
{
	va_list ap;

	mod->identity = id;
	free(mod->open_path);
	mod->open_path = NULL;
	va_start(ap, fmt);
	if (vasprintf(&mod->why, fmt, ap) < 0)
		mod->why = NULL;
	va_end(ap);
	return mod->why ? 0 : -ENOMEM;
}

/* The module's file under --sysroot DIR (modfile.h): used when its
 * build-id is the one in memory, or, with none there to compare, on the
 * user's word. */
static int sysroot_file(struct ctx *c, const struct cdl_map *m, const struct memid *mem,
			struct cdl_rawcap_module *mod)
{
	struct cdl_modfile *mf = malloc(sizeof(*mf));
	char a[2 * CDL_BUILD_ID_MAX + 1], b[2 * CDL_BUILD_ID_MAX + 1];
	int rc = -ENOMEM;

	if (!mf)
		return -ENOMEM;
	switch (cdl_modfile_find(c->o->sysroot, m->path, mem ? mem->id : NULL, mem ? mem->len : 0,
				 mf)) {
	case CDL_MODFILE_OK:
		mod->identity = mem ? CDL_MODID_SAME : CDL_MODID_UNCHECKED;
		mod->checks = mem ? CDL_MODCHK_BUILD_ID : 0;
		rc = (mod->open_path = strdup(mf->path)) ? 0 : -ENOMEM;
		break;
	case CDL_MODFILE_MISMATCH:
		hex(mem->id, mem->len, a, sizeof(a));
		hex(mf->build_id, mf->build_id_len, b, sizeof(b));
		rc = set_why(mod, CDL_MODID_REPLACED, "%s under --sysroot is another build: its "
			     "build-id is %s, the mapped copy's is %s", mf->path, b[0] ? b : "none", a);
		break;
	case CDL_MODFILE_MISSING:
		rc = set_why(mod, CDL_MODID_MISSING, "%s: no such file under --sysroot", mf->path);
		break;
	case CDL_MODFILE_UNREADABLE:
		rc = set_why(mod, CDL_MODID_MISSING, "%s: %s", mf->path, strerror(mf->err));
		break;
	}
	free(mf);
	return rc;
}

int cdl_live_module_file(struct ctx *c, const struct cdl_map *m, struct cdl_rawcap_module *mod)
{
	size_t len = strlen(m->path), pn = PATH_MAX + 64;
	bool deleted = len > 10 && strcmp(m->path + len - 10, " (deleted)") == 0;
	const struct memid *mem = memid_of(c->modids, m);
	char *path = malloc(pn), *why1 = malloc(PATH_MAX), *why2 = malloc(PATH_MAX);
	enum cdl_modid id1 = CDL_MODID_MISSING, id2;
	unsigned chk;
	int rc = -ENOMEM, err2;

	if (!path || !why1 || !why2)
		goto out;
	why1[0] = why2[0] = '\0';
	if (mem && !(mod->build_id = malloc(mem->len)))
		goto out;
	if (mem) {
		memcpy(mod->build_id, mem->id, mem->len);
		mod->build_id_len = mem->len;
	}
	/* 0. under the root the user named (--sysroot): only by build-id */
	if (c->o->sysroot) {
		rc = sysroot_file(c, m, mem, mod);
		goto warn;
	}
	/* 1. the path as the process sees it (for a deleted file, what its
	 * path holds now: the same build, if its build-id says so) */
	snprintf(path, pn, "%s%.*s", c->rc->root ? c->rc->root : "",
		 (int)(deleted ? len - 10 : len), m->path);
	id1 = cdl_live_file_identity(c->modids, m, path, &chk, why1, PATH_MAX);
	if (id1 == CDL_MODID_SAME || id1 == CDL_MODID_CHANGED)
		goto found;
	/* 2. the mapping itself (CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE) */
	snprintf(path, pn, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, c->mm_pid, m->start, m->end);
	id2 = cdl_live_file_identity(c->modids, m, path, &chk, why2, PATH_MAX);
	err2 = id2 == CDL_MODID_MISSING ? errno : 0;
	if (id2 == CDL_MODID_SAME || id2 == CDL_MODID_CHANGED) {
		chk |= CDL_MODCHK_MAPPED;
		id1 = id2;
		memcpy(why1, why2, PATH_MAX);
		goto found;
	}
	if (deleted)
		rc = set_why(mod, CDL_MODID_MISSING, "the file was deleted and the mapping cannot "
			     "be opened (%s%s)", why2, map_files_hint(err2));
	else if (id1 == CDL_MODID_MISSING)
		rc = set_why(mod, CDL_MODID_MISSING, "%s, and the mapping cannot be opened (%s%s)",
			     why1, why2, map_files_hint(err2));
	else
		rc = set_why(mod, id1, "the file at that path is not the mapped one: %s; and the "
			     "mapping cannot be opened (%s%s)", why1, why2,
			     map_files_hint(err2));
	goto warn;
found:
	if (c->rc->root && !(chk & CDL_MODCHK_MAPPED))
		chk |= CDL_MODCHK_ROOT;
	mod->checks = chk;
	if (id1 == CDL_MODID_CHANGED) {
		rc = set_why(mod, CDL_MODID_CHANGED, "%s", why1);
		goto warn;
	}
	mod->identity = CDL_MODID_SAME;
	free(mod->open_path);
	rc = (mod->open_path = strdup(path)) ? 0 : -ENOMEM;
	goto out;
warn:
	if (rc == 0 && mod->why)
		rc = cdl_rawcap_warn(c->rc, "names unavailable in %s: %s", m->path, mod->why);
out:
	free(path);
	free(why1);
	free(why2);
	return rc;
}
