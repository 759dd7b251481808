// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `make bench-routing`: the routing-policy comparison. The netns lab (a
 * client, a gateway, four GPU hosts running llmsim, two of them busy with
 * background work that bypasses the gateway) runs the same seeded loadgen
 * workload under each policy: kube-proxy's iptables random DNAT, round-robin,
 * least-conn, infergate's telemetry-weighted Maglev and least-loaded (the
 * agent running), and loadgen's per-request oracle straight to the hosts.
 * Every run gets freshly started servers, so each policy meets the same
 * background. Writes results.md, the loadgen JSON of every run and gnuplot
 * PNGs (TTFT CDFs; tokens/s and p90 TTFT against offered load). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tools/lab/lab.h"
#include "user/lib/log.h"

#define VIP "198.19.0.10"
#define HOSTS 4
#define SWEEP_MAX 5
#define RATE_MAX 4096

enum policy { P_IPTABLES, P_RR, P_LC, P_MAGLEV, P_LL, P_ORACLE, P__MAX };

static const struct {
	const char *name; /* file names and the plots' keys */
	const char *label; /* the report's */
	const char *cfg; /* infergated's policy, or NULL: no agent */
} policies[P__MAX] = {
	[P_IPTABLES] = { "kube-proxy", "kube-proxy (iptables DNAT, statistic random)", NULL },
	[P_RR] = { "round-robin", "round-robin (xdp_gateway)", "round-robin" },
	[P_LC] = { "least-conn", "least-conn (xdp_gateway, in-flight only)", "least-conn" },
	[P_MAGLEV] = { "maglev", "infergate Maglev, telemetry weights", "maglev" },
	[P_LL] = { "least-loaded", "infergate least-loaded", "least-loaded" },
	[P_ORACLE] = { "oracle", "per-request oracle (loadgen, no gateway)", NULL },
};

struct scenario {
	const char *name;
	const char *title;
	const char *profile[HOSTS];
	double bg[HOSTS]; /* background requests/s, bypassing the gateway */
	double rate; /* open loop: requests/s; 0 for sessions */
	int sessions;
	int turns;
	double think;
	const char *prompt; /* loadgen length distributions ("@" = the run's dir) */
	const char *output;
};

struct result {
	bool ran;
	int completed;
	int failed;
	double tok_s;
	double ttft_mean, ttft_p90, e2e_mean;
	char picks[64];
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
	double scale; /* llmsim --time-scale */
	double duration; /* seconds of arrivals per run */
	double settle; /* seconds of agent scrapes before traffic */
};

static int sh(const char *ns, const char *cmd)
{
	return netns_run(ns, "%s", cmd) ? -EIO : 0;
}

/* ---- the lab's pieces ---- */

static void servers_stop(struct bench *b)
{
	for (int h = 1; h <= HOSTS; h++)
		netns_run(b->lab.h[h - 1],
			  "test -e %s/llmsim-h%d.pid && kill $(cat %s/llmsim-h%d.pid) 2>/dev/null; "
			  "rm -f %s/llmsim-h%d.pid; true",
			  b->out, h, b->out, h, b->out, h);
	/* llmsim stops at SIGTERM; the port must be free for the next one. */
	for (int h = 1; h <= HOSTS; h++)
		netns_run(b->lab.h[h - 1],
			  "for t in $(seq 50); do curl -s -o /dev/null -m 0.2 http://127.0.0.1/ || "
			  "exit 0; sleep 0.1; done; exit 1");
}

/* Fresh servers with the scenario's profiles and background, same seeds
 * every run, then a moment for the background to reach its steady state. */
static int servers_start(struct bench *b, const struct scenario *sc)
{
	int err = 0;

	servers_stop(b);
	for (int h = 1; !err && h <= HOSTS; h++) {
		err = netns_run(b->lab.h[h - 1],
				"nohup %s/tools/llmsim --listen 0.0.0.0:80 --name h%d --profile %s "
				"--kv-blocks 2048 --time-scale %g --seed %d --background %g "
				"--bg-prompt 1024 --bg-output 192 >>%s/llmsim-h%d.log 2>&1 & "
				"echo $! > %s/llmsim-h%d.pid",
				b->build, h, sc->profile[h - 1], b->scale, h, sc->bg[h - 1], b->out,
				h, b->out, h) ?
			      -EIO :
			      0;
	}
	for (int h = 1; !err && h <= HOSTS; h++)
		err = lab_wait_http(&b->lab, h, VIP, 80);
	return err;
}

