/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decompress.c - compressed cores (systemd-coredump stores them zstd-,
 * xz- or lz4-compressed) into a memfd or an unlinked temporary file,
 * through the compression libraries, with a size cap. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef HAVE_LZMA
#include <lzma.h>
#endif
#ifdef HAVE_LZ4
#include <lz4frame.h>
#endif

#include "core-int.h"

#define CHUNK (128 * 1024)
#define DEFAULT_CAP (4ULL << 30)

enum cdl_core_compression cdl_core_detect(const unsigned char *b, size_t n)
{
	if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return CDL_CORE_ZSTD;
	if (n >= 6 && memcmp(b, "\xfd" "7zXZ\0", 6) == 0)
		return CDL_CORE_XZ;
	if (n >= 4 && b[0] == 0x04 && b[1] == 0x22 && b[2] == 0x4d && b[3] == 0x18)
		return CDL_CORE_LZ4;
	return CDL_CORE_PLAIN;
}

/* the output: a descriptor, what was written, the cap */
struct sink {
	int fd;
	uint64_t size, cap;
	const char *where;
};

static int sink_open(struct sink *k, const struct cdl_core_opts *opts, struct cdl_diag *d)
{
	k->size = 0;
	k->cap = opts && opts->max_decompressed ? opts->max_decompressed : DEFAULT_CAP;
	if (opts && opts->tmpdir) {
		char tmpl[4096];

		k->where = opts->tmpdir;
		k->fd = open(opts->tmpdir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
		if (k->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
			if ((size_t)snprintf(tmpl, sizeof(tmpl), "%s/cdeadlock-core.XXXXXX",
					     opts->tmpdir) >= sizeof(tmpl)) {
				errno = ENAMETOOLONG;
			} else {
				k->fd = mkostemp(tmpl, O_CLOEXEC);
				if (k->fd >= 0)
					unlink(tmpl);
			}
		}
		if (k->fd < 0) {
			int e = errno;

			cdl_diag_set(d, e, "decompress");
			cdl_diag_why(d, "cannot create a temporary file in %s: %s",
				     opts->tmpdir, strerror(e));
			return -e;
		}
		return 0;
	}
	k->where = "memory";
	k->fd = memfd_create("cdeadlock-core", MFD_CLOEXEC);
	if (k->fd < 0) {
		int e = errno;

		cdl_diag_set(d, e, "decompress");
		cdl_diag_why(d, "memfd_create: %s", strerror(e));
		return -e;
	}
	return 0;
}

static int sink_write(struct sink *k, const void *buf, size_t len, struct cdl_diag *d)
{
	const unsigned char *p = buf;

	if (len > k->cap - k->size) {
		cdl_diag_set(d, EFBIG, "decompress");
		cdl_diag_why(d, "the decompressed core exceeds the limit of %llu MiB",
			     (unsigned long long)(k->cap >> 20));
		cdl_diag_hint(d, "decompress it yourself to a file with enough room");
		return -EFBIG;
	}
	while (len) {
		ssize_t w = write(k->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;

			cdl_diag_set(d, e, "decompress");
			cdl_diag_why(d, "writing the decompressed core (%s, %llu MiB so far): %s",
				     k->where, (unsigned long long)(k->size >> 20), strerror(e));
			if (e == ENOSPC || e == ENOMEM)
				cdl_diag_hint(d, "decompress it yourself to a file system with room");
			return -e;
		}
		p += w;
		len -= (size_t)w;
		k->size += (uint64_t)w;
	}
	return 0;
}

/* detail NULL: the data ends early */
static int corrupt(struct cdl_diag *d, const char *name, const char *detail)
{
	cdl_diag_set(d, EINVAL, "decompress");
	if (detail)
		cdl_diag_why(d, "corrupt %s data: %s", name, detail);
	else
		cdl_diag_why(d, "truncated %s data", name);
	return -EINVAL;
}

static int read_in(const struct cdl_core_src *in, uint64_t *off, unsigned char *buf,
		   size_t *n, struct cdl_diag *d)
{
	ssize_t r = cdl_core_src_read(in, *off, buf, CHUNK);

	if (r < 0) {
		cdl_diag_set(d, (int)-r, "decompress");
		cdl_diag_why(d, "reading the compressed core: %s", strerror((int)-r));
		return (int)r;
	}
	*n = (size_t)r;
	*off += (uint64_t)r;
	return 0;
}

#ifdef HAVE_ZSTD
static int unzstd(const struct cdl_core_src *in, struct sink *k, unsigned char *ib,
		  unsigned char *ob, struct cdl_diag *d)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	uint64_t off = 0;
	size_t hint = 1, n;
	int rc = 0;

	if (!z)
		return cdl_diag_set(d, ENOMEM, "decompress");
	ZSTD_initDStream(z);
	for (;;) {
		ZSTD_inBuffer zi;

		if ((rc = read_in(in, &off, ib, &n, d)) < 0)
			break;
		if (n == 0) {
			if (hint != 0)
				rc = corrupt(d, "zstd", NULL);
			break;
		}
		zi = (ZSTD_inBuffer){ ib, n, 0 };
		while (zi.pos < zi.size) {
			ZSTD_outBuffer zo = { ob, CHUNK, 0 };
			size_t before = zi.pos;

			hint = ZSTD_decompressStream(z, &zo, &zi);
			if (ZSTD_isError(hint)) {
				rc = corrupt(d, "zstd", ZSTD_getErrorName(hint));
				goto out;
			}
			if (zo.pos && (rc = sink_write(k, ob, zo.pos, d)) < 0)
				goto out;
			if (zi.pos == before && zo.pos == 0)
				break;    /* no progress: cannot happen, never spin */
		}
		/* flush what the decoder still holds for this input */
		for (int spin = 0; hint != 0 && spin < 1 << 20; spin++) {
			ZSTD_outBuffer zo = { ob, CHUNK, 0 };

			hint = ZSTD_decompressStream(z, &zo, &zi);
			if (ZSTD_isError(hint)) {
				rc = corrupt(d, "zstd", ZSTD_getErrorName(hint));
				goto out;
			}
			if (zo.pos == 0)
				break;
			if ((rc = sink_write(k, ob, zo.pos, d)) < 0)
				goto out;
		}
	}
out:
	ZSTD_freeDStream(z);
	return rc;
}
#endif

