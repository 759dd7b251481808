// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The agent's side of the numbers: pushing a whole Maglev table into the
 * kernel and updating a few slots in place, and the end-to-end latency from
 * a telemetry change (a backend's metrics page rewritten) to the datapath
 * holding the new table, measured against a real infergated. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/xdp_gateway.skel.h"
#include "tools/lab/netns.h"
#include "user/lib/dp.h"

#define PUSH_ROUNDS 21
#define LAT_ROUNDS 10
#define LAT_INTERVAL_MS 100

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return v[n / 2];
}

static int bench_push(void)
{
	static __u32 table[IG_MAGLEV_MAX], slots[IG_MAGLEV_MAX / 100], ids[IG_MAGLEV_MAX / 100];
	const __u32 sizes[] = { IG_MAGLEV_DEFAULT, IG_MAGLEV_MAX };
	struct xdp_gateway *skel = xdp_gateway__open_and_load();
	double t[PUSH_ROUNDS], u[PUSH_ROUNDS];
	struct dp_maps m;
	int err;

	if (!skel)
		return -errno;
	err = dp_from_object(&m, skel->obj);
	printf("| table | whole-table swap (ms, median) | 1%% of slots in place (ms, median) |\n"
	       "|---:|---:|---:|\n");
	for (size_t s = 0; !err && s < 2; s++) {
		__u32 n = sizes[s] / 100;

		for (int r = 0; !err && r < PUSH_ROUNDS; r++) {
			double t0;

			for (__u32 i = 0; i < sizes[s]; i++)
				table[i] = 1 + (i + r) % 64;
			t0 = now_ms();
			err = dp_maglev_swap(&m, 1, table, sizes[s]);
			t[r] = now_ms() - t0;
			for (__u32 i = 0; i < n; i++)
				slots[i] = (i * 97 + r) % sizes[s], ids[i] = 65;
			t0 = now_ms();
			err = err ?: dp_maglev_update(&m, 1, slots, ids, n);
			u[r] = now_ms() - t0;
		}
		if (!err)
			printf("| M = %u | %.2f | %.2f (%u slots) |\n", sizes[s],
			       median(t, PUSH_ROUNDS), median(u, PUSH_ROUNDS), n);
	}
	xdp_gateway__destroy(skel);
	return err;
}

static int write_metrics(const char *dir, int b, int waiting)
{
	char path[128], tmp[140];
	FILE *f;

	snprintf(path, sizeof(path), "%s/b%d.prom", dir, b);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "vllm:num_requests_waiting{model_name=\"m\"} %d\n", waiting);
	fclose(f);
	return rename(tmp, path) ? -errno : 0;
}

/* Slots of backend 1 in service 1's table, read from the pins. */
static int slots_of_b1(const char *root)
{
	static __u32 table[IG_MAGLEV_MAX];
	char maps[200];
	struct dp_maps m;
	__u32 msize = 0;
	int n = 0;

	snprintf(maps, sizeof(maps), "%s/maps", root);
	if (dp_open_pinned(&m, maps))
		return -1;
	if (!dp_maglev_read(&m, 1, table, IG_MAGLEV_MAX, &msize))
		for (__u32 i = 0; i < msize; i++)
			n += table[i] == 1;
	dp_close(&m);
	return msize ? n : -1;
}

static int lat_config(const char *dir, const char *ns)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/bench.yaml", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"interfaces: [{name: la, role: gateway}]\ngateway: {vtep: 198.18.60.1}\n"
		"tenants: [{name: t, id: 1, vni: 9}]\nservices:\n  - name: s\n    id: 1\n"
		"    vip: 198.19.6.6\n    port: 80\n    tenant: t\n    backends:\n"
		"      - {name: b1, id: 1, vtep: 198.18.60.2, capacity: 10, "
		"metrics: [{url: \"file://%s/b1.prom\", format: vllm}], health: {port: 22}}\n"
		"      - {name: b2, id: 2, vtep: 198.18.60.3, capacity: 10, "
		"metrics: [{url: \"file://%s/b2.prom\", format: vllm}], health: {port: 22}}\n"
		"telemetry: {interval: %dms, timeout: 50ms}\nscoring: {ewma_alpha: 1}\n"
		"metrics: {listen: \"127.0.0.1:19471\"}\n",
		dir, dir, LAT_INTERVAL_MS);
	fclose(f);
	(void)ns;
	return 0;
}

