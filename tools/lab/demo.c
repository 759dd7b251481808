// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `make demo`: the lab in network namespaces (a client, a gateway, three GPU
 * hosts running llmsim, two tenants in their own VNIs), the agent infergated
 * steering by live telemetry, a short seeded loadgen workload per tenant, and
 * what happened, as infergatectl and loadgen show it: first with the chat
 * service on round-robin, then on infergate's telemetry-weighted Maglev, the
 * same workload both times, figures side by side. Cleans up after itself. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/lab/lab.h"
#include "user/lib/log.h"

#define VIP_CHAT "198.19.0.10"
#define VIP_BATCH "198.19.0.20"

struct demo {
	struct lab lab;
	char dir[64];
	char pins[64];
	char root[96]; /* the running agent's pin root (one per phase) */
	const char *build;
	int agent_pid;
};

/* One phase's acme figures, from loadgen's JSON. */
struct figures {
	double tok_s, ttft_mean, ttft_p90, e2e_mean;
	int completed, requests;
};

static void step(int n, const char *what)
{
	printf("\n[%d] %s\n", n, what);
	fflush(stdout);
}

static int failed(int err)
{
	if (err)
		printf("    FAILED (%d)\n", err);
	return err;
}

/* Tenant acme (VNI 100) runs "chat" on all three hosts; globex (VNI 200)
 * runs "batch" on h2 and h3. h1 also serves work that bypasses the gateway. */
static int demo_hosts(struct demo *d)
{
	char name[8], cmd[400];
	int err = 0;

	for (int h = 1; !err && h <= 3; h++)
		err = lab_host_vni(&d->lab, h, 100, VIP_CHAT);
	for (int h = 2; !err && h <= 3; h++)
		err = lab_host_vni(&d->lab, h, 200, VIP_BATCH);
	for (int h = 1; !err && h <= 3; h++) {
		snprintf(name, sizeof(name), "h%d", h);
		snprintf(cmd, sizeof(cmd),
			 "nohup %s/tools/llmsim --listen 0.0.0.0:80 --name %s --profile fast "
			 "--time-scale 0.25 --seed %d %s >%s/llmsim-%s.log 2>&1 &",
			 d->build, name, h, h == 1 ? "--background 12 --bg-prompt 512" : "", d->dir,
			 name);
		err = netns_run(d->lab.h[h - 1], "%s", cmd) ? -EIO : 0;
	}
	for (int h = 1; !err && h <= 3; h++)
		err = lab_wait_http(&d->lab, h, VIP_CHAT, 80);
	return err;
}

static void demo_backend(FILE *f, int id, int h, int vni)
{
	fprintf(f,
		"      - {name: h%d, id: %d, vtep: 198.18.%d.2, capacity: 32, "
		"inner_mac: \"02:00:00:00:%02x:%02x\",\n"
		"         metrics: [{url: \"http://198.18.%d.2/metrics\", format: vllm}]}\n",
		h, id, 10 + h, vni, h, 10 + h);
}

/* The same configuration in both phases but for the chat service's policy. */
static int demo_config(struct demo *d, const char *chat_policy)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/infergate-%s.yaml", d->dir, chat_policy);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"interfaces: [{name: g0, role: gateway}]\n"
		"gateway: {vtep: " LAB_GW_VTEP ", event_sample: 1}\n"
		"tenants:\n  - {name: acme, id: 1, vni: 100, priority: interactive}\n"
		"  - {name: globex, id: 2, vni: 200, priority: batch}\n"
		"services:\n  - name: chat\n    id: 1\n    vip: " VIP_CHAT "\n    port: 80\n"
		"    tenant: acme\n    policy: %s\n    backends:\n",
		chat_policy);
	for (int h = 1; h <= 3; h++)
		demo_backend(f, h, h, 100);
	fprintf(f, "  - name: batch\n    id: 2\n    vip: " VIP_BATCH "\n    port: 80\n"
		   "    tenant: globex\n    policy: least-loaded\n    backends:\n");
	for (int h = 2; h <= 3; h++)
		demo_backend(f, 2 + h, h, 200);
	fprintf(f, "telemetry: {interval: 500ms, timeout: 400ms}\n"
		   "metrics: {listen: \"127.0.0.1:9479\"}\n");
	fclose(f);
	printf("    configuration: %s\n", path);
	return 0;
}

