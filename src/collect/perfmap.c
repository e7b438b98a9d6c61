/* SPDX-License-Identifier: GPL-2.0-or-later */
/* perfmap.c - read the perf map a JIT runtime wrote for the target.
 *
 * The runtime writes /tmp/perf-PID.map in its own mount namespace with its
 * own pid (the one its PID namespace gives it), so the file is read
 * through /proc/PID/root.  As perf does, a map that neither the target's
 * user nor root owns is not trusted (anyone can write /tmp), and one that
 * is not a regular file is ignored.  Read after the thaw: the file is
 * not the target's memory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live-int.h"
#include "rawcap.h"

#define PERFMAP_MAX (64u << 20)    /* larger maps are not read */

int cdl_live_perfmap(struct cdl_rawcap *rc, int pid, int ns_pid)
{
	char path[96], shown[64];
	struct stat proc, st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r = 0;

	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (stat(path, &proc) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", pid, ns_pid);
	snprintf(shown, sizeof(shown), "/tmp/perf-%d.map", ns_pid);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;           /* the runtime wrote none: the usual case */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PERFMAP_MAX) {
		close(fd);
		return 0;
	}
	if (st.st_uid != proc.st_uid && st.st_uid != 0) {
		close(fd);
		return cdl_rawcap_warn(rc, "%s is owned by uid %u, not by the target's user: "
				       "JIT frames not named from it", shown, (unsigned)st.st_uid);
	}
	if (!(text = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size &&
	       (n = read(fd, text + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	r = cdl_perfmap_parse(&rc->perfmap, text, len, shown);
	free(text);
	return r;
}