#ifdef HAVE_LZMA
static int unxz(const struct cdl_core_src *in, struct sink *k, unsigned char *ib,
		unsigned char *ob, struct cdl_diag *d)
{
	lzma_stream x = LZMA_STREAM_INIT;
	uint64_t off = 0;
	size_t n = 0;
	int rc = 0, eof = 0;
	lzma_ret r;

	if (lzma_stream_decoder(&x, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return cdl_diag_set(d, ENOMEM, "decompress");
	x.next_out = ob;
	x.avail_out = CHUNK;
	for (;;) {
		if (x.avail_in == 0 && !eof) {
			if ((rc = read_in(in, &off, ib, &n, d)) < 0)
				break;
			x.next_in = ib;
			x.avail_in = n;
			eof = n == 0;
		}
		r = lzma_code(&x, eof ? LZMA_FINISH : LZMA_RUN);
		if (x.avail_out == 0 || r == LZMA_STREAM_END) {
			if ((rc = sink_write(k, ob, CHUNK - x.avail_out, d)) < 0)
				break;
			x.next_out = ob;
			x.avail_out = CHUNK;
		}
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_OK)
			continue;
		if (r == LZMA_BUF_ERROR && eof) {
			rc = corrupt(d, "xz", NULL);
		} else {
			const char *why = r == LZMA_MEM_ERROR ? "out of memory" :
				r == LZMA_FORMAT_ERROR ? "not xz data" :
				r == LZMA_OPTIONS_ERROR ? "unsupported options" :
				r == LZMA_DATA_ERROR ? "data error" : "decoder error";
			rc = corrupt(d, "xz", why);
		}
		break;
	}
	lzma_end(&x);
	return rc;
}
#endif

#ifdef HAVE_LZ4
static int unlz4(const struct cdl_core_src *in, struct sink *k, unsigned char *ib,
		 unsigned char *ob, struct cdl_diag *d)
{
	LZ4F_dctx *z = NULL;
	uint64_t off = 0;
	size_t hint = 1, n;
	int rc = 0;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&z, LZ4F_VERSION)))
		return cdl_diag_set(d, ENOMEM, "decompress");
	for (;;) {
		size_t pos = 0;

		if ((rc = read_in(in, &off, ib, &n, d)) < 0)
			break;
		if (n == 0) {
			if (hint != 0)
				rc = corrupt(d, "lz4", NULL);
			break;
		}
		/* LZ4F_decompress consumes or produces on every call, so
		 * this loop ends within n + output/CHUNK rounds */
		while (pos < n) {
			size_t osz = CHUNK, isz = n - pos;

			hint = LZ4F_decompress(z, ob, &osz, ib + pos, &isz, NULL);
			if (LZ4F_isError(hint)) {
				rc = corrupt(d, "lz4", LZ4F_getErrorName(hint));
				goto out;
			}
			pos += isz;
			if (osz && (rc = sink_write(k, ob, osz, d)) < 0)
				goto out;
			if (isz == 0 && osz == 0)
				break;
		}
		/* drain output buffered mid-frame (after a frame's end a call
		 * would start the next one and change the hint) */
		for (int spin = 0; hint != 0 && spin < 1 << 20; spin++) {
			size_t osz = CHUNK, isz = 0;

			hint = LZ4F_decompress(z, ob, &osz, ib, &isz, NULL);
			if (LZ4F_isError(hint)) {
				rc = corrupt(d, "lz4", LZ4F_getErrorName(hint));
				goto out;
			}
			if (osz == 0)
				break;
			if ((rc = sink_write(k, ob, osz, d)) < 0)
				goto out;
		}
	}
