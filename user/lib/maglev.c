// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Weighted Maglev (Eisenbud et al., NSDI 2016) with quotas: each backend gets
 * its largest-remainder share of the m slots, and the backends take turns at
 * even intervals of their own quota, each turn taking the next free slot of the
 * backend's permutation. With equal weights this is the paper's round robin. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "user/lib/maglev.h"

/* Seeds of the two permutation hashes; changing them changes every table. */
#define MG_SEED_OFFSET 0x6d61676c65763031ULL /* "maglev01" */
#define MG_SEED_SKIP 0x6d61676c65763032ULL /* "maglev02" */
/* Resolution of the turn schedule: turns are ordered by bucket, then by rank.
 * Like the seeds, part of the table's definition (tests pin it). */
#define MG_BUCKETS 1024
/* The last free slots are found by arithmetic rather than by probing: probing
 * costs about m / free probes per turn, and most of them are in the tail. The
 * result is the same for any value; 128 is the measured sweet spot. */
#define MG_TAIL_SLOTS 128

/* A backend in build order (sorted by addr). */
struct mg_ent {
	__u32 id;
	__u32 quota; /* slots it gets */
	__u32 pos; /* next slot of its permutation to try */
	__u32 skip;
	__u32 inv; /* skip^-1 mod m, 0 until the tail needs it */
};

struct mg_rem {
	__u64 rem; /* remainder of m * weight / total weight */
	__u32 rank; /* index into the sorted backends */
	__u32 pad;
};

/* Scratch space, carved from one allocation. */
struct mg_work {
	void *mem;
	const struct maglev_backend **sorted; /* backends with weight > 0, by addr */
	struct mg_ent *ents; /* same order */
	struct mg_rem *rems;
	__u32 *ids; /* for the duplicate id check */
	__u32 *start; /* nb + 1 bucket starts of the turn schedule */
	__u32 *order; /* m turns: backend rank, in schedule order */
	__u64 *used; /* bitmap of the filled slots */
	__u32 *free_slots; /* the tail's free slots, in no particular order */
	__u32 nfree;
	__u32 n; /* backends with weight > 0 */
};

bool maglev_is_valid_size(__u32 m)
{
	__u32 d;

	if (m < MAGLEV_SIZE_MIN || m > MAGLEV_SIZE_MAX)
		return false;
	for (d = 2; d * d <= m; d++)
		if (m % d == 0)
			return false;
	return true;
}

