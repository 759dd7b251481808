// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* llmsim and loadgen end to end: llmsim on 127.0.0.1 inside a namespace of
 * its own (time-scaled), loadgen's open-loop run and closed-loop sessions
 * against it; every request completes, the JSON report has its fields and
 * /metrics shows vLLM's names with sane values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "tools/lab/netns.h"

#define SIM_URL "http://127.0.0.1:8000"

TestSuite(llmsim, .fini = netns_cleanup_all);

static const char *build(void)
{
	return getenv("IG_BUILD") ?: "build";
}

/* llmsim "sim-a" on SIM_URL with the given flags after its name. */
static void start_sim_with(char ns[NETNS_NAME_MAX], const char *flags)
{
	char out[256];

	cr_assert_eq(netns_create("sim", ns), 0);
	cr_assert_eq(netns_run(NULL,
			       "ip netns exec %s %s/tools/llmsim --listen 127.0.0.1:8000 --name "
			       "sim-a %s >/dev/null 2>&1 &",
			       ns, build(), flags),
		     0);
	cr_assert_eq(netns_run_output(ns, out, sizeof(out),
				      "for i in $(seq 50); do curl -sf " SIM_URL "/ && exit 0; "
				      "sleep 0.1; done; exit 1"),
		     0, "llmsim did not come up");
	cr_expect_str_eq(out, "sim-a\n");
}

static void start_sim(char ns[NETNS_NAME_MAX])
{
	start_sim_with(ns, "--profile fast --gpus 2 --time-scale 0.2 --background 2 "
			   "--bg-prompt 256 --bg-output 32");
}

Test(llmsim, open_loop_report_and_metrics)
{
	char ns[NETNS_NAME_MAX], out[8192];
	int rc;

	start_sim(ns);
	rc = netns_run_output(
		ns, out, sizeof(out),
		"%s/tools/loadgen --target " SIM_URL "/v1/completions --rate 8 "
		"--duration 3 --arrival gamma:2 --prompt lognormal:5.5,0.5 "
		"--output fixed:48 --tenant a:2:gold --tenant b:1:bronze:0.001 --seed 7 "
		"--slo-ttft 500 --slo-tpot 50 --json /tmp/%s.json",
		build(), ns);
	cr_expect_eq(rc, 0, "loadgen failed: %s", out);
	cr_expect(strstr(out, "failed 0"), "%s", out);
	rc = netns_run_output(
		NULL, out, sizeof(out),
		"python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); "
		"s=r[\"summary\"]; assert s[\"requests\"] > 5, s; "
		"assert s[\"completed\"] == s[\"requests\"], s; "
		"assert s[\"ttft_ms\"][\"p99\"] > 0 and s[\"itl_ms\"][\"p50\"] > 0; "
		"assert s[\"output_tokens\"] == 48 * s[\"completed\"]; "
		"assert len(r[\"tenants\"]) == 2 and 0 < r[\"fairness_jain\"] <= 1; "
		"a, b = r[\"tenants\"]; assert a[\"slo_ttft_ms\"] == 500, a; "
		"assert b[\"slo_ttft_ms\"] == 0.001 and b[\"goodput_requests\"] == 0, b; "
		"assert 0 < a[\"goodput_requests\"] == s[\"goodput_requests\"], (a, s); "
		"assert len(r[\"requests\"]) == s[\"requests\"]' /tmp/%s.json; "
		"r=$?; rm -f /tmp/%s.json; exit $r",
		ns, ns);
	cr_expect_eq(rc, 0, "report: %s", out);
	cr_assert_eq(netns_run_output(ns, out, sizeof(out), "curl -sf " SIM_URL "/metrics"), 0);
	cr_expect(strstr(out, "vllm:num_requests_running{model_name=\"sim-a\"} "), "%s", out);
	cr_expect(strstr(out, "vllm:num_requests_waiting{model_name=\"sim-a\"} "), "%s", out);
	cr_expect(strstr(out, "vllm:kv_cache_usage_perc{model_name=\"sim-a\"} "), "%s", out);
	cr_expect(strstr(out, "vllm:time_to_first_token_seconds_count{model_name=\"sim-a\"} "),
		  "%s", out);
	cr_expect(!strstr(out, "vllm:request_success_total{model_name=\"sim-a\"} 0\n"), "%s", out);
}

