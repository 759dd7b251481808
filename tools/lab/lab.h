/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The netns lab: a client, a gateway running xdp_gateway (attached through
 * kernel-compat), and GPU-host namespaces whose kernel vxlan devices (one per
 * tenant VNI) decapsulate and whose servers answer by direct server return.
 * Used by the integration tests, `make demo` and the benchmarks.
 *
 * Addresses: client 198.18.0.2 (gateway 198.18.0.1), gateway VTEP
 * 198.18.255.1, host i (1-based) 198.18.(10+i).2 on its own underlay link
 * from the gateway's u<i> (198.18.(10+i).1, MTU 1600). */
#ifndef __IG_LAB_H
#define __IG_LAB_H

#include <stdbool.h>
#include <linux/types.h>

#include "kernel-compat/compat.h"
#include "tools/lab/netns.h"
#include "user/lib/dp.h"

#define LAB_HOSTS_MAX 8
#define LAB_GW_VTEP "198.18.255.1"
#define LAB_CLIENT "198.18.0.2"

struct xdp_gateway;
struct tc_host_egress;

struct lab {
	char cl[NETNS_NAME_MAX];
	char gw[NETNS_NAME_MAX];
	char h[LAB_HOSTS_MAX][NETNS_NAME_MAX];
	int nhosts;
	struct xdp_gateway *skel;
	struct dp_maps maps;
	struct compat_attachment att;
	bool attached;
	/* lab_host_egress: response counting on a host's uplink */
	struct tc_host_egress *egress[LAB_HOSTS_MAX];
	struct compat_attachment egress_att[LAB_HOSTS_MAX];
	bool egress_on[LAB_HOSTS_MAX];
};

/* Namespaces, links, addresses and routes; no BPF yet. 0 or -errno. */
int lab_create(struct lab *l, int nhosts);
/* An XDP_PASS program on the client's c0, so that frames the gateway sends
 * back with XDP_TX (governance's TCP RSTs) reach the client: a veth drops
 * them unless its peer runs XDP. Only for labs that test such replies: it
 * changes the client's receive path. */
int lab_client_xdp_pass(struct lab *l);
/* Host h (1-based) joins VNI vni with a kernel vxlan device vx<vni> that
 * carries vip (the VIP lives on the workload side, as with Katran). */
int lab_host_vni(struct lab *l, int h, __u32 vni, const char *vip);
/* Start tests/integration/httpd.py on addr:port in host h, answering name;
 * with metrics_file (or NULL), GET /metrics serves that file. */
int lab_host_httpd(struct lab *l, int h, const char *addr, int port, const char *name,
		   const char *metrics_file);
/* Wait until the server on vip:port in host h answers (up to 10 s). */
int lab_wait_http(struct lab *l, int h, const char *vip, int port);

/* Load xdp_gateway, configure ig_config and attach it to the client-facing
 * g0 (native XDP through kernel-compat). */
int lab_gateway_up(struct lab *l);
/* Backend id on host h for service svc inside VNI vni: MACs and ifindex come
 * from the lab's links, and the host's underlay port joins ig_tx_ports. */
int lab_backend(struct lab *l, __u32 id, int h, __u32 svc, __u32 vni);
/* Push a Maglev table (M = IG_MAGLEV_DEFAULT) built from weights. */
int lab_weights(struct lab *l, __u32 svc, const __u32 *ids, const __u32 *weights, int n);
/* n sequential curl connections from the client to http://vip/; the lab's
 * servers answer "h<N>...": counts[N] for N in 1..nhosts, counts[0] for
 * failures and other answers. */
int lab_curl_spread(struct lab *l, const char *vip, int n, int *counts, int nhosts);
/* Runaway control on host h (token governance): tc_host_egress at e0's
 * egress, every map of it pinned in pin_dir (an existing directory's child,
 * for the agent's governance.host_maps), ig_config enabled, and vip an
 * ig_endpoints entry of tenant (IG_EP_F_VIP), so the responses of the host's
 * servers from vip count for tenant. Called again for the same host, it only
 * adds the VIP. *maps (may be NULL) gets the maps, owned by the lab. */
int lab_host_egress(struct lab *l, int h, const char *pin_dir, __u32 tenant, const char *vip,
		    struct dp_maps *maps);
/* The host of a backend's VTEP address, for reports. */
int lab_host_of(const struct lab *l, __u32 backend);

/* Start infergated (bin) in the gateway namespace with conf and its own
 * pin root, its log appended to dir/agent.log and its pid in dir/agent.pid,
 * and wait up to 10 s for its /metrics page (port 9469). nsenter keeps the
 * host's bpffs, which `ip netns exec` would hide. 0, -EIO or -ETIMEDOUT. */
int lab_agent_start(const struct lab *l, const char *bin, const char *conf, const char *pin_root,
		    const char *dir);
/* The value of the first sample line of the /metrics page (port 9469) of the
 * agent in namespace ns that starts with line and a space, or -1 (no such
 * line, or no page within 3 s). Every lab's machines read theirs with it. */
double lab_ns_metric(const char *ns, const char *line);
/* lab_ns_metric in the gateway namespace. */
double lab_metric(const struct lab *l, const char *line);
/* The page is rendered once a second: poll every 100 ms, up to tries
 * times, until the line shows want; returns the last value read. */
double lab_metric_wait(const struct lab *l, const char *line, double want, int tries);

/* Detach, unload and delete every namespace (and the processes in them). */
void lab_destroy(struct lab *l);

#endif /* __IG_LAB_H */
