// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* TCP throughput inside one tenant across two GPU hosts (iperf3, one stream,
 * TSO/GSO on as veth has them), through the tc programs (tc_workload encaps,
 * tc_host_ingress decaps) next to the same path without them: the kernel's
 * vxlan device in a bridge with the workloads' veths. Both paths exist side
 * by side on their own direct underlay links between the two host
 * namespaces; rounds alternate between them, and the median counts. Target:
 * the tc path carries at least 80% of the kernel path. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bpf/tc_host_ingress.skel.h"
#include "bpf/tc_workload.skel.h"
#include "kernel-compat/compat.h"
#include "tests/lib/pktbuild.h"
#include "tools/lab/netns.h"
#include "user/lib/dp.h"

#define BENCH_ROUNDS 3
#define BENCH_SECS "3"
#define BENCH_TARGET 0.80
#define BH_TENANT 1
#define BH_VNI 6400

struct bh_host {
	char ns[NETNS_NAME_MAX];
	struct tc_host_ingress *hi;
	struct tc_workload *wk;
	struct dp_maps maps;
	struct compat_attachment att[2];
	int natt;
	__u8 vtep[16], p0_mac[6];
};

struct bh_wl {
	char ns[NETNS_NAME_MAX];
	const char *addr;
	__u8 mac[6], node_mac[6];
	int ifindex;
};

static struct bh_host bh[2];
static struct bh_wl bpf_wl[2] = { { .addr = "198.18.64.1" }, { .addr = "198.18.64.2" } };
static struct bh_wl kern_wl[2] = { { .addr = "198.18.66.1" }, { .addr = "198.18.66.2" } };

static __attribute__((format(printf, 2, 3))) int bh_sh(const char *ns, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	err = netns_run(ns, "%s", cmd);
	if (err)
		fprintf(stderr, "bench_host: in %s: '%s' failed (%d)\n", ns, cmd, err);
	return err ? -EIO : 0;
}

static int bh_mac(const char *ns, const char *dev, __u8 mac[6])
{
	char buf[64];

	if (netns_run_output(ns, buf, sizeof(buf), "cat /sys/class/net/%s/address", dev))
		return -ENODEV;
	return pb_mac(buf, mac);
}

/* Two hosts, two direct underlay links: p0 (tc programs) and k0 (kernel
 * vxlan), MTU 1600 for the 50 bytes of VXLAN. */
static int bh_underlay(void)
{
	int err;

	err = netns_create("bh1", bh[0].ns) ?: netns_create("bh2", bh[1].ns);
	err = err ?: netns_veth(bh[0].ns, "p0", bh[1].ns, "p0");
	err = err ?: netns_veth(bh[0].ns, "k0", bh[1].ns, "k0");
	for (int h = 0; h < 2 && !err; h++)
		err = bh_sh(
			bh[h].ns,
			"ip link set p0 mtu 1600 up && ip link set k0 mtu 1600 up && "
			"ip addr add 198.18.21.%d/24 dev p0 && ip addr add 198.18.22.%d/24 dev k0",
			h + 1, h + 1);
	pb_addr16("198.18.21.1", bh[0].vtep);
	pb_addr16("198.18.21.2", bh[1].vtep);
	return err ?: bh_mac(bh[0].ns, "p0", bh[0].p0_mac) ?: bh_mac(bh[1].ns, "p0", bh[1].p0_mac);
}

static int bh_workload(struct bh_wl *w, int h, const char *tag, const char *hostdev)
{
	int err;

	err = netns_create(tag, w->ns) ?: netns_veth(bh[h].ns, hostdev, w->ns, "eth0");
	err = err ?: netns_link_up(bh[h].ns, hostdev);
	err = err ?: bh_sh(w->ns, "ip addr add %s/24 dev eth0 && ip link set eth0 up", w->addr);
	err = err ?: bh_mac(w->ns, "eth0", w->mac) ?: bh_mac(bh[h].ns, hostdev, w->node_mac);
	w->ifindex = err ? 0 : netns_ifindex(bh[h].ns, hostdev);
	return err ?: (w->ifindex > 0 ? 0 : -ENODEV);
}

