// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `make bench-routing` in its tiny mode (--quick: the reference scenario at
 * one load, one-second runs): the lab comes up, every policy (kube-proxy's
 * iptables, round-robin, least-conn, Maglev, least-loaded, the oracle)
 * completes requests, and the report, its per-run JSON and the plots exist.
 * The numbers themselves are the benchmark's business, not this test's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <criterion/criterion.h>

#include "tests/lib/fixture.h"
#include "tools/lab/netns.h"

static const char *const policies[] = { "kube-proxy", "round-robin",  "least-conn",
					"maglev",     "least-loaded", "oracle" };

static bool nonempty(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !stat(path, &st) && st.st_size > 0;
}

Test(bench_routing, every_policy_completes_and_reports, .timeout = 240)
{
	const char *build = getenv("IG_BUILD") ?: "build";
	char dir[] = "/tmp/ig-bench-routing-XXXXXX", name[96], out[4096];
	int rc;

	fx_require_root();
	cr_assert(mkdtemp(dir));
	rc = netns_run(NULL,
		       "IG_BUILD=%s %s/tools/ig-bench-routing --quick --duration 1 --settle 0.3 "
		       "--out %s >%s/bench.log 2>&1",
		       build, build, dir, dir);
	netns_run_output(NULL, out, sizeof(out), "tail -c 3000 %s/bench.log", dir);
	cr_expect_eq(rc, 0, "bench-routing failed:\n%s", out);
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		snprintf(name, sizeof(name), "reference-%s.json", policies[i]);
		cr_expect(nonempty(dir, name), "no %s", name);
		snprintf(name, sizeof(name), "reference-%s.ttft", policies[i]);
		cr_expect(nonempty(dir, name), "%s: no completed request", policies[i]);
	}
	cr_expect(nonempty(dir, "results.md"));
	cr_expect(nonempty(dir, "sweep.dat"));
	cr_expect(nonempty(dir, "ttft-cdf-reference.png"));
	cr_expect(nonempty(dir, "sweep-tokens.png"));
	cr_expect(nonempty(dir, "sweep-p90-ttft.png"));
	rc = netns_run(NULL, "grep -q 'did not run' %s/results.md", dir);
	cr_expect_neq(rc, 0, "a policy did not run:\n%s", out);
	netns_run(NULL, "rm -rf %s", dir);
}
