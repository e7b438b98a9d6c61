/* main.c - the command line: options, modes, errors, exit status */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "collect.h"
#include "diag.h"
#include "load.h"
#include "render.h"
#include "snapshot.h"
#include "tui.h"

enum mode { MODE_AUTO, MODE_DUMP, MODE_JSON, MODE_TUI };

enum {
	OPT_LOAD = 0x100,
	OPT_MAX_STACK,
	OPT_STUCK,
	OPT_TUI,
	OPT_KEYS,
	OPT_SIZE,
	OPT_NO_UNWIND,
};

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "dump", no_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "tui", no_argument, NULL, OPT_TUI },
	{ "load", required_argument, NULL, OPT_LOAD },
	{ "output", required_argument, NULL, 'o' },
	{ "group", no_argument, NULL, 'g' },
	{ "interval", required_argument, NULL, 'i' },
	{ "stuck", required_argument, NULL, OPT_STUCK },
	{ "max-stack", required_argument, NULL, OPT_MAX_STACK },
	{ "no-unwind", no_argument, NULL, OPT_NO_UNWIND },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: cdeadlock -p PID [--dump | --json | --tui] [OPTION]...\n"
"       cdeadlock --load FILE.json [--dump | --json | --tui] [OPTION]...\n"
"Show the stacks, lock waits and deadlocks of a running multi-threaded\n"
"process.  The target is stopped only while a snapshot is copied.\n"
"\n"
"Source:\n"
"  -p, --pid PID          attach to process PID (all its threads)\n"
"      --load FILE        read a snapshot saved with --json (or 's' in the TUI)\n"
"\n"
"Mode (default: the TUI on a terminal, the text dump otherwise):\n"
"  -d, --dump             print the verdict and every thread's stack as text\n"
"  -j, --json             print the snapshot as JSON (see cdeadlock(1))\n"
"      --tui              interactive view (needs a terminal)\n"
"\n"
"Options:\n"
"  -o, --output FILE      write the dump or JSON to FILE instead of stdout\n"
"  -g, --group            text dump: one entry per distinct stack\n"
"  -i, --interval SECS    TUI: take a new snapshot every SECS seconds\n"
"      --stuck SECS       report threads blocked this long as stuck (default 5)\n"
"      --max-stack BYTES  copy at most BYTES of each thread's stack\n"
"                         (suffix k/m allowed; default 1m)\n"
"      --no-unwind        skip stack unwinding (waits and verdict only)\n"
"      --keys SCRIPT      TUI without a terminal: play SCRIPT (keys, <Down>,\n"
"                         <Enter>, <Dump>, ...) and print the screens (tests)\n"
"      --size COLSxLINES  screen size for --keys (default 80x24)\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"In the TUI, press ? for the keys.\n"
"\n"
"Exit status: 0 no deadlock found, 2 deadlock found, 1 error.\n"
"\n"
"Attaching needs ptrace permission: the same user with\n"
"kernel.yama.ptrace_scope=0, or CAP_SYS_PTRACE (root).\n");
}

static int err_line(const char *what, const char *why)
{
	fprintf(stderr, "cdeadlock: %s: %s\n", what, why);
	return 1;
}

static int diag_fail(const struct cdl_diag *d)
{
	fprintf(stderr, "cdeadlock: %s: %s\n", d->what[0] ? d->what : "error",
		d->why[0] ? d->why : strerror(d->err ? d->err : EIO));
	if (d->hint[0])
		fprintf(stderr, "cdeadlock: hint: %s\n", d->hint);
	return 1;
}

/* Strict positive integer (a pid). */
static int parse_pid(const char *s, int *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return -ERANGE;
	*out = (int)v;
	return 0;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e7)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end || v < 4096 || v > (1ull << 32))
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

/* ---- signals: leave the target running whatever happens to us ---- */

static void on_fatal(int sig)
{
	cdl_collect_emergency_detach();
	cdl_tui_emergency_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV,
				    SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGPIPE };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

struct live_source {
	struct cdl_collect_opts copts;
	struct cdl_collector *k;   /* what one capture leaves for the next */
};

static int live_refresh(void *arg, struct cdl_snapshot **out, struct cdl_diag *d)
{
	struct live_source *ls = arg;

	return cdl_collect(ls->k, &ls->copts, out, d);
}

