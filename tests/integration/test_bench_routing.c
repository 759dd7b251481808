// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `make bench-routing` on its tiny scenario (tests/bench/scenarios/tiny.yaml:
 * two hosts, one-second runs, h2 killed at 0.4 s and restarted at 0.7 s):
 * the lab comes up from the file, every policy (kube-proxy's iptables,
 * round-robin, least-conn, Maglev, least-loaded, client affinity, the oracle) completes
 * requests, every completed request names the backend that served it, the
 * events ran (h2 started twice per run), and the report and plots exist. A bad scenario file is refused with file:line
 * before any lab comes up. The numbers are the benchmark's business. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <criterion/criterion.h>

#include "tests/lib/fixture.h"
#include "tools/lab/netns.h"

static const char *const policies[] = { "kube-proxy",	"round-robin", "least-conn", "maglev",
					"least-loaded", "affinity",    "oracle" };

static bool nonempty(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !stat(path, &st) && st.st_size > 0;
}

/* ig-bench-routing on a shipped scenario into a fresh dir; its exit status,
 * with the log's tail in out. */
static int bench_run(const char *scenario, char *dir, char *out, size_t len)
{
	const char *build = getenv("IG_BUILD") ?: "build";
	int rc;

	fx_require_root();
	cr_assert(mkdtemp(dir));
	rc = netns_run(NULL,
		       "IG_BUILD=%s %s/tools/ig-bench-routing --scenario "
		       "tests/bench/scenarios/%s.yaml --out %s >%s/bench.log 2>&1",
		       build, build, scenario, dir, dir);
	netns_run_output(NULL, out, len, "tail -c 3000 %s/bench.log", dir);
	return rc;
}

Test(bench_routing, every_policy_completes_and_reports, .timeout = 240)
{
	char dir[] = "/tmp/ig-bench-routing-XXXXXX", name[96], out[4096];
	int rc;

	rc = bench_run("tiny", dir, out, sizeof(out));
	cr_expect_eq(rc, 0, "bench-routing failed:\n%s", out);
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		snprintf(name, sizeof(name), "tiny-%s-s1.json", policies[i]);
		cr_expect(nonempty(dir, name), "no %s", name);
		snprintf(name, sizeof(name), "tiny-%s-s1.ttft", policies[i]);
		cr_expect(nonempty(dir, name), "%s: no completed request", policies[i]);
		/* every answer names its backend, h1 or h2 */
		rc = netns_run(
			NULL,
			"python3 -c 'import json,sys\n"
			"q=json.load(open(sys.argv[1]))[\"requests\"]\n"
			"ok=[x for x in q if x[\"ok\"]]\n"
			"assert ok and all(x[\"backend\"] in (\"h1\", \"h2\") for x in ok), q\n"
			"' %s/tiny-%s-s1.json",
			dir, policies[i]);
		cr_expect_eq(rc, 0, "%s: a request without its backend", policies[i]);
	}
	/* h1 started once per policy's run, h2 also restarted by the event */
	rc = netns_run_output(NULL, out, sizeof(out), "grep -c listening %s/llmsim-h1.log", dir);
	cr_expect_str_eq(out, "7\n");
	rc = netns_run_output(NULL, out, sizeof(out), "grep -c listening %s/llmsim-h2.log", dir);
	cr_expect_str_eq(out, "14\n");
	cr_expect(nonempty(dir, "results.md"));
	cr_expect(nonempty(dir, "ttft-cdf-tiny.png"));
	cr_expect(nonempty(dir, "backends-tiny.png"));
	rc = netns_run(NULL, "grep -q 'did not run' %s/results.md", dir);
	cr_expect_neq(rc, 0, "a policy did not run:\n%s", out);
	rc = netns_run(NULL, "grep -q '^Targets, infergate' %s/results.md", dir);
	cr_expect_eq(rc, 0, "no targets line:\n%s", out);
	netns_run(NULL, "rm -rf %s", dir);
}