/* infergated with the phase's configuration, pinned under a root of the
 * phase's own, so no in-flight count or connection entry carries over. */
static int demo_agent(struct demo *d, const char *chat_policy)
{
	char pid[32];
	int err;

	snprintf(d->root, sizeof(d->root), "%s/%s/v%d", d->pins, chat_policy, IG_ABI_VERSION);
	err = netns_run(NULL,
			"nsenter --net=/run/netns/%s %s/infergated --config %s/infergate-%s.yaml "
			"--pin-root %s --detach >>%s/agent.log 2>&1 & echo $! > %s/agent.pid; "
			"for t in $(seq 100); do test -e %s/links/g0-xdp && exit 0; sleep 0.1; "
			"done; exit 1",
			d->lab.gw, d->build, d->dir, chat_policy, d->root, d->dir, d->dir, d->root);
	if (err || netns_run_output(NULL, pid, sizeof(pid), "cat %s/agent.pid", d->dir))
		return -EIO;
	d->agent_pid = atoi(pid);
	sleep(2); /* a few scrapes: weights follow telemetry */
	return 0;
}

static void demo_agent_stop(struct demo *d)
{
	if (d->agent_pid <= 0)
		return;
	kill(d->agent_pid, SIGTERM); /* --detach: it removes its program */
	for (int t = 0; t < 100 && netns_proc_running(d->agent_pid); t++)
		usleep(50 * 1000);
	d->agent_pid = 0;
}

static int demo_ctl(struct demo *d, const char *view)
{
	return netns_run(NULL, "%s/infergatectl --pin-root %s %s | sed 's/^/    /'", d->build,
			 d->root, view);
}

/* Both tenants' seeded workloads; acme's summary is shown when verbose. */
static int demo_traffic(struct demo *d, const char *tag, bool verbose)
{
	return netns_run(
		d->lab.cl,
		"(%s/tools/loadgen --target http://" VIP_BATCH "/v1/completions "
		"--rate 3 --duration 6 --seed 2 --prompt fixed:256 --output fixed:64 "
		"--new-connection --tenant globex:1:batch --json %s/globex-%s.json "
		"> %s/globex-%s.txt 2>&1 &); "
		"%s/tools/loadgen --target http://" VIP_CHAT "/v1/completions "
		"--rate 6 --duration 6 --seed 1 --prompt lognormal:5,0.5 --output fixed:48 "
		"--new-connection --tenant acme:1:interactive --json %s/acme-%s.json "
		"> %s/acme-%s.txt 2>&1; sleep 2; %s sed 's/^/    /' %s/acme-%s.txt",
		d->build, d->dir, tag, d->dir, tag, d->build, d->dir, tag, d->dir, tag,
		verbose ? "" : "true ||", d->dir, tag);
}

static double json_num(const char *text, const char *from, const char *key)
{
	const char *p = strstr(from ? from : text, key);

	return p ? atof(p + strlen(key)) : 0;
}

static int demo_figures(struct demo *d, const char *tag, struct figures *fg)
{
	char path[128], text[8192];
	const char *ttft, *e2e;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/acme-%s.json", d->dir, tag);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f); /* the summary comes first */
	text[n] = 0;
	fclose(f);
	ttft = strstr(text, "\"ttft_ms\": {");
	e2e = strstr(text, "\"e2e_ms\": {");
	if (!ttft || !e2e)
		return -EINVAL;
	fg->requests = (int)json_num(text, NULL, "\"requests\": ");
	fg->completed = (int)json_num(text, NULL, "\"completed\": ");
	fg->tok_s = json_num(text, NULL, "\"output_tokens_per_s\": ");
	fg->ttft_mean = json_num(text, ttft, "\"mean\": ");
	fg->ttft_p90 = json_num(text, ttft, "\"p90\": ");
	fg->e2e_mean = json_num(text, e2e, "\"mean\": ");
	return 0;
}

static void demo_row(const char *what, double rr, double ig, const char *better)
{
	printf("    %-22s %14.1f %20.1f %+9.0f%%  (%s is better)\n", what, rr, ig,
	       rr > 0 ? (ig / rr - 1) * 100 : 0, better);
}

