// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `make bench-routing`: the routing-policy comparison, driven by scenario
 * files (tests/bench/scenario.h, docs/benchmarks.md). For each scenario the
 * netns lab gets a client, a gateway and the scenario's GPU hosts running
 * llmsim with its constants and background load; then, for every load of its
 * sweep, every seed and every policy, fresh servers, the agent where the
 * policy needs it, the failure events on their schedule and one loadgen run:
 * kube-proxy's iptables random DNAT, round-robin, least-conn, infergate's
 * telemetry-weighted Maglev and least-loaded, and loadgen's per-request
 * oracle straight to the hosts. A scenario's batch tenant runs beside the
 * workload on a VIP and VNI of its own (its own loadgen), and each seed
 * also runs the workload alone, the baseline of its shedding table. Writes
 * results.md (means over the seeds with
 * their ranges, and whether a difference is beyond them), every run's loadgen
 * JSON, and gnuplot PNGs: TTFT CDFs, tokens/s and p90 TTFT against load,
 * requests per backend. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/bench/scenario.h"
#include "tools/lab/lab.h"
#include "user/lib/log.h"

#define VIP "198.19.0.10"
#define VNI 100
/* The batch tenant's (a scenario's `batch:`): its own VIP, VNI and backend
 * ids, on the same hosts. */
#define VIP_BATCH "198.19.0.11"
#define VNI_BATCH 101
#define BATCH_BACKEND_ID 100
#define SCENARIOS_MAX 16
#define POLICIES SC_P__MAX
/* A scenario with a batch tenant has one more cell, after the policies':
 * least-loaded without the batch tenant, the interactive baseline. */
#define ALONE POLICIES
#define CELLS (POLICIES + 1)
#define DEFAULT_SCENARIOS                                                                      \
	"reference", "heterogeneous", "agentic", "large-model", "failover", "prefix-affinity", \
		"agentic-batch"
#define DEFAULT_SCENARIOS_TEXT                                                                       \
	"reference, heterogeneous, agentic,\n              large-model, failover, prefix-affinity, " \
	"agentic-batch"

static const struct {
	const char *label; /* the report's */
	const char *cfg; /* infergated's policy, or NULL: no agent */
} policies[POLICIES] = {
	[SC_P_IPTABLES] = { "kube-proxy (iptables DNAT, statistic random)", NULL },
	[SC_P_RR] = { "round-robin (xdp_gateway)", "round-robin" },
	[SC_P_LC] = { "least-conn (xdp_gateway, in-flight only)", "least-conn" },
	[SC_P_MAGLEV] = { "infergate Maglev, telemetry weights", "maglev" },
	[SC_P_LL] = { "infergate least-loaded", "least-loaded" },
	[SC_P_AFFINITY] = { "infergate Maglev, client affinity (port blocks), bound 1.25",
			    "maglev" },
	[SC_P_ORACLE] = { "per-request oracle (loadgen, no gateway)", NULL },
};

/* One loadgen run's figures. */
struct run {
	bool ran;
	int requests, completed, failed;
	double tok_s; /* within the arrivals' window */
	double ttft_mean, ttft_p90, e2e_mean;
	int per_host[SC_HOSTS_MAX]; /* requests each backend answered */
	/* the batch tenant's loadgen, beside it; and the gateway's shed
	 * refusals of its connections (the agent's /metrics) */
	int batch_completed, batch_failed;
	double batch_tok_s, batch_shed;
};

/* A policy's runs at one load, one per seed, and their summary. */
struct cell {
	struct run runs[SC_SEEDS_MAX];
	unsigned int n;
};

struct bench {
	struct lab lab;
	const char *build;
	char out[256];
	char pins[96];
	char root[160]; /* the running agent's pin root */
	int agent_pid;
	int run;
	bool quick;
	double duration; /* > 0: overrides the scenarios' */
	double settle; /* >= 0: overrides the scenarios' */
	unsigned int max_seeds; /* 0: the scenarios' */
	unsigned int policy_mask; /* 0: the scenarios' */
	bool no_batch; /* the run without the scenario's batch tenant */
};

static double ns_s(__u64 ns)
{
	return ns / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (int)s) * 1e9) };

	if (s > 0)
		nanosleep(&ts, NULL);
}

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static double sc_duration(const struct bench *b, const struct scenario *sc)
{
	return b->duration > 0 ? b->duration : ns_s(sc->duration_ns);
}

static double sc_settle(const struct bench *b, const struct scenario *sc)
{
	return b->settle >= 0 ? b->settle : ns_s(sc->settle_ns);
}

/* ---- the lab's pieces ---- */

static void server_stop(struct bench *b, int h)
{
	netns_run(b->lab.h[h],
		  "test -e %s/llmsim-h%d.pid && kill $(cat %s/llmsim-h%d.pid) "
		  "2>/dev/null; rm -f %s/llmsim-h%d.pid; true",
		  b->out, h + 1, b->out, h + 1, b->out, h + 1);
}

static void servers_stop(struct bench *b, unsigned int n)
{
	for (unsigned int h = 0; h < n; h++)
		server_stop(b, h);
	/* llmsim stops at SIGTERM; the port must be free for the next one. */
	for (unsigned int h = 0; h < n; h++)
		netns_run(b->lab.h[h],
			  "for t in $(seq 50); do curl -s -o /dev/null -m 0.2 http://127.0.0.1/ || "
			  "exit 0; sleep 0.1; done; exit 1");
}

/* A host's llmsim flags: its constants where the scenario sets them. */
static void host_flags(const struct sc_host *h, char *buf, size_t len)
{
	const char *names[6] = { "step-base",	      "step-per-seq", "step-per-ctx-token",
				 "prefill-per-token", "prefill-base", "prefill-floor" };
	const double vals[6] = { h->step_base,	       h->step_per_seq, h->step_per_ctx_token,
				 h->prefill_per_token, h->prefill_base, h->prefill_floor };
	size_t n = 0;

	n += snprintf(buf + n, len - n, "--profile %s --gpus %u --kv-blocks %u --block-size %u",
		      h->profile ? "slow" : "fast", h->gpus, h->kv_blocks, h->block_size);
	for (int i = 0; i < 6; i++)
		if (vals[i] != SC_UNSET)
			n += snprintf(buf + n, len - n, " --%s %.9g", names[i], vals[i]);
	if (h->max_batched_tokens)
		n += snprintf(buf + n, len - n, " --max-batched-tokens %u", h->max_batched_tokens);
	if (h->max_seqs)
		n += snprintf(buf + n, len - n, " --max-seqs %u", h->max_seqs);
	if (h->prefix_cache_blocks != SC_UNSET)
		n += snprintf(buf + n, len - n, " --prefix-cache-blocks %.0f",
			      h->prefix_cache_blocks);
	if (h->bg_rate > 0)
		snprintf(buf + n, len - n, " --background %g --bg-prompt %u --bg-output %u",
			 h->bg_rate, h->bg_prompt, h->bg_output);
}