static int agent_config(struct bench *b, const char *policy, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/infergate-%s.yaml", b->out, policy);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"interfaces: [{name: g0, role: gateway}]\n"
		"gateway: {vtep: " LAB_GW_VTEP "}\n"
		"tenants: [{name: bench, id: 1, vni: 100, priority: interactive}]\n"
		"services:\n  - name: chat\n    id: 1\n    vip: " VIP "\n    port: 80\n"
		"    tenant: bench\n    policy: %s\n    backends:\n",
		policy);
	/* The health checks' defaults (2 s, timeout 1 s) on the lab's clock:
	 * llmsim runs time-scaled, so do they. */
	for (int h = 1; h <= HOSTS; h++)
		fprintf(f,
			"      - {name: h%d, id: %d, vtep: 198.18.%d.2, capacity: 32, "
			"inner_mac: \"02:00:00:00:64:%02x\",\n"
			"         metrics: [{url: \"http://198.18.%d.2/metrics\", format: vllm}],\n"
			"         health: {type: tcp, interval: %dms, timeout: %dms}}\n",
			h, h, 10 + h, h, 10 + h, (int)(2000 * b->scale), (int)(1000 * b->scale));
	fprintf(f, "telemetry: {interval: 200ms, timeout: 150ms}\n"
		   "metrics: {listen: \"127.0.0.1:9489\"}\n");
	return fclose(f) ? -errno : 0;
}

/* infergated in the gateway namespace, pinned under a root of this run's
 * own (no connection entry or in-flight count carries over), until its
 * XDP link exists; then a few scrapes so weights follow telemetry. */
