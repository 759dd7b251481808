/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The evpn: section of infergated's configuration (docs/evpn.md): the agent
 * gives a BGP EVPN daemon on the machine (FRR's zebra) the kernel objects it
 * advertises from, and on a GPU host mirrors what that daemon learns (remote
 * VTEPs per VNI, remote tenant endpoints) into the host maps. */
#ifndef __IG_CONF_EVPN_H
#define __IG_CONF_EVPN_H

#include <stdbool.h>
#include <linux/types.h>

#include "user/agent/cfgtree.h"

struct config_evpn {
	bool present; /* the file has an evpn: section */
	bool learn; /* host: mirror remote VTEPs and endpoints (default true) */
	bool advertise; /* host: advertise the local workloads (default true) */
	__u16 port; /* the kernel vxlan devices' UDP port (default 4789) */
};

/* The evpn: section (a CT_CUSTOM field of the root table; obj is the
 * struct ig_cfg). */
int config_evpn_parse(struct cfg_ctx *c, const struct cfg_node *v, void *obj);

#endif /* __IG_CONF_EVPN_H */