/* splitmix64's finalizer: a bijection with full avalanche. */
static __u64 mg_mix(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Bytes are read explicitly little-endian, so every host computes the same. */
static __u64 mg_load_le64(const __u8 *p)
{
	__u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static __u64 mg_hash(const __u8 addr[16], __u64 seed)
{
	return mg_mix(mg_mix(seed ^ mg_load_le64(addr)) ^ mg_load_le64(addr + 8));
}

static size_t mg_align(size_t off)
{
	return (off + 7) & ~(size_t)7;
}

/* One allocation for everything; nb is the number of schedule buckets. */
static int mg_work_alloc(struct mg_work *w, size_t n, __u32 m, __u32 nb)
{
	size_t off_ents, off_rems, off_ids, off_start, off_order, off_used, off_free, size;
	char *mem;

	off_ents = mg_align(n * sizeof(*w->sorted));
	off_rems = mg_align(off_ents + n * sizeof(*w->ents));
	off_ids = mg_align(off_rems + n * sizeof(*w->rems));
	off_start = mg_align(off_ids + n * sizeof(*w->ids));
	off_order = mg_align(off_start + ((size_t)nb + 1) * sizeof(*w->start));
	off_used = mg_align(off_order + (size_t)m * sizeof(*w->order));
	off_free = mg_align(off_used + ((size_t)m + 63) / 64 * sizeof(*w->used));
	size = off_free + MG_TAIL_SLOTS * sizeof(*w->free_slots);

	mem = malloc(size);
	if (!mem)
		return -ENOMEM;
	w->mem = mem;
	w->sorted = (const struct maglev_backend **)mem;
	w->ents = (struct mg_ent *)(mem + off_ents);
	w->rems = (struct mg_rem *)(mem + off_rems);
	w->ids = (__u32 *)(mem + off_ids);
	w->start = (__u32 *)(mem + off_start);
	w->order = (__u32 *)(mem + off_order);
	w->used = (__u64 *)(mem + off_used);
	w->free_slots = (__u32 *)(mem + off_free);
	return 0;
}

static int mg_cmp_addr(const void *a, const void *b)
{
	const struct maglev_backend *x = *(const struct maglev_backend *const *)a;
	const struct maglev_backend *y = *(const struct maglev_backend *const *)b;

	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int mg_cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

/* Sort the backends with weight > 0 by addr into w->sorted; reject zero ids and
 * duplicate ids or addrs, since either would make the table ambiguous. */
static int mg_collect(struct mg_work *w, const struct maglev_backend *be, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (!be[i].id)
			return -EINVAL;
		if (!be[i].weight)
			continue;
		w->ids[k] = be[i].id;
		w->sorted[k++] = &be[i];
	}
	w->n = k;
	if (!k)
		return -ENOENT;

	qsort(w->sorted, k, sizeof(*w->sorted), mg_cmp_addr);
	qsort(w->ids, k, sizeof(*w->ids), mg_cmp_u32);
	for (i = 1; i < k; i++) {
		if (w->ids[i] == w->ids[i - 1] || !mg_cmp_addr(&w->sorted[i], &w->sorted[i - 1]))
			return -EINVAL;
	}
	return 0;
}

/* Larger remainder first; the build order breaks ties. */
static int mg_cmp_rem(const void *a, const void *b)
{
	const struct mg_rem *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem < y->rem ? 1 : -1;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Quotas by largest remainder (Hamilton's method): they sum to exactly m and
 * each is within one slot of m * weight / total. The products fit in 64 bits:
 * m < 2^16, weight < 2^32, total < 2^12 * 2^32. */
static void mg_apportion(struct mg_work *w, __u32 m)
{
	__u64 total = 0, prod;
	__u32 i, given = 0;

	for (i = 0; i < w->n; i++)
		total += w->sorted[i]->weight;
	for (i = 0; i < w->n; i++) {
		prod = (__u64)m * w->sorted[i]->weight;
		w->ents[i].quota = prod / total;
		w->rems[i].rem = prod % total;
		w->rems[i].rank = i;
		given += w->ents[i].quota;
	}
	if (given == m)
		return;
	/* m - given < n: at most one extra slot each. */
	qsort(w->rems, w->n, sizeof(*w->rems), mg_cmp_rem);
	for (i = 0; given < m; i++, given++)
		w->ents[w->rems[i].rank].quota++;
}

/* Each backend's permutation is offset, offset + skip, ... mod m; m prime and
 * 0 < skip < m make it visit every slot, so the fill always terminates. */
static void mg_permute(struct mg_work *w, __u32 m)
{
	__u32 i;

	for (i = 0; i < w->n; i++) {
		w->ents[i].id = w->sorted[i]->id;
		w->ents[i].pos = mg_hash(w->sorted[i]->addr, MG_SEED_OFFSET) % m;
		w->ents[i].skip = mg_hash(w->sorted[i]->addr, MG_SEED_SKIP) % (m - 1) + 1;
		w->ents[i].inv = 0;
	}
}

/* Turn k (0 <= k < q) of a backend with quota q falls in bucket
 * floor((2k + 1) * nb / (2q)), the middle of its k-th interval. Buckets are
 * stepped with a quotient and a remainder: no division per turn. With fill set,
 * place the turns into w->order (bucket by bucket, by rank within a bucket);
 * without it, count them into w->start[b + 1]. */
static void mg_turns(struct mg_work *w, __u32 nb, bool fill)
{
	__u32 i, q, k, b, r, step_q, step_r, den;

	for (i = 0; i < w->n; i++) {
		q = w->ents[i].quota;
		if (!q)
			continue;
		den = 2 * q;
		b = nb / den;
		r = nb % den;
		step_q = nb / q; /* 2 nb = step_q * 2q + step_r */
		step_r = 2 * (nb % q);
		for (k = 0; k < q; k++) {
			if (fill)
				w->order[w->start[b]++] = i;
			else
				w->start[b + 1]++;
			b += step_q;
			r += step_r;
			if (r >= den) {
				r -= den;
				b++;
			}
		}
	}
}

/* Order all m turns by time: a counting sort over nb buckets. Spreading each
 * backend's turns evenly keeps a weighted table close to the equal-weight
 * behaviour: no backend fills its share early and leaves others the leftovers. */
static void mg_schedule(struct mg_work *w, __u32 nb)
{
	__u32 b;

	memset(w->start, 0, ((size_t)nb + 1) * sizeof(*w->start));
	mg_turns(w, nb, false);
	for (b = 0; b < nb; b++)
		w->start[b + 1] += w->start[b];
	mg_turns(w, nb, true);
}

static inline bool mg_is_used(const __u64 *used, __u32 c)
{
	return used[c / 64] & (1ULL << (c % 64));
}

static inline __u32 mg_add(__u32 c, __u32 d, __u32 m)
{
	c += d;
	return c >= m ? c - m : c;
}

/* a^-1 mod m by extended Euclid; m prime, 0 < a < m. */
static __u32 mg_inverse(__u32 a, __u32 m)
{
	__s64 t = 0, nt = 1, r = m, nr = a, q, tmp;

	while (nr) {
		q = r / nr;
		tmp = t - q * nt;
		t = nt;
		nt = tmp;
		tmp = r - q * nr;
		r = nr;
		nr = tmp;
	}
	return t < 0 ? t + m : t;
}

static void mg_tail_init(struct mg_work *w, __u32 m)
{
	__u64 bits;
	__u32 i, c;

	w->nfree = 0;
	for (i = 0; i < (m + 63) / 64; i++) {
		for (bits = ~w->used[i]; bits; bits &= bits - 1) {
			c = i * 64 + __builtin_ctzll(bits);
			if (c >= m)
				break;
			w->free_slots[w->nfree++] = c;
		}
	}
}

/* The first free slot along e's permutation is the free slot s with the
 * smallest step j = (s - pos) / skip mod m: the same slot probing would find. */
static __u32 mg_tail_find(struct mg_work *w, struct mg_ent *e, __u32 m)
{
	__u64 key, best = UINT64_MAX;
	__u32 k, j, s;

	if (!e->inv)
		e->inv = mg_inverse(e->skip, m);
	for (k = 0; k < w->nfree; k++) {
		/* both factors are below m < 2^16 */
		j = mg_add(w->free_slots[k], m - e->pos, m) * e->inv % m;
		key = (__u64)j << 32 | k;
		best = key < best ? key : best;
	}
	k = (__u32)best;
	s = w->free_slots[k];
	w->free_slots[k] = w->free_slots[--w->nfree];
	return s;
}

static __u32 mg_probe(const __u64 *used, __u32 c, __u32 skip, __u32 m)
{
	while (mg_is_used(used, c))
		c = mg_add(c, skip, m);
	return c;
}

/* Play the turns: each takes the next free slot of its backend's permutation. */
static void mg_fill(struct mg_work *w, __u32 m, __u32 *table)
{
	__u32 t, c, tail = m > MG_TAIL_SLOTS ? m - MG_TAIL_SLOTS : 0;
	struct mg_ent *e;

	memset(w->used, 0, ((size_t)m + 63) / 64 * sizeof(*w->used));
	for (t = 0; t < m; t++) {
		e = &w->ents[w->order[t]];
		if (t < tail) {
			c = mg_probe(w->used, e->pos, e->skip, m);
		} else {
			if (t == tail)
				mg_tail_init(w, m);
			c = mg_tail_find(w, e, m);
		}
		w->used[c / 64] |= 1ULL << (c % 64);
		table[c] = e->id;
		e->pos = mg_add(c, e->skip, m);
	}
}

int maglev_build(const struct maglev_backend *be, size_t n, __u32 m, __u32 *table)
{
	struct mg_work w = { 0 };
	__u32 nb;
	int err;

	if (!maglev_is_valid_size(m) || n > MAGLEV_BACKENDS_MAX || !table || (n && !be))
		return -EINVAL;
	if (!n)
		return -ENOENT;
	nb = MG_BUCKETS < m ? MG_BUCKETS : m;
	err = mg_work_alloc(&w, n, m, nb);
	if (err)
		return err;
	err = mg_collect(&w, be, n);
	if (err)
		goto free_work;

	mg_apportion(&w, m);
	mg_permute(&w, m);
	mg_schedule(&w, nb);
	mg_fill(&w, m, table);
free_work:
	free(w.mem);
	return err;
}

size_t maglev_diff(const __u32 *old_t, const __u32 *new_t, __u32 m, __u32 *changed_slots)
{
	size_t count = 0;
	__u32 i;

	for (i = 0; i < m; i++) {
		if (old_t[i] == new_t[i])
			continue;
		if (changed_slots)
			changed_slots[count] = i;
		count++;
	}
	return count;
}