static int agent_start(struct bench *b, const char *policy)
{
	char cfg[320], pid[32], *root = b->root;
	struct timespec ts = { (time_t)b->settle, (long)((b->settle - (int)b->settle) * 1e9) };
	int err;

	err = agent_config(b, policy, cfg, sizeof(cfg));
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
	nanosleep(&ts, NULL);
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

/* kube-proxy's rules for a ClusterIP Service with four endpoints: one
 * chain per service, each endpoint chosen with the statistic match so that
 * all are equally likely, DNAT to the endpoint; conntrack undoes it on the
 * replies, which come back through the gateway (the hosts' route). */
static int iptables_on(struct bench *b)
{
	char rules[1024];
	int n = 0;

	n += snprintf(rules + n, sizeof(rules) - n,
		      "iptables -t nat -N IG-SVC-CHAT && "
		      "iptables -t nat -A PREROUTING -d " VIP
		      "/32 -p tcp --dport 80 -j IG-SVC-CHAT");
	for (int h = 1; h <= HOSTS; h++) {
		n += snprintf(rules + n, sizeof(rules) - n,
			      " && iptables -t nat -A IG-SVC-CHAT -p tcp");
		if (h < HOSTS)
			n += snprintf(rules + n, sizeof(rules) - n,
				      " -m statistic --mode random --probability %.11f",
				      1.0 / (HOSTS - h + 1));
		n += snprintf(rules + n, sizeof(rules) - n,
			      " -j DNAT --to-destination 198.18.%d.2:80", 10 + h);
	}
	return sh(b->lab.gw, rules);
}

static void iptables_off(struct bench *b)
{
	netns_run(b->lab.gw, "iptables -t nat -F && iptables -t nat -X IG-SVC-CHAT 2>/dev/null; "
			     "conntrack -F 2>/dev/null; true");
}

/* Where the connections went, one count per host: the gateway's per-backend
 * new connections (infergatectl), or the packets each kube-proxy rule
 * DNATed (the first of each connection). Also kept in base.backends. */
static void spread_read(struct bench *b, enum policy p, const char *base, char *out, size_t len)
{
	char buf[2048], *s = buf;
	size_t n = 0;

	out[0] = 0;
	if (p == P_IPTABLES) {
		if (netns_run_output(b->lab.gw, buf, sizeof(buf),
				     "iptables -t nat -L IG-SVC-CHAT -n -v -x | tee %s.backends | "
				     "awk '/DNAT/ {printf \"%%s \", $1}'",
				     base))
			return;
	} else {
		if (netns_run_output(
			    NULL, buf, sizeof(buf),
			    "%s/infergatectl --pin-root %s backends | tee %s.backends | "
			    "awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == \"NEW_CONNS\") c = i; "
			    "next } { printf \"%%s \", $c }'",
			    b->build, b->root, base))
			return;
	}
	for (char *tok; (tok = strtok_r(s, " \n", &s)) && n + 16 < len;)
		n += snprintf(out + n, len - n, "%s%s", n ? ", " : "", tok);
}

/* ---- loadgen and its JSON ---- */

static int loadgen_run(struct bench *b, const struct scenario *sc, double rate, enum policy p,
		       const char *json)
{
	char targets[512], work[512], prompt[320], output[320];
	int n = 0;

	if (p == P_ORACLE) {
		for (int h = 1; h <= HOSTS; h++)
			n += snprintf(targets + n, sizeof(targets) - n,
				      "--target http://198.18.%d.2/v1/completions ", 10 + h);
		snprintf(targets + n, sizeof(targets) - n, "--oracle");
	} else {
		snprintf(targets, sizeof(targets), "--target http://" VIP "/v1/completions");
	}
	snprintf(prompt, sizeof(prompt), sc->prompt[0] == '@' ? "file:%s/%s" : "%.0s%s", b->out,
		 sc->prompt + (sc->prompt[0] == '@'));
	snprintf(output, sizeof(output), sc->output[0] == '@' ? "file:%s/%s" : "%.0s%s", b->out,
		 sc->output + (sc->output[0] == '@'));
	if (sc->sessions)
		snprintf(work, sizeof(work), "--sessions %d --turns %d --think %g --duration %g",
			 sc->sessions, sc->turns, sc->think * b->scale, b->duration);
	else
		snprintf(work, sizeof(work), "--rate %g --duration %g --new-connection", rate,
			 b->duration);
	return netns_run(b->lab.cl,
			 "%s/tools/loadgen %s %s --prompt %s --output %s --seed 7 --drain 40 "
			 "--max-context 8192 --json %s >%s.txt 2>&1",
			 b->build, targets, work, prompt, output, json, json);
}

/* The number after "key": at or after from; 0 when absent. */
static double json_num(const char *text, const char *from, const char *key)
{
	const char *p = strstr(from ? from : text, key);

	return p ? atof(p + strlen(key)) : 0;
}

static int result_read(const char *json, struct result *r, const char *cdf)
{
	static char text[1 << 22];
	const char *ttft, *e2e, *line, *picks;
	FILE *f = fopen(json, "r"), *out;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (!f)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	r->ran = true;
	r->completed = (int)json_num(text, NULL, "\"completed\": ");
	r->failed = (int)json_num(text, NULL, "\"failed\": ");
	r->tok_s = json_num(text, NULL, "\"output_tokens_per_s\": ");
	ttft = strstr(text, "\"ttft_ms\": {");
	e2e = strstr(text, "\"e2e_ms\": {");
	r->ttft_mean = ttft ? json_num(text, ttft, "\"mean\": ") : 0;
	r->ttft_p90 = ttft ? json_num(text, ttft, "\"p90\": ") : 0;
	r->e2e_mean = e2e ? json_num(text, e2e, "\"mean\": ") : 0;
	picks = strstr(text, "\"picks\": [");
	if (picks)
		sscanf(picks + 10, "%63[^]]", r->picks);
	out = fopen(cdf, "w");
	if (!out)
		return -errno;
	/* Every completed request's TTFT, one a line, for the CDF. */
	line = strstr(text, "\"requests\": [");
	while (line && (line = strchr(line, '\n'))) {
		char buf[512];

		line++;
		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(line, "\n"), line);
		if (strstr(buf, "\"ok\": true"))
			fprintf(out, "%.3f\n", json_num(buf, NULL, "\"ttft_ms\": "));
	}
	return fclose(out) ? -errno : 0;
}

