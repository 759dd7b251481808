// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tc ingress on a GPU host's underlay interface. VXLAN is accepted only from
 * a VTEP allowed for its VNI, decapsulated (bpf_skb_adjust_room) and handed
 * to the workload of the VNI's tenant that owns the inner destination; all
 * else VXLAN drops with a reason. The host's own traffic passes. The logic is
 * in lib/host.bpf.h. With an all-zero ig_config it passes everything. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf/lib/host.bpf.h"

SEC("tc")
int tc_host_ingress(struct __sk_buff *skb)
{
	return host_ingress(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
