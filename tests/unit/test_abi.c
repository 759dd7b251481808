// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The ABI as the host compiler sees it: sizes and offsets that the BPF side
 * asserts too (the headers in maps/), the pin path, and the operator names. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>

#include "ig_abi.h"
#include "names.h"

Test(abi, layout_matches_bpf_side)
{
	/* The _Static_asserts in maps/ already hold here; offsets pin the order. */
	cr_expect_eq(offsetof(struct ig_service_key, port), 16);
	cr_expect_eq(offsetof(struct ig_service_key, proto), 18);
	cr_expect_eq(offsetof(struct ig_conn_key, tenant), 40);
	cr_expect_eq(offsetof(struct ig_backend, mac), 16);
	cr_expect_eq(offsetof(struct ig_backend, inner_mac), 28);
	cr_expect_eq(offsetof(struct ig_backend, ifindex), 36);
	cr_expect_eq(offsetof(struct ig_config, flags), 40);
	cr_expect_eq(offsetof(struct ig_event, type), 60);
}

Test(abi, pin_path_carries_version)
{
	char want[64];

	snprintf(want, sizeof(want), "/sys/fs/bpf/infergate/v%d/maps", IG_ABI_VERSION);
	cr_expect_str_eq(IG_PIN_MAPS, want);
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