/* Flip backend 1 between idle and saturated; time until its slots move. */
static int lat_rounds(const char *dir, const char *root, double *lat)
{
	for (int r = 0; r < LAT_ROUNDS; r++) {
		int busy = !(r % 2), before = slots_of_b1(root), now;
		double t0;

		usleep((37 * r % LAT_INTERVAL_MS) * 1000); /* any phase of the scrape cycle */
		t0 = now_ms();
		if (write_metrics(dir, 1, busy ? 40 : 0))
			return -EIO;
		do {
			usleep(200);
			now = slots_of_b1(root);
		} while ((busy ? now >= before : now <= before) && now_ms() - t0 < 3000);
		lat[r] = now_ms() - t0;
		if (lat[r] >= 3000)
			return -ETIMEDOUT;
		usleep(2 * LAT_INTERVAL_MS * 1000); /* let it settle */
	}
	return 0;
}

static int bench_latency(void)
{
	char dir[] = "/tmp/ig-bench-XXXXXX", ns[NETNS_NAME_MAX], peer[NETNS_NAME_MAX], root[96];
	const char *build = getenv("IG_BUILD") ?: "build";
	double lat[LAT_ROUNDS], max;
	int err;

	if (!mkdtemp(dir))
		return -errno;
	snprintf(root, sizeof(root), "/sys/fs/bpf/ig-bench-%d/v1", getpid());
	err = netns_create("bag", ns)			       ?:
		      netns_create("bpr", peer)		       ?:
		      netns_veth(ns, "la", peer, "lb")	       ?:
		      netns_addr(ns, "la", "198.18.60.1/24")   ?:
		      netns_addr(peer, "lb", "198.18.60.2/24") ?:
		      netns_addr(peer, "lb", "198.18.60.3/24") ?:
		      netns_link_up(ns, "la")		       ?:
		      netns_link_up(peer, "lb")		       ?:
		      write_metrics(dir, 1, 0)		       ?:
		      write_metrics(dir, 2, 0)		       ?:
								 lat_config(dir, ns);
	err = err   ?:
		      netns_run(
			      NULL,
			      "nsenter --net=/run/netns/%s %s/infergated --config %s/bench.yaml "
			      "--pin-root %s --log-level warn >%s/agent.log 2>&1 & "
			      "for t in $(seq 100); do test -e %s/links/la-xdp && exit 0; sleep 0.1; "
			      "done; exit 1",
			      ns, build, dir, root, dir, root);
	usleep(500 * 1000);
	err = err ?: lat_rounds(dir, root, lat);
	netns_run(NULL,
		  "pkill -f 'infergated --config %s/bench.yam[l]'; sleep 0.3; rm -rf %s "
		  "/sys/fs/bpf/ig-bench-%d",
		  dir, dir, getpid());
	netns_cleanup_all();
	if (err)
		return err;
	max = 0;
	for (int i = 0; i < LAT_ROUNDS; i++)
		max = lat[i] > max ? lat[i] : max;
	printf("\n| telemetry change to datapath | median | max | target |\n|---|---:|---:|---|\n"
	       "| scrape interval %d ms, %d changes | %.1f ms | %.1f ms | <= %d + 5 ms: %s |\n",
	       LAT_INTERVAL_MS, LAT_ROUNDS, median(lat, LAT_ROUNDS), max, LAT_INTERVAL_MS,
	       max <= LAT_INTERVAL_MS + 5 ? "met" : "MISSED");
	return 0;
}

int bench_agent(void)
{
	int err = bench_push();

	return err ?: bench_latency();
}