out:
	LZ4F_freeDecompressionContext(z);
	return rc;
}
#endif

int cdl_core_decompress(const struct cdl_core_src *in, enum cdl_core_compression comp,
			const struct cdl_core_opts *opts, struct cdl_core_src *out,
			struct cdl_diag *d)
{
	unsigned char *ib = NULL, *ob = NULL;
	struct sink k = { .fd = -1 };
	int rc;

	switch (comp) {
#ifdef HAVE_ZSTD
	case CDL_CORE_ZSTD:
#endif
#ifdef HAVE_LZMA
	case CDL_CORE_XZ:
#endif
#ifdef HAVE_LZ4
	case CDL_CORE_LZ4:
#endif
		break;
	default:
		cdl_diag_set(d, ENOTSUP, "decompress");
		cdl_diag_why(d, "%s-compressed cores are not supported by this build",
			     cdl_core_compression_name(comp));
		cdl_diag_hint(d, "decompress it first");
		return -ENOTSUP;
	}
	ib = malloc(CHUNK);
	ob = malloc(CHUNK);
	if (!ib || !ob) {
		rc = cdl_diag_set(d, ENOMEM, "decompress");
		goto out;
	}
	if ((rc = sink_open(&k, opts, d)) < 0)
		goto out;
	switch (comp) {
#ifdef HAVE_ZSTD
	case CDL_CORE_ZSTD: rc = unzstd(in, &k, ib, ob, d); break;
#endif
#ifdef HAVE_LZMA
	case CDL_CORE_XZ: rc = unxz(in, &k, ib, ob, d); break;
#endif
#ifdef HAVE_LZ4
	case CDL_CORE_LZ4: rc = unlz4(in, &k, ib, ob, d); break;
#endif
	default: rc = -ENOTSUP; break;
	}
	if (rc == 0) {
		out->fd = k.fd;
		out->mem = NULL;
		out->size = k.size;
		k.fd = -1;
	}
out:
	if (k.fd >= 0)
		close(k.fd);
	free(ib);
	free(ob);
	return rc;
}
