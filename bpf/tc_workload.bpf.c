// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tc ingress on each workload's host-side interface (what the workload
 * sends): anti-spoofing, ARP and neighbour solicitations answered by the host
 * side, and delivery only to the workload's own tenant (same host directly,
 * other hosts encapsulated in the tenant's VNI) or to the client side. The
 * logic is in lib/host.bpf.h. With an all-zero ig_config it passes everything. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf/lib/host.bpf.h"

SEC("tc")
int tc_workload(struct __sk_buff *skb)
{
	return host_workload(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