static int server_start(struct bench *b, const struct scenario *sc, int h, __u64 seed)
{
	char flags[512];

	host_flags(&sc->hosts[h], flags, sizeof(flags));
	return netns_run(b->lab.h[h],
			 "nohup %s/tools/llmsim --listen 0.0.0.0:80 --name h%d %s --time-scale %g "
			 "--seed %llu >>%s/llmsim-h%d.log 2>&1 & echo $! > %s/llmsim-h%d.pid",
			 b->build, h + 1, flags, sc->time_scale,
			 (unsigned long long)(seed * 100 + h + 1), b->out, h + 1, b->out, h + 1) ?
		       -EIO :
		       0;
}

/* Fresh servers with the scenario's hosts, seeded per run, then a moment
 * for the background to reach its steady state. */
static int servers_start(struct bench *b, const struct scenario *sc, __u64 seed)
{
	int err = 0;

	servers_stop(b, sc->n_hosts);
	for (unsigned int h = 0; !err && h < sc->n_hosts; h++)
		err = server_start(b, sc, h, seed);
	for (unsigned int h = 0; !err && h < sc->n_hosts; h++)
		err = lab_wait_http(&b->lab, h + 1, VIP, 80);
	return err;
}

/* loadgen binds a session's connections to a block of this many ports
 * (tools/lab/loadgen): the affinity policy's clients. */
#define LOADGEN_SESSION_PORTS 64

/* One service over every host: name, id, VIP, tenant and VNI; its
 * backends' ids from id_base + 1. */
static void agent_service(FILE *f, const struct scenario *sc, enum sc_policy p, const char *name,
			  int id, const char *vip, const char *tenant, int vni, int id_base)
{
	fprintf(f,
		"  - name: %s\n    id: %d\n    vip: %s\n    port: 80\n"
		"    tenant: %s\n    policy: %s\n",
		name, id, vip, tenant, policies[p].cfg);
	if (p == SC_P_AFFINITY)
		fprintf(f, "    affinity: {port_block: %d, balance: 1.25}\n",
			LOADGEN_SESSION_PORTS);
	fprintf(f, "    backends:\n");
	/* The health checks' defaults (2 s, timeout 1 s) on the lab's clock:
	 * llmsim runs time-scaled, so do they. */
	for (unsigned int h = 1; h <= sc->n_hosts; h++)
		fprintf(f,
			"      - {name: h%u, id: %u, vtep: 198.18.%u.2, capacity: %.0f, "
			"inner_mac: \"02:00:00:00:%02x:%02x\",\n"
			"         metrics: [{url: \"http://198.18.%u.2/metrics\", format: vllm}],\n"
			"         health: {type: tcp, interval: %dms, timeout: %dms}}\n",
			h, id_base + h, 10 + h, sc->hosts[h - 1].capacity, vni, h, 10 + h,
			(int)(2000 * sc->time_scale), (int)(1000 * sc->time_scale));
}

static int agent_config(struct bench *b, const struct scenario *sc, enum sc_policy p, char *path,
			size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/infergate-%s.yaml", b->out, sc_policy_name(p));
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"interfaces: [{name: g0, role: gateway}]\n"
		"gateway: {vtep: " LAB_GW_VTEP "}\n"
		"tenants:\n  - {name: bench, id: 1, vni: %d, priority: interactive}\n",
		VNI);
	/* The batch tenant's refusals answered with a RST: its client fails at
	 * once instead of retrying SYNs. */
	if (sc->batch.rate > 0)
		fprintf(f, "  - {name: %s, id: 2, vni: %d, priority: %s, limits: {refuse: rst}}\n",
			sc->batch.name, VNI_BATCH, sc_class_name(sc->batch.cls));
	fprintf(f, "services:\n");
	agent_service(f, sc, p, "chat", 1, VIP, "bench", VNI, 0);
	if (sc->batch.rate > 0)
		agent_service(f, sc, p, "batch", 2, VIP_BATCH, sc->batch.name, VNI_BATCH,
			      BATCH_BACKEND_ID);
	/* The TTFT estimate's 2 s on the lab's clock too. */
	fprintf(f,
		"telemetry: {interval: 200ms, timeout: 150ms}\n"
		"scoring: {ttft_slo: %dms}\n"
		"metrics: {listen: \"127.0.0.1:9489\"}\n",
		(int)(2000 * sc->time_scale));
	return fclose(f) ? -errno : 0;
}

/* infergated in the gateway namespace, pinned under a root of this run's
 * own (no connection entry or in-flight count carries over), until its
 * XDP link exists; then a few scrapes so weights follow telemetry. */
static int agent_start(struct bench *b, const struct scenario *sc, enum sc_policy policy)
{
	char cfg[320], pid[32], *root = b->root;
	int err;

	err = agent_config(b, sc, policy, cfg, sizeof(cfg));
	if (err)
		return err;
	snprintf(b->root, sizeof(b->root), "%s/run%d/v%d", b->pins, ++b->run, IG_ABI_VERSION);
	err = netns_run(NULL,
			"nsenter --net=/run/netns/%s %s/infergated --config %s --pin-root %s "
			"--detach >>%s/agent.log 2>&1 & echo $! > %s/agent.pid; "
			"for t in $(seq 100); do test -e %s/links/g0-xdp && exit 0; sleep 0.1; "
			"done; exit 1",
			b->lab.gw, b->build, cfg, root, b->out, b->out, root);
	if (err || netns_run_output(NULL, pid, sizeof(pid), "cat %s/agent.pid", b->out))
		return -EIO;
	b->agent_pid = atoi(pid);
	sleep_s(sc_settle(b, sc));
	return 0;
}

static void agent_stop(struct bench *b)
{
	if (b->agent_pid <= 0)
		return;
	kill(b->agent_pid, SIGTERM); /* --detach: it takes its program off g0 */
	for (int t = 0; t < 50 && netns_proc_running(b->agent_pid); t++)
		usleep(50 * 1000);
	b->agent_pid = 0;
}

