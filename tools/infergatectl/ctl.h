/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* infergatectl: the operator's view of a running datapath, read straight from
 * the pinned maps (with or without the agent). One module per group of
 * commands; main.c parses options and owns the exit codes. The JSON shapes
 * are documented in docs/infergatectl-json.md and are part of the interface. */
#ifndef __IG_CTL_H
#define __IG_CTL_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "user/lib/dp.h"

struct ctl_opts {
	const char *pin_root; /* NULL: IG_PIN_ROOT */
	bool json;
	bool count_only; /* conns --count */
	const char *tenant_arg, *service_arg, *backend_arg; /* conns filters, names or ids */
	long tenant, service, backend; /* conns filters resolved; -1 = any */
	const char *flow; /* conns --flow */
	long count; /* events --count; 0 = unlimited */
	double timeout; /* events --timeout seconds; 0 = none */
	bool backlog; /* events --backlog: also what was queued before the start */
	double interval; /* top --interval seconds */
	long iterations; /* top --iterations; 0 = until interrupted */
};

struct ctl_name {
	__u32 kind, id; /* enum ig_name_kind */
	char name[IG_NAME_LEN];
};

struct ctl {
	struct ctl_opts o;
	char root[256];
	struct dp_maps m;
	struct ctl_name *names; /* ig_names as read at open */
	unsigned int n_names;
};

/* pins.c: find and open the pinned maps, with the operator-facing errors. */
int ctl_open(struct ctl *c);
void ctl_close(struct ctl *c);
/* The pid of an infergated using root (0 when none runs). */
int ctl_agent_pid(const char *root);

/* names.c: the names the agent published (ig_names), read at open. */
void ctl_names_load(struct ctl *c);
/* The name of (kind, id), or NULL when none was published. */
const char *ctl_name(const struct ctl *c, __u32 kind, __u32 id);
/* The name, or the id as text in buf. */
const char *ctl_name_or_id(const struct ctl *c, __u32 kind, __u32 id, char *buf, size_t len);
/* An id from "7", a name, or for a backend "SERVICE/NAME"; prints why not
 * (-ENOENT: none; -ENOTUNIQ: a backend name in several services). */
int ctl_resolve(const struct ctl *c, __u32 kind, const char *arg, __u32 *id);

/* out.c: formatting shared by the views. */
const char *ctl_addr_str(const __u8 addr[16], char *buf, size_t len);
const char *ctl_proto_str(unsigned int proto);
/* Parse "198.18.0.2:80-198.19.0.10:80/tcp" ([v6]:port for IPv6). */
int ctl_flow_parse(const char *s, __u8 saddr[16], __u16 *sport, __u8 daddr[16], __u16 *dport,
		   __u8 *proto);
__u64 ctl_now_ns(void);
/* s as a JSON string ("..." with \\ \" and control characters escaped), or
 * null when s is NULL. */
void ctl_json_str(const char *s);
/* Sum of a per-CPU ig_traffic field. */
__u64 ctl_sum(int fd, __u32 key, __u32 off);

struct svc_row {
	struct ig_service_key k;
	struct ig_service s;
};

/* views.c: every service (VIP markers left out), sorted by id; the count. */
int ctl_services_collect(struct ctl *c, struct svc_row *rows, int cap);

/* events.c: SIGINT/SIGTERM end the live views. */
void ctl_live_signals(void);
bool ctl_live_stopped(void);

/* The commands: 0 or a negative errno. */
int ctl_status(struct ctl *c);
int ctl_services(struct ctl *c);
int ctl_backends(struct ctl *c);
int ctl_tenants(struct ctl *c);
int ctl_stats(struct ctl *c);
int ctl_conns(struct ctl *c);
int ctl_events(struct ctl *c);
int ctl_top(struct ctl *c);
/* host.c: a GPU host's maps. */
int ctl_workloads(struct ctl *c);
int ctl_endpoints(struct ctl *c);
int ctl_vnis(struct ctl *c);
int ctl_host_drops(struct ctl *c);
/* write.c: the operator's standing requests (ig_operator), which the agent
 * honours until lifted, applied to the datapath at once too. */
int ctl_drain(struct ctl *c, __u32 backend, bool drain);
int ctl_weight(struct ctl *c, __u32 service, __u32 backend, __u32 weight);
int ctl_unpin(struct ctl *c, __u32 backend);

#endif /* __IG_CTL_H */