/* ---- runs ---- */

/* Mixed requests, sampled independently for prompt and output: seven in
 * ten short (a code snippet), three long (a multi-page analysis). */
static int lengths_write(struct bench *b)
{
	static const int prompt[] = { 128, 192, 256, 256, 320, 384, 512, 2048, 3072, 4096 };
	static const int output[] = { 32, 48, 64, 64, 96, 96, 128, 256, 384, 512 };
	char path[320];
	FILE *f;

	for (int k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/%s", b->out,
			 k ? "output-mixed.txt" : "prompt-mixed.txt");
		f = fopen(path, "w");
		if (!f)
			return -errno;
		for (int i = 0; i < 10; i++)
			fprintf(f, "%d\n", k ? output[i] : prompt[i]);
		if (fclose(f))
			return -errno;
	}
	return 0;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (int)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* One scenario at one rate under one policy; tag names its files. */
static int run_one(struct bench *b, const struct scenario *sc, double rate, enum policy p,
		   const char *tag, struct result *r)
{
	char json[400], cdf[400], spread[64];
	int err;

	snprintf(json, sizeof(json), "%s/%s-%s.json", b->out, tag, policies[p].name);
	snprintf(cdf, sizeof(cdf), "%s/%s-%s.ttft", b->out, tag, policies[p].name);
	printf("  %-13s", policies[p].name);
	fflush(stdout);
	err = servers_start(b, sc);
	if (!err && policies[p].cfg)
		err = agent_start(b, policies[p].cfg);
	else if (!err)
		sleep_s(b->settle); /* the same time for the background to settle */
	if (!err && p == P_IPTABLES)
		err = iptables_on(b);
	if (!err && loadgen_run(b, sc, rate, p, json))
		printf(" (loadgen: some requests failed, see %s.txt)", json);
	if (!err && p != P_ORACLE)
		spread_read(b, p, json, spread, sizeof(spread));
	agent_stop(b);
	if (p == P_IPTABLES)
		iptables_off(b);
	err = err ?: result_read(json, r, cdf);
	if (!err && p != P_ORACLE)
		snprintf(r->picks, sizeof(r->picks), "%s", spread);
	if (err)
		printf(" FAILED (%d)\n", err);
	else
		printf(" %5d ok %3d failed %8.1f tok/s  TTFT mean %7.1f p90 %7.1f ms  e2e mean "
		       "%7.1f ms  [%s]\n",
		       r->completed, r->failed, r->tok_s, r->ttft_mean, r->ttft_p90, r->e2e_mean,
		       r->picks);
	return err;
}

static int run_scenario(struct bench *b, const struct scenario *sc, double rate, const char *tag,
			struct result *res)
{
	int err = 0;

	printf("\n%s (%s)", sc->title, tag);
	if (rate > 0)
		printf(", %g requests/s", rate);
	printf("\n");
	for (int p = 0; p < P__MAX; p++)
		err = run_one(b, sc, rate, p, tag, &res[p]) ?: err;
	return err;
}

/* ---- the report ---- */

static double pct(double x, double base)
{
	return base > 0 ? (x / base - 1) * 100 : 0;
}