/* kube-proxy's rules for a ClusterIP Service with an endpoint per host: one
 * chain per service, each endpoint chosen with the statistic match so that
 * all are equally likely, DNAT to the endpoint; conntrack undoes it on the
 * replies, which come back through the gateway (the hosts' route). */
static int iptables_service(struct bench *b, unsigned int n, const char *chain, const char *vip)
{
	char rules[2048];
	int len = 0;

	len += snprintf(rules + len, sizeof(rules) - len,
			"iptables -t nat -N %s && "
			"iptables -t nat -A PREROUTING -d %s/32 -p tcp --dport 80 -j %s",
			chain, vip, chain);
	for (unsigned int h = 1; h <= n; h++) {
		len += snprintf(rules + len, sizeof(rules) - len,
				" && iptables -t nat -A %s -p tcp", chain);
		if (h < n)
			len += snprintf(rules + len, sizeof(rules) - len,
					" -m statistic --mode random --probability %.11f",
					1.0 / (n - h + 1));
		len += snprintf(rules + len, sizeof(rules) - len,
				" -j DNAT --to-destination 198.18.%u.2:80", 10 + h);
	}
	return netns_run(b->lab.gw, "%s", rules) ? -EIO : 0;
}

static int iptables_on(struct bench *b, const struct scenario *sc)
{
	int err = iptables_service(b, sc->n_hosts, "IG-SVC-CHAT", VIP);

	if (!err && sc->batch.rate > 0)
		err = iptables_service(b, sc->n_hosts, "IG-SVC-BATCH", VIP_BATCH);
	return err;
}

static void iptables_off(struct bench *b)
{
	netns_run(b->lab.gw, "iptables -t nat -F && iptables -t nat -X 2>/dev/null; "
			     "conntrack -F 2>/dev/null; true");
}

/* ---- failure events, beside the workload ---- */

static void event_do(struct bench *b, const struct scenario *sc, const struct sc_event *e,
		     __u64 seed)
{
	int h = (int)e->host;

	switch (e->action) {
	case SC_KILL:
		netns_run(b->lab.h[h], "kill -9 $(cat %s/llmsim-h%d.pid) 2>/dev/null; true", b->out,
			  h + 1);
		break;
	case SC_RESTART:
		server_stop(b, h);
		server_start(b, sc, h, seed + 1000);
		break;
	case SC_DRAIN:
	case SC_UNDRAIN:
		if (b->agent_pid > 0)
			netns_run(NULL, "%s/infergatectl --pin-root %s %s chat/h%d >/dev/null",
				  b->build, b->root, e->action == SC_DRAIN ? "drain" : "undrain",
				  h + 1);
		break;
	}
}

/* A child process that carries out the events at their times after t0;
 * drain and undrain need the agent (the policies without it ignore them). */
static pid_t events_start(struct bench *b, const struct scenario *sc, __u64 seed)
{
	double t0 = mono_s();
	pid_t pid;

	if (!sc->n_events)
		return 0;
	pid = fork();
	if (pid)
		return pid < 0 ? 0 : pid;
	for (unsigned int i = 0; i < sc->n_events; i++) {
		sleep_s(t0 + ns_s(sc->events[i].at_ns) - mono_s());
		event_do(b, sc, &sc->events[i], seed);
	}
	_exit(0);
}

