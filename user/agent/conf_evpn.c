// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The evpn: section (user/agent/conf_evpn.h). */
#include "user/agent/conf.h"
#include "user/agent/conf_evpn.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct cfg_field cfg_evpn_fields[] = {
	CFG_FIELD(struct config_evpn, "learn", CT_BOOL, learn, 0, 0, 0),
	CFG_FIELD(struct config_evpn, "advertise", CT_BOOL, advertise, 0, 0, 0),
	CFG_FIELD(struct config_evpn, "port", CT_UINT, port, 0, 1, 65535),
};

int config_evpn_parse(struct cfg_ctx *c, const struct cfg_node *v, void *obj)
{
	struct config_evpn *e = &((struct ig_cfg *)obj)->evpn;

	e->present = true;
	e->learn = true;
	e->advertise = true;
	e->port = 4789;
	return cfg_map(c, v, cfg_evpn_fields, ARRAY_SIZE(cfg_evpn_fields), e);
}
