// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The lab of runaway control across machines (govlab.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/lab/govlab.h"

static const struct {
	const char *name, *vip;
	int host;
	char tenant; /* 'a' or 'b' */
	int idx;
	const char *scale; /* llmsim --time-scale */
} wls[GOVLAB_WLS] = {
	{ "a1", GOVLAB_VIP_A, 1, 'a', 1, "0.5" },
	{ "b1", GOVLAB_VIP_B1, 1, 'b', 1, "1" },
	{ "b2", GOVLAB_VIP_B2, 2, 'b', 2, "1" },
	{ "b3", GOVLAB_VIP_B3, 2, 'b', 3, "0.1" },
};

static const char *const mname[] = { "gw", "h1", "h2" };

double govlab_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *gl_ns(struct govlab *g, int m)
{
	return m ? g->lab.h[m - 1] : g->lab.gw;
}

static int gl_sh(const char *ns, const char *cmd)
{
	int err = netns_run(ns, "%s", cmd);

	if (err)
		fprintf(stderr, "govlab: in %s: '%s' failed (%d)\n", ns ? ns : "root", cmd, err);
	return err ? -EIO : 0;
}

static int gl_write(struct govlab *g, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g->dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static const char tenants_gw[] =
	"tenants:\n"
	"  - {name: ta, id: 1, vni: 6400, budget: {tokens: %d, window: %ds}}\n"
	"  - {name: tb, id: 2, vni: 6500, budget: {tokens: 100000000, window: %ds}}\n";
static const char tenants_host[] = "tenants:\n"
				   "  - {name: ta, id: 1, vni: 6400}\n"
				   "  - {name: tb, id: 2, vni: 6500, budget: {flow_tokens: %d, "
				   "window: %ds}}\n";
static const char common[] = "telemetry: {interval: %dms, timeout: 200ms}\n"
			     "metrics: {listen: %s}\n";

static int gl_host_conf(struct govlab *g, int h)
{
	char text[4096], buf[1024];
	size_t n;

	n = snprintf(text, sizeof(text), "interfaces:\n  - {name: e0, role: host}\n");
	snprintf(buf, sizeof(buf), tenants_host, GOVLAB_TB_FLOW, GOVLAB_WINDOW_S);
	n += snprintf(text + n, sizeof(text) - n, "%s", buf);
	snprintf(buf, sizeof(buf), common, GOVLAB_INTERVAL_MS, "0.0.0.0:9469");
	n += snprintf(text + n, sizeof(text) - n, "%s", buf);
	/* Until a workload's ratio is calibrated: about what SSE costs. */
	n += snprintf(text + n, sizeof(text) - n, "governance: {bytes_per_token: 150}\n");
	n += snprintf(text + n, sizeof(text) - n,
		      "host:\n  vtep: 198.18.%d.2\n  tenants:\n"
		      "%s    - {name: tb, vteps: [" LAB_GW_VTEP "]}\n  workloads:\n",
		      10 + h, h == 1 ? "    - {name: ta, vteps: [" LAB_GW_VTEP "]}\n" : "");
	for (int i = 0; i < GOVLAB_WLS; i++) {
		if (wls[i].host != h)
			continue;
		n += snprintf(text + n, sizeof(text) - n,
			      "    - {name: %s, interface: w%s, tenant: t%c, addresses: "
			      "[198.18.%d.%d], vips: [%s],\n"
			      "       metrics: http://198.18.100.%d:8000/metrics}\n",
			      wls[i].name, wls[i].name, wls[i].tenant,
			      wls[i].tenant == 'a' ? 64 : 65, wls[i].idx, wls[i].vip, 4 * i + 2);
	}
	if (n >= sizeof(text))
		return -E2BIG;
	snprintf(buf, sizeof(buf), "h%d.yaml", h);
	return gl_write(g, buf, text);
}

static int gl_gw_conf(struct govlab *g)
{
	char text[4096], buf[1024];
	size_t n;

	n = snprintf(text, sizeof(text),
		     "interfaces:\n  - {name: g0, role: gateway}\ngateway:\n  vtep: " LAB_GW_VTEP
		     "\n");
	snprintf(buf, sizeof(buf), tenants_gw, GOVLAB_TA_TOKENS, GOVLAB_WINDOW_S, GOVLAB_WINDOW_S);
	n += snprintf(text + n, sizeof(text) - n, "%s", buf);
	snprintf(buf, sizeof(buf), common, GOVLAB_INTERVAL_MS, "127.0.0.1:9469");
	n += snprintf(text + n, sizeof(text) - n, "%s", buf);
	n += snprintf(text + n, sizeof(text) - n,
		      "governance:\n  hosts:\n"
		      "    - {name: h1, url: http://198.18.11.2:9469/metrics}\n"
		      "    - {name: h2, url: http://198.18.12.2:9469/metrics}\n"
		      "services:\n");
	for (int i = 0; i < GOVLAB_WLS; i++)
		n += snprintf(text + n, sizeof(text) - n,
			      "  - {name: s%s, id: %d, vip: %s, port: 8000, tenant: t%c, backends: "
			      "[{name: %s, id: %d, vtep: 198.18.%d.2, capacity: 10, health: "
			      "{type: none}}]}\n",
			      wls[i].name, i + 1, wls[i].vip, wls[i].tenant, wls[i].name, i + 1,
			      10 + wls[i].host);
	if (n >= sizeof(text))
		return -E2BIG;
	return gl_write(g, "gw.yaml", text);
}

/* A workload: its namespace behind w<name> on its host (tc_workload), its
 * VIP on lo, a management link m<name> (198.18.100.4i+1/30 on the host,
 * .4i+2 in the workload) and llmsim on port 8000. */
static int gl_workload(struct govlab *g, int i)
{
	char cmd[768], dev[16], mdev[16];
	const char *hns = g->lab.h[wls[i].host - 1];
	int p = wls[i].tenant == 'a' ? 64 : 65, err;

	snprintf(dev, sizeof(dev), "w%s", wls[i].name);
	snprintf(mdev, sizeof(mdev), "m%s", wls[i].name);
	err = netns_create(wls[i].name, g->wl[i]) ?: netns_veth(hns, dev, g->wl[i], "eth0");
	err = err ?: netns_veth(hns, mdev, g->wl[i], "mgmt") ?: netns_link_up(hns, dev);
	if (err)
		return err;
	snprintf(cmd, sizeof(cmd), "ip addr add 198.18.100.%d/30 dev %s && ip link set %s up",
		 4 * i + 1, mdev, mdev);
	err = gl_sh(hns, cmd);
	snprintf(cmd, sizeof(cmd),
		 "ip link set lo up && ip addr add 198.18.%d.%d/24 dev eth0 && "
		 "ip link set eth0 up && ip route add default via 198.18.%d.254 && "
		 "ip addr add %s/32 dev lo && ip addr add 198.18.100.%d/30 dev mgmt && "
		 "ip link set mgmt up && "
		 "(%s/tools/llmsim --listen 0.0.0.0:8000 --name %s --time-scale %s "
		 ">/dev/null 2>&1 &)",
		 p, wls[i].idx, p, wls[i].vip, 4 * i + 2, g->build, wls[i].name, wls[i].scale);
	return err ?: gl_sh(g->wl[i], cmd);
}

int govlab_agent_start(struct govlab *g, int m)
{
	/* IG_GOVLAB_WRAP runs the agents under a tool (valgrind ...). */
	int err = netns_run(NULL,
			    "nsenter --net=/run/netns/%s %s %s/infergated --config %s/%s.yaml "
			    "--pin-root /sys/fs/bpf/%s/%s >>%s/%s.log 2>&1 & echo $! > %s/%s.pid",
			    gl_ns(g, m), getenv("IG_GOVLAB_WRAP") ?: "", g->build, g->dir, mname[m],
			    strrchr(g->dir, '/') + 1, mname[m], g->dir, mname[m], g->dir, mname[m]);

	return err   ?:
		       netns_run(
			       gl_ns(g, m),
			       "for t in $(seq 150); do curl -sf -o /dev/null "
			       "http://127.0.0.1:9469/metrics && exit 0; sleep 0.1; done; exit 1");
}

int govlab_agent_kill(struct govlab *g, int m)
{
	return netns_run(NULL, "kill -9 $(cat %s/%s.pid)", g->dir, mname[m]);
}

double govlab_metric(struct govlab *g, int m, const char *line)
{
	return lab_ns_metric(gl_ns(g, m), line);
}

int govlab_streams(struct govlab *g, const char *tag, const char *vip, int n, int max_tokens)
{
	for (int i = 0; i < n; i++) {
		int err = netns_run(g->lab.cl,
				    "(curl -sN --max-time 600 http://%s:8000/v1/completions -d "
				    "'{\"prompt\":\"p\",\"max_tokens\":%d,\"stream\":true}' "
				    ">%s/%s.%d 2>/dev/null & echo $! >%s/%s.%d.pid)",
				    vip, max_tokens, g->dir, tag, i, g->dir, tag, i);
		if (err)
			return err;
	}
	return 0;
}

void govlab_streams_stop(struct govlab *g, const char *tag)
{
	netns_run(
		NULL,
		"for f in $(ls %s/%s.*.pid 2>/dev/null); do kill $(cat $f) 2>/dev/null; rm -f $f; done",
		g->dir, tag);
}

int govlab_stream_tokens(struct govlab *g, const char *tag, int i, bool *done)
{
	char out[64];

	if (netns_run_output(NULL, out, sizeof(out),
			     "echo $(grep -c '^data: {' %s/%s.%d) $(grep -c '^data: \\[DONE\\]' "
			     "%s/%s.%d)",
			     g->dir, tag, i, g->dir, tag, i))
		return -1;
	if (done)
		*done = strchr(out, ' ') && atoi(strchr(out, ' ') + 1) > 0;
	return atoi(out);
}

bool govlab_connects(struct govlab *g, const char *vip)
{
	return !netns_run(g->lab.cl, "curl -sf -o /dev/null --max-time 1 http://%s:8000/", vip);
}

int govlab_loadgen(struct govlab *g, const char *vip, double seconds, long *tokens)
{
	char out[64];
	int err;

	err = netns_run(g->lab.cl,
			"%s/tools/loadgen --target http://%s:8000/v1/completions --sessions 3 "
			"--turns 100 --think 0.05 --duration %g --prompt fixed:16 "
			"--output fixed:40 --seed 3 --json %s/loadgen.json >/dev/null 2>&1",
			g->build, vip, seconds, g->dir);
	err = err   ?:
		      netns_run_output(
			      NULL, out, sizeof(out),
			      "python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); "
			      "print(r[\"summary\"][\"output_tokens\"])' %s/loadgen.json",
			      g->dir);
	if (!err)
		*tokens = atol(out);
	return err;
}

int govlab_up(struct govlab *g, const char *build)
{
	int err;

	memset(g, 0, sizeof(*g));
	snprintf(g->dir, sizeof(g->dir), "/tmp/iggov-XXXXXX");
	if (!mkdtemp(g->dir) || !realpath(build, g->build))
		return -errno;
	err = lab_create(&g->lab, 2);
	g->up = true;
	for (int h = 1; !err && h <= 2; h++)
		err = gl_sh(g->lab.h[h - 1], "sysctl -qw net.ipv4.ip_forward=1");
	err = err ?: gl_host_conf(g, 1) ?: gl_host_conf(g, 2) ?: gl_gw_conf(g);
	for (int m = 0; !err && m < 3; m++)
		err = govlab_agent_start(g, m);
	for (int i = 0; !err && i < GOVLAB_WLS; i++)
		err = gl_workload(g, i);
	for (int i = 0; !err && i < GOVLAB_WLS; i++)
		err = netns_run(g->lab.cl,
				"for t in $(seq 100); do curl -sf -o /dev/null --max-time 1 "
				"http://%s:8000/ && exit 0; sleep 0.1; done; exit 1",
				wls[i].vip);
	return err;
}

void govlab_down(struct govlab *g)
{
	if (!g->up)
		return;
	for (int m = 0; m < 3; m++)
		netns_run(NULL, "kill $(cat %s/%s.pid) 2>/dev/null", g->dir, mname[m]);
	govlab_streams_stop(g, "*");
	usleep(300 * 1000);
	for (int i = 0; i < GOVLAB_WLS; i++)
		if (g->wl[i][0])
			netns_delete(g->wl[i]);
	lab_destroy(&g->lab);
	netns_run(NULL, "rm -rf /sys/fs/bpf/%s", strrchr(g->dir, '/') + 1);
	if (!getenv("IG_KEEP"))
		netns_run(NULL, "rm -rf %s", g->dir);
	g->up = false;
}
