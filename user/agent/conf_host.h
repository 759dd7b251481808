/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The host: section of infergated's configuration (docs/hosts.md): a GPU
 * host's VTEP, the tenants it serves with the VTEPs allowed per VNI, its
 * workloads, the tenant addresses on other hosts, and the infrastructure
 * prefixes no workload may reach. Parsed by conf.c's engine; conf.c calls in. */
#ifndef __IG_CONF_HOST_H
#define __IG_CONF_HOST_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/cfgtree.h"

#define CONFIG_HOST_NAME_MAX 64 /* = CONFIG_NAME_MAX */

/* A tenant this host serves, and who may send its VNI here. */
struct config_host_tenant {
	char name[CONFIG_HOST_NAME_MAX];
	__u32 id, vni; /* from tenants[] */
	unsigned int n_vteps;
	struct config_addr *vteps; /* gateways and peer hosts */
};

/* A workload behind a host-side interface (veth, tap). */
struct config_workload {
	char name[CONFIG_HOST_NAME_MAX];
	char ifname[CONFIG_IFNAME_MAX];
	char tenant[CONFIG_HOST_NAME_MAX];
	__u32 tenant_id;
	char mac_str[18];
	__u8 mac[6];
	bool has_mac; /* else learned from the interface's veth peer */
	unsigned int n_addrs;
	struct config_addr *addrs;
	unsigned int n_vips;
	struct config_addr *vips; /* VIPs it serves (direct server return) */
	/* Its inference server's /metrics (http:// or file:///; "" = none):
	 * the generated-token counter runaway control counts (hosttok.h). */
	char metrics[256];
};

/* Addresses of a served tenant that live elsewhere: on another host (vtep)
 * or VIPs served only by other hosts (no vtep: kept from other tenants). */
struct config_endpoint {
	char tenant[CONFIG_HOST_NAME_MAX];
	__u32 tenant_id;
	struct config_addr vtep;
	bool has_vtep;
	bool vip;
	unsigned int n_addrs;
	struct config_addr *addrs;
};

struct config_prefix {
	struct config_addr addr; /* masked */
	unsigned int len; /* 0..128, in the IPv4-mapped space for IPv4 (96 + len) */
};

struct config_host {
	bool present; /* the file has a host: section */
	char underlay[CONFIG_IFNAME_MAX]; /* the interface with role host */
	struct config_addr vtep;
	unsigned int n_extra_vteps;
	struct config_addr *extra_vteps; /* other addresses VXLAN may be sent to */
	unsigned int n_tenants;
	struct config_host_tenant *tenants;
	unsigned int n_workloads;
	struct config_workload *workloads;
	unsigned int n_endpoints;
	struct config_endpoint *endpoints;
	/* No workload reaches these; none given: the host's underlay addresses
	 * and subnets, read from the underlay interface. */
	unsigned int n_infra;
	struct config_prefix *infra;
};

struct ig_cfg;

/* The host: section (a CT_CUSTOM field of the root table; obj is the
 * struct ig_cfg). */
int config_host_parse(struct cfg_ctx *c, const struct cfg_node *v, void *obj);
/* After the whole file: tenants by name, the role host interface, addresses
 * unique across workloads and endpoints, endpoint VTEPs allowed. */
int config_host_resolve(struct cfg_ctx *c, const struct cfg_node *root);
void config_host_free(struct config_host *h);

/* The workload of that name, or NULL. */
const struct config_workload *config_host_workload(const struct config_host *h, const char *name);
/* pfx contains addr (both 16-byte, IPv4-mapped for IPv4). */
bool config_prefix_has(const struct config_prefix *pfx, const __u8 addr[IG_ADDR_LEN]);

#endif /* __IG_CONF_HOST_H */
