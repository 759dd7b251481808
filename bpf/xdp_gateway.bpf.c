// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* XDP on the gateway (DPU or host NIC): steers each new connection to a
 * service VIP onto a GPU backend and carries it there in the tenant's VXLAN
 * VNI; established flows follow the connection table. The logic is in
 * lib/gateway.bpf.h. With an all-zero ig_config it passes everything. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf/lib/gateway.bpf.h"

SEC("xdp")
int xdp_gateway(struct xdp_md *xdp)
{
	return gateway_xdp(xdp);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
