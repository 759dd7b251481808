/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* VIP announcement (docs/scale-out.md). The agent never speaks BGP: a VIP
 * this gateway can serve (a service on it, not opted out, has a healthy
 * backend) is a blackhole host route in the announce: table, with the
 * agent's route protocol; the local FRR imports that table (zebra's
 * `ip import-table`) and bgpd redistributes it. A VIP that cannot be served
 * is withdrawn by deleting its route; SIGTERM withdraws every VIP first. */
#ifndef __IG_ANNOUNCE_H
#define __IG_ANNOUNCE_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/conf.h"
#include "user/agent/metrics.h"
#include "user/agent/netlink.h"
#include "user/lib/log.h"

struct announce_vip {
	struct config_addr addr;
	bool want; /* a service on it can take connections here */
	bool announced; /* its route is in the table */
	__u64 changes; /* announcements and withdrawals since the agent started */
};

struct announce {
	bool on; /* the configuration has an announce: section */
	struct netlink_vip_route rt;
	unsigned int n;
	struct announce_vip *vips;
	__u64 errors; /* route changes the kernel refused */
	__u64 hold_until_ns; /* CLOCK_MONOTONIC: no route changes before (announce.hold) */
	struct log_streak log;
};

/* Take the configuration's VIPs (services with announce: true; a VIP shared
 * by several services once), keeping the state of those that stay;
 * withdraws the VIPs that left it, and all of them when the section did or
 * its table or protocol changed. Wanted: none until announce_want(). */
int announce_configure(struct announce *an, const struct ig_cfg *cfg, struct netlink *nl);
/* Mark vip wanted (called for each servable service, between a clear and a
 * commit). */
void announce_clear(struct announce *an);
void announce_want(struct announce *an, const struct config_addr *vip);
/* Add and delete routes so the table holds exactly the wanted VIPs; returns
 * how many changed. */
int announce_commit(struct announce *an, struct netlink *nl);
/* What the kernel holds: routes of the agent's protocol in the table that
 * are not announced (a previous run's, a VIP removed while the agent was
 * down) are deleted, announced ones that vanished are added again. */
void announce_reconcile(struct announce *an, struct netlink *nl);
/* The agent started: commit and reconcile change nothing for hold_ns
 * (announce.hold), so a joining gateway announces only once its sync peers
 * have sent it their flows, and a restarted one keeps what its predecessor
 * announced until it has checked its backends. */
void announce_hold(struct announce *an, __u64 hold_ns);
/* Withdraw every VIP (graceful stop), and any other route of the agent's
 * protocol left in the table; returns how many were announced. */
int announce_withdraw_all(struct announce *an, struct netlink *nl);
void announce_render(const struct announce *an, struct mbuf *m);
void announce_free(struct announce *an);

#endif /* __IG_ANNOUNCE_H */
