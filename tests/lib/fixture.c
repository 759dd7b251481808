// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The fixture runner: BPF_PROG_TEST_RUN with exact verdict, output bytes and
 * counter deltas, so each datapath test is a row in a table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "maps/stats.h"
#include "tests/lib/fixture.h"
#include "user/lib/dp.h"

int fx_run(struct bpf_program *prog, const void *pkt, size_t len, struct fx_result *res)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len,
		    .data_out = res->out, .data_size_out = sizeof(res->out), .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err)
		return -errno;
	res->verdict = opts.retval;
	res->out_len = opts.data_size_out;
	return 0;
}

uint64_t fx_counter(struct bpf_object *obj, const char *map, uint32_t key, uint32_t field_off)
{
	int fd = bpf_object__find_map_fd_by_name(obj, map);
	__u64 v = 0;

	cr_assert(fd >= 0, "map %s not found", map);
	cr_assert(!dp_percpu_sum(fd, key, field_off, &v), "reading %s[%u] failed", map, key);
	return v;
}

static void fx_snapshot(struct bpf_object *obj, const struct fixture *f, uint64_t *cnt,
			uint64_t *drops)
{
	for (int i = 0; i < FX_COUNTERS_MAX && f->counters[i].map; i++)
		cnt[i] = fx_counter(obj, f->counters[i].map, f->counters[i].key,
				    f->counters[i].field_off);
	for (int r = 0; f->check_other_drops && r < IG_DROP__MAX; r++)
		drops[r] = fx_counter(obj, "ig_drops", r, 0);
}

static int fx_lists_drop(const struct fixture *f, int reason)
{
	for (int i = 0; i < FX_COUNTERS_MAX && f->counters[i].map; i++)
		if (!strcmp(f->counters[i].map, "ig_drops") &&
		    f->counters[i].key == (uint32_t)reason)
			return 1;
	return 0;
}

static void fx_check_counters(struct bpf_object *obj, const struct fixture *f,
			      const uint64_t *before, const uint64_t *drops_before)
{
	for (int i = 0; i < FX_COUNTERS_MAX && f->counters[i].map; i++) {
		const struct fx_counter *c = &f->counters[i];
		uint64_t now = fx_counter(obj, c->map, c->key, c->field_off);

		cr_expect_eq(now - before[i], c->delta, "%s: %s[%u]+%u changed by %lu, want %lu",
			     f->desc, c->map, c->key, c->field_off,
			     (unsigned long)(now - before[i]), (unsigned long)c->delta);
	}
	for (int r = 0; f->check_other_drops && r < IG_DROP__MAX; r++) {
		if (fx_lists_drop(f, r))
			continue;
		cr_expect_eq(fx_counter(obj, "ig_drops", r, 0), drops_before[r],
			     "%s: drop reason %d counted unexpectedly", f->desc, r);
	}
}

static void fx_run_one(struct bpf_object *obj, struct bpf_program *prog, const struct fixture *f)
{
	static struct pb in, want;
	static struct fx_result res;
	uint64_t before[FX_COUNTERS_MAX], drops[IG_DROP__MAX];
	const struct pb *exp;
	char diff[1024];
	int err;

	pb_init(&in);
	pb_init(&want);
	f->build(&in, &want);
	cr_assert_eq(in.err, 0, "%s: packet builder failed: %d", f->desc, in.err);
	exp = f->want_out ? &want : &in;
	fx_snapshot(obj, f, before, drops);
	err = fx_run(prog, in.buf, in.len, &res);
	cr_assert_eq(err, 0, "%s: BPF_PROG_TEST_RUN failed: %s", f->desc, strerror(-err));
	cr_expect_eq(res.verdict, f->verdict, "%s: verdict %d, want %d", f->desc, res.verdict,
		     f->verdict);
	pb_hexdiff(res.out, res.out_len, exp->buf, exp->len, diff, sizeof(diff));
	cr_expect(res.out_len == exp->len && !memcmp(res.out, exp->buf, exp->len),
		  "%s: output bytes differ: %s", f->desc, diff);
	fx_check_counters(obj, f, before, drops);
}

void fx_run_table(struct bpf_object *obj, struct bpf_program *prog, const struct fixture *fx,
		  size_t n)
{
	for (size_t i = 0; i < n; i++)
		fx_run_one(obj, prog, &fx[i]);
}

int fx_mount_bpffs(void)
{
	struct statfs st;

	if (!statfs("/sys/fs/bpf", &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	mkdir("/sys/fs/bpf", 0755);
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

void fx_require_root(void)
{
	cr_assert_eq(geteuid(), 0,
		     "this test needs root (BPF and network namespaces); it fails rather "
		     "than skips so that CI never passes without running it");
	cr_assert_eq(fx_mount_bpffs(), 0, "cannot mount bpffs on /sys/fs/bpf");
}

void fx_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert(f, "%s: %m", path);
	fputs(text, f);
	fclose(f);
}

void fx_write_atomic(const char *path, const char *text)
{
	char tmp[512];

	cr_assert_lt((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path), sizeof(tmp));
	fx_write_file(tmp, text);
	cr_assert_eq(rename(tmp, path), 0, "%s: %m", path);
}
