// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* XDP on the gateway (DPU or host NIC): parses every packet, drops malformed
 * IP with a reason, and passes what is not addressed to a service. With an
 * all-zero ig_config it passes everything. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lib/parse.bpf.h"
#include "lib/ctx.bpf.h"
#include "lib/stats.bpf.h"

SEC("xdp")
int xdp_gateway(struct xdp_md *xdp)
{
	struct pkt p = {};
	struct ig_config *cfg;
	struct ig_ctx c;
	__u32 zero = 0;
	int err;

	ctx_from_xdp(&c, xdp);
	count(IG_CNT_RX);
	cfg = bpf_map_lookup_elem(&ig_config, &zero);
	if (!cfg || !(cfg->flags & IG_CFG_ENABLED))
		goto pass;

	err = parse_packet(c.data, c.data_end, &p, 0);
	if (err) {
		/* Malformed IP is dropped here with a reason rather than left
		 * to the stack, which would drop it without saying why. */
		count_drop(-err, c.len);
		return XDP_DROP;
	}
	if (!p.family)
		count(IG_CNT_NOT_IP);
	else if (p.flags & PKT_F_FRAG)
		count(IG_CNT_FRAGMENT);
pass:
	count(IG_CNT_PASS);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