static void report_table(FILE *f, const struct scenario *sc, double rate, const struct result *res)
{
	const struct result *rr = &res[P_RR], * or = &res[P_ORACLE];

	fprintf(f, "\n### %s", sc->title);
	if (rate > 0)
		fprintf(f, " (%g requests/s offered)", rate);
	fprintf(f, "\n\n| policy | done | failed | output tok/s | vs RR | mean TTFT ms | vs RR | "
		   "p90 TTFT ms | vs oracle | mean e2e ms | vs RR | requests per host |\n"
		   "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
	for (int p = 0; p < P__MAX; p++) {
		const struct result *r = &res[p];

		if (!r->ran) {
			fprintf(f, "| %s | did not run | | | | | | | | | | |\n", policies[p].label);
			continue;
		}
		fprintf(f,
			"| %s | %d | %d | %.1f | %+.0f%% | %.1f | %+.0f%% | %.1f | %.2f× | %.1f | "
			"%+.0f%% | %s |\n",
			policies[p].label, r->completed, r->failed, r->tok_s,
			pct(r->tok_s, rr->tok_s), r->ttft_mean, pct(r->ttft_mean, rr->ttft_mean),
			r->ttft_p90, or->ttft_p90 > 0 ? r->ttft_p90 / or->ttft_p90 : 0, r->e2e_mean,
			pct(r->e2e_mean, rr->e2e_mean), r->picks);
	}
}

/* The issue's targets, for infergate's better policy (lower mean TTFT)
 * against round-robin in the same run. */
static void report_targets(FILE *f, const struct result *res)
{
	const struct result *rr = &res[P_RR], * or = &res[P_ORACLE];
	enum policy best = res[P_LL].ttft_mean < res[P_MAGLEV].ttft_mean ? P_LL : P_MAGLEV;
	const struct result *ig = &res[best];
	double tok = pct(ig->tok_s, rr->tok_s), ttft = -pct(ig->ttft_mean, rr->ttft_mean);
	double e2e = -pct(ig->e2e_mean, rr->e2e_mean);
	double orc = or->ttft_p90 > 0 ? ig->ttft_p90 / or->ttft_p90 : 0;

	fprintf(f,
		"\nTargets, %s against round-robin: output tokens/s %+.0f%% (target +40%%: %s), "
		"mean TTFT %.0f%% lower (target 61%%: %s), mean e2e %.0f%% lower (target 34%%: "
		"%s), p90 TTFT %.2f× the oracle's (target ≤ 1.25×: %s).\n",
		policies[best].label, tok, tok >= 40 ? "met" : "missed", ttft,
		ttft >= 61 ? "met" : "missed", e2e, e2e >= 34 ? "met" : "missed", orc,
		orc > 0 && orc <= 1.25 ? "met" : "missed");
}

static int plot(struct bench *b, const char *tags[], int ntags, const double *rates, int nrates)
{
	char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/plots.gp", b->out);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "set terminal pngcairo size 900,560 font ',10'\nset grid\nset key bottom right\n"
		   "set datafile separator whitespace\n");
	for (int t = 0; t < ntags; t++) {
		fprintf(f,
			"set output '%s/ttft-cdf-%s.png'\nset title 'TTFT CDF, %s'\n"
			"set xlabel 'time to first token (ms)'\nset ylabel 'fraction of requests'\n"
			"set logscale x\nset yrange [0:1]\nplot ",
			b->out, tags[t], tags[t]);
		for (int p = 0; p < P__MAX; p++)
			fprintf(f, "%s'%s/%s-%s.ttft' using 1:(1.0) smooth cnormal lw 2 title '%s'",
				p ? ", " : "", b->out, tags[t], policies[p].name, policies[p].name);
		fprintf(f, "\nunset logscale x\nset yrange [*:*]\n");
	}
	fprintf(f, "set key top left\nset xlabel 'offered load (requests/s)'\n");
	for (int k = 0; k < 2; k++) {
		fprintf(f,
			"set output '%s/sweep-%s.png'\nset title '%s against offered load'\n"
			"set ylabel '%s'\nplot ",
			b->out, k ? "p90-ttft" : "tokens", k ? "p90 TTFT" : "output tokens/s",
			k ? "p90 TTFT (ms)" : "output tokens/s");
		for (int p = 0; p < P__MAX; p++)
			fprintf(f, "%s'%s/sweep.dat' using 1:%d with linespoints lw 2 title '%s'",
				p ? ", " : "", b->out, 2 + 2 * p + k, policies[p].name);
		fprintf(f, "\nset logscale y\n"); /* p90 TTFT spans decades */
	}
	if (fclose(f))
		return -errno;
	(void)rates, (void)nrates;
	return netns_run(NULL, "gnuplot %s/plots.gp 2>%s/gnuplot.log", b->out, b->out) ? -EIO : 0;
}