Test(llmsim, sessions_and_errors)
{
	char ns[NETNS_NAME_MAX], out[4096];
	int rc;

	start_sim(ns);
	rc = netns_run_output(ns, out, sizeof(out),
			      "%s/tools/loadgen --target " SIM_URL "/v1/completions --sessions 3 "
			      "--turns 3 --prompt fixed:200 --output fixed:16 --seed 1",
			      build());
	cr_expect_eq(rc, 0, "loadgen failed: %s", out);
	cr_expect(strstr(out, "requests 9  completed 9  failed 0"), "%s", out);
	rc = netns_run_output(ns, out, sizeof(out),
			      "curl -s -o /dev/null -w '%%{http_code}' -d '{\"prompt\":' " SIM_URL
			      "/v1/completions");
	cr_expect_str_eq(out, "400");
	rc = netns_run_output(ns, out, sizeof(out),
			      "curl -s -d '{\"prompt_tokens\":10,\"max_tokens\":2}' " SIM_URL
			      "/v1/completions");
	cr_expect_eq(rc, 0);
	cr_expect(strstr(out, "\"completion_tokens\":2"), "%s", out);
}

/* Each session owns its connection: the per-request record shows one local
 * port per session and every turn after the first on the connection the first
 * opened, although eight sessions of uneven lengths share one libcurl pool.
 * A single session runs all its turns (it used to stop after the first when
 * every session finished in the same polling cycle), and a failed turn does
 * not end its session. */
Test(llmsim, sessions_own_their_connections)
{
	char ns[NETNS_NAME_MAX], out[4096];
	int rc;

	start_sim(ns);
	rc = netns_run_output(
		ns, out, sizeof(out),
		"%s/tools/loadgen --target " SIM_URL "/v1/completions --sessions 8 "
		"--turns 4 --prompt lognormal:5,0.8 --output lognormal:3,0.8 --seed 3 "
		"--json /tmp/%s.json",
		build(), ns);
	cr_expect_eq(rc, 0, "loadgen failed: %s", out);
	cr_expect(strstr(out, "on more than one connection 0"), "%s", out);
	rc = netns_run_output(
		NULL, out, sizeof(out),
		"python3 -c 'import json,sys\n"
		"r=json.load(open(sys.argv[1])); q=r[\"requests\"]\n"
		"assert len(q) == 32 and all(x[\"ok\"] for x in q), len(q)\n"
		"assert all(x[\"backend\"] == \"sim-a\" for x in q)\n"
		"for s in range(8):\n"
		"  t=sorted((x for x in q if x[\"session\"] == s), key=lambda x: x[\"turn\"])\n"
		"  assert [x[\"turn\"] for x in t] == [1,2,3,4], t\n"
		"  assert 20480+64*s <= t[0][\"local_port\"] < 20544+64*s, t\n"
		"  assert all(x[\"local_port\"] == t[0][\"local_port\"] for x in t), t\n"
		"  assert not t[0][\"reused\"] and all(x[\"reused\"] for x in t[1:]), t\n"
		"  assert all(a[\"end_s\"] <= b[\"start_s\"] for a, b in zip(t, t[1:])), t\n"
		"assert r[\"summary\"][\"sessions_split_connection\"] == 0' /tmp/%s.json; "
		"r=$?; rm -f /tmp/%s.json; exit $r",
		ns, ns);
	cr_expect_eq(rc, 0, "records: %s", out);
	/* A new connection per turn takes the next port of its session's block
	 * (a new port, as an ephemeral one; the block is what a gateway's
	 * client affinity keys on). A base of its own: the run above left its
	 * ports in TIME_WAIT. */
	rc = netns_run_output(
		ns, out, sizeof(out),
		"%s/tools/loadgen --target " SIM_URL "/v1/completions --sessions 3 --turns 3 "
		"--new-connection --session-ports 30720 --prompt fixed:50 --output fixed:8 "
		"--json /tmp/%s.json && "
		"python3 -c 'import json,sys\n"
		"q=json.load(open(sys.argv[1]))[\"requests\"]\n"
		"assert len(q) == 9 and all(x[\"ok\"] for x in q), q\n"
		"for s in range(3):\n"
		"  p=[x[\"local_port\"] for x in q if x[\"session\"] == s]\n"
		"  assert p == [30720+64*s, 30721+64*s, 30722+64*s], p\n"
		"assert not any(x[\"reused\"] for x in q)' /tmp/%s.json 2>&1; r=$?; rm -f /tmp/%s.json; "
		"exit $r",
		build(), ns, ns, ns);
	cr_expect_eq(rc, 0, "fresh connections per turn: %s", out);
	/* More turns than the block has ports: the server closes each
	 * connection (Connection: close), so its TIME_WAIT is not ours and
	 * the block does not run out (it did: hundreds of failed turns). */
	rc = netns_run_output(ns, out, sizeof(out),
			      "%s/tools/loadgen --target " SIM_URL "/v1/completions --sessions 1 "
			      "--turns 100 --think 0.001 --new-connection --prompt fixed:20 "
			      "--output fixed:2",
			      build());
	cr_expect_eq(rc, 0, "loadgen failed: %s", out);
	cr_expect(strstr(out, "requests 100  completed 100  failed 0"), "%s", out);
	rc = netns_run_output(ns, out, sizeof(out),
			      "%s/tools/loadgen --target " SIM_URL "/v1/completions --sessions 1 "
			      "--turns 3 --prompt fixed:50 --output fixed:8",
			      build());
	cr_expect_eq(rc, 0, "loadgen failed: %s", out);
	cr_expect(strstr(out, "requests 3  completed 3  failed 0"), "%s", out);
	rc = netns_run_output(
		ns, out, sizeof(out),
		"%s/tools/loadgen --target http://127.0.0.1:8001/v1/completions "
		"--sessions 2 --turns 3 --think 0.01 --prompt fixed:50 --output fixed:8",
		build());
	cr_expect_eq(rc, 1, "%s", out);
	cr_expect(strstr(out, "requests 6  completed 0  failed 6"), "%s", out);
}