/* The path without BPF: vxlan + bridge on each host, the L2 overlay. */
static int bh_kernel_path(int h)
{
	return bh_sh(bh[h].ns,
		     "ip link add vxk type vxlan id 6600 local %s remote %s dev k0 dstport 4789 && "
		     "ip link add brk type bridge && ip link set vxk master brk && "
		     "ip link set wk master brk && ip link set vxk up && ip link set brk up",
		     h ? "198.18.22.2" : "198.18.22.1", h ? "198.18.22.1" : "198.18.22.2");
}

static int bh_endpoints(struct bh_host *H, int h)
{
	struct ig_endpoint ep = { .tenant = BH_TENANT };
	__u8 a[16];
	int err = 0;

	for (int w = 0; w < 2 && !err; w++) {
		ep.flags = w == h ? IG_EP_F_LOCAL : IG_EP_F_REMOTE;
		ep.ifindex = w == h ? bpf_wl[w].ifindex : 0;
		memset(ep.vtep, 0, 16);
		if (w != h)
			memcpy(ep.vtep, bh[w].vtep, 16);
		memcpy(ep.nh_mac, bh[w].p0_mac, 6); /* a direct link: the peer itself */
		pb_addr16(bpf_wl[w].addr, a);
		err = dp_endpoint_set(&H->maps, a, &ep);
	}
	return err;
}

/* The path through the tc programs: one tenant, the other host's VTEP. */
static int bh_config(int h)
{
	struct bh_host *H = &bh[h];
	struct ig_config cfg = { .flags = IG_CFG_ENABLED };
	struct ig_workload wl = { .tenant = BH_TENANT, .flags = IG_WL_F_PEER };
	int err;

	memcpy(cfg.vtep_addr, H->vtep, 16);
	memcpy(cfg.vtep_mac, H->p0_mac, 6);
	cfg.underlay_ifindex = netns_ifindex(H->ns, "p0");
	memcpy(wl.mac, bpf_wl[h].mac, 6);
	memcpy(wl.node_mac, bpf_wl[h].node_mac, 6);
	err = dp_config_set(&H->maps, &cfg);
	err = err ?: dp_tenant_set(&H->maps, BH_TENANT, BH_VNI, IG_PRIO_STANDARD);
	err = err ?: dp_vni_set(&H->maps, BH_VNI, BH_TENANT);
	err = err ?: dp_vtep_allow(&H->maps, BH_VNI, bh[!h].vtep);
	err = err ?: dp_workload_set(&H->maps, bpf_wl[h].ifindex, &wl);
	return err ?: bh_endpoints(H, h);
}

static int bh_attach(struct bh_host *H, int ifindex, struct bpf_program *prog)
{
	int saved = netns_enter(H->ns), err;

	if (saved < 0)
		return saved;
	err = compat_tc_attach(bpf_program__fd(prog), ifindex, COMPAT_TC_INGRESS, 0,
			       &H->att[H->natt]);
	netns_leave(saved);
	if (!err)
		H->natt++;
	return err;
}

static int bh_bpf_path(int h)
{
	struct bh_host *H = &bh[h];
	int err;

	H->hi = tc_host_ingress__open_and_load();
	H->wk = tc_workload__open();
	if (!H->hi || !H->wk)
		return -errno ?: -ENOMEM;
	err = dp_from_object(&H->maps, H->hi->obj) ?: dp_reuse_maps(H->wk->obj, &H->maps);
	err = err ?: tc_workload__load(H->wk);
	err = err ?: bh_config(h);
	err = err ?: bh_attach(H, netns_ifindex(H->ns, "p0"), H->hi->progs.tc_host_ingress);
	return err ?: bh_attach(H, bpf_wl[h].ifindex, H->wk->progs.tc_workload);
}

static void bh_destroy(void)
{
	for (int h = 0; h < 2; h++) {
		int saved = netns_enter(bh[h].ns);

		for (int i = 0; i < bh[h].natt; i++)
			compat_detach(&bh[h].att[i]);
		if (saved >= 0)
			netns_leave(saved);
		tc_workload__destroy(bh[h].wk);
		tc_host_ingress__destroy(bh[h].hi);
	}
	netns_cleanup_all();
	memset(bh, 0, sizeof(bh));
}