static int sweep_write(struct bench *b, const double *rates, int n, struct result (*res)[P__MAX])
{
	char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sweep.dat", b->out);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "# rate");
	for (int p = 0; p < P__MAX; p++)
		fprintf(f, " %s_tok_s %s_p90_ttft_ms", policies[p].name, policies[p].name);
	fprintf(f, "\n");
	for (int i = 0; i < n; i++) {
		fprintf(f, "%g", rates[i]);
		for (int p = 0; p < P__MAX; p++)
			fprintf(f, " %.1f %.1f", res[i][p].tok_s, res[i][p].ttft_p90);
		fprintf(f, "\n");
	}
	return fclose(f) ? -errno : 0;
}

static int report_write(struct bench *b, const struct scenario *const *scs, const char *const *tags,
			const double *rates, struct result (*res)[P__MAX], int n, int ref)
{
	char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/results.md", b->out);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"## Routing benchmark\n\nFour llmsim GPU hosts behind the gateway (llmsim "
		"--time-scale %g, KV cache 2048 blocks of 16 tokens), one seeded loadgen workload "
		"per scenario, %g s of arrivals per run, fresh servers for every run. Times are "
		"wall-clock milliseconds in the time-scaled lab (divide by %g for simulated GPU "
		"time); tokens/s likewise.\n",
		b->scale, b->duration, b->scale);
	for (int i = 0; i < n; i++) {
		report_table(f, scs[i], rates[i], res[i]);
		if (i == ref)
			report_targets(f, res[i]);
	}
	fprintf(f, "\nPlots: ttft-cdf-<scenario>.png (");
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", tags[i]);
	fprintf(f, "), sweep-tokens.png and sweep-p90-ttft.png (the reference scenario "
		   "against offered load).\n");
	return fclose(f) ? -errno : 0;
}

static void bench_cleanup(struct bench *b)
{
	agent_stop(b);
	servers_stop(b);
	lab_destroy(&b->lab);
	netns_run(NULL, "rm -rf %s", b->pins);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ig-bench-routing [--out DIR] [--quick] [--time-scale X] [--duration S]\n"
		   "                        [--rate R] [--settle S]\n"
		   "  --rate: the reference load in requests/s (the sweep runs 0.5x, 1x, 1.5x)\n"
		   "  --settle: seconds between fresh servers and traffic (background, scrapes)\n"
		   "  --quick: the reference scenario only, at one load, short runs (the test)\n");
}