static void events_wait(pid_t pid)
{
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* ---- loadgen and its JSON ---- */

/* loadgen's targets: the VIP, or for the oracle every host straight. */
static void loadgen_targets(const struct scenario *sc, enum sc_policy p, const char *vip, char *buf,
			    size_t len)
{
	int n = 0;

	if (p != SC_P_ORACLE) {
		snprintf(buf, len, "--target http://%s/v1/completions", vip);
		return;
	}
	for (unsigned int h = 1; h <= sc->n_hosts; h++)
		n += snprintf(buf + n, len - n, "--target http://198.18.%u.2/v1/completions ",
			      10 + h);
	snprintf(buf + n, len - n, "--oracle");
}

static int loadgen_run(struct bench *b, const struct scenario *sc, double mult, enum sc_policy p,
		       __u64 seed, const char *json)
{
	char targets[1024], work[1024], tenants[1024];
	int k = 0;

	loadgen_targets(sc, p, VIP, targets, sizeof(targets));
	for (unsigned int t = 0; t < sc->n_tenants; t++)
		k += snprintf(tenants + k, sizeof(tenants) - k, " --tenant %s:%g:%s:%g:%g",
			      sc->tenants[t].name, sc->tenants[t].share,
			      sc_class_name(sc->tenants[t].cls), sc->tenants[t].slo_ttft_ns / 1e6,
			      sc->tenants[t].slo_tpot_ns / 1e6);
	if (sc->sessions)
		snprintf(work, sizeof(work),
			 "--sessions %u --turns %s --think %s --stagger %g --duration %g",
			 sc->sessions, sc->turns, sc->think, ns_s(sc->stagger_ns),
			 sc_duration(b, sc));
	else if (!strncmp(sc->arrival, "trace:", 6))
		snprintf(work, sizeof(work), "--arrival %s", sc->arrival);
	else
		snprintf(work, sizeof(work), "--rate %g --duration %g --arrival %s",
			 sc->rate * mult, sc_duration(b, sc), sc->arrival);
	return netns_run(b->lab.cl,
			 "%s/tools/loadgen %s %s%s%s --prompt %s --output %s --system-prompt %u "
			 "--seed %llu --drain %g --max-context %u --slo-ttft %g --slo-tpot %g "
			 "--json %s >%s.txt 2>&1",
			 b->build, targets, work, tenants,
			 sc->new_connection ? " --new-connection" : "", sc->prompt, sc->output,
			 sc->system_prompt, (unsigned long long)seed, ns_s(sc->drain_ns),
			 sc->max_context, sc->slo_ttft_ns / 1e6, sc->slo_tpot_ns / 1e6, json, json);
}

/* The batch tenant's loadgen, in the background beside the workload's:
 * open loop at its rate for the same duration, to its own VIP (the oracle:
 * straight to the least-loaded host, as for the workload). Returns the
 * shell's pid, or 0 for none. */
static pid_t batch_start(struct bench *b, const struct scenario *sc, enum sc_policy p, __u64 seed,
			 const char *json)
{
	char targets[1024];
	pid_t pid;

	if (!(sc->batch.rate > 0) || b->no_batch)
		return 0;
	loadgen_targets(sc, p, VIP_BATCH, targets, sizeof(targets));
	pid = fork();
	if (pid)
		return pid < 0 ? 0 : pid;
	_exit(netns_run(b->lab.cl,
			"%s/tools/loadgen %s --rate %g --duration %g --arrival %s "
			"--tenant %s:1:%s:0:0%s --prompt %s --output %s --seed %llu --drain %g "
			"--max-context %u --json %s >%s.txt 2>&1",
			b->build, targets, sc->batch.rate, sc_duration(b, sc), sc->batch.arrival,
			sc->batch.name, sc_class_name(sc->batch.cls),
			sc->batch.new_connection ? " --new-connection" : "", sc->batch.prompt,
			sc->batch.output, (unsigned long long)seed + 5000, ns_s(sc->drain_ns),
			sc->max_context, json, json) ?
		      1 :
		      0);
}

/* The number after "key": at or after from; 0 when absent. */
static double json_num(const char *text, const char *from, const char *key)
{
	const char *p = strstr(from ? from : text, key);

	return p ? atof(p + strlen(key)) : 0;
}

/* A run's figures from loadgen's JSON, and every completed request's TTFT,
 * one a line, for the CDF. */
/* A loadgen JSON file's text (a buffer of its own, until the next call), or
 * NULL with errno set. */
static const char *json_load(const char *json)
{
	static char text[1 << 23];
	FILE *f = fopen(json, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	return text;
}

static int run_read(const char *json, struct run *r, const char *cdf)
{
	const char *text = json_load(json), *ttft, *e2e, *line;
	FILE *out;

	memset(r, 0, sizeof(*r));
	if (!text)
		return -errno;
	r->ran = true;
	r->requests = (int)json_num(text, NULL, "\"requests\": ");
	r->completed = (int)json_num(text, NULL, "\"completed\": ");
	r->failed = (int)json_num(text, NULL, "\"failed\": ");
	/* within the arrivals' window, so one straggler does not move it; a
	 * trace has no window */
	r->tok_s = json_num(text, NULL, "\"window_output_tokens_per_s\": ") ?:
			   json_num(text, NULL, "\"output_tokens_per_s\": ");
	ttft = strstr(text, "\"ttft_ms\": {");
	e2e = strstr(text, "\"e2e_ms\": {");
	r->ttft_mean = ttft ? json_num(text, ttft, "\"mean\": ") : 0;
	r->ttft_p90 = ttft ? json_num(text, ttft, "\"p90\": ") : 0;
	r->e2e_mean = e2e ? json_num(text, e2e, "\"mean\": ") : 0;
	out = fopen(cdf, "w");
	if (!out)
		return -errno;
	line = strstr(text, "\"requests\": [");
	while (line && (line = strchr(line, '\n'))) {
		char buf[1024];
		const char *be;

		line++;
		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(line, "\n"), line);
		if (!strstr(buf, "\"ok\": true"))
			continue;
		fprintf(out, "%.3f\n", json_num(buf, NULL, "\"ttft_ms\": "));
		be = strstr(buf, "\"backend\": \"h");
		if (be) {
			int h = atoi(be + 13);

			if (h >= 1 && h <= SC_HOSTS_MAX)
				r->per_host[h - 1]++;
		}
	}
	return fclose(out) ? -errno : 0;
}

/* The batch tenant's run: its loadgen's counts and tokens/s. */
static void batch_read(const char *json, struct run *r)
{
	const char *text = json_load(json);

	if (!text)
		return;
	r->batch_completed = (int)json_num(text, NULL, "\"completed\": ");
	r->batch_failed = (int)json_num(text, NULL, "\"failed\": ");
	r->batch_tok_s = json_num(text, NULL, "\"window_output_tokens_per_s\": ");
}

/* The gateway's shed refusals of the batch tenant's new connections so
 * far, from the running agent's /metrics. */
static double batch_shed(struct bench *b, const struct scenario *sc)
{
	char out[64];

	if (!(sc->batch.rate > 0) || !b->agent_pid)
		return 0;
	if (netns_run_output(b->lab.gw, out, sizeof(out),
			     "curl -s -m 2 http://127.0.0.1:9489/metrics | awk '/^"
			     "infergate_tenant_refusals_total\\{tenant=\"%s\",reason=\"shed-/ "
			     "{ n += $NF } END { print n + 0 }'",
			     sc->batch.name))
		return 0;
	return atof(out);
}

/* ---- runs ---- */

/* One scenario at one load under one policy with one seed; tag names its
 * files. */
static int run_one(struct bench *b, const struct scenario *sc, double mult, enum sc_policy p,
		   __u64 seed, const char *tag, struct run *r)
{
	const char *name = b->no_batch ? "alone" : sc_policy_name(p);
	char json[400], cdf[400], bjson[420];
	pid_t ev, batch;
	double shed = 0;
	int err;

	snprintf(json, sizeof(json), "%s/%s-%s-s%llu.json", b->out, tag, name,
		 (unsigned long long)seed);
	snprintf(cdf, sizeof(cdf), "%s/%s-%s-s%llu.ttft", b->out, tag, name,
		 (unsigned long long)seed);
	printf("  %-13s seed %-4llu", name, (unsigned long long)seed);
	fflush(stdout);
	err = servers_start(b, sc, seed);
	if (!err && policies[p].cfg)
		err = agent_start(b, sc, p);
	else if (!err)
		sleep_s(sc_settle(b, sc)); /* the same time for the background to settle */
	if (!err && p == SC_P_IPTABLES)
		err = iptables_on(b, sc);
	snprintf(bjson, sizeof(bjson), "%s/%s-%s-s%llu-batch.json", b->out, tag, name,
		 (unsigned long long)seed);
	if (!err) {
		ev = events_start(b, sc, seed);
		batch = batch_start(b, sc, p, seed, bjson);
		if (loadgen_run(b, sc, mult, p, seed, json))
			printf(" (loadgen: some requests failed, see %s.txt)", json);
		events_wait(ev);
		events_wait(batch);
		shed = batch_shed(b, sc);
	}
	agent_stop(b);
	if (p == SC_P_IPTABLES)
		iptables_off(b);
	err = err ?: run_read(json, r, cdf);
	if (err) {
		printf(" FAILED (%d)\n", err);
		return err;
	}
	if (batch) {
		batch_read(bjson, r);
		r->batch_shed = shed;
	}
	printf(" %5d ok %3d failed %8.1f tok/s  TTFT mean %7.1f p90 %7.1f ms  e2e mean %7.1f ms [",
	       r->completed, r->failed, r->tok_s, r->ttft_mean, r->ttft_p90, r->e2e_mean);
	for (unsigned int h = 0; h < sc->n_hosts; h++)
		printf("%s%d", h ? ", " : "", r->per_host[h]);
	printf("]");
	if (batch)
		printf("  batch: %d ok %d failed %.1f tok/s, %.0f shed", r->batch_completed,
		       r->batch_failed, r->batch_tok_s, r->batch_shed);
	printf("\n");
	return 0;
}

static unsigned int run_policies(const struct bench *b, const struct scenario *sc)
{
	return b->policy_mask ? b->policy_mask & sc->policies : sc->policies;
}

static unsigned int run_seeds(const struct bench *b, const struct scenario *sc)
{
	return b->max_seeds && b->max_seeds < sc->n_seeds ? b->max_seeds : sc->n_seeds;
}

/* Every policy, seed by seed: the seeds' runs of different policies
 * alternate, so a slow moment of the machine does not fall on one policy. */
static int run_load(struct bench *b, const struct scenario *sc, double mult, const char *tag,
		    struct cell cells[CELLS])
{
	int err = 0;

	printf("\n%s (%s)", sc->title, tag);
	if (sc->rate > 0 && !sc->sessions)
		printf(", %g requests/s", sc->rate * mult);
	printf("\n");
	for (unsigned int s = 0; s < run_seeds(b, sc); s++) {
		for (int p = 0; p < POLICIES; p++) {
			if (!(run_policies(b, sc) & (1u << p)))
				continue;
			err = run_one(b, sc, mult, p, sc->seeds[s], tag, &cells[p].runs[s]) ?: err;
			cells[p].n = s + 1;
		}
		if (sc->batch.rate > 0) {
			b->no_batch = true;
			err = run_one(b, sc, mult, SC_P_LL, sc->seeds[s], tag, &cells[ALONE].runs[s]) ?:
				      err;
			b->no_batch = false;
			cells[ALONE].n = s + 1;
		}
	}
	return err;
}

/* ---- the report ---- */

struct stat3 {
	double mean, lo, hi;
};

/* Mean and range of a field over a cell's runs. */
static struct stat3 cell_stat(const struct cell *c, size_t off)
{
	struct stat3 s = { 0, INFINITY, -INFINITY };
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->n; i++) {
		double v;

		if (!c->runs[i].ran)
			continue;
		v = *(const double *)((const char *)&c->runs[i] + off);
		s.mean += v;
		s.lo = fmin(s.lo, v);
		s.hi = fmax(s.hi, v);
		n++;
	}
	if (!n)
		return (struct stat3){ 0, 0, 0 };
	s.mean /= n;
	return s;
}

