// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The memory floor of the connection table, for the datapath benchmark
 * (IG_BENCH_VS=build/tests/bpf/progs/bench_floor.bpf.o): the same maps as
 * the gateway (ig_conns full-size), programs of the wrappers' names that do
 * nothing but touch the table as a lookup must, for the flows the wrappers
 * would send, and answer XDP_TX. Its rows then read:
 *   new IPv4 flow: the tags' line of a random bucket, then a way's line
 *     (the one the tag names) written: an insert's least;
 *   established IPv4: one random way's line of est_flows flows (no tags'
 *     line first): the least any lookup with the key in the table pays;
 *   established IPv6: the tags' line, then the way's line it names: a
 *     lookup of a flow that is not in its home way.
 * The gateway's own rows in the same run are the real thing. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps/maps.bpf.h"
#include "tests/bpf/progs/bench_base.bpf.h"

const volatile __u32 ig_conn_mask = IG_CONN_BUCKETS - 1;

enum { F_LINE, F_TAGS_WAY, F_TAGS_WAY_WRITE };

static __always_inline int floor_touch(__u32 which, __u32 flows, int how)
{
	__u32 i = bench_next(which), h, idx, t = 0;
	struct ig_conn_bucket *b;

	h = bench_hash(flows ? i % flows : i, which);
	idx = h & ig_conn_mask;
	b = bpf_map_lookup_elem(&ig_conns, &idx);
	if (!b)
		return XDP_ABORTED;
	if (how != F_LINE)
		t = *(volatile __u32 *)&b->tags[h & (IG_CONN_WAYS - 1)];
	/* The way: from the tag just read (a dependent load) or from the hash. */
	t = *(volatile __u32 *)&b->ways[(IG_CONN_HOME(h) + t) & (IG_CONN_WAYS - 1)].backend;
	if (how == F_TAGS_WAY_WRITE)
		b->ways[(IG_CONN_HOME(h) + t) & (IG_CONN_WAYS - 1)].last_ns = h;
	return bench_floor_tx(t);
}

SEC("xdp")
int xdp_bench_new(struct xdp_md *xdp)
{
	return floor_touch(BENCH_SEQ_NEW, 0, F_TAGS_WAY_WRITE);
}

SEC("xdp")
int xdp_bench_est4(struct xdp_md *xdp)
{
	return floor_touch(BENCH_SEQ_EST4, bench_est_flows, F_LINE);
}

SEC("xdp")
int xdp_bench_est6(struct xdp_md *xdp)
{
	return floor_touch(BENCH_SEQ_EST6, bench_est_flows, F_TAGS_WAY);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