static int parse_opts(int argc, char **argv, struct bench *b, double *rate)
{
	static const struct option lo[] = { { "out", 1, 0, 'o' },	 { "quick", 0, 0, 'q' },
					    { "time-scale", 1, 0, 't' }, { "duration", 1, 0, 'd' },
					    { "rate", 1, 0, 'r' },	 { "settle", 1, 0, 's' },
					    { "help", 0, 0, 'h' },	 {} };
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			snprintf(b->out, sizeof(b->out), "%s", optarg);
			break;
		case 'q':
			b->quick = true;
			break;
		case 't':
			b->scale = atof(optarg);
			break;
		case 'd':
			b->duration = atof(optarg);
			break;
		case 'r':
			*rate = atof(optarg);
			break;
		case 's':
			b->settle = atof(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (!b->duration)
		b->duration = b->quick ? 2 : 10;
	if (b->settle < 0)
		b->settle = b->quick ? 0.5 : 3;
	return b->scale > 0 && b->duration > 0 && *rate > 0 && optind == argc ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	static struct scenario ref = {
		.name = "reference",
		.title =
			"Reference: 4 backends, h1 and h2 pre-loaded, mixed short and long requests",
		.profile = { "fast", "fast", "fast", "fast" },
		.bg = { 3, 3, 0, 0 },
		.prompt = "@prompt-mixed.txt",
		.output = "@output-mixed.txt",
	};
	static struct scenario het = {
		.name = "heterogeneous",
		.title = "Heterogeneous: h1, h2 fast GPUs, h3, h4 twice as slow, no background",
		.profile = { "fast", "fast", "slow", "slow" },
		.prompt = "@prompt-mixed.txt",
		.output = "@output-mixed.txt",
	};
	static struct scenario agentic = {
		.name = "agentic",
		.title = "Agentic sessions: multi-turn, one connection each, h1 and h2 pre-loaded",
		.profile = { "fast", "fast", "fast", "fast" },
		.bg = { 3, 3, 0, 0 },
		.sessions = 16,
		.turns = 4,
		.think = 1.0,
		.prompt = "lognormal:5.5,0.5",
		.output = "lognormal:4.5,0.5",
	};
	static struct bench b = { .scale = 0.25, .settle = -1 };
	static struct result res[SWEEP_MAX + 2][P__MAX];
	static char tagbuf[SWEEP_MAX][32];
	const struct scenario *scs[SWEEP_MAX + 2];
	const char *tags[SWEEP_MAX + 2];
	double rates[SWEEP_MAX + 2], rate = 10, mult[] = { 0.5, 1, 1.5 };
	int n = 0, nsweep, ref_i = 0, err;

	b.build = getenv("IG_BUILD") ?: "build";
	snprintf(b.out, sizeof(b.out), "%s/bench-routing", b.build);
	if (parse_opts(argc, argv, &b, &rate)) {
		usage(stderr);
		return 2;
	}
	snprintf(b.pins, sizeof(b.pins), "/sys/fs/bpf/ig-bench-%d", getpid());
	log_setup_libbpf();
	if (netns_run(NULL, "mkdir -p %s && rm -f %s/*.json %s/*.png %s/results.md", b.out, b.out,
		      b.out, b.out) ||
	    lengths_write(&b))
		return 1;
	printf("bench-routing: 4 llmsim hosts (time scale %g), %g s per run, output in %s\n",
	       b.scale, b.duration, b.out);
	err = lab_create(&b.lab, HOSTS);
	for (int h = 1; !err && h <= HOSTS; h++)
		err = lab_host_vni(&b.lab, h, 100, VIP);
	/* The oracle reaches the hosts directly, through the gateway's stack. */
	err = err ?: sh(b.lab.cl, "ip route add 198.18.8.0/21 via 198.18.0.1");
	nsweep = b.quick ? 1 : 3;
	for (int i = 0; !err && i < nsweep; i++) {
		double r = rate * (b.quick ? 1 : mult[i]);

		if (r == rate) {
			ref_i = n;
			snprintf(tagbuf[i], sizeof(tagbuf[i]), "reference");
		} else {
			snprintf(tagbuf[i], sizeof(tagbuf[i]), "load-%g", r);
		}
		scs[n] = &ref, tags[n] = tagbuf[i], rates[n] = r;
		run_scenario(&b, &ref, r, tags[n], res[n]);
		n++;
	}
	if (!err && !b.quick) {
		scs[n] = &het, tags[n] = het.name, rates[n] = rate;
		run_scenario(&b, &het, rate, het.name, res[n++]);
		scs[n] = &agentic, tags[n] = agentic.name, rates[n] = 0;
		run_scenario(&b, &agentic, 0, agentic.name, res[n++]);
	}
	bench_cleanup(&b);
	if (err) {
		fprintf(stderr, "bench-routing: the lab failed (%d)\n", err);
		return 1;
	}
	err = sweep_write(&b, rates, nsweep, res);
	err = err ?: plot(&b, tags, n, rates, nsweep);
	err = err ?: report_write(&b, scs, tags, rates, res, n, ref_i);
	if (err) {
		fprintf(stderr, "bench-routing: writing the report failed (%d)\n", err);
		return 1;
	}
	netns_run(NULL, "cat %s/results.md", b.out);
	for (int i = 0; i < n; i++)
		for (int p = 0; p < P__MAX; p++)
			if (!res[i][p].ran || !res[i][p].completed)
				return 1;
	return 0;
}
