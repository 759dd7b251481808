// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The ABI as the host compiler sees it: sizes and offsets that the BPF side
 * asserts too (the headers in maps/), the pin path, and the operator names. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>

#include "maps/ig_abi.h"
#include "user/lib/dp.h"
#include "user/lib/names.h"

Test(abi, layout_matches_bpf_side)
{
	/* The _Static_asserts in maps/ already hold here; offsets pin the order. */
	cr_expect_eq(offsetof(struct ig_service_key, port), 16);
	cr_expect_eq(offsetof(struct ig_service_key, proto), 18);
	cr_expect_eq(offsetof(struct ig_conn_key, tenant), 40);
	cr_expect_eq(offsetof(struct ig_backend, mac), 16);
	cr_expect_eq(offsetof(struct ig_backend, inner_mac), 28);
	cr_expect_eq(offsetof(struct ig_backend, ifindex), 36);
	cr_expect_eq(offsetof(struct ig_config, flags), 56);
	cr_expect_eq(offsetof(struct ig_config, linger_ns), 24);
	cr_expect_eq(offsetof(struct ig_conn, flags), 24);
	cr_expect_eq(offsetof(struct ig_conn_slot, backend), 44);
	cr_expect_eq(offsetof(struct ig_conn_slot, flags), 48);
	cr_expect_eq(offsetof(struct ig_conn_slot, last_ns), 56);
	cr_expect_eq(offsetof(struct ig_conn_bucket, ways), 64, "each way on a line of its own");
	cr_expect_eq(offsetof(struct ig_conn_bucket, cold), 64 + 64 * IG_CONN_WAYS);
	cr_expect_eq(offsetof(struct ig_sync_ev, key), 8);
	cr_expect_eq(offsetof(struct ig_sync_ev, backend), 52);
	cr_expect_eq(offsetof(struct ig_sync_ev, flags), 60);
	cr_expect_eq(offsetof(struct ig_sync_ev, op), 64);
	cr_expect_eq(offsetof(struct ig_sync_ev, prio), 65);
	cr_expect_eq(offsetof(struct ig_event, type), 60);
	cr_expect_eq(offsetof(struct ig_tenant, max_conns), 12);
	cr_expect_eq(offsetof(struct ig_tenant, conn_cost), 24);
	cr_expect_eq(offsetof(struct ig_tenant, bw_depth), 64);
	cr_expect_eq(offsetof(struct ig_tn_usage, bw_tat), 8);
	cr_expect_eq(offsetof(struct ig_flow_usage, flags), 32);
}

Test(abi, tenant_limits)
{
	struct ig_tenant t = { .flags = IG_TENANT_F_ACTIVE };

	cr_assert_eq(dp_tenant_limits(&t, 100, 0, 0, 0, 0), 0);
	cr_expect_eq(t.conn_burst, 100, "the burst defaults to one second's worth");
	cr_expect_eq(t.conn_cost, 160000000ULL, "10 ms in 1/16 ns");
	cr_expect_eq(t.conn_depth, 16000000000ULL, "one second");
	cr_expect_eq(t.flags, IG_TENANT_F_ACTIVE | IG_TENANT_F_LIMITED);
	cr_assert_eq(dp_tenant_limits(&t, 3, 7, 0, 1000000, 250), 0);
	cr_expect_eq(t.conn_cost, 5333333333ULL);
	cr_expect_eq(t.conn_depth, 7 * 5333333333ULL);
	cr_expect_eq(t.bw_cost, 16000ULL << 16, "a byte at 1 MB/s: 1 us");
	cr_expect_eq(t.bw_depth, 250 * 16000ULL);
	cr_assert_eq(dp_tenant_limits(&t, 0, 0, 0, IG_BW_RATE_MAX, 0), 0);
	cr_expect_eq(t.bw_cost, 1ULL << 16, "a byte at the fastest rate: one unit");
	cr_assert_eq(dp_tenant_limits(&t, 0, 0, 0, 0, 0), 0);
	cr_expect_eq(t.flags, IG_TENANT_F_ACTIVE, "no limit: not limited");
	cr_expect_eq(t.conn_burst, 0);
	cr_expect_eq(dp_tenant_limits(&t, IG_CONN_RATE_MAX + 1, 0, 0, 0, 0), -EINVAL);
	cr_expect_eq(dp_tenant_limits(&t, 1, 86401, 0, 0, 0), -EINVAL, "more than a day");
	cr_expect_eq(dp_tenant_limits(&t, 0, 0, 0, IG_BW_RATE_MIN - 1, 0), -EINVAL);
	cr_expect_eq(dp_tenant_limits(&t, 0, 0, 0, IG_BW_RATE_MAX + 1, 0), -EINVAL);
}

Test(abi, pin_path_carries_version)
{
	char want[64];

	snprintf(want, sizeof(want), "/sys/fs/bpf/infergate/v%d/maps", IG_ABI_VERSION);
	cr_expect_str_eq(IG_PIN_MAPS, want);
	/* ABI 3: ig_conns' one-line ways (maps/README.md, docs/conntable.md). */
	cr_expect_eq(IG_ABI_VERSION, 3);
	cr_expect_str_eq(IG_PIN_ROOT, "/sys/fs/bpf/infergate/v3");
}

Test(abi, conns_and_sync_maps_are_opened)
{
	static const char *const want[] = { "ig_conns", "ig_sync", "ig_sync_lost" };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		size_t j = 0;

		while (j < dp_map_count && strcmp(dp_map_names[j], want[i]))
			j++;
		cr_expect_lt(j, dp_map_count, "%s is not in dp_map_names", want[i]);
	}
}

Test(abi, names)
{
	cr_expect_str_eq(drop_reason_str(IG_DROP_NONE), "none");
	cr_expect_str_eq(drop_reason_str(IG_DROP_TCP_DOFF), "tcp-data-offset-too-small");
	cr_expect_str_eq(drop_reason_str(IG_DROP__MAX), "unknown");
	cr_expect_str_eq(counter_str(IG_CNT_RX), "rx-packets");
	cr_expect_str_eq(policy_str(IG_POLICY_LEAST_LOADED), "least-loaded");
	cr_expect_str_eq(backend_state_str(IG_BE_DRAINING), "draining");
	for (unsigned int i = 0; i < IG_DROP__MAX; i++)
		cr_expect(strcmp(drop_reason_str(i), "unknown"), "reason %u has no name", i);
}

Test(abi, name_parsing)
{
	unsigned int v;

	cr_expect_eq(policy_parse("maglev", &v), 0);
	cr_expect_eq(v, IG_POLICY_MAGLEV);
	cr_expect_eq(prio_parse("batch", &v), 0);
	cr_expect_eq(v, IG_PRIO_BATCH);
	cr_expect_eq(backend_state_parse("down", &v), 0);
	cr_expect_eq(v, IG_BE_DOWN);
	cr_expect_eq(policy_parse("random", &v), -EINVAL);
}