/* One iperf3 run from w[0] to w[1]: Gbit/s received, or a negative value. */
static double bh_iperf(const struct bh_wl *w)
{
	char out[64];

	if (netns_run_output(w[0].ns, out, sizeof(out),
			     "iperf3 -c %s -t " BENCH_SECS " -J | python3 -c 'import json,sys;"
			     "print(json.load(sys.stdin)[\"end\"][\"sum_received\"]"
			     "[\"bits_per_second\"]/1e9)'",
			     w[1].addr))
		return -1;
	return atof(out);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int bh_setup(void)
{
	int err;

	if (geteuid()) {
		fprintf(stderr, "bench_host: needs root (namespaces, BPF)\n");
		return -EPERM;
	}
	err = bh_underlay();
	for (int h = 0; !err && h < 2; h++) {
		err = bh_workload(&bpf_wl[h], h, h ? "bwb" : "bwa", "wb");
		err = err ?: bh_workload(&kern_wl[h], h, h ? "kwb" : "kwa", "wk");
	}
	for (int h = 0; !err && h < 2; h++)
		err = bh_kernel_path(h) ?: bh_bpf_path(h);
	for (int i = 0; !err && i < 2; i++)
		err = bh_sh(bpf_wl[i].ns, "iperf3 -s -D >/dev/null 2>&1") ?:
			      bh_sh(kern_wl[i].ns, "iperf3 -s -D >/dev/null 2>&1");
	if (!err)
		usleep(300 * 1000);
	return err;
}

/* The tc path really carried the transfer: encapsulated on host 1,
 * decapsulated on host 2. */
static int bh_went_through_bpf(void)
{
	__u64 enc = 0, dec = 0;
	int err;

	err = dp_percpu_sum(bh[0].maps.counters, IG_CNT_HOST_ENCAP, 0, &enc) ?:
		      dp_percpu_sum(bh[1].maps.counters, IG_CNT_HOST_DECAP, 0, &dec);
	if (!err && (enc < 1000 || dec < 1000)) {
		fprintf(stderr, "bench_host: only %llu encapsulated, %llu decapsulated\n",
			(unsigned long long)enc, (unsigned long long)dec);
		err = -EPROTO;
	}
	return err;
}

int bench_host(void)
{
	double k[BENCH_ROUNDS], b[BENCH_ROUNDS], km, bm;
	int err;

	err = bh_setup();
	for (int r = 0; !err && r < BENCH_ROUNDS; r++) {
		k[r] = bh_iperf(kern_wl);
		b[r] = bh_iperf(bpf_wl);
		if (k[r] < 0 || b[r] < 0)
			err = -EIO;
	}
	err = err ?: bh_went_through_bpf();
	if (err) {
		fprintf(stderr, "bench_host: %s\n", strerror(-err));
		bh_destroy();
		return err;
	}
	qsort(k, BENCH_ROUNDS, sizeof(k[0]), cmp_double);
	qsort(b, BENCH_ROUNDS, sizeof(b[0]), cmp_double);
	km = k[BENCH_ROUNDS / 2];
	bm = b[BENCH_ROUNDS / 2];
	printf("| path (one tenant, host 1 -> host 2, iperf3 TCP, 1 stream) | Gbit/s | "
	       "of kernel path | target |\n|---|---:|---:|---|\n");
	printf("| kernel vxlan + bridge (no BPF) | %.2f | 100%% | - |\n", km);
	printf("| tc_workload encap + tc_host_ingress decap | %.2f | %.0f%% | >= %.0f%%: %s |\n",
	       bm, 100 * bm / km, 100 * BENCH_TARGET, bm >= BENCH_TARGET * km ? "met" : "MISSED");
	printf("(median of %d alternating %s-second runs; veth underlay, MTU 1600, TSO/GSO on)\n",
	       BENCH_ROUNDS, BENCH_SECS);
	bh_destroy();
	return 0;
}