#define STAT(c, field) cell_stat(c, offsetof(struct run, field))

static bool cell_ran(const struct cell *c)
{
	return c->n && c->runs[0].ran;
}

/* "1234 [1200–1260]", or the mean alone with one seed. */
static void fmt_stat(char *buf, size_t len, struct stat3 s, unsigned int n)
{
	if (n > 1)
		snprintf(buf, len, "%.1f [%.0f–%.0f]", s.mean, s.lo, s.hi);
	else
		snprintf(buf, len, "%.1f", s.mean);
}

/* A difference is beyond noise when the seeds' ranges do not overlap. */
static const char *noise(struct stat3 a, struct stat3 b, unsigned int n)
{
	if (n < 2)
		return "";
	return a.hi < b.lo || b.hi < a.lo ? "" : " (noise)";
}

static void report_table(FILE *f, const struct bench *b, const struct scenario *sc, double mult,
			 const struct cell cells[CELLS])
{
	const struct cell *rr = &cells[SC_P_RR], *orc = &cells[SC_P_ORACLE];
	struct stat3 rr_tok = STAT(rr, tok_s), rr_ttft = STAT(rr, ttft_mean),
		     or_p90 = STAT(orc, ttft_p90), or_tok = STAT(orc, tok_s);

	fprintf(f, "\n### %s", sc->title);
	if (sc->rate > 0 && !sc->sessions)
		fprintf(f, " (%g requests/s offered)", sc->rate * mult);
	fprintf(f, "\n\n%u seed(s); mean [min–max] over them; \"(noise)\": the ranges overlap.\n\n",
		run_seeds(b, sc));
	fprintf(f, "| policy | done | failed | output tok/s | vs RR | vs oracle | mean TTFT ms | "
		   "vs RR | p90 TTFT ms | vs oracle | mean e2e ms | requests per backend |\n"
		   "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
	for (int p = 0; p < POLICIES; p++) {
		const struct cell *c = &cells[p];
		struct stat3 tok = STAT(c, tok_s), ttft = STAT(c, ttft_mean),
			     p90 = STAT(c, ttft_p90), e2e = STAT(c, e2e_mean);
		char t[64], m[64], q[64], e[64], hosts[128] = "";
		int done = 0, failed = 0, len = 0;

		if (!cell_ran(c)) {
			if (run_policies(b, sc) & (1u << p))
				fprintf(f, "| %s | did not run | | | | | | | | | | |\n",
					policies[p].label);
			continue;
		}
		for (unsigned int i = 0; i < c->n; i++) {
			done += c->runs[i].completed;
			failed += c->runs[i].failed;
		}
		for (unsigned int h = 0; h < sc->n_hosts; h++) {
			int sum = 0;

			for (unsigned int i = 0; i < c->n; i++)
				sum += c->runs[i].per_host[h];
			len += snprintf(hosts + len, sizeof(hosts) - len, "%s%d", h ? ", " : "",
					sum);
		}
		fmt_stat(t, sizeof(t), tok, c->n);
		fmt_stat(m, sizeof(m), ttft, c->n);
		fmt_stat(q, sizeof(q), p90, c->n);
		fmt_stat(e, sizeof(e), e2e, c->n);
		fprintf(f, "| %s | %d | %d | %s | ", policies[p].label, done, failed, t);
		if (cell_ran(rr) && rr_tok.mean > 0)
			fprintf(f, "%+.0f%%%s", (tok.mean / rr_tok.mean - 1) * 100,
				noise(tok, rr_tok, c->n));
		fprintf(f, " | ");
		if (cell_ran(orc) && or_tok.mean > 0)
			fprintf(f, "%.2f×", tok.mean / or_tok.mean);
		fprintf(f, " | %s | ", m);
		if (cell_ran(rr) && rr_ttft.mean > 0)
			fprintf(f, "%+.0f%%%s", (ttft.mean / rr_ttft.mean - 1) * 100,
				noise(ttft, rr_ttft, c->n));
		fprintf(f, " | %s | ", q);
		if (cell_ran(orc) && or_p90.mean > 0)
			fprintf(f, "%.2f×%s", p90.mean / or_p90.mean, noise(p90, or_p90, c->n));
		fprintf(f, " | %s | %s |\n", e, hosts);
	}
}

/* infergate's best policy among those that ran: the lowest p90 TTFT of
 * Maglev, least-loaded and affinity; SC_P__MAX when none ran. */
static enum sc_policy best_policy(const struct cell cells[CELLS])
{
	static const enum sc_policy ours[] = { SC_P_MAGLEV, SC_P_LL, SC_P_AFFINITY };
	enum sc_policy best = SC_P__MAX;

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (cell_ran(&cells[ours[i]]) &&
		    (best == SC_P__MAX ||
		     STAT(&cells[ours[i]], ttft_p90).mean < STAT(&cells[best], ttft_p90).mean))
			best = ours[i];
	return best;
}

/* A scenario with a batch tenant: the interactive tenant's p90 TTFT under
 * each policy against its value without the batch tenant (least-loaded),
 * and what became of the batch tenant: answered, refused (RSTs from the
 * gateway's shedding: loadgen's failures), shed as the agent counted. */
static void report_batch(FILE *f, const struct scenario *sc, const struct cell cells[CELLS])
{
	struct stat3 alone = STAT(&cells[ALONE], ttft_p90);
	enum sc_policy best = best_policy(cells);
	char q[64];

	if (!(sc->batch.rate > 0) || !cell_ran(&cells[ALONE]))
		return;
	fprintf(f,
		"\nWith the batch tenant `%s` (%s class, its own VIP and VNI, %g requests/s "
		"open loop) beside the workload; interactive p90 TTFT without it "
		"(least-loaded): %s ms.\n\n",
		sc->batch.name, sc_class_name(sc->batch.cls), sc->batch.rate,
		(fmt_stat(q, sizeof(q), alone, cells[ALONE].n), q));
	fprintf(f, "| policy | interactive p90 TTFT ms | × without batch | batch done | batch "
		   "refused | batch shed (agent) | batch tok/s |\n"
		   "|---|---:|---:|---:|---:|---:|---:|\n");
	for (int p = 0; p < POLICIES; p++) {
		const struct cell *c = &cells[p];
		int done = 0, failed = 0;
		double shed = 0;
		char t[64];

		if (!cell_ran(c))
			continue;
		for (unsigned int i = 0; i < c->n; i++) {
			done += c->runs[i].batch_completed;
			failed += c->runs[i].batch_failed;
			shed += c->runs[i].batch_shed;
		}
		fmt_stat(q, sizeof(q), STAT(c, ttft_p90), c->n);
		fmt_stat(t, sizeof(t), STAT(c, batch_tok_s), c->n);
		fprintf(f, "| %s | %s | %.2f× | %d | %d | %.0f | %s |\n", policies[p].label, q,
			alone.mean > 0 ? STAT(c, ttft_p90).mean / alone.mean : 0, done, failed,
			shed, t);
	}
	if (best != SC_P__MAX && alone.mean > 0) {
		double r = STAT(&cells[best], ttft_p90).mean / alone.mean;

		fprintf(f,
			"\nTarget, %s: interactive p90 TTFT %.2f× its value without the batch "
			"tenant (target ≤ 2×: %s).\n",
			policies[best].label, r, r <= 2 ? "met" : "missed");
	}
}

/* The targets for infergate's better policy (lower p90 TTFT): at
 * least 0.95x the oracle's tokens/s and at most 1.25x its p90 TTFT; and the
 * seed targets against round-robin. */
static void report_targets(FILE *f, const struct cell cells[CELLS])
{
	const struct cell *rr = &cells[SC_P_RR], *orc = &cells[SC_P_ORACLE];
	const struct cell *ll = &cells[SC_P_LL], *aff = &cells[SC_P_AFFINITY];
	enum sc_policy best = best_policy(cells);
	struct stat3 tok, p90, ttft, e2e;

	if (best == SC_P__MAX)
		return;
	tok = STAT(&cells[best], tok_s);
	p90 = STAT(&cells[best], ttft_p90);
	ttft = STAT(&cells[best], ttft_mean);
	e2e = STAT(&cells[best], e2e_mean);
	if (cell_ran(orc) || cell_ran(rr))
		fprintf(f, "\nTargets, %s:", policies[best].label);
	if (cell_ran(orc)) {
		double t = tok.mean / STAT(orc, tok_s).mean,
		       q = p90.mean / STAT(orc, ttft_p90).mean;

		fprintf(f,
			" output tokens/s %.2f× the oracle's (target ≥ 0.95×: %s), p90 TTFT %.2f× "
			"the oracle's (target ≤ 1.25×: %s);",
			t, t >= 0.95 ? "met" : "missed", q, q <= 1.25 ? "met" : "missed");
	}
	if (cell_ran(rr)) {
		double t = (tok.mean / STAT(rr, tok_s).mean - 1) * 100;
		double m = (1 - ttft.mean / STAT(rr, ttft_mean).mean) * 100;
		double e = (1 - e2e.mean / STAT(rr, e2e_mean).mean) * 100;

		fprintf(f,
			" against round-robin: tokens/s %+.0f%% (+40%%: %s), mean TTFT %.0f%% lower "
			"(61%%: %s), mean e2e %.0f%% lower (34%%: %s)",
			t, t >= 40 ? "met" : "missed", m, m >= 61 ? "met" : "missed", e,
			e >= 34 ? "met" : "missed");
	}
	if (cell_ran(orc) || cell_ran(rr))
		fprintf(f, ".\n");
	if (cell_ran(aff) && cell_ran(ll)) {
		double t = (STAT(aff, tok_s).mean / STAT(ll, tok_s).mean - 1) * 100;

		fprintf(f,
			"Client affinity against least-loaded: tokens/s %+.0f%%%s (target with a "
			"new connection per turn and shared prefixes: +30%%: %s).\n",
			t, noise(STAT(aff, tok_s), STAT(ll, tok_s), aff->n),
			t >= 30 ? "met" : "missed");
	}
}

/* TTFT CDFs of the first seed, and requests per backend. */
static void plot_scenario(FILE *f, const struct bench *b, const struct scenario *sc,
			  const char *tag, const struct cell cells[CELLS])
{
	bool first = true;

	fprintf(f,
		"set output '%s/ttft-cdf-%s.png'\nset title 'TTFT CDF, %s'\n"
		"set xlabel 'time to first token (ms)'\nset ylabel 'fraction of requests'\n"
		"set logscale x\nset yrange [0:1]\nset style data lines\nplot ",
		b->out, tag, tag);
	for (int p = 0; p < POLICIES; p++) {
		if (!cell_ran(&cells[p]))
			continue;
		fprintf(f, "%s'%s/%s-%s-s%llu.ttft' using 1:(1.0) smooth cnormal lw 2 title '%s'",
			first ? "" : ", ", b->out, tag, sc_policy_name(p),
			(unsigned long long)sc->seeds[0], sc_policy_name(p));
		first = false;
	}
	fprintf(f, "\nunset logscale x\nset yrange [*:*]\n");
	fprintf(f,
		"set output '%s/backends-%s.png'\nset title 'Requests per backend, %s'\n"
		"set style data histograms\nset style fill solid 0.8\nset xlabel 'policy'\n"
		"set ylabel 'requests (all seeds)'\nplot ",
		b->out, tag, tag);
	for (unsigned int h = 0; h < sc->n_hosts; h++)
		fprintf(f, "%s'%s/backends-%s.dat' using %u:xtic(1) title 'h%u'", h ? ", " : "",
			b->out, tag, h + 2, h + 1);
	fprintf(f, "\nset style data lines\n");
}

static int backends_write(const struct bench *b, const struct scenario *sc, const char *tag,
			  const struct cell cells[CELLS])
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/backends-%s.dat", b->out, tag);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (int p = 0; p < POLICIES; p++) {
		if (!cell_ran(&cells[p]))
			continue;
		fprintf(f, "%s", sc_policy_name(p));
		for (unsigned int h = 0; h < sc->n_hosts; h++) {
			int sum = 0;

			for (unsigned int i = 0; i < cells[p].n; i++)
				sum += cells[p].runs[i].per_host[h];
			fprintf(f, " %d", sum);
		}
		fprintf(f, "\n");
	}
	return fclose(f) ? -errno : 0;
}