static int demo_compare(struct demo *d)
{
	struct figures rr, ig;
	int err = demo_figures(d, "round-robin", &rr) ?: demo_figures(d, "maglev", &ig);

	if (err)
		return err;
	printf("    %-22s %14s %20s %10s\n", "acme chat, same seed", "round-robin",
	       "infergate (Maglev)", "change");
	printf("    %-22s %8d of %3d %14d of %3d\n", "requests completed", rr.completed,
	       rr.requests, ig.completed, ig.requests);
	demo_row("output tokens/s", rr.tok_s, ig.tok_s, "higher");
	demo_row("TTFT mean (ms)", rr.ttft_mean, ig.ttft_mean, "lower");
	demo_row("TTFT p90 (ms)", rr.ttft_p90, ig.ttft_p90, "lower");
	demo_row("e2e latency mean (ms)", rr.e2e_mean, ig.e2e_mean, "lower");
	printf("    (wall-clock figures of a 4x time-scaled simulation on this machine; the\n"
	       "    full comparison of every policy is `make bench-routing`)\n");
	return 0;
}

static void demo_cleanup(struct demo *d)
{
	demo_agent_stop(d);
	lab_destroy(&d->lab);
	netns_run(NULL, "rm -rf %s %s", d->dir, d->pins);
}

/* Phase 1: chat on round-robin, the load-blind baseline. */
static int demo_baseline(struct demo *d)
{
	int err;

	step(2,
	     "baseline: infergated with acme's chat on round-robin (load-blind); the same\n"
	     "    workload as later (acme chat 6 req/s, globex batch 3 req/s, 6 s, fixed seeds)");
	err = demo_config(d, "round-robin") ?: demo_agent(d, "round-robin");
	err = err ?: demo_traffic(d, "round-robin", false);
	if (!err) {
		printf("    where round-robin sent the connections (NEW_CONNS), busy h1 included:\n");
		err = demo_ctl(d, "backends");
	}
	demo_agent_stop(d);
	return err;
}

int main(void)
{
	static struct demo d;
	int err;

	d.build = getenv("IG_BUILD") ?: "build";
	snprintf(d.dir, sizeof(d.dir), "/tmp/ig-demo-XXXXXX");
	if (!mkdtemp(d.dir))
		return 1;
	snprintf(d.pins, sizeof(d.pins), "/sys/fs/bpf/ig-demo-%d", getpid());
	log_setup_libbpf();
	printf("infergate demo: a client, a gateway, three GPU hosts running llmsim (h1 busy\n"
	       "with work that bypasses the gateway), two tenants: acme (VNI 100, service\n"
	       "chat on h1-h3) and globex (VNI 200, service batch on h2-h3, least-loaded).\n"
	       "The same seeded workload runs twice: chat on round-robin, then on infergate's\n"
	       "Maglev with weights from the backends' vLLM metrics.\n");
	step(1, "lab: namespaces, veth links, kernel vxlan devices, llmsim on each host");
	err = failed(lab_create(&d.lab, 3) ?: demo_hosts(&d));
	err = err ?: failed(demo_baseline(&d));
	if (!err) {
		step(3, "infergate: infergated with chat on Maglev, weights from telemetry "
			"(scraped every 500 ms); its view after a few scrapes:");
		err = failed(demo_config(&d, "maglev")	      ?:
				     demo_agent(&d, "maglev") ?:
								demo_ctl(&d, "backends"));
	}
	if (!err) {
		step(4, "traffic: the same workload through the gateway, one connection per "
			"request; acme's loadgen summary:");
		err = failed(demo_traffic(&d, "maglev", true));
	}
	if (!err) {
		step(5, "where the connections went and why: infergatectl backends (weights,\n"
			"    scores, NEW_CONNS), tenants, stats");
		err = failed(demo_ctl(&d, "backends")	     ?:
				     demo_ctl(&d, "tenants") ?:
							       demo_ctl(&d, "stats"));
	}
	if (!err) {
		step(6, "round-robin against infergate, side by side");
		err = failed(demo_compare(&d));
	}
	demo_cleanup(&d);
	step(7, "cleaned up: agent stopped (--detach), namespaces, servers and pins removed");
	return err ? 1 : 0;
}
