/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Ring-buffer events: sampled steering decisions and drops of VIP traffic,
 * for `infergatectl events`. Off unless ig_config.event_sample is set. */
#ifndef __IG_EVENTS_BPF_H
#define __IG_EVENTS_BPF_H

#include "maps/maps.bpf.h"
#include "bpf/lib/parse.bpf.h"
#include "bpf/lib/stats.bpf.h"

struct ev_info {
	__u32 service;
	__u32 backend;
	__u32 tenant;
	__u32 ifindex;
	__u8 type;
	__u8 reason;
	__u8 policy;
};

static __always_inline void event_emit(const struct ig_config *cfg, const struct pkt *p,
				       const struct ev_info *ei)
{
	struct ig_event *e;

	if (!cfg->event_sample)
		return;
	if (ei->type == IG_EV_DECISION && cfg->event_sample > 1 &&
	    bpf_get_prandom_u32() % cfg->event_sample)
		return;
	e = bpf_ringbuf_reserve(&ig_events, sizeof(*e), 0);
	if (!e) {
		count(IG_CNT_EVENTS_LOST);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(e->saddr, p->saddr, 16);
	__builtin_memcpy(e->daddr, p->daddr, 16);
	e->sport = p->sport;
	e->dport = p->dport;
	e->service = ei->service;
	e->backend = ei->backend;
	e->tenant = ei->tenant;
	e->ifindex = ei->ifindex;
	e->type = ei->type;
	e->reason = ei->reason;
	e->proto = p->proto;
	e->policy = ei->policy;
	bpf_ringbuf_submit(e, 0);
}

#endif /* __IG_EVENTS_BPF_H */