Test(bench_routing, a_bad_scenario_is_refused_with_its_line)
{
	const char *build = getenv("IG_BUILD") ?: "build";
	char dir[] = "/tmp/ig-bench-routing-XXXXXX", out[1024];
	int rc;

	cr_assert(mkdtemp(dir));
	rc = netns_run(
		NULL,
		"printf 'name: bad\nhosts: [{}]\nworkload: {rate: 1}\nevents: [{at: 1s, host: "
		"2, action: kill}]\n' >%s/bad.yaml",
		dir);
	cr_assert_eq(rc, 0);
	rc = netns_run_output(NULL, out, sizeof(out),
			      "%s/tools/ig-bench-routing --scenario %s/bad.yaml --out %s/out 2>&1",
			      build, dir, dir);
	cr_expect_eq(rc, 2, "%s", out);
	cr_expect(strstr(out, "bad.yaml:4:25: events[0].host: host 2: there are 1 hosts"), "%s",
		  out);
	netns_run(NULL, "rm -rf %s", dir);
}

/* A scenario's batch tenant (tests/bench/scenarios/tiny-batch.yaml): its own
 * VIP, VNI and loadgen beside two interactive sessions on one small host.
 * The gateway sheds the batch tenant's new connections (the agent counts the
 * refusals, the client gets RSTs: loadgen's failed requests), answers what
 * it admits through the batch VIP, and never refuses the sessions; the
 * sessions also run alone, the baseline of the report's batch table. */
Test(bench_routing, a_batch_tenant_is_shed_beside_the_sessions, .timeout = 240)
{
	char dir[] = "/tmp/ig-bench-routing-XXXXXX", out[4096];
	int rc;

	rc = bench_run("tiny-batch", dir, out, sizeof(out));
	cr_assert_eq(rc, 0, "bench-routing failed:\n%s", out);
	/* the sessions: every turn answered, with and without the batch (how
	 * many turns fit in the 2 s depends on the batch's admitted work) */
	rc = netns_run(NULL,
		       "python3 -c 'import json,sys\n"
		       "for f in sys.argv[1:]:\n"
		       "  q=json.load(open(f))[\"requests\"]\n"
		       "  assert {x[\"session\"] for x in q} == {0, 1}, (f, q)\n"
		       "  assert all(x[\"ok\"] and x[\"backend\"] == \"h1\" for x in q), (f, q)\n"
		       "' %s/tiny-batch-least-loaded-s1.json %s/tiny-batch-alone-s1.json",
		       dir, dir);
	cr_expect_eq(rc, 0, "a session's turn failed");
	/* the batch: some answered by h1, some refused at once */
	rc = netns_run(NULL,
		       "python3 -c 'import json,sys\n"
		       "q=json.load(open(sys.argv[1]))[\"requests\"]\n"
		       "ok=[x for x in q if x[\"ok\"]]\n"
		       "assert ok and all(x[\"backend\"] == \"h1\" for x in ok), q\n"
		       "assert len(ok) < len(q), \"nothing refused\"\n"
		       "' %s/tiny-batch-least-loaded-s1-batch.json",
		       dir);
	cr_expect_eq(rc, 0, "the batch tenant was not both served and shed:\n%s", out);
	cr_expect_neq(netns_run(NULL, "test -e %s/tiny-batch-alone-s1-batch.json", dir), 0,
		      "the baseline ran a batch tenant");
	/* the agent's count of shed refusals, as the log and the report give it */
	rc = netns_run(NULL,
		       "grep -Eq 'batch: [0-9]+ ok [1-9][0-9]* failed .* [1-9][0-9]* shed' "
		       "%s/bench.log",
		       dir);
	cr_expect_eq(rc, 0, "no shed refusal counted:\n%s", out);
	rc = netns_run(NULL,
		       "grep -q '^Target, infergate least-loaded: interactive p90 TTFT' "
		       "%s/results.md",
		       dir);
	cr_expect_eq(rc, 0, "no batch target line:\n%s", out);
	/* neither the oracle nor round-robin ran: no empty targets line */
	rc = netns_run(NULL, "grep -q '^Targets, .*:\\.$' %s/results.md", dir);
	cr_expect_neq(rc, 0, "an empty targets line");
	netns_run(NULL, "rm -rf %s", dir);
}
