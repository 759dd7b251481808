// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The routing benchmark's scenario files: every shipped file loads; a full
 * scenario gives exactly its values and the defaults; every kind of mistake
 * is named with file:line:col and its field. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "tests/bench/scenario.h"

static struct scenario sc;
static struct config_error err;

static void fini(void)
{
	scenario_free(&sc);
}

TestSuite(scenario, .fini = fini);

static int load_in(const char *dir, const char *text)
{
	return scenario_load_mem("s.yaml", dir, text, strlen(text), &sc, &err);
}

static int load(const char *text)
{
	return load_in("/base", text);
}

static const char *scenarios_dir(void)
{
	static char buf[512];
	const char *dir = getenv("IG_SRCDIR");

	snprintf(buf, sizeof(buf), "%s/tests/bench/scenarios", dir && *dir ? dir : ".");
	return buf;
}

static void expect_error(const char *text, const char *want)
{
	cr_expect_eq(load(text), -EINVAL, "loaded: %s", text);
	cr_expect_str_eq(err.text, want);
}

Test(scenario, shipped_files_load)
{
	char pattern[600];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/*.yaml", scenarios_dir());
	cr_assert_eq(glob(pattern, 0, NULL, &g), 0, "no scenario files (run from the repo root)");
	cr_expect_geq(g.gl_pathc, 6);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		cr_expect_eq(scenario_load(g.gl_pathv[i], &sc, &err), 0, "%s", err.text);
		cr_expect_geq(sc.n_hosts, 1, "%s", g.gl_pathv[i]);
		scenario_free(&sc);
	}
	globfree(&g);
}

Test(scenario, values_and_defaults)
{
	const char *text =
		"name: t1\n"
		"hosts:\n"
		"  - {profile: slow, gpus: 2, kv_blocks: 4096, step_base: 0.02, max_seqs: 64,\n"
		"     prefix_cache_blocks: 0, capacity: 16, background: {rate: 1.5, prompt: 300}}\n"
		"  - {}\n"
		"workload:\n"
		"  prompt: file:prompt-mixed.txt\n"
		"  output: fixed:10\n"
		"  system_prompt: 128\n"
		"  tenants:\n"
		"    - {name: a, share: 2, class: interactive, slo_ttft: 500ms}\n"
		"    - {name: b, class: batch}\n"
		"  sessions: {count: 5, turns: \"fixed:3\", think: \"exp:0.5\", stagger: 2s}\n"
		"events: [{at: 1500ms, host: 2, action: kill}]\n"
		"policies: [maglev, oracle]\n"
		"seeds: [3, 4]\n";

	cr_assert_eq(load_in(scenarios_dir(), text), 0, "%s", err.text);
	cr_expect_str_eq(sc.name, "t1");
	cr_expect_float_eq(sc.time_scale, 0.25, 1e-12);
	cr_expect_eq(sc.duration_ns, 10 * CFG_S);
	cr_expect_eq(sc.n_hosts, 2);
	cr_expect_eq(sc.hosts[0].profile, 1);
	cr_expect_eq(sc.hosts[0].gpus, 2);
	cr_expect_eq(sc.hosts[0].kv_blocks, 4096);
	cr_expect_float_eq(sc.hosts[0].step_base, 0.02, 1e-12);
	cr_expect_float_eq(sc.hosts[0].step_per_seq, SC_UNSET, 1e-12);
	cr_expect_eq(sc.hosts[0].max_seqs, 64);
	cr_expect_float_eq(sc.hosts[0].prefix_cache_blocks, 0, 1e-12);
	cr_expect_float_eq(sc.hosts[0].bg_rate, 1.5, 1e-12);
	cr_expect_eq(sc.hosts[0].bg_prompt, 300);
	cr_expect_eq(sc.hosts[0].bg_output, 192);
	cr_expect_eq(sc.hosts[1].profile, 0);
	cr_expect_eq(sc.hosts[1].kv_blocks, 2048);
	cr_expect_float_eq(sc.hosts[1].prefix_cache_blocks, SC_UNSET, 1e-12);
	cr_expect(!strncmp(sc.prompt, "file:", 5) && strstr(sc.prompt, "/tests/bench/scenarios/"
								       "prompt-mixed.txt"),
		  "%s", sc.prompt);
	cr_expect_str_eq(sc.output, "fixed:10");
	cr_expect_str_eq(sc.arrival, "poisson");
	cr_expect_eq(sc.n_tenants, 2);
	cr_expect_str_eq(sc.tenants[0].name, "a");
	cr_expect_float_eq(sc.tenants[0].share, 2, 1e-12);
	cr_expect_eq(sc.tenants[0].cls, SC_INTERACTIVE);
	cr_expect_eq(sc.tenants[0].slo_ttft_ns, 500 * CFG_MS);
	cr_expect_eq(sc.tenants[1].cls, SC_BATCH);
	cr_expect_eq(sc.sessions, 5);
	cr_expect_str_eq(sc.turns, "fixed:3");
	cr_expect_eq(sc.stagger_ns, 2 * CFG_S);
	cr_expect_eq(sc.n_events, 1);
	cr_expect_eq(sc.events[0].host, 1, "0-based");
	cr_expect_eq(sc.events[0].action, SC_KILL);
	cr_expect_eq(sc.events[0].at_ns, 1500 * CFG_MS);
	cr_expect_eq(sc.policies, (1u << SC_P_MAGLEV) | (1u << SC_P_ORACLE));
	cr_expect_eq(sc.n_seeds, 2);
	cr_expect_eq(sc.seeds[1], 4);
	cr_expect_eq(sc.n_sweep, 1);
}

Test(scenario, errors_name_file_line_and_field)
{
	const char *h = "name: t\nhosts: [{}]\n";
	char text[512];

	expect_error("hosts: [{}]\nworkload: {rate: 1}\n",
		     "s.yaml:1:1: name: missing required field");
	snprintf(text, sizeof(text), "%sworkload: {rate: 1}\nsweeep: [1]\n", h);
	expect_error(text, "s.yaml:4:1: sweeep: unknown key (did you mean 'sweep'?)");
	snprintf(text, sizeof(text), "%sworkload: {prompt: fixed:1}\n", h);
	expect_error(text, "s.yaml:3:11: workload: give rate (open loop), sessions or a trace "
			   "arrival");
	snprintf(text, sizeof(text), "%sworkload: {rate: 1, sessions: {count: 2}}\n", h);
	expect_error(text, "s.yaml:3:18: workload.rate: sessions are closed-loop: no rate with "
			   "them");
	snprintf(text, sizeof(text),
		 "%sworkload: {rate: 1}\nevents: [{at: 1s, host: 3, action: kill}]\n", h);
	expect_error(text, "s.yaml:4:25: events[0].host: host 3: there are 1 hosts");
	snprintf(text, sizeof(text),
		 "%sworkload: {rate: 1}\nevents: [{at: 1s, host: 1, action: nap}]\n", h);
	expect_error(text, "s.yaml:4:36: events[0].action: 'nap' is not one of: kill, restart, "
			   "drain, undrain");
	snprintf(text, sizeof(text), "%sworkload: {rate: 1, prompt: \"lognormal:5\"}\n", h);
	expect_error(text, "s.yaml:3:30: workload.prompt: 'lognormal:5' is not a length "
			   "distribution (fixed:N, lognormal:MU,SIGMA, file:PATH with one length a "
			   "line): Invalid argument");
	snprintf(text, sizeof(text), "%sworkload: {rate: 1, prompt: \"file:none.txt\"}\n", h);
	expect_error(text, "s.yaml:3:30: workload.prompt: 'file:/base/none.txt' is not a length "
			   "distribution (fixed:N, lognormal:MU,SIGMA, file:PATH with one length a "
			   "line): No such file or directory");
	snprintf(text, sizeof(text), "%sworkload: {sessions: {count: 2, think: 1s}}\n", h);
	expect_error(text, "s.yaml:3:40: workload.sessions.think: '1s' is not seconds, fixed:S, "
			   "exp:MEAN or uniform:A,B");
	snprintf(text, sizeof(text), "%sworkload: {rate: 1}\npolicies: [maglev, maglev]\n", h);
	expect_error(text, "s.yaml:4:20: policies[1]: 'maglev' is listed twice");
	snprintf(text, sizeof(text), "%sworkload: {rate: 1}\npolicies: [ecmp]\n", h);
	expect_error(text, "s.yaml:4:12: policies[0]: 'ecmp' is not one of: kube-proxy, "
			   "round-robin, least-conn, maglev, least-loaded, oracle");
	snprintf(text, sizeof(text), "%sworkload: {rate: 1}\nseeds: [1, -2]\n", h);
	expect_error(text, "s.yaml:4:12: seeds[1]: '-2' is not a seed (a non-negative integer)");
	snprintf(text, sizeof(text), "%sworkload: {sessions: {count: 1}}\nsweep: [1, 2]\n", h);
	expect_error(text, "s.yaml:4:8: sweep: a load sweep needs an open-loop rate");
	snprintf(text, sizeof(text), "%sworkload: {rate: 1, tenants: [{name: a}, {name: a}]}\n", h);
	expect_error(text, "s.yaml:3:49: workload.tenants[1].name: 'a' is already tenants[0]");
	expect_error("name: t\nhosts: [{profile: medium}]\nworkload: {rate: 1}\n",
		     "s.yaml:2:19: hosts[0].profile: 'medium' is not one of: fast, slow");
	expect_error("name: t\nhosts: [{gpus: 9}]\nworkload: {rate: 1}\n",
		     "s.yaml:2:16: hosts[0].gpus: 9 is out of range (1-8)");
}

/* A second tenant on its own VIP and VNI beside the workload. */
Test(scenario, batch_tenant)
{
	const char *h = "name: t\nhosts: [{}]\nworkload: {sessions: {count: 2}, tenants: [{name: "
			"a, class: interactive}]}\n";
	char text[512];

	cr_assert_eq(load(h), 0, "%s", err.text);
	cr_expect_float_eq(sc.batch.rate, 0, 1e-12, "no batch tenant unless asked");
	scenario_free(&sc);
	snprintf(text, sizeof(text), "%sbatch: {rate: 12}\n", h);
	cr_assert_eq(load(text), 0, "%s", err.text);
	cr_expect_str_eq(sc.batch.name, "batch");
	cr_expect_eq(sc.batch.cls, SC_BATCH);
	cr_expect_float_eq(sc.batch.rate, 12, 1e-12);
	cr_expect_str_eq(sc.batch.arrival, "poisson");
	cr_expect_str_eq(sc.batch.prompt, "lognormal:6,0.5");
	cr_expect(sc.batch.new_connection);
	scenario_free(&sc);
	snprintf(text, sizeof(text),
		 "%sbatch: {name: jobs, class: standard, rate: 3, arrival: \"gamma:2\", "
		 "output: fixed:500, new_connection: false}\n",
		 h);
	cr_assert_eq(load(text), 0, "%s", err.text);
	cr_expect_str_eq(sc.batch.name, "jobs");
	cr_expect_eq(sc.batch.cls, SC_STANDARD);
	cr_expect_str_eq(sc.batch.arrival, "gamma:2");
	cr_expect_str_eq(sc.batch.output, "fixed:500");
	cr_expect_not(sc.batch.new_connection);
	scenario_free(&sc);

	snprintf(text, sizeof(text), "%sbatch: {class: batch}\n", h);
	expect_error(text, "s.yaml:4:8: batch.rate: missing required field");
	snprintf(text, sizeof(text), "%sbatch: {rate: 1, name: a}\n", h);
	expect_error(text, "s.yaml:4:24: batch.name: 'a' is already workload.tenants[0]");
	snprintf(text, sizeof(text), "%sbatch: {rate: 1, arrival: \"trace:t.txt\"}\n", h);
	expect_error(text, "s.yaml:4:28: batch.arrival: 'trace:t.txt' is not poisson or gamma:CV");
	snprintf(text, sizeof(text), "%sbatch: {rate: 1, prompt: \"fixed:x\"}\n", h);
	expect_error(text,
		     "s.yaml:4:27: batch.prompt: 'fixed:x' is not a length distribution "
		     "(fixed:N, lognormal:MU,SIGMA, file:PATH with one length a line): Invalid "
		     "argument");
}