/* Shared system prompts and multi-turn sessions against llmsim's prefix
 * cache: 4 sessions x 4 turns of 100 new tokens after a 512-token system
 * prompt, 20 tokens answered. Turn 1: the first admitted is cold, the other
 * three hit the system prompt (3 x 512); turns 2-4 hit their conversation so
 * far in whole blocks of 16 (624, 752, 864 each). One GPU: each has a cache
 * of its own. */
Test(llmsim, prefix_cache_hits_shared_prompts_and_sessions)
{
	char ns[NETNS_NAME_MAX], out[8192];
	int rc;

	start_sim_with(ns, "--profile fast --gpus 1 --time-scale 0.2");
	rc = netns_run_output(ns, out, sizeof(out),
			      "%s/tools/loadgen --target " SIM_URL "/v1/completions --sessions 4 "
			      "--turns 4 --system-prompt 512 --prompt fixed:100 --output fixed:20",
			      build());
	cr_expect_eq(rc, 0, "loadgen failed: %s", out);
	cr_assert_eq(netns_run_output(ns, out, sizeof(out), "curl -sf " SIM_URL "/metrics"), 0);
	cr_expect(strstr(out, "vllm:prefix_cache_hits_total{model_name=\"sim-a\"} 10496\n"), "%s",
		  out);
}

/* A recorded workload replays at its times with its lengths (a length left
 * out is drawn); sessions draw their turn counts and think times and start
 * staggered. */
Test(llmsim, trace_replay_and_session_shapes)
{
	char ns[NETNS_NAME_MAX], out[4096];
	int rc;

	start_sim_with(ns, "--profile fast --gpus 1 --time-scale 0.2");
	cr_assert_eq(netns_run(NULL,
			       "printf '# t prompt output\\n0 100 5\\n0.2 200\\n0.4\\n' "
			       ">/tmp/%s.trace",
			       ns),
		     0);
	rc = netns_run_output(
		ns, out, sizeof(out),
		"%s/tools/loadgen --target " SIM_URL "/v1/completions --arrival "
		"trace:/tmp/%s.trace --prompt fixed:30 --output fixed:3 --json /tmp/%s.json",
		build(), ns, ns);
	cr_expect_eq(rc, 0, "loadgen failed: %s", out);
	rc = netns_run_output(
		NULL, out, sizeof(out),
		"python3 -c 'import json,sys\n"
		"q=json.load(open(sys.argv[1]))[\"requests\"]\n"
		"got=[(x[\"prompt_tokens\"], x[\"output_tokens\"]) for x in q]\n"
		"assert got == [(100, 5), (200, 3), (30, 3)], got\n"
		"for x, t in zip(q, (0, 0.2, 0.4)): assert t <= x[\"start_s\"] < t + 0.1, q\n"
		"' /tmp/%s.json; r=$?; rm -f /tmp/%s.json /tmp/%s.trace; exit $r",
		ns, ns, ns);
	cr_expect_eq(rc, 0, "trace replay: %s", out);
	rc = netns_run_output(ns, out, sizeof(out),
			      "%s/tools/loadgen --target " SIM_URL "/v1/completions --sessions 4 "
			      "--turns fixed:3 --think uniform:0.05,0.1 --stagger 0.4 --prompt "
			      "fixed:50 --output fixed:4 --json /tmp/%s.json",
			      build(), ns);
	cr_expect_eq(rc, 0, "loadgen failed: %s", out);
	rc = netns_run_output(NULL, out, sizeof(out),
			      "python3 -c 'import json,sys\n"
			      "q=json.load(open(sys.argv[1]))[\"requests\"]\n"
			      "assert len(q) == 12, len(q)\n"
			      "for s in range(4):\n"
			      "  t=sorted(x[\"start_s\"] for x in q if x[\"session\"] == s)\n"
			      "  assert s * 0.1 <= t[0] < s * 0.1 + 0.08, (s, t)\n"
			      "  assert all(b - a >= 0.05 for a, b in zip(t, t[1:])), (s, t)\n"
			      "' /tmp/%s.json; r=$?; rm -f /tmp/%s.json; exit $r",
			      ns, ns);
	cr_expect_eq(rc, 0, "sessions: %s", out);
}