int main(int argc, char **argv)
{
	enum mode mode = MODE_AUTO;
	struct cdl_collect_opts copts;
	struct cdl_analyze_opts aopts;
	struct cdl_render_opts ropts;
	struct cdl_diag diag = { 0 };
	const char *load = NULL, *output = NULL, *keys = NULL;
	double interval = 0, stuck = 5;
	int cols = 80, lines = 24;
	bool have_pid = false;
	int c, rc;

	cdl_collect_opts_init(&copts);
	cdl_analyze_opts_init(&aopts);
	cdl_render_opts_init(&ropts);

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:djo:gi:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_pid(optarg, &copts.pid) < 0) {
				fprintf(stderr, "cdeadlock: invalid pid '%s': not a positive process id\n", optarg);
				return 1;
			}
			have_pid = true;
			break;
		case 'd': mode = MODE_DUMP; break;
		case 'j': mode = MODE_JSON; break;
		case OPT_TUI: mode = MODE_TUI; break;
		case OPT_LOAD: load = optarg; break;
		case 'o': output = optarg; break;
		case 'g': ropts.group = true; break;
		case 'i':
			if (parse_seconds(optarg, &interval) < 0)
				return err_line("invalid --interval", "expected a number of seconds");
			break;
		case OPT_STUCK:
			if (parse_seconds(optarg, &stuck) < 0)
				return err_line("invalid --stuck", "expected a number of seconds");
			break;
		case OPT_MAX_STACK:
			if (parse_size(optarg, &copts.max_stack) < 0)
				return err_line("invalid --max-stack", "expected a size from 4k to 4g");
			break;
		case OPT_NO_UNWIND: copts.no_unwind = true; break;
		case OPT_KEYS: keys = optarg; mode = MODE_TUI; break;
		case OPT_SIZE:
			if (sscanf(optarg, "%dx%d", &cols, &lines) != 2 || cols < 20 || lines < 5 ||
			    cols > 1000 || lines > 1000)
				return err_line("invalid --size", "expected COLSxLINES");
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("cdeadlock %s\n", PACKAGE_VERSION); return 0;
		case ':':
			fprintf(stderr, "cdeadlock: option '%s' needs an argument\n", argv[optind - 1]);
			fprintf(stderr, "cdeadlock: hint: see 'cdeadlock --help'\n");
			return 1;
		default:
			if (optopt)
				fprintf(stderr, "cdeadlock: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "cdeadlock: unknown option '%s'\n", argv[optind - 1]);
			fprintf(stderr, "cdeadlock: hint: see 'cdeadlock --help'\n");
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cdeadlock: unexpected argument '%s'\n", argv[optind]);
		fprintf(stderr, "cdeadlock: hint: see 'cdeadlock --help'\n");
		return 1;
	}
	if (have_pid && load)
		return err_line("conflicting options", "--pid and --load name two sources");
	if (!have_pid && !load) {
		fprintf(stderr, "cdeadlock: no process given: use -p PID or --load FILE\n");
		fprintf(stderr, "cdeadlock: hint: see 'cdeadlock --help'\n");
		return 1;
	}
	if (have_pid && copts.pid == getpid())
		return err_line("cannot attach to ourselves", "the pid is cdeadlock's own");
	aopts.stuck_ms = (int64_t)(stuck * 1000.0);

	if (mode == MODE_AUTO)
		mode = (isatty(STDOUT_FILENO) && isatty(STDIN_FILENO) && !output) ? MODE_TUI : MODE_DUMP;
	if (mode == MODE_TUI && !keys && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)))
		return err_line("--tui", "standard input and output must be a terminal");

	install_signals();

	struct cdl_snapshot *snap = NULL;
	struct live_source ls = { copts, load ? NULL : cdl_collector_new() };
	if (load)
		rc = cdl_load_json_file(load, &snap, &diag);
	else
		rc = cdl_collect(ls.k, &copts, &snap, &diag);
	if (rc < 0 || mode != MODE_TUI)
		cdl_collector_free(ls.k);
	if (rc < 0)
		return diag_fail(&diag);

	if (mode == MODE_TUI) {
		struct cdl_tui_source src = { load ? NULL : live_refresh, &ls };
		struct cdl_tui_opts topts = {
			.interval_s = interval, .stuck_s = stuck, .keys = keys,
			.screen_out = stdout, .cols = cols, .lines = lines,
		};
		rc = cdl_tui_run(snap, &src, &topts, &diag);
		cdl_collector_free(ls.k);
		if (rc < 0)
			return diag_fail(&diag);
		return 0;
	}

	struct cdl_analysis *an = NULL;
	cdl_snapshot_sort(snap);
	if (cdl_analyze(snap, &aopts, &an) < 0) {
		cdl_snapshot_free(snap);
		return err_line("analysis", strerror(ENOMEM));
	}
	FILE *out = stdout;
	if (output) {
		out = fopen(output, "w");
		if (!out) {
			int e = errno;
			fprintf(stderr, "cdeadlock: open %s: %s\n", output, strerror(e));
			cdl_analysis_free(an);
			cdl_snapshot_free(snap);
			return 1;
		}
	}
	if (mode == MODE_JSON)
		rc = cdl_render_json(out, snap, an);
	else
		rc = cdl_render_text(out, snap, an, &ropts);
	if (fflush(out) != 0 && rc == 0)
		rc = -errno;
	if (out != stdout && fclose(out) != 0 && rc == 0)
		rc = -errno;
	int status = an->ndeadlocks > 0 ? 2 : 0;
	cdl_analysis_free(an);
	cdl_snapshot_free(snap);
	if (rc < 0) {
		fprintf(stderr, "cdeadlock: write %s: %s\n", output ? output : "stdout", strerror(-rc));
		return 1;
	}
	return status;
}
