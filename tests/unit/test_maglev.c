// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the weighted Maglev builder (user/lib/maglev.c): shares, disruption
 * on removal, addition and weight change, determinism across input orders and
 * id renumbering, argument checks and maglev_diff. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "user/lib/maglev.h"

#define T_NMAX 4096

static struct maglev_backend be[T_NMAX + 1];
static __u32 t1[MAGLEV_SIZE_MAX], t2[MAGLEV_SIZE_MAX];
static size_t counts[T_NMAX + 2];

/* Small deterministic PRNG (xorshift32), so the tests never depend on libc. */
static __u32 t_rand(__u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Backend i: id i + 1, address 198.18.x.y (IPv4-mapped) or 2001:db8::x:y. */
static void t_backend(struct maglev_backend *b, __u32 i, __u32 weight)
{
	memset(b, 0, sizeof(*b));
	b->id = i + 1;
	b->weight = weight;
	if (i % 3 == 2) {
		b->addr[0] = 0x20;
		b->addr[1] = 0x01;
		b->addr[2] = 0x0d;
		b->addr[3] = 0xb8;
	} else {
		b->addr[10] = 0xff;
		b->addr[11] = 0xff;
		b->addr[12] = 198;
		b->addr[13] = 18;
	}
	b->addr[14] = i >> 8;
	b->addr[15] = i & 0xff;
}

static void t_equal(size_t n)
{
	for (size_t i = 0; i < n; i++)
		t_backend(&be[i], i, 100);
}

static void t_random(size_t n, __u32 seed, __u32 wmin, __u32 wmax)
{
	for (size_t i = 0; i < n; i++)
		t_backend(&be[i], i, wmin + t_rand(&seed) % (wmax - wmin + 1));
}

static void t_build(size_t n, __u32 m, __u32 *table)
{
	int err = maglev_build(be, n, m, table);

	cr_assert_eq(err, 0, "maglev_build(n=%zu, m=%u) = %d", n, m, err);
}

/* Count slots per id (ids are 1..n); every slot must hold a valid id. */
static void t_count(const __u32 *table, __u32 m, size_t n)
{
	memset(counts, 0, sizeof(counts));
	for (__u32 s = 0; s < m; s++) {
		cr_assert(table[s] >= 1 && table[s] <= n, "slot %u holds id %u (n=%zu)", s,
			  table[s], n);
		counts[table[s]]++;
	}
}

static __u64 t_total(size_t n)
{
	__u64 w = 0;

	for (size_t i = 0; i < n; i++)
		w += be[i].weight;
	return w;
}

/* Each backend's share within tol of weight / total, and within one slot of
 * m * weight / total (the documented largest-remainder quota). */
static void t_check_shares(size_t n, __u32 m, double tol)
{
	__u64 total = t_total(n);

	t_count(t1, m, n);
	for (size_t i = 0; i < n; i++) {
		double want = (double)m * be[i].weight / total;
		double got = counts[be[i].id];

		cr_assert(got - want <= tol * m && want - got <= tol * m,
			  "n=%zu m=%u id %u: %.0f slots, want %.1f", n, m, be[i].id, got, want);
		cr_assert(got - want < 1.0 && want - got < 1.0,
			  "n=%zu m=%u id %u: %.0f slots, want %.1f", n, m, be[i].id, got, want);
	}
}

static const __u32 t_sizes[] = { MAGLEV_SIZE_DEFAULT, MAGLEV_SIZE_MAX };

Test(maglev, equal_weight_shares)
{
	static const size_t ns[] = { 1, 2, 3, 7, 64, 1024 };

	for (size_t mi = 0; mi < 2; mi++) {
		for (size_t ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++) {
			t_equal(ns[ni]);
			t_build(ns[ni], t_sizes[mi], t1);
			t_check_shares(ns[ni], t_sizes[mi], 0.01);
		}
	}
}

Test(maglev, weighted_shares)
{
	static const size_t ns[] = { 2, 3, 7, 64, 1024 };

	for (size_t mi = 0; mi < 2; mi++) {
		for (size_t ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++) {
			t_random(ns[ni], 0x1234 + ni, 1, 1000);
			t_build(ns[ni], t_sizes[mi], t1);
			t_check_shares(ns[ni], t_sizes[mi], 0.02);
		}
	}
}

/* Weights near 2^32 (no overflow), a 1:10^6 skew, and 4096 backends. */
Test(maglev, extreme_weights)
{
	__u32 m = MAGLEV_SIZE_MAX;

	for (size_t i = 0; i < 5; i++)
		t_backend(&be[i], i, UINT32_MAX - i);
	t_build(5, m, t1);
	t_check_shares(5, m, 0.02);

	t_equal(8);
	be[3].weight = 100000000;
	t_build(8, m, t1);
	t_check_shares(8, m, 0.02);

	t_random(T_NMAX, 99, 1, UINT32_MAX - 1);
	t_build(T_NMAX, m, t1);
	t_check_shares(T_NMAX, m, 0.02);
}

/* A share below one slot rounds to nothing: documented, not an error. */
Test(maglev, tiny_share_gets_no_slot)
{
	t_backend(&be[0], 0, 1);
	t_backend(&be[1], 1, 1000000000);
	t_build(2, MAGLEV_SIZE_DEFAULT, t1);
	t_count(t1, MAGLEV_SIZE_DEFAULT, 2);
	cr_assert_eq(counts[1], 0);
	cr_assert_eq(counts[2], MAGLEV_SIZE_DEFAULT);
}

Test(maglev, single_backend)
{
	t_backend(&be[0], 41, 7);
	t_build(1, MAGLEV_SIZE_DEFAULT, t1);
	for (__u32 s = 0; s < MAGLEV_SIZE_DEFAULT; s++)
		cr_assert_eq(t1[s], 42, "slot %u", s);
}

/* Build the table without backend r (weight 0) and with it, and check both
 * directions: removal moves at most share + 2%, addition as much. */
static void t_check_remove_add(size_t n, __u32 m, size_t r)
{
	double share = (double)be[r].weight / t_total(n);
	__u32 saved = be[r].weight;
	double moved;

	t_build(n, m, t1);
	be[r].weight = 0;
	t_build(n, m, t2);
	be[r].weight = saved;

	/* every slot of r moved; any other move is disruption */
	moved = (double)maglev_diff(t1, t2, m, NULL) / m;
	cr_assert_leq(moved, share + 0.02, "remove id %u of n=%zu m=%u: moved %.4f, share %.4f",
		      be[r].id, n, m, moved, share);
	moved = (double)maglev_diff(t2, t1, m, NULL) / m;
	cr_assert_leq(moved, share + 0.02, "add id %u to n=%zu m=%u: moved %.4f, share %.4f",
		      be[r].id, n - 1, m, moved, share);
}

Test(maglev, disruption_equal_weights)
{
	static const struct {
		size_t n;
		__u32 m;
	} cases[] = {
		{ 2, 16381 }, { 3, 16381 }, { 7, 16381 },  { 64, 16381 },  { 1024, 16381 },
		{ 3, 65521 }, { 7, 65521 }, { 64, 65521 }, { 256, 65521 }, { 1024, 65521 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t n = cases[c].n;

		t_equal(n);
		/* share = 1/N: removal <= 1/N + 2%, addition <= 1/(N'+1) + 2% with N' = N - 1 */
		t_check_remove_add(n, cases[c].m, 0);
		t_check_remove_add(n, cases[c].m, n / 2);
		t_check_remove_add(n, cases[c].m, n - 1);
	}
}

Test(maglev, disruption_weighted)
{
	static const size_t ns[] = { 3, 7, 64, 256, 1024 };

	for (size_t ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++) {
		t_random(ns[ni], 0xbeef + ni, 1, 1000);
		t_check_remove_add(ns[ni], MAGLEV_SIZE_MAX, 0);
		t_check_remove_add(ns[ni], MAGLEV_SIZE_MAX, ns[ni] - 1);
	}
}

/* The agent nudges weights all the time: +10% on one backend moves at most
 * its change of share + 2%. */
Test(maglev, disruption_weight_change)
{
	static const size_t ns[] = { 3, 7, 64, 1024 };

	for (size_t mi = 0; mi < 2; mi++) {
		for (size_t ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++) {
			size_t n = ns[ni], r = n / 2;
			__u32 m = t_sizes[mi];
			double before, after, moved;

			t_random(n, 0xfeed + ni, 500, 1000);
			before = (double)be[r].weight / t_total(n);
			t_build(n, m, t1);
			be[r].weight += be[r].weight / 10;
			after = (double)be[r].weight / t_total(n);
			t_build(n, m, t2);
			moved = (double)maglev_diff(t1, t2, m, NULL) / m;
			cr_assert_leq(moved, after - before + 0.02, "n=%zu m=%u: moved %.4f", n, m,
				      moved);
		}
	}
}

Test(maglev, input_order_does_not_matter)
{
	size_t n = 1024;
	__u32 seed = 7;

	t_random(n, 42, 1, 100);
	t_build(n, MAGLEV_SIZE_DEFAULT, t1);
	for (int round = 0; round < 3; round++) {
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = t_rand(&seed) % (i + 1);
			struct maglev_backend tmp = be[i];

			be[i] = be[j];
			be[j] = tmp;
		}
		t_build(n, MAGLEV_SIZE_DEFAULT, t2);
		cr_assert_eq(maglev_diff(t1, t2, MAGLEV_SIZE_DEFAULT, NULL), 0, "shuffle %d",
			     round);
	}
}

/* addr, not id, decides where a backend sits: renumbered ids give the same
 * slot -> backend mapping, so gateways that number backends differently agree. */
Test(maglev, ids_do_not_move_slots)
{
	size_t n = 64;

	t_random(n, 5, 1, 100);
	t_build(n, MAGLEV_SIZE_DEFAULT, t1);
	for (size_t i = 0; i < n; i++)
		be[i].id = 4000 - 3 * i;
	t_build(n, MAGLEV_SIZE_DEFAULT, t2);
	for (__u32 s = 0; s < MAGLEV_SIZE_DEFAULT; s++)
		cr_assert_eq(t2[s], 4000 - 3 * (t1[s] - 1), "slot %u", s);
}

/* Pins the algorithm, hashes and seeds: a change here breaks the agreement
 * between gateways running different versions, so it must be deliberate. */
Test(maglev, golden_table)
{
	static const __u32 want[31] = {
		2, 2, 3, 3, 2, 3, 1, 3, 1, 3, 1, 3, 3, 3, 3, 2,
		3, 3, 3, 3, 2, 3, 1, 2, 1, 2, 2, 3, 2, 2, 3,
	};
	__u64 h = 14695981039346656037ULL;

	t_backend(&be[0], 0, 1);
	t_backend(&be[1], 1, 2);
	t_backend(&be[2], 2, 3);
	t_build(3, 31, t1);
	for (__u32 s = 0; s < 31; s++)
		cr_assert_eq(t1[s], want[s], "slot %u: %u, want %u", s, t1[s], want[s]);

	t_random(100, 1, 1, 1000);
	t_build(100, MAGLEV_SIZE_DEFAULT, t1);
	for (__u32 s = 0; s < MAGLEV_SIZE_DEFAULT; s++)
		h = (h ^ t1[s]) * 1099511628211ULL; /* FNV-1a over the ids */
	cr_assert_eq(h, 0x58b797bca93b3270ULL, "table hash %#llx", (unsigned long long)h);
}

Test(maglev, valid_sizes)
{
	static const __u32 bad[] = { 0, 1, 4, 9, 16383, 16384, 65535, 65536, 65537, UINT32_MAX };
	static const __u32 good[] = { 2, 3, 31, 251, 16381, 65521 };

	t_equal(3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_not(maglev_is_valid_size(bad[i]), "%u", bad[i]);
		cr_assert_eq(maglev_build(be, 3, bad[i], t1), -EINVAL, "%u", bad[i]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert(maglev_is_valid_size(good[i]), "%u", good[i]);
		t_build(3, good[i], t1);
		t_count(t1, good[i], 3);
	}
}

/* Weight-0 entries are absent: the table equals the one built without them. */
Test(maglev, zero_weights)
{
	t_random(10, 3, 1, 50);
	t_build(10, MAGLEV_SIZE_DEFAULT, t1);
	for (size_t i = 10; i < 20; i++)
		t_backend(&be[i], i, 0);
	/* a weight-0 entry may share an addr with a live one */
	memcpy(be[19].addr, be[0].addr, sizeof(be[0].addr));
	t_build(20, MAGLEV_SIZE_DEFAULT, t2);
	cr_assert_eq(maglev_diff(t1, t2, MAGLEV_SIZE_DEFAULT, NULL), 0);
}

Test(maglev, no_backend_leaves_table_untouched)
{
	for (__u32 s = 0; s < 101; s++)
		t1[s] = 0xdead;
	t_equal(4);
	for (size_t i = 0; i < 4; i++)
		be[i].weight = 0;
	cr_assert_eq(maglev_build(be, 4, 101, t1), -ENOENT);
	cr_assert_eq(maglev_build(be, 0, 101, t1), -ENOENT);
	cr_assert_eq(maglev_build(NULL, 0, 101, t1), -ENOENT);
	for (__u32 s = 0; s < 101; s++)
		cr_assert_eq(t1[s], 0xdead);
}

Test(maglev, bad_arguments)
{
	t_equal(4);
	cr_assert_eq(maglev_build(be, 4, 101, NULL), -EINVAL);
	cr_assert_eq(maglev_build(NULL, 4, 101, t1), -EINVAL);
	cr_assert_eq(maglev_build(be, MAGLEV_BACKENDS_MAX + 1, 101, t1), -EINVAL);

	be[2].id = 0; /* zero id, even with weight 0 */
	be[2].weight = 0;
	cr_assert_eq(maglev_build(be, 4, 101, t1), -EINVAL);

	t_equal(4);
	be[3].id = be[1].id;
	cr_assert_eq(maglev_build(be, 4, 101, t1), -EINVAL);

	t_equal(4);
	memcpy(be[3].addr, be[0].addr, sizeof(be[0].addr));
	cr_assert_eq(maglev_build(be, 4, 101, t1), -EINVAL);
}

Test(maglev, diff)
{
	static __u32 changed[MAGLEV_SIZE_DEFAULT];
	__u32 m = MAGLEV_SIZE_DEFAULT;

	t_equal(5);
	t_build(5, m, t1);
	memcpy(t2, t1, m * sizeof(t1[0]));
	cr_assert_eq(maglev_diff(t1, t2, m, changed), 0);

	t2[0] ^= 1;
	t2[777] = 99;
	t2[m - 1] = 0;
	cr_assert_eq(maglev_diff(t1, t2, m, NULL), 3);
	cr_assert_eq(maglev_diff(t1, t2, m, changed), 3);
	cr_assert_eq(changed[0], 0);
	cr_assert_eq(changed[1], 777);
	cr_assert_eq(changed[2], m - 1);

	/* removal: each changed slot was the removed backend's or moved to another */
	be[4].weight = 0;
	t_build(5, m, t2);
	cr_assert_eq(maglev_diff(t1, t2, m, changed), maglev_diff(t2, t1, m, NULL));
	for (__u32 s = 0; s < m; s++)
		cr_assert(t2[s] != 5, "slot %u still holds the removed backend", s);
}
