// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The agent's connection-table sweep against real maps: idle TCP and UDP
 * entries go, live and closing ones stay, and each backend's in-flight count
 * becomes the number of open entries that remain; each tenant's count
 * against its cap, the number of open entries counted for it. Half-open
 * entries past the SYN timeout and closed ones past the linger go too, and
 * stop counting against the cap. */
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "bpf/xdp_gateway.skel.h"
#include "tests/lib/fixture.h"
#include "user/agent/agent.h"
#include "user/lib/dp.h"

static __u64 coarse(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static struct dp_maps *maps;

/* An established entry unless flags say otherwise (raw: exactly flags). */
static void put_raw(__u16 sport, __u8 proto, __u32 backend, __u64 age_ns, __u32 flags)
{
	struct ig_conn_key k = {
		.sport = htons(sport), .dport = htons(80), .proto = proto, .tenant = 1
	};
	struct ig_conn v = { .backend = backend, .service = 1, .flags = flags };

	v.last_ns = coarse() - age_ns;
	v.first_ns = v.last_ns;
	cr_assert_eq(dp_conn_put(maps, &k, &v), 0);
}

static void put(int fd, __u16 sport, __u8 proto, __u32 backend, __u64 age_ns, __u32 flags)
{
	(void)fd;
	put_raw(sport, proto, backend, age_ns, flags | IG_CONN_F_EST | IG_CONN_F_CONFIRMED);
}

static int present(int fd, __u16 sport, __u8 proto)
{
	struct ig_conn_key k = {
		.sport = htons(sport), .dport = htons(80), .proto = proto, .tenant = 1
	};
	struct ig_conn v;

	(void)fd;
	return !dp_conn_get(maps, &k, &v);
}

Test(sweep, idle_entries_go_and_inflight_is_recounted)
{
	struct ig_config cfg = { .flags = IG_CFG_ENABLED,
				 .tcp_idle_ns = 2000000000ULL,
				 .udp_idle_ns = 1000000000ULL };
	struct xdp_gateway *skel;
	struct agent a = {};
	__u64 n, stale = 42;
	__u32 id = 2;
	int fd;

	fx_require_root();
	skel = xdp_gateway__open_and_load();
	cr_assert(skel);
	cr_assert_eq(dp_from_object(&a.ld.maps, skel->obj), 0);
	cr_assert_eq(dp_config_set(&a.ld.maps, &cfg), 0);
	maps = &a.ld.maps;
	fd = a.ld.maps.conns;
	put(fd, 1, IPPROTO_TCP, 1, 5000000000ULL, 0); /* idle 5 s > 2 s: goes */
	put(fd, 2, IPPROTO_TCP, 1, 100000000ULL, 0); /* live */
	put(fd, 3, IPPROTO_TCP, 2, 100000000ULL, IG_CONN_F_CLOSING); /* closing: no count */
	put(fd, 4, IPPROTO_UDP, 2, 1500000000ULL, 0); /* idle 1.5 s > 1 s: goes */
	put(fd, 5, IPPROTO_UDP, 2, 100000000ULL, 0); /* live */
	put(fd, 6, IPPROTO_TCP, 2, 100000000ULL, IG_CONN_F_COUNTED); /* live, capped */
	put(fd, 7, IPPROTO_TCP, 2, 100000000ULL, IG_CONN_F_COUNTED | IG_CONN_F_CLOSING);
	cr_assert_eq(bpf_map_update_elem(a.ld.maps.inflight, &id, &stale, 0), 0);
	cr_assert_eq(dp_tenant_conns_set(&a.ld.maps, 1, stale), 0);

	cr_assert_eq(agent_sweep(&a), 0);
	cr_expect_eq(a.swept, 2);
	cr_expect(!present(fd, 1, IPPROTO_TCP));
	cr_expect(present(fd, 2, IPPROTO_TCP));
	cr_expect(present(fd, 3, IPPROTO_TCP));
	cr_expect(!present(fd, 4, IPPROTO_UDP));
	cr_expect(present(fd, 5, IPPROTO_UDP));
	cr_assert_eq(dp_backend_inflight(&a.ld.maps, 1, &n), 0);
	cr_expect_eq(n, 1);
	cr_assert_eq(dp_backend_inflight(&a.ld.maps, 2, &n), 0);
	cr_expect_eq(n, 2, "the stale 42 became the open UDP flow and TCP 6");
	cr_assert_eq(dp_tenant_conns(&a.ld.maps, 1, &n), 0);
	cr_expect_eq(n, 1, "only the open entry counted against the cap");
	xdp_gateway__destroy(skel);
}

Test(sweep, half_open_and_closed_entries_time_out)
{
	struct ig_config cfg = { .flags = IG_CFG_ENABLED,
				 .syn_timeout_ns = 1000000000ULL,
				 .linger_ns = 2000000000ULL };
	struct xdp_gateway *skel;
	struct agent a = {};
	__u64 n;

	fx_require_root();
	skel = xdp_gateway__open_and_load();
	cr_assert(skel);
	cr_assert_eq(dp_from_object(&a.ld.maps, skel->obj), 0);
	cr_assert_eq(dp_config_set(&a.ld.maps, &cfg), 0);
	maps = &a.ld.maps;
	put_raw(1, IPPROTO_TCP, 1, 1500000000ULL, IG_CONN_F_COUNTED); /* half-open 1.5 s: goes */
	put_raw(2, IPPROTO_TCP, 1, 500000000ULL, IG_CONN_F_COUNTED); /* half-open 0.5 s */
	put_raw(3, IPPROTO_TCP, 1, 2500000000ULL, IG_CONN_F_EST | IG_CONN_F_CLOSING); /* goes */
	put_raw(4, IPPROTO_TCP, 1, 1500000000ULL, IG_CONN_F_EST | IG_CONN_F_CLOSING); /* lingers */
	/* Established, idle for a day, tcp_idle 0: only a timeout ends it. */
	put_raw(5, IPPROTO_TCP, 1, 86400000000000ULL, IG_CONN_F_EST | IG_CONN_F_COUNTED);
	cr_assert_eq(dp_tenant_conns_set(&a.ld.maps, 1, 3), 0);

	cr_assert_eq(agent_sweep(&a), 0);
	cr_expect_eq(a.swept, 2);
	cr_expect(!present(0, 1, IPPROTO_TCP), "half-open past the SYN timeout");
	cr_expect(present(0, 2, IPPROTO_TCP));
	cr_expect(!present(0, 3, IPPROTO_TCP), "closed past the linger");
	cr_expect(present(0, 4, IPPROTO_TCP));
	cr_expect(present(0, 5, IPPROTO_TCP), "an idle established entry stays");
	cr_assert_eq(dp_tenant_conns(&a.ld.maps, 1, &n), 0);
	cr_expect_eq(n, 2, "the timed-out half-open one no longer counts against the cap");
	cr_assert_eq(dp_backend_inflight(&a.ld.maps, 1, &n), 0);
	cr_expect_eq(n, 2);
	xdp_gateway__destroy(skel);
}
