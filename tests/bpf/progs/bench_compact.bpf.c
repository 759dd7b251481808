// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The memory floor of a compact connection table, for the datapath
 * benchmark (IG_BENCH_VS=build/tests/bpf/progs/bench_compact.bpf.o), beside
 * bench_floor's of the table as it is (docs/conntable.md, "The targets of
 * issue #19"): 256k entries of 16 bytes (a 64-bit flow hash instead of the
 * key, the backend, the last-seen time), four to a 64-byte bucket, 4 MB in
 * all, so that the whole table is within the TLB's reach with 4 KB pages
 * and stays in the last-level cache, where the 22 MB table of full keys is
 * not. Its programs touch it as a lookup must and answer XDP_TX:
 *   new IPv4 flow: a random bucket's line read, then an entry written;
 *   established IPv4 and IPv6: one random bucket's line of est_flows flows.
 * It carries the gateway's maps too (the harness fills them), unused. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps/maps.bpf.h"
#include "tests/bpf/progs/bench_base.bpf.h"

#define COMPACT_ENTRIES (256 * 1024)
#define COMPACT_WAYS 4

struct compact_entry {
	__u64 hash;
	__u32 backend;
	__u32 last;
};

struct compact_bucket {
	struct compact_entry e[COMPACT_WAYS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COMPACT_ENTRIES / COMPACT_WAYS);
	__type(key, __u32);
	__type(value, struct compact_bucket);
} bench_compact SEC(".maps");

static __always_inline int compact_touch(__u32 which, __u32 flows, int write)
{
	__u32 i = bench_next(which), h, idx, t;
	struct compact_bucket *b;

	h = bench_hash(flows ? i % flows : i, which);
	idx = h & (COMPACT_ENTRIES / COMPACT_WAYS - 1);
	b = bpf_map_lookup_elem(&bench_compact, &idx);
	if (!b)
		return XDP_ABORTED;
	/* the hash compared in the bucket's line, the backend of the way */
	t = *(volatile __u32 *)&b->e[h >> 30].backend;
	if (write) {
		b->e[(h >> 28) & 3].hash = h;
		b->e[(h >> 28) & 3].last = h;
	}
	return bench_floor_tx(t);
}

SEC("xdp")
int xdp_bench_new(struct xdp_md *xdp)
{
	return compact_touch(BENCH_SEQ_NEW, 0, 1);
}

SEC("xdp")
int xdp_bench_est4(struct xdp_md *xdp)
{
	return compact_touch(BENCH_SEQ_EST4, bench_est_flows, 0);
}

SEC("xdp")
int xdp_bench_est6(struct xdp_md *xdp)
{
	return compact_touch(BENCH_SEQ_EST6, bench_est_flows, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