/* tokens/s and p90 TTFT against offered load, for a scenario with a sweep. */
static int sweep_write(FILE *gp, const struct bench *b, const struct scenario *sc,
		       struct cell (*loads)[CELLS], unsigned int n)
{
	char path[400];
	double order[SC_SWEEP_MAX];
	unsigned int idx[SC_SWEEP_MAX];
	FILE *f;
	bool first;

	snprintf(path, sizeof(path), "%s/sweep-%.63s.dat", b->out, sc->name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	/* ascending load */
	for (unsigned int i = 0; i < n; i++) {
		order[i] = sc->sweep[i];
		idx[i] = i;
	}
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && order[j] < order[j - 1]; j--) {
			double t = order[j];
			unsigned int k = idx[j];

			order[j] = order[j - 1], idx[j] = idx[j - 1];
			order[j - 1] = t, idx[j - 1] = k;
		}
	for (unsigned int i = 0; i < n; i++) {
		fprintf(f, "%g", sc->rate * order[i]);
		for (int p = 0; p < POLICIES; p++)
			fprintf(f, " %.1f %.1f", STAT(&loads[idx[i]][p], tok_s).mean,
				STAT(&loads[idx[i]][p], ttft_p90).mean);
		fprintf(f, "\n");
	}
	if (fclose(f))
		return -errno;
	fprintf(gp, "set key top left\nset xlabel 'offered load (requests/s)'\n");
	for (int k = 0; k < 2; k++) {
		fprintf(gp,
			"set output '%s/sweep-%s-%s.png'\nset title '%s, %s against offered load'\n"
			"set ylabel '%s'\nplot ",
			b->out, sc->name, k ? "p90-ttft" : "tokens", sc->name,
			k ? "p90 TTFT" : "output tokens/s",
			k ? "p90 TTFT (ms)" : "output tokens/s");
		first = true;
		for (int p = 0; p < POLICIES; p++) {
			if (!cell_ran(&loads[0][p]))
				continue;
			fprintf(gp, "%s'%s' using 1:%d with linespoints lw 2 title '%s'",
				first ? "" : ", ", path, 2 + 2 * p + k, sc_policy_name(p));
			first = false;
		}
		fprintf(gp, "\n%s", k ? "unset logscale y\n" : "set logscale y\n");
	}
	return 0;
}

