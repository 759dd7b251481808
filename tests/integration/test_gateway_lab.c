// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The gateway with real traffic (tools/lab/lab.h): client -> gateway
 * (xdp_gateway through kernel-compat) -> three GPU-host namespaces where the
 * kernel's own vxlan device decapsulates and an HTTP server answers by direct
 * server return. Real curl connections spread by the weights; after a
 * reweight new connections follow the new table while a streaming connection
 * opened before it keeps flowing to its backend without a reset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "bpf/xdp_gateway.skel.h"
#include "tests/lib/fixture.h"
#include "tools/lab/lab.h"

#define NHOSTS 3
#define VIP "198.19.0.10"
#define VNI 100

static struct lab lab;
static const __u32 ids[NHOSTS] = { 1, 2, 3 };

static void lab_up(void)
{
	struct ig_service svc = { .id = 1, .tenant = 1, .policy = IG_POLICY_MAGLEV };
	struct ig_service_key key;

	fx_require_root();
	cr_assert_eq(lab_create(&lab, NHOSTS), 0);
	cr_assert_eq(lab_gateway_up(&lab), 0);
	cr_assert_eq(dp_tenant_set(&lab.maps, 1, VNI, IG_PRIO_STANDARD), 0);
	cr_assert_eq(dp_service_key(&key, VIP, 80, IPPROTO_TCP), 0);
	cr_assert_eq(dp_service_set(&lab.maps, &key, &svc), 0);
	for (int h = 1; h <= NHOSTS; h++) {
		char name[8];

		snprintf(name, sizeof(name), "h%d", h);
		cr_assert_eq(lab_host_vni(&lab, h, VNI, VIP), 0);
		cr_assert_eq(lab_host_httpd(&lab, h, VIP, 80, name, NULL), 0);
		cr_assert_eq(lab_backend(&lab, ids[h - 1], h, 1, VNI), 0);
	}
	for (int h = 1; h <= NHOSTS; h++)
		cr_assert_eq(lab_wait_http(&lab, h, VIP, 80), 0, "httpd in h%d did not start", h);
}

static void lab_down(void)
{
	lab_destroy(&lab);
}

TestSuite(gateway_lab, .init = lab_up, .fini = lab_down, .timeout = 120);

static void reweight(const __u32 *w)
{
	cr_assert_eq(lab_weights(&lab, 1, ids, w, NHOSTS), 0);
}

/* n curl connections; counts per host (counts[0]: failures). */
static void curl_spread(int n, int counts[NHOSTS + 1])
{
	cr_assert_eq(lab_curl_spread(&lab, VIP, n, counts, NHOSTS), 0);
}

Test(gateway_lab, connections_spread_by_weight)
{
	const __u32 w[NHOSTS] = { 1, 2, 3 };
	int c[NHOSTS + 1];
	const int n = 300;

	reweight(w);
	curl_spread(n, c);
	cr_expect_eq(c[0], 0, "%d connections failed", c[0]);
	/* Expected 50/100/150; each bound is about four standard deviations. */
	for (int i = 0; i < NHOSTS; i++) {
		int want = n * w[i] / 6;

		cr_expect(abs(c[i + 1] - want) <= 28, "h%d got %d connections, want %d +- 28",
			  i + 1, c[i + 1], want);
	}
	cr_expect_eq(fx_counter(lab.skel->obj, "ig_counters", IG_CNT_NEW_CONN, 0), n);
	for (int i = 0; i < NHOSTS; i++)
		cr_expect_eq(fx_counter(lab.skel->obj, "ig_be_stats", ids[i],
					offsetof(struct ig_traffic, new_conns)),
			     (__u64)c[i + 1], "backend stats of h%d", i + 1);
	cr_expect_eq(netns_run(lab.cl, "ping -c 2 -i 0.2 -W 1 198.18.0.1 >/dev/null"), 0,
		     "the gateway's own traffic must keep working");
}

Test(gateway_lab, stream_survives_reweight)
{
	const __u32 even[NHOSTS] = { 1, 1, 1 };
	__u32 w[NHOSTS] = { 1, 1, 1 };
	char first[128], out[4096], dir[] = "/tmp/ig-stream-XXXXXX", path[64];
	int c[NHOSTS + 1], h = 0, chunks = 0;
	FILE *f;

	cr_assert(mkdtemp(dir));
	reweight(even);
	/* A 6-second stream, opened before the reweight. */
	cr_assert_eq(netns_run(lab.cl,
			       "(curl -sN --max-time 20 'http://" VIP "/stream?secs=6&hz=10' "
			       "> %s/out; echo $? > %s/rc) >/dev/null 2>&1 &",
			       dir, dir),
		     0);
	snprintf(path, sizeof(path), "%s/out", dir);
	for (int t = 0; t < 50 && !h; t++) {
		usleep(100 * 1000);
		f = fopen(path, "r");
		if (f && fgets(first, sizeof(first), f))
			sscanf(first, "h%d", &h);
		if (f)
			fclose(f);
	}
	cr_assert(h >= 1 && h <= NHOSTS, "the stream did not start");

	w[h - 1] = 0; /* its backend leaves the table */
	reweight(w);
	curl_spread(60, c);
	cr_expect_eq(c[0], 0);
	cr_expect_eq(c[h], 0, "new connections still reached h%d", h);

	cr_assert_eq(netns_run(NULL,
			       "for t in $(seq 150); do test -s %s/rc && exit 0; sleep 0.1; done; "
			       "exit 1",
			       dir),
		     0, "the stream did not finish");
	cr_assert_eq(netns_run_output(NULL, out, sizeof(out), "cat %s/rc", dir), 0);
	cr_expect_eq(atoi(out), 0, "curl of the stream exited %s", out);
	f = fopen(path, "r");
	cr_assert(f);
	while (fgets(first, sizeof(first), f)) {
		int hh = 0, k, n;

		cr_expect_eq(sscanf(first, "h%d %d/%d", &hh, &k, &n), 3, "bad line '%s'", first);
		cr_expect_eq(hh, h, "chunk from h%d, stream began on h%d", hh, h);
		chunks++;
	}
	fclose(f);
	cr_expect_eq(chunks, 60, "got %d of 60 chunks", chunks);
	netns_run(NULL, "rm -rf %s", dir);
}
