// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Plain bpftool on the agent's pins: every map dumps with named fields
 * through BTF (the README's "Debugging with bpftool" commands), but for the
 * map of Maglev tables, whose values are inner map ids. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "tests/lib/fixture.h"
#include "tools/lab/netns.h"
#include "user/lib/dp.h"
#include "user/lib/loader.h"

static char root[128];

static void setup(void)
{
	fx_require_root();
	snprintf(root, sizeof(root), "/sys/fs/bpf/ig-bpftool-%d/v%d", getpid(), IG_ABI_VERSION);
}

static void teardown(void)
{
	netns_run(NULL, "rm -rf /sys/fs/bpf/ig-bpftool-%d", getpid());
}

TestSuite(bpftool, .init = setup, .fini = teardown);

/* One entry in each hash map, so its dump shows a key and a value. */
static void populate(const struct dp_maps *m)
{
	struct ig_service svc = { .id = 1, .tenant = 1 };
	struct ig_conn_key ck = { .proto = IPPROTO_TCP, .tenant = 1 };
	struct ig_conn cv = { .backend = 1, .service = 1, .flags = IG_CONN_F_EST };
	struct ig_flow_usage fu = { .bytes = 1500, .packets = 1 };
	struct ig_service_key k;
	__u32 table[13] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	__u32 ifindex = 1;

	cr_assert_eq(dp_tenant_set(m, 1, 100, IG_PRIO_STANDARD), 0);
	cr_assert_eq(dp_service_key(&k, "198.19.0.10", 80, IPPROTO_TCP), 0);
	cr_assert_eq(dp_service_set(m, &k, &svc), 0);
	cr_assert_eq(dp_maglev_swap(m, 1, table, 13), 0);
	cr_assert_eq(dp_conn_put(m, &ck, &cv), 0);
	cr_assert_eq(dp_tx_port_add(m, ifindex), 0);
	cr_assert_eq(dp_vni_set(m, 100, 1), 0);
	cr_assert_eq(bpf_map_update_elem(m->flow_resp, &ck, &fu, 0), 0);
	cr_assert_eq(dp_name_set(m, IG_NAME_SERVICE, 1, "chat"), 0);
	cr_assert_eq(dp_operator_set(m, 1, &(struct ig_operator){ .flags = IG_OP_F_DRAIN }), 0);
}

Test(bpftool, every_map_dumps_with_named_fields)
{
	static const struct {
		const char *map, *field;
	} want[] = {
		{ "ig_config", "\"vtep_addr\"" },
		{ "ig_services", "\"proto\"" },
		{ "ig_backends", "\"inner_mac\"" },
		{ "ig_be_load", "\"capacity\"" },
		{ "ig_inflight", "\"value\"" },
		{ "ig_maglev", "key: 01 00 00 00" },
		{ "ig_conns", "\"first_ns\"" },
		{ "ig_tenants", "\"vni\"" },
		{ "ig_drops", "\"packets\"" },
		{ "ig_counters", "\"cpu\"" },
		{ "ig_svc_stats", "\"new_conns\"" },
		{ "ig_be_stats", "\"new_conns\"" },
		{ "ig_tn_stats", "\"drops\"" },
		{ "ig_flood", "\"window_ns\"" },
		{ "ig_tx_ports", "\"value\"" },
		{ "ig_vni_tenants", "\"value\"" },
		{ "ig_tn_usage", "\"conn_tat\"" },
		{ "ig_tn_conns", "\"value\"" },
		{ "ig_shed", "\"value\"" },
		{ "ig_tn_resp", "\"bytes\"" },
		{ "ig_flow_resp", "\"last_ns\"" },
		{ "ig_names", "\"chat\"" },
		{ "ig_operator", "\"value\":{\"flags\":1," },
	};
	static char out[1 << 16];
	struct loader ld;

	cr_assert_eq(loader_open(&ld, root), 0);
	populate(&ld.maps);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		/* A map of maps has no value BTF (its values are inner map
		 * ids): bpftool shows service id and inner id as bytes, and
		 * `bpftool map dump id <inner id>` shows the table. */
		bool plain = !strcmp(want[i].map, "ig_maglev");

		cr_assert_eq(netns_run_output(NULL, out, sizeof(out),
					      "bpftool %s map dump pinned %s/maps/%s",
					      plain ? "" : "-j", root, want[i].map),
			     0, "bpftool map dump %s failed", want[i].map);
		cr_expect(strstr(out, want[i].field), "%s: no %s in %.200s", want[i].map,
			  want[i].field, out);
	}
	loader_close(&ld);
}
