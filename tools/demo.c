// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `make demo`: the lab in network namespaces (a client, a gateway, three GPU
 * hosts running llmsim, two tenants in their own VNIs), the agent infergated
 * steering by live telemetry, a short seeded loadgen workload per tenant, and
 * what happened, as infergatectl and loadgen show it. Cleans up after itself. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"

#define VIP_CHAT "198.19.0.10"
#define VIP_BATCH "198.19.0.20"

struct demo {
	struct lab lab;
	char dir[64];
	char root[96];
	const char *build;
	int agent_pid;
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

static int demo_config(struct demo *d)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/infergate.yaml", d->dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "interfaces: [{name: g0, role: gateway}]\n"
		   "gateway: {vtep: " LAB_GW_VTEP ", event_sample: 1}\n"
		   "tenants:\n  - {name: acme, id: 1, vni: 100, priority: interactive}\n"
		   "  - {name: globex, id: 2, vni: 200, priority: batch}\n"
		   "services:\n  - name: chat\n    id: 1\n    vip: " VIP_CHAT "\n    port: 80\n"
		   "    tenant: acme\n    policy: maglev\n    backends:\n");
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

static int demo_agent(struct demo *d)
{
	char pid[32];
	int err;

	err = netns_run(NULL,
			"nsenter --net=/run/netns/%s %s/infergated --config %s/infergate.yaml "
			"--pin-root %s --detach >%s/agent.log 2>&1 & echo $! > %s/agent.pid; "
			"for t in $(seq 100); do test -e %s/links/g0-xdp && exit 0; sleep 0.1; "
			"done; exit 1",
			d->lab.gw, d->build, d->dir, d->root, d->dir, d->dir, d->root);
	if (err || netns_run_output(NULL, pid, sizeof(pid), "cat %s/agent.pid", d->dir))
		return -EIO;
	d->agent_pid = atoi(pid);
	sleep(2); /* a few scrapes: weights follow telemetry */
	return 0;
}

static int demo_ctl(struct demo *d, const char *view)
{
	return netns_run(NULL, "%s/infergatectl --pin-root %s %s | sed 's/^/    /'", d->build,
			 d->root, view);
}

static int demo_traffic(struct demo *d)
{
	return netns_run(
		d->lab.cl,
		"(%s/tools/loadgen --target http://" VIP_BATCH "/v1/completions "
		"--rate 3 --duration 6 --seed 2 --prompt fixed:256 --output fixed:64 "
		"--new-connection --tenant globex:1:batch > %s/batch.txt 2>&1 &); "
		"%s/tools/loadgen --target http://" VIP_CHAT "/v1/completions "
		"--rate 6 --duration 6 --seed 1 --prompt lognormal:5,0.5 --output fixed:48 "
		"--new-connection --tenant acme:1:interactive | sed 's/^/    /'; sleep 2; "
		"echo '    -- globex batch:'; sed 's/^/    /' %s/batch.txt",
		d->build, d->dir, d->build, d->dir);
}

static void demo_cleanup(struct demo *d)
{
	if (d->agent_pid > 0) {
		kill(d->agent_pid, SIGTERM); /* --detach: it removes its program */
		for (int t = 0; t < 50 && !kill(d->agent_pid, 0); t++)
			usleep(100 * 1000);
	}
	lab_destroy(&d->lab);
	netns_run(NULL, "rm -rf %s /sys/fs/bpf/ig-demo-%d", d->dir, getpid());
}

int main(void)
{
	static struct demo d;
	int err;

	d.build = getenv("IG_BUILD") ?: "build";
	snprintf(d.dir, sizeof(d.dir), "/tmp/ig-demo-XXXXXX");
	if (!mkdtemp(d.dir))
		return 1;
	snprintf(d.root, sizeof(d.root), "/sys/fs/bpf/ig-demo-%d/v%d", getpid(), IG_ABI_VERSION);
	log_setup_libbpf();
	printf("infergate demo: a client, a gateway, three GPU hosts running llmsim (h1 busy\n"
	       "with work that bypasses the gateway), two tenants: acme (VNI 100, service\n"
	       "chat on h1-h3, Maglev) and globex (VNI 200, service batch on h2-h3,\n"
	       "least-loaded). The agent weighs backends from their vLLM metrics.\n");
	step(1, "lab: namespaces, veth links, kernel vxlan devices, llmsim on each host");
	err = failed(lab_create(&d.lab, 3) ?: demo_hosts(&d));
	if (!err) {
		step(2, "agent: infergated loads, pins and attaches xdp_gateway to the gateway's "
			"client port, scrapes every 500 ms; its view after a few scrapes:");
		err = failed(demo_config(&d) ?: demo_agent(&d) ?: demo_ctl(&d, "backends"));
	}
	if (!err) {
		step(3,
		     "traffic: loadgen streams completions through the gateway, one connection "
		     "per request\n    (acme chat 6 req/s, globex batch 3 req/s, 6 s, fixed seeds)");
		err = failed(demo_traffic(&d));
	}
	if (!err) {
		step(4, "where the connections went: infergatectl backends, tenants, stats");
		err = failed(demo_ctl(&d, "backends")	     ?:
				     demo_ctl(&d, "tenants") ?:
							       demo_ctl(&d, "stats"));
	}
	demo_cleanup(&d);
	step(5, "cleaned up: agent stopped (--detach), namespaces, servers and pins removed");
	return err ? 1 : 0;
}
