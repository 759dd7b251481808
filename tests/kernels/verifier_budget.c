// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* verifier_budget: load every program of the BPF objects named on the command
 * line into the running kernel and print how many instructions the verifier
 * processed for each. Fails when a program does not load, or when it needs
 * more than the budget: by default half of the verifier's 1M-instruction
 * limit, so growth shows long before an older kernel rejects the program.
 * tests/kernels/run-suite.sh runs it on every kernel of the matrix. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "user/lib/log.h"

/* BPF_COMPLEXITY_LIMIT_INSNS since 5.2 (kernel/bpf/verifier.c). */
#define VERIFIER_LIMIT 1000000U
#define STATS_LOG_SIZE (64 * 1024)
/* Enough for the full log of a rejected gateway on any kernel we test. */
#define FULL_LOG_SIZE (16 * 1024 * 1024)
#define LOG_TAIL_LINES 40
#define PROGS_MAX 64

/* Where a count came from: the kernel's bpf_prog_info, or its log. */
enum insn_src { SRC_INFO, SRC_LOG };

static const char *insn_src_str(enum insn_src s)
{
	return s == SRC_INFO ? "prog_info" : "log";
}

/* "processed 1234 insns (limit 1000000) ..." from a BPF_LOG_STATS log. */
static int log_processed(const char *log, __u32 *insns)
{
	const char *p = strstr(log, "processed ");

	if (!p || sscanf(p, "processed %u insns", insns) != 1)
		return -ENOENT;
	return 0;
}

/* The last lines of a verifier log: where a rejection is explained. */
static void log_tail(const char *log, int lines)
{
	const char *p = log + strlen(log);

	while (p > log && lines >= 0) {
		p--;
		if (*p == '\n')
			lines--;
	}
	fprintf(stderr, "%s%s\n", p > log ? "...\n" : "", p > log ? p + 1 : p);
}

/* Reload obj with a full verifier log (level 1), only to explain why it was
 * rejected: libbpf does not retry with a log once the caller set a level. */
static void explain_rejection(const char *path)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	char *buf;

	buf = calloc(1, FULL_LOG_SIZE);
	obj = bpf_object__open_file(path, NULL);
	if (!buf || libbpf_get_error(obj))
		goto out;
	bpf_object__for_each_program(prog, obj) {
		bpf_program__set_log_level(prog, 1);
		bpf_program__set_log_buf(prog, buf, FULL_LOG_SIZE);
	}
	if (!bpf_object__load(obj))
		log_err("%s: loads with a full log but not with a stats log", path);
	else if (buf[0])
		log_tail(buf, LOG_TAIL_LINES);
	bpf_object__close(obj);
out:
	free(buf);
}

/* One program's count, from bpf_prog_info (5.16+) or else its stats log. */
static int prog_insns(struct bpf_program *prog, const char *log, __u32 *insns, enum insn_src *src)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len);
	if (err)
		return -errno;
	*src = SRC_INFO;
	*insns = info.verified_insns;
	if (*insns)
		return 0;
	*src = SRC_LOG;
	return log_processed(log, insns);
}

/* Load every program of the object at path and print one row per program.
 * Returns the number of programs over budget, or a negative errno. */
static int object_budget(const char *path, __u32 budget)
{
	char *logs[PROGS_MAX] = {}, *name, *copy;
	struct bpf_program *prog;
	struct bpf_object *obj;
	int n = 0, over = 0, err;
	enum insn_src src = SRC_INFO;
	__u32 insns;

	copy = strdup(path);
	name = copy ? basename(copy) : (char *)path;
	obj = bpf_object__open_file(path, NULL);
	err = libbpf_get_error(obj);
	if (err) {
		log_errno(LOG_LVL_ERR, err, "%s: cannot open", path);
		goto out_free;
	}
	/* A stats log per program: level 4 is BPF_LOG_STATS (5.2). */
	bpf_object__for_each_program(prog, obj) {
		if (n == PROGS_MAX) {
			err = -E2BIG;
			log_err("%s: more than %d programs", path, PROGS_MAX);
			goto out_close;
		}
		logs[n] = calloc(1, STATS_LOG_SIZE);
		if (!logs[n]) {
			err = -ENOMEM;
			goto out_close;
		}
		bpf_program__set_log_level(prog, 4);
		bpf_program__set_log_buf(prog, logs[n++], STATS_LOG_SIZE);
	}
	err = bpf_object__load(obj);
	if (err) {
		log_errno(LOG_LVL_ERR, err, "%s: rejected by this kernel's verifier", path);
		printf("%-22s %-24s %9s %s\n", name, "*", "-", "REJECTED");
		explain_rejection(path);
		goto out_close;
	}
	n = 0;
	bpf_object__for_each_program(prog, obj) {
		err = prog_insns(prog, logs[n++], &insns, &src);
		if (err) {
			log_errno(LOG_LVL_ERR, err, "%s: %s: no instruction count", path,
				  bpf_program__name(prog));
			goto out_close;
		}
		printf("%-22s %-24s %9u %s%s\n", name, bpf_program__name(prog), insns,
		       insn_src_str(src), insns > budget ? " OVER-BUDGET" : "");
		over += insns > budget;
	}
	err = over;
out_close:
	bpf_object__close(obj);
	for (int i = 0; i < PROGS_MAX; i++)
		free(logs[i]);
out_free:
	free(copy);
	return err;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-b BUDGET] OBJECT.bpf.o...\n"
		"Load every program and print the verifier's processed-instruction count;\n"
		"exit 1 when one is rejected or exceeds BUDGET (default %u, half the\n"
		"verifier's %u-instruction limit).\n",
		argv0, VERIFIER_LIMIT / 2, VERIFIER_LIMIT);
}

int main(int argc, char **argv)
{
	__u32 budget = VERIFIER_LIMIT / 2;
	struct utsname uts;
	int opt, err, ret = 0;

	while ((opt = getopt(argc, argv, "b:h")) != -1) {
		if (opt == 'b') {
			budget = strtoul(optarg, NULL, 0);
			continue;
		}
		usage(argv[0]);
		return opt == 'h' ? 0 : 2;
	}
	if (optind == argc) {
		usage(argv[0]);
		return 2;
	}
	log_setup_libbpf();
	uname(&uts);
	printf("# verifier budget on %s: %u processed instructions per program\n", uts.release,
	       budget);
	printf("# %-20s %-24s %9s %s\n", "object", "program", "insns", "source");
	for (int i = optind; i < argc; i++) {
		err = object_budget(argv[i], budget);
		if (err)
			ret = 1;
	}
	return ret;
}
