/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Weighted Maglev table builder: turns a service's backends and weights into
 * the slot -> backend id table that the datapath indexes with flow_hash % M.
 * Pure computation, no maps and no I/O: the map writer pushes the result. */
#ifndef __IG_MAGLEV_H
#define __IG_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "maps/common.h"

#define MAGLEV_SIZE_MIN 2
#define MAGLEV_SIZE_DEFAULT IG_MAGLEV_DEFAULT /* 16381 */
#define MAGLEV_SIZE_MAX IG_MAGLEV_MAX /* 65521 */
#define MAGLEV_BACKENDS_MAX IG_BACKEND_MAX /* entries per call, weight-0 ones included */

/* One backend of a service.
 * id:     the value written to the table; nonzero in every entry, unique among
 *         the entries with weight > 0.
 * weight: relative share; 0 leaves the backend out of the table.
 * addr:   the backend's identity, normally its address (IPv4-mapped for IPv4);
 *         unique among the entries with weight > 0. Only addr seeds the
 *         backend's permutation and its place in the build order, so gateways
 *         whose agents numbered the same backends differently still send each
 *         slot to the same backend, and renumbering moves no slot. */
struct maglev_backend {
	__u32 id;
	__u32 weight;
	__u8 addr[16];
};

/* True when m is a prime in [MAGLEV_SIZE_MIN, MAGLEV_SIZE_MAX]. */
bool maglev_is_valid_size(__u32 m);

/* Fill table[0..m-1] with backend ids. The result depends only on the set of
 * (addr, id, weight) triples and m: not on the order of be[], not on the host.
 * Each backend with weight > 0 gets m * weight / total weight slots, rounded
 * down or up (largest remainder, summing to m), so a backend whose share is
 * below one slot may get none.
 * Allocates its scratch space (about 4.2 * m + 48 * n bytes) and frees it
 * before returning; no state is kept between calls, so it is thread-safe.
 * Returns 0; -EINVAL for a bad size, a NULL table, n > MAGLEV_BACKENDS_MAX, a
 * zero id, a duplicate id or addr among backends with weight > 0; -ENOENT when
 * no backend has weight > 0 (n may be 0); -ENOMEM. On error the table is left
 * untouched; on success every slot holds the id of a backend with weight > 0. */
int maglev_build(const struct maglev_backend *be, size_t n, __u32 m, __u32 *table);

/* Number of slots where old_t and new_t differ; when changed_slots is not NULL
 * (room for m entries) it receives those slot indexes in ascending order. */
size_t maglev_diff(const __u32 *old_t, const __u32 *new_t, __u32 m, __u32 *changed_slots);

#endif /* __IG_MAGLEV_H */