static void bench_cleanup(struct bench *b, unsigned int nhosts)
{
	agent_stop(b);
	servers_stop(b, nhosts);
	lab_destroy(&b->lab);
	netns_run(NULL, "rm -rf %s", b->pins);
}

/* Everything for one scenario: its lab, its loads, its report section. */
static int scenario_run(struct bench *b, const struct scenario *sc, FILE *md, FILE *gp)
{
	static struct cell loads[SC_SWEEP_MAX][CELLS];
	unsigned int nloads = b->quick ? 1 : sc->n_sweep;
	char tag[96];
	int err;

	memset(loads, 0, sizeof(loads));
	printf("\n== %s: %u hosts (time scale %g), %g s per run\n", sc->name, sc->n_hosts,
	       sc->time_scale, sc_duration(b, sc));
	err = lab_create(&b->lab, (int)sc->n_hosts);
	for (unsigned int h = 1; !err && h <= sc->n_hosts; h++)
		err = lab_host_vni(&b->lab, (int)h, VNI, VIP);
	for (unsigned int h = 1; !err && sc->batch.rate > 0 && h <= sc->n_hosts; h++)
		err = lab_host_vni(&b->lab, (int)h, VNI_BATCH, VIP_BATCH);
	/* The batch tenant's refusals are RSTs sent back with XDP_TX: a veth
	 * peer takes them only with an XDP program of its own. */
	if (!err && sc->batch.rate > 0)
		err = lab_client_xdp_pass(&b->lab);
	/* The oracle reaches the hosts directly, through the gateway's stack. */
	err = err ?:
		      netns_run(b->lab.cl, "ip route add 198.18.8.0/21 via 198.18.0.1 && "
					   "ip route add 198.18.16.0/21 via 198.18.0.1") ?
		      -EIO :
		      0;
	for (unsigned int i = 0; !err && i < nloads; i++) {
		if (nloads > 1)
			snprintf(tag, sizeof(tag), "%.63s-x%g", sc->name, sc->sweep[i]);
		else
			snprintf(tag, sizeof(tag), "%.63s", sc->name);
		run_load(b, sc, sc->sweep[i], tag, loads[i]);
		report_table(md, b, sc, sc->sweep[i], loads[i]);
		if (i == 0)
			report_targets(md, loads[i]);
		report_batch(md, sc, loads[i]);
		plot_scenario(gp, b, sc, tag, loads[i]);
		err = backends_write(b, sc, tag, loads[i]);
	}
	if (!err && nloads > 1)
		err = sweep_write(gp, b, sc, loads, nloads);
	bench_cleanup(b, sc->n_hosts);
	if (err)
		return err;
	for (unsigned int i = 0; i < nloads; i++)
		for (int p = 0; p < POLICIES; p++)
			for (unsigned int s = 0; s < loads[i][p].n; s++)
				if (!loads[i][p].runs[s].completed)
					return -EIO; /* a policy that completed nothing */
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ig-bench-routing [--out DIR] [--scenario FILE ...] [--policy NAME ...]\n"
		"                        [--seeds N] [--quick] [--duration S] [--settle S]\n"
		"  --scenario: a scenario file (docs/benchmarks.md); default: the shipped ones\n"
		"              (tests/bench/scenarios/: " DEFAULT_SCENARIOS_TEXT ")\n"
		"  --policy: kube-proxy, round-robin, least-conn, maglev, least-loaded, affinity,\n"
		"            oracle\n"
		"            (default: the scenario's)\n"
		"  --seeds N: at most the first N of each scenario's seeds\n"
		"  --quick: the first scenario only (reference by default), one seed, its first\n"
		"           load, 2 s runs (the test)\n"
		"  --duration, --settle: override the scenarios'\n");
}

