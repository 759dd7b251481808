// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tc egress on a GPU host's uplink, for inference servers in the host's own
 * namespace: counts their responses per tenant and per flow (the agent turns
 * the bytes into token estimates against each tenant's budget) and drops a
 * flow the agent has cut as a runaway. Workloads behind tc_workload are
 * counted there instead. The logic is in lib/host.bpf.h. With an all-zero
 * ig_config it passes everything. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf/lib/host.bpf.h"

SEC("tc")
int tc_host_egress(struct __sk_buff *skb)
{
	return host_egress(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
