// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tc ingress on a GPU host's underlay interface: parses every packet (VXLAN
 * included) and drops malformed IP and VXLAN with a reason; the host's own
 * traffic passes. With an all-zero ig_config it passes everything. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "lib/parse.bpf.h"
#include "lib/ctx.bpf.h"
#include "lib/stats.bpf.h"

SEC("tc")
int tc_host_ingress(struct __sk_buff *skb)
{
	struct pkt p = {};
	struct ig_config *cfg;
	struct ig_ctx c;
	__u32 zero = 0;
	int err;

	count(IG_CNT_RX);
	cfg = bpf_map_lookup_elem(&ig_config, &zero);
	if (!cfg || !(cfg->flags & IG_CFG_ENABLED))
		goto pass;

	ctx_from_skb(&c, skb);
	err = parse_packet(c.data, c.data_end, &p, PARSE_VXLAN);
	if (err) {
		count_drop(-err, c.len);
		return TC_ACT_SHOT;
	}
	if (!p.family)
		count(IG_CNT_NOT_IP);
	else if (p.flags & PKT_F_FRAG)
		count(IG_CNT_FRAGMENT);
pass:
	count(IG_CNT_PASS);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