static int policy_parse(const char *s, unsigned int *mask)
{
	for (int p = 0; p < POLICIES; p++) {
		if (!strcmp(s, sc_policy_name(p))) {
			*mask |= 1u << p;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_opts(int argc, char **argv, struct bench *b, const char **files,
		      unsigned int *nfiles)
{
	static const struct option lo[] = {
		{ "out", 1, 0, 'o' },	 { "quick", 0, 0, 'q' },    { "duration", 1, 0, 'd' },
		{ "settle", 1, 0, 's' }, { "scenario", 1, 0, 'S' }, { "policy", 1, 0, 'p' },
		{ "seeds", 1, 0, 'n' },	 { "help", 0, 0, 'h' },	    {}
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			snprintf(b->out, sizeof(b->out), "%s", optarg);
			break;
		case 'q':
			b->quick = true;
			break;
		case 'd':
			b->duration = atof(optarg);
			if (!(b->duration > 0))
				return -EINVAL;
			break;
		case 's':
			b->settle = atof(optarg);
			if (!(b->settle >= 0))
				return -EINVAL;
			break;
		case 'S':
			if (*nfiles == SCENARIOS_MAX)
				return -E2BIG;
			files[(*nfiles)++] = optarg;
			break;
		case 'p':
			if (policy_parse(optarg, &b->policy_mask))
				return -EINVAL;
			break;
		case 'n':
			b->max_seeds = (unsigned int)atoi(optarg);
			if (!b->max_seeds)
				return -EINVAL;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (b->quick) {
		b->max_seeds = 1;
		if (!b->duration)
			b->duration = 2;
		if (b->settle < 0)
			b->settle = 0.5;
	}
	return optind == argc ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	static const char *const shipped[] = { DEFAULT_SCENARIOS };
	static struct bench b = { .settle = -1 };
	static struct scenario scs[SCENARIOS_MAX];
	const char *files[SCENARIOS_MAX];
	char paths[SCENARIOS_MAX][320], path[320];
	unsigned int nfiles = 0, nsc;
	struct config_error cerr;
	const char *src = getenv("IG_SRCDIR") ?: ".";
	FILE *md, *gp;
	int err = 0, failed = 0;

	b.build = getenv("IG_BUILD") ?: "build";
	snprintf(b.out, sizeof(b.out), "%s/bench-routing", b.build);
	if (parse_opts(argc, argv, &b, files, &nfiles)) {
		usage(stderr);
		return 2;
	}
	if (!nfiles) {
		for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
			snprintf(paths[i], sizeof(paths[i]), "%s/tests/bench/scenarios/%s.yaml",
				 src, shipped[i]);
			files[nfiles++] = paths[i];
		}
	}
	nsc = b.quick ? 1 : nfiles;
	/* Every file is checked before any lab comes up. */
	for (unsigned int i = 0; i < nsc; i++) {
		if (scenario_load(files[i], &scs[i], &cerr)) {
			fprintf(stderr, "ig-bench-routing: %s\n", cerr.text);
			return 2;
		}
	}
	snprintf(b.pins, sizeof(b.pins), "/sys/fs/bpf/ig-bench-%d", getpid());
	log_setup_libbpf();
	if (netns_run(NULL, "mkdir -p %s && rm -f %s/*.json %s/*.png %s/*.dat %s/results.md", b.out,
		      b.out, b.out, b.out, b.out))
		return 1;
	snprintf(path, sizeof(path), "%s/results.md", b.out);
	md = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/plots.gp", b.out);
	gp = fopen(path, "w");
	if (!md || !gp)
		return 1;
	fprintf(md,
		"## Routing benchmark\n\nScenario files: %u (tests/bench/scenarios/ unless named "
		"otherwise). Each run: fresh llmsim servers, one seeded loadgen workload; times "
		"are wall-clock milliseconds in the time-scaled lab (divide by the time scale for "
		"simulated GPU time); output tokens/s counts tokens that arrived within the "
		"arrivals' window.\n",
		nsc);
	fprintf(gp, "set terminal pngcairo size 900,560 font ',10'\nset grid\nset key bottom "
		    "right\nset datafile separator whitespace\n");
	for (unsigned int i = 0; i < nsc; i++) {
		fprintf(md, "\n## %s (%s)\n", scs[i].name, files[i]);
		err = scenario_run(&b, &scs[i], md, gp);
		if (err) {
			fprintf(stderr, "ig-bench-routing: %s failed (%d)\n", scs[i].name, err);
			failed++;
		}
		scenario_free(&scs[i]);
	}
	if (fclose(md) | fclose(gp))
		return 1;
	if (netns_run(NULL, "gnuplot %s/plots.gp 2>%s/gnuplot.log", b.out, b.out))
		fprintf(stderr, "ig-bench-routing: gnuplot failed, see %s/gnuplot.log\n", b.out);
	netns_run(NULL, "cat %s/results.md", b.out);
	return failed ? 1 : 0;
}
