// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* infergatectl as a real process against pinned maps: every view over maps
 * written with known content (exact rows and exact JSON), the errors for no
 * pins and for another ABI version, the debugging writes, and the live views
 * (events, top) over curl traffic through the netns lab. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "bpf/xdp_gateway.skel.h"
#include "tests/lib/fixture.h"
#include "tools/lab/lab.h"
#include "user/lib/loader.h"
#include "user/lib/names.h"

#define VIP "198.19.0.10"
#define VNI 100

static char root[128], parent[96], bin[256];
static char out[65536], want[1024];
static struct loader ld;

static void paths(const char *tag)
{
	const char *build = getenv("IG_BUILD") ?: "build";

	fx_require_root();
	snprintf(parent, sizeof(parent), "/sys/fs/bpf/ig-%s-%d", tag, getpid());
	snprintf(root, sizeof(root), "%s/v%d", parent, IG_ABI_VERSION);
	cr_assert(realpath(build, bin));
	strcat(bin, "/infergatectl");
}

/* Run infergatectl with args (stderr into out too); its exit status. */
static int ctl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int ctl(const char *fmt, ...)
{
	char args[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return netns_run_output(NULL, out, sizeof(out), "%s --pin-root %s %s 2>&1", bin, root,
				args);
}

/* out has this exact line. */
static bool has_line(const char *line)
{
	size_t n = strlen(line);

	for (const char *p = out; (p = strstr(p, line)); p++)
		if ((p == out || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
	return false;
}

#define expect_line(l) cr_expect(has_line(l), "missing line\n%s\nin\n%s", l, out)

static void percpu_set(int fd, __u32 key, const void *val, size_t size)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t stride = (size + 7) / 8 * 8;
	char *vals = calloc(ncpu, stride);

	memcpy(vals, val, size); /* CPU 0 only: the sums are exact */
	cr_assert_eq(bpf_map_update_elem(fd, &key, vals, 0), 0);
	free(vals);
}

static void backend(__u32 id, __u32 svc, const char *addr, __u32 weight, __u8 state)
{
	struct ig_backend be = { .service = svc, .weight = weight, .state = state };
	struct ig_service_key k;

	cr_assert_eq(dp_service_key(&k, addr, 0, 0), 0);
	memcpy(be.addr, k.addr, sizeof(be.addr));
	cr_assert_eq(dp_backend_set(&ld.maps, id, &be), 0);
}

static void conn(const char *s, int sport, const char *d, int dport, __u32 tenant, __u32 svc,
		 __u32 be, __u64 age_s, __u64 idle_s)
{
	struct ig_conn_key k = { .proto = IPPROTO_TCP, .tenant = tenant };
	struct ig_service_key a, b;
	struct timespec ts;
	__u64 now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	struct ig_conn v = { .first_ns = now - age_s * 1000000000ULL,
			     .last_ns = now - idle_s * 1000000000ULL,
			     .backend = be,
			     .service = svc,
			     .flags = IG_CONN_F_EST | IG_CONN_F_CONFIRMED };

	cr_assert_eq(dp_service_key(&a, s, sport, 0), 0);
	cr_assert_eq(dp_service_key(&b, d, dport, 0), 0);
	memcpy(k.saddr, a.addr, 16);
	memcpy(k.daddr, b.addr, 16);
	k.sport = a.port;
	k.dport = b.port;
	cr_assert_eq(dp_conn_put(&ld.maps, &k, &v), 0);
}

/* Known content: two services, three backends, two tenants, two flows. */
static void populate(void)
{
	struct ig_service s1 = { .id = 1,
				 .tenant = 1,
				 .prio = IG_PRIO_INTERACTIVE,
				 .flags = IG_SVC_F_AFFINITY,
				 .balance = 125,
				 .port_block = 1024 };
	struct ig_service s2 = {
		.id = 2, .tenant = 2, .policy = IG_POLICY_LEAST_LOADED, .prio = IG_PRIO_BATCH
	};
	struct ig_traffic t1 = { 10, 1000, 2, 1 }, tb = { 7, 700, 1, 0 };
	struct ig_drop_stat d = { 5, 300 };
	struct ig_service_key k;
	__u64 three = 3, rx = 42;
	__u32 id = 1;

	/* Names as the agent publishes them; tenant 2, service 2 and backend
	 * 3 have none (a datapath the agent never named shows ids). */
	cr_assert_eq(dp_name_set(&ld.maps, IG_NAME_TENANT, 1, "acme"), 0);
	cr_assert_eq(dp_name_set(&ld.maps, IG_NAME_SERVICE, 1, "chat"), 0);
	cr_assert_eq(dp_name_set(&ld.maps, IG_NAME_BACKEND, 1, "h1"), 0);
	cr_assert_eq(dp_name_set(&ld.maps, IG_NAME_BACKEND, 2, "h2"), 0);
	cr_assert_eq(dp_tenant_set(&ld.maps, 1, VNI, IG_PRIO_STANDARD), 0);
	cr_assert_eq(dp_tenant_set(&ld.maps, 2, 200, IG_PRIO_BATCH), 0);
	cr_assert_eq(dp_service_key(&k, VIP, 80, IPPROTO_TCP), 0);
	cr_assert_eq(dp_service_set(&ld.maps, &k, &s1), 0);
	cr_assert_eq(dp_service_key(&k, "2001:db8::10", 443, IPPROTO_UDP), 0);
	cr_assert_eq(dp_service_set(&ld.maps, &k, &s2), 0);
	backend(1, 1, "198.18.11.2", 100, IG_BE_ACTIVE);
	backend(2, 1, "198.18.12.2", 50, IG_BE_DRAINING);
	backend(3, 2, "2001:db8:1::2", 10, IG_BE_ACTIVE);
	cr_assert_eq(dp_backend_set_load(&ld.maps, 1, 250000, 10), 0);
	cr_assert_eq(bpf_map_update_elem(ld.maps.inflight, &id, &three, 0), 0);
	percpu_set(ld.maps.svc_stats, 1, &t1, sizeof(t1));
	percpu_set(ld.maps.be_stats, 1, &tb, sizeof(tb));
	percpu_set(ld.maps.tn_stats, 1, &t1, sizeof(t1));
	percpu_set(ld.maps.counters, IG_CNT_RX, &rx, sizeof(rx));
	percpu_set(ld.maps.drops, IG_DROP_NO_BACKEND, &d, sizeof(d));
	conn("198.18.0.2", 40000, VIP, 80, 1, 1, 2, 100, 5);
	conn("2001:db8::2", 50000, "2001:db8::10", 443, 2, 2, 3, 30, 1);
}

static void views_setup(void)
{
	paths("ctl");
	cr_assert_eq(loader_open(&ld, root), 0);
}

static void views_teardown(void)
{
	loader_close(&ld);
	netns_cleanup_all();
	loader_unpin_all(parent);
}

TestSuite(ctl, .init = views_setup, .fini = views_teardown, .timeout = 60);

Test(ctl, services)
{
	populate();
	cr_assert_eq(ctl("services"), 0, "%s", out);
	expect_line(
		"ID   NAME         VIP              PORT PROTO TENANT   POLICY       PRIO        "
		"BACKENDS    PACKETS        BYTES NEW_CONNS    DROPS");
	expect_line(
		"1    chat         198.19.0.10        80 tcp   acme     maglev+aff   interactive "
		"       2         10         1000         2        1");
	expect_line(
		"2    -            2001:db8::10      443 udp   2        least-loaded batch       "
		"       1          0            0         0        0");
	cr_assert_eq(ctl("--json services"), 0);
	cr_expect_str_eq(
		out,
		"{\"services\":[{\"id\":1,\"name\":\"chat\",\"vip\":\"198.19.0.10\","
		"\"port\":80,"
		"\"proto\":\"tcp\",\"tenant\":1,\"policy\":\"maglev\","
		"\"affinity\":{\"port_block\":1024,\"balance\":1.25},\"prio\":"
		"\"interactive\",\"backends\":2,\"packets\":10,\"bytes\":1000,"
		"\"new_conns\":2,\"drops\":1},{\"id\":2,\"name\":null,"
		"\"vip\":\"2001:db8::10\","
		"\"port\":443,\"proto\":\"udp\",\"tenant\":2,\"policy\":"
		"\"least-loaded\",\"affinity\":null,\"prio\":\"batch\",\"backends\":1,\"packets\":0,"
		"\"bytes\":0,\"new_conns\":0,\"drops\":0}]}\n");
}

Test(ctl, backends)
{
	populate();
	cr_assert_eq(ctl("backends"), 0, "%s", out);
	expect_line("ID   NAME         SERVICE  ADDRESS         STATE    REQUEST      WEIGHT     "
		    "SCORE CAPACITY INFLIGHT    PACKETS        BYTES NEW_CONNS    DROPS");
	expect_line("1    h1           chat     198.18.11.2     active   -               100     "
		    "0.250       10        3          7          700         1        0");
	expect_line("2    h2           chat     198.18.12.2     draining -                50     "
		    "0.000        0        0          0            0         0        0");
	expect_line("3    -            2        2001:db8:1::2   active   -                10     "
		    "0.000        0        0          0            0         0        0");
	cr_assert_eq(ctl("backends --json"), 0);
	cr_expect_str_eq(out,
			 "{\"backends\":[{\"id\":1,\"name\":\"h1\",\"service\":1,\"addr\":"
			 "\"198.18.11.2\",\"state\":\"active\",\"operator\":{\"drain\":false,"
			 "\"weight\":null},\"weight\":100,\"score\":0.25,\"capacity\":10,"
			 "\"inflight\":3,\"packets\":7,\"bytes\":700,\"new_conns\":1,"
			 "\"drops\":0},{\"id\":2,\"name\":\"h2\",\"service\":1,\"addr\":"
			 "\"198.18.12.2\",\"state\":\"draining\",\"operator\":{\"drain\":false,"
			 "\"weight\":null},\"weight\":50,\"score\":0,\"capacity\":0,"
			 "\"inflight\":0,\"packets\":0,\"bytes\":0,\"new_conns\":0,\"drops\":0},"
			 "{\"id\":3,\"name\":null,\"service\":2,\"addr\":\"2001:db8:1::2\","
			 "\"state\":\"active\",\"operator\":{\"drain\":false,\"weight\":null},"
			 "\"weight\":10,\"score\":0,\"capacity\":0,\"inflight\":0,"
			 "\"packets\":0,\"bytes\":0,\"new_conns\":0,\"drops\":0}]}\n");
}

Test(ctl, tenants_and_stats)
{
	struct ig_tenant t2 = { .vni = 200,
				.flags = IG_TENANT_F_ACTIVE | IG_TENANT_F_RST |
					 IG_TENANT_F_THROTTLED,
				.prio = IG_PRIO_BATCH };

	populate();
	cr_assert_eq(dp_vni_set(&ld.maps, VNI, 1), 0); /* creates ig_tn_drops entries */
	cr_assert_eq(dp_tenant_limits(&t2, 10, 20, 5, 0, 0), 0);
	cr_assert_eq(dp_tenant_put(&ld.maps, 2, &t2), 0);
	cr_assert_eq(dp_tenant_conns_set(&ld.maps, 1, 3), 0);
	cr_assert_eq(ctl("tenants"), 0, "%s", out);
	expect_line("ID   NAME              VNI PRIO           PACKETS        BYTES NEW_CONNS    "
		    "DROPS CAPPED  REFUSED STATE    ");
	expect_line("1    acme              100 standard            10         1000         2    "
		    "    1      3        0 -        ");
	expect_line("2    -                 200 batch                0            0         0    "
		    "    0      0        0 throttled");
	cr_assert_eq(ctl("tenants --json"), 0);
	cr_expect_str_eq(out,
			 "{\"tenants\":[{\"id\":1,\"name\":\"acme\",\"vni\":100,\"prio\":"
			 "\"standard\","
			 "\"packets\":10,\"bytes\":1000,\"new_conns\":2,\"drops\":1,"
			 "\"capped_conns\":3,\"refused\":0,\"state\":\"-\",\"limits\":{"
			 "\"conn_rate\":0,\"conn_burst\":0,\"max_conns\":0,\"bandwidth\":0,"
			 "\"bandwidth_burst\":0,\"refuse\":\"drop\"},\"drops_by_reason\":{}},"
			 "{\"id\":2,\"name\":null,\"vni\":200,\"prio\":\"batch\",\"packets\":0,"
			 "\"bytes\":0,"
			 "\"new_conns\":0,\"drops\":0,\"capped_conns\":0,\"refused\":0,"
			 "\"state\":\"throttled\",\"limits\":{\"conn_rate\":10,\"conn_burst\":"
			 "20,\"max_conns\":5,\"bandwidth\":0,\"bandwidth_burst\":0,"
			 "\"refuse\":\"rst\"},\"drops_by_reason\":{}}]}\n");

	cr_assert_eq(ctl("stats"), 0, "%s", out);
	expect_line("rx-packets                             42");
	expect_line("new-connections                         0");
	expect_line("no-backend                              5            300");
	cr_expect(!strstr(out, "eth-truncated"), "zero drop reasons are left out:\n%s", out);
	expect_line("flood guard: off");
	cr_assert_eq(ctl("stats --json"), 0);
	cr_expect(strstr(out, ",\"flood_guard\":{\"rate_per_cpu\":0,\"stateless\":0}}\n"), "%s",
		  out);
	cr_expect(!strncmp(out, "{\"counters\":{\"rx-packets\":42,\"pass\":0,", 38), "%s", out);
	cr_expect(strstr(out, ",\"no-backend\":{\"packets\":5,\"bytes\":300},"), "%s", out);
	cr_expect(strstr(out, "\"host-response-counted\":0,\"beyond-parser-depth\":0,"
			      "\"icmp-too-big-steered\":0,\"icmp-too-big-sent\":0,"
			      "\"conn-established\":0,\"conn-entry-replaced\":0,"
			      "\"conn-bucket-full\":0},\"drops\":{\"none\":{\"packets\":0,"),
		  "%s", out);
}

Test(ctl, conns)
{
	populate();
	cr_assert_eq(ctl("conns"), 0, "%s", out);
	expect_line("SOURCE                DESTINATION           PROTO TENANT   SERVICE  BACKEND  "
		    "     AGE     IDLE STATE");
	expect_line("198.18.0.2:40000      198.19.0.10:80        tcp   acme     chat     h2       "
		    "    100s       5s open");
	expect_line("[2001:db8::2]:50000   [2001:db8::10]:443    tcp   2        2        3        "
		    "     30s       1s open");
	cr_assert_eq(ctl("conns --count"), 0);
	cr_expect_str_eq(out, "2\n");
	cr_assert_eq(ctl("conns --tenant 2 --count --json"), 0);
	cr_expect_str_eq(out, "{\"count\":1}\n");
	cr_assert_eq(ctl("conns --backend 2 --json"), 0);
	cr_expect_str_eq(out, "{\"conns\":[{\"src\":\"198.18.0.2\",\"sport\":40000,\"dst\":"
			      "\"198.19.0.10\",\"dport\":80,\"proto\":\"tcp\",\"tenant\":1,"
			      "\"service\":1,\"backend\":2,\"age_s\":100,\"idle_s\":5,"
			      "\"closing\":false,\"state\":\"open\",\"synced\":false}],"
			      "\"count\":1}\n");
	cr_assert_eq(ctl("conns --service 2 --count"), 0);
	cr_expect_str_eq(out, "1\n");
	cr_assert_eq(ctl("conns --flow [2001:db8::2]:50000-[2001:db8::10]:443/tcp --json"), 0, "%s",
		     out);
	cr_expect(strstr(out, "\"backend\":3,\"age_s\":30,"), "%s", out);
	cr_expect_eq(ctl("conns --flow 198.18.0.2:1-198.19.0.10:80/tcp"), 1);
	cr_expect_str_eq(out, "infergatectl: no connection 198.18.0.2:1-198.19.0.10:80/tcp in "
			      "ig_conns\n");
}

Test(ctl, empty_maps)
{
	cr_assert_eq(ctl("services --json"), 0);
	cr_expect_str_eq(out, "{\"services\":[]}\n");
	cr_assert_eq(ctl("backends --json"), 0);
	cr_expect_str_eq(out, "{\"backends\":[]}\n");
	cr_assert_eq(ctl("tenants --json"), 0);
	cr_expect_str_eq(out, "{\"tenants\":[]}\n");
	cr_assert_eq(ctl("conns --json"), 0);
	cr_expect_str_eq(out, "{\"conns\":[],\"count\":0}\n");
	cr_assert_eq(ctl("services"), 0);
	cr_expect_str_eq(out, "ID   NAME         VIP              PORT PROTO TENANT   POLICY       "
			      "PRIO        BACKENDS    PACKETS        BYTES NEW_CONNS    DROPS\n");
	cr_assert_eq(ctl("status --json"), 0);
	snprintf(want, sizeof(want),
		 "{\"pin_root\":\"%s\",\"abi\":%d,\"maps\":%zu,\"enabled\":false,"
		 "\"event_sample\":0,\"agent\":{\"running\":false,\"pid\":0},"
		 "\"links\":[]}\n",
		 root, IG_ABI_VERSION, dp_map_count);
	cr_expect_str_eq(out, want);
}

Test(ctl, no_pins_and_other_abi)
{
	char other[160];
	int fd;

	loader_close(&ld);
	loader_unpin_all(root);
	cr_expect_eq(ctl("services"), 1);
	snprintf(want, sizeof(want),
		 "infergatectl: no infergate datapath pinned under %s: is "
		 "infergated running?\n",
		 root);
	cr_expect_str_eq(out, want);
	snprintf(other, sizeof(other), "%s/v%d/maps", parent, IG_ABI_VERSION + 1);
	cr_assert_eq(netns_run(NULL, "mkdir -p %s", other), 0);
	strcat(other, "/ig_config");
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bpf_obj_pin(fd, other), 0);
	close(fd);
	cr_expect_eq(ctl("status --json"), 1);
	snprintf(want, sizeof(want),
		 "infergatectl: datapath pinned with ABI v%d, this infergatectl "
		 "speaks v%d\n",
		 IG_ABI_VERSION + 1, IG_ABI_VERSION);
	cr_expect_str_eq(out, want);
	cr_assert_eq(loader_open(&ld, root), 0); /* for the fini */
}

Test(ctl, status_links_and_agent)
{
	char dir[] = "/tmp/ig-ctl-XXXXXX", line[256];

	cr_assert_eq(netns_veth(NULL, "igctl0", NULL, "igctl1"), 0);
	cr_assert_eq(netns_link_up(NULL, "igctl0"), 0);
	cr_assert_eq(loader_attach_xdp(&ld, "igctl0", COMPAT_F_FORCE_GENERIC), 0);
	cr_assert(mkdtemp(dir));
	/* A stand-in agent: a process named infergated with our --pin-root. */
	cr_assert_eq(netns_run(NULL,
			       "printf '#!/bin/sh\\nsleep 20\\n' > %s/infergated && chmod +x "
			       "%s/infergated && (%s/infergated --pin-root %s & echo $! > %s/pid)",
			       dir, dir, dir, root, dir),
		     0);
	usleep(200 * 1000);
	cr_assert_eq(ctl("status"), 0, "%s", out);
	expect_line("ABI:       v" IG_STR(IG_ABI_VERSION));
	cr_expect(strstr(out, "agent:     infergated running (pid "), "%s", out);
	snprintf(line, sizeof(line), "igctl0-xdp       igctl0       %7u", ld.links[0].att.ifindex);
	cr_expect(strstr(out, line), "%s\nin\n%s", line, out);
	cr_expect(strstr(out, " xdp_gateway     generic\n"), "%s", out);
	cr_assert_eq(ctl("status --json"), 0);
	cr_expect(strstr(out, "\"agent\":{\"running\":true,"), "%s", out);
	cr_expect(strstr(out, ",\"program\":\"xdp_gateway\",\"mode\":\"generic\"}]}"), "%s", out);
	netns_run(NULL, "pkill -P $(cat %s/pid); kill $(cat %s/pid); rm -rf %s", dir, dir, dir);
	cr_assert_eq(ctl("status"), 0);
	expect_line("agent:     not running (the datapath runs on its pins)");
	loader_detach(&ld);
}

Test(ctl, drain_undrain_weight)
{
	__u32 table[IG_MAGLEV_DEFAULT], m = 0, n1 = 0, n2 = 0;
	struct ig_backend be;

	populate();
	cr_assert_eq(ctl("drain 1"), 0, "%s", out);
	cr_assert_eq(dp_backend_get(&ld.maps, 1, &be), 0);
	cr_expect_eq(be.state, IG_BE_DRAINING);
	cr_assert_eq(ctl("undrain 2"), 0, "%s", out);
	cr_assert_eq(dp_backend_get(&ld.maps, 2, &be), 0);
	cr_expect_eq(be.state, IG_BE_ACTIVE);
	cr_expect_eq(ctl("drain 9"), 1);
	cr_expect_str_eq(out, "infergatectl: no backend 9 in ig_backends\n");

	cr_assert_eq(ctl("weight 1 2 300"), 0, "%s", out);
	cr_assert_eq(dp_maglev_read(&ld.maps, 1, table, IG_MAGLEV_DEFAULT, &m), 0);
	cr_assert_eq(m, IG_MAGLEV_DEFAULT);
	for (__u32 i = 0; i < m; i++) {
		n1 += table[i] == 1;
		n2 += table[i] == 2;
	}
	/* weights 100 : 300 */
	cr_expect(n1 == m / 4 || n1 == m / 4 + 1, "backend 1 has %u of %u slots", n1, m);
	cr_expect_eq(n1 + n2, m);
	cr_assert_eq(dp_backend_get(&ld.maps, 2, &be), 0);
	cr_expect_eq(be.weight, 300);
	cr_expect_eq(ctl("weight 1 3 5"), 1);
	cr_expect_str_eq(out, "infergatectl: backend 3 does not belong to service 1\n");
	cr_expect_eq(ctl("bogus"), 2);
}

/* Names wherever an id goes, and drain/weight as standing requests in
 * ig_operator (what the agent honours until lifted), with the messages an
 * operator reads. No agent runs in this suite. */
Test(ctl, names_and_standing_requests)
{
	struct ig_operator op;
	struct ig_backend be;

	populate();
	cr_assert_eq(ctl("drain h2"), 0, "%s", out);
	cr_expect_str_eq(out, "backend h2: draining (no new connections) by the operator; no agent "
			      "runs now: the next one adopts it and keeps it until `infergatectl "
			      "undrain h2`\n");
	cr_assert_eq(dp_operator_get(&ld.maps, 2, &op), 0);
	cr_expect_eq(op.flags, IG_OP_F_DRAIN);
	cr_assert_eq(ctl("weight chat chat/h1 7"), 0, "%s", out);
	cr_expect(strstr(out, "service chat: backend h1 weight 7 pinned by the operator"), "%s",
		  out);
	cr_expect(strstr(out, "until `infergatectl unpin h1`"), "%s", out);
	cr_assert_eq(dp_operator_get(&ld.maps, 1, &op), 0);
	cr_expect_eq(op.flags, IG_OP_F_WEIGHT);
	cr_expect_eq(op.weight, 7);
	cr_assert_eq(dp_backend_get(&ld.maps, 1, &be), 0);
	cr_expect_eq(be.weight, 7);
	cr_assert_eq(ctl("backends"), 0, "%s", out);
	expect_line("1    h1           chat     198.18.11.2     active   weight            7     "
		    "0.250       10        3          7          700         1        0");
	expect_line("2    h2           chat     198.18.12.2     draining drain            50     "
		    "0.000        0        0          0            0         0        0");
	cr_assert_eq(ctl("--json backends"), 0, "%s", out);
	cr_expect(strstr(out, "\"name\":\"h2\",\"service\":1,\"addr\":\"198.18.12.2\",\"state\":"
			      "\"draining\",\"operator\":{\"drain\":true,\"weight\":null}"),
		  "%s", out);
	cr_expect(strstr(out, "\"operator\":{\"drain\":false,\"weight\":7}"), "%s", out);
	cr_assert_eq(ctl("conns --tenant acme --service chat --backend h2 --count"), 0, "%s", out);
	cr_expect_str_eq(out, "1\n");
	cr_assert_eq(ctl("undrain h2"), 0, "%s", out);
	cr_assert_eq(ctl("unpin 1"), 0, "%s", out);
	cr_expect_str_eq(out, "backend h1: weight unpinned: the agent weighs it from telemetry "
			      "again at its next interval\n");
	cr_assert_eq(dp_operator_get(&ld.maps, 1, &op), 0);
	cr_expect_eq(op.flags, 0);
	cr_assert_eq(dp_operator_get(&ld.maps, 2, &op), 0);
	cr_expect_eq(op.flags, 0);
	cr_assert_eq(dp_backend_get(&ld.maps, 2, &be), 0);
	cr_expect_eq(be.state, IG_BE_ACTIVE, "undrain applies at once");
	cr_expect_eq(ctl("conns --tenant globex"), 1);
	cr_expect_str_eq(out, "infergatectl: no tenant 'globex'\n");
	cr_expect_eq(ctl("drain chat/h9"), 1);
	cr_expect_str_eq(out, "infergatectl: service chat has no backend 'h9'\n");
}

/* ---- live views over lab traffic --------------------------------------- */

static struct lab lab;

static void lab_up(void)
{
	struct ig_service svc = { .id = 1, .tenant = 1, .policy = IG_POLICY_MAGLEV };
	const __u32 ids[1] = { 1 }, w[1] = { 1 };
	struct ig_service_key key;
	struct ig_config cfg;
	struct bpf_map *map;
	char path[256];

	paths("ctllab");
	cr_assert_eq(lab_create(&lab, 1), 0);
	cr_assert_eq(lab_gateway_up(&lab), 0);
	cr_assert_eq(dp_tenant_set(&lab.maps, 1, VNI, IG_PRIO_STANDARD), 0);
	cr_assert_eq(dp_service_key(&key, VIP, 80, IPPROTO_TCP), 0);
	cr_assert_eq(dp_service_set(&lab.maps, &key, &svc), 0);
	cr_assert_eq(lab_host_vni(&lab, 1, VNI, VIP), 0);
	cr_assert_eq(lab_host_httpd(&lab, 1, VIP, 80, "h1", NULL), 0);
	cr_assert_eq(lab_backend(&lab, 1, 1, 1, VNI), 0);
	cr_assert_eq(lab_weights(&lab, 1, ids, w, 1), 0);
	cr_assert_eq(lab_wait_http(&lab, 1, VIP, 80), 0);
	cr_assert_eq(dp_config_get(&lab.maps, &cfg), 0);
	cfg.event_sample = 1;
	cr_assert_eq(dp_config_set(&lab.maps, &cfg), 0);
	/* Pin the lab's maps where infergatectl looks, as the agent would. */
	cr_assert_eq(netns_run(NULL, "mkdir -p %s/maps", root), 0);
	bpf_object__for_each_map(map, lab.skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/maps/%s", root, bpf_map__name(map));
		cr_assert_eq(bpf_map__pin(map, path), 0, "%s", path);
	}
}

static void lab_down(void)
{
	lab_destroy(&lab);
	loader_unpin_all(parent);
}

TestSuite(ctl_live, .init = lab_up, .fini = lab_down, .timeout = 90);

Test(ctl_live, events_decode_decisions)
{
	/* Traffic starts once the reader is attached, and outlasts it. */
	cr_assert_eq(netns_run(lab.cl,
			       "(sleep 0.5; for i in $(seq 8); do curl -s -o /dev/null "
			       "--max-time 2 http://%s/; done) >/dev/null 2>&1 &",
			       VIP),
		     0);
	cr_assert_eq(ctl("events --json --count 3 --timeout 20"), 0, "%s", out);
	cr_expect_eq(strlen(out) > 0 && out[strlen(out) - 1] == '\n', true);
	for (char *l = out, *nl; (nl = strchr(l, '\n')); l = nl + 1) {
		*nl = '\0';
		cr_expect(!strncmp(l, "{\"ts_ns\":", 9), "%s", l);
		cr_expect(strstr(l, ",\"type\":\"decision\",\"src\":\"198.18.0.2\","), "%s", l);
		cr_expect(strstr(l, ",\"dst\":\"198.19.0.10\",\"dport\":80,\"proto\":\"tcp\","
				    "\"tenant\":1,\"service\":1,\"backend\":1,"),
			  "%s", l);
		cr_expect(strstr(l, ",\"policy\":\"maglev\",\"reason\":null}"), "%s", l);
	}
	cr_assert_eq(netns_run_output(NULL, out, sizeof(out),
				      "%s --pin-root %s events --json "
				      "--count 3 --timeout 20 | wc -l",
				      bin, root),
		     0);
	cr_expect_eq(atoi(out), 3, "events --count 3 prints 3 lines");
}

Test(ctl_live, top_shows_new_connections)
{
	cr_assert_eq(netns_run(lab.cl,
			       "(for i in $(seq 40); do curl -s -o /dev/null --max-time 2 "
			       "http://%s/; sleep 0.05; done) >/dev/null 2>&1 &",
			       VIP),
		     0);
	cr_assert_eq(ctl("top --iterations 2 --interval 1"), 0, "%s", out);
	cr_expect(strstr(out, "\033[H\033[2J"), "the screen is cleared");
	cr_expect(strstr(out, "iteration 2\n"), "%s", out);
	/* The service row of the last screen: connections/s > 0. */
	char *row =
		strstr(strstr(out, "iteration 2\n") ?: out, "\n1       198.19.0.10        80 tcp");
	double rate = 0;

	cr_assert(row, "%s", out);
	cr_assert_eq(sscanf(row + 36, "%lf", &rate), 1, "%s", row);
	cr_expect_gt(rate, 0, "%s", out);
	cr_assert_eq(ctl("top --json --iterations 1 --interval 1"), 0, "%s", out);
	cr_expect(!strncmp(out, "{\"iteration\":1,\"interval_s\":", 28), "%s", out);
	cr_expect(strstr(out, "\"services\":[{\"id\":1,\"vip\":\"198.19.0.10\",\"port\":80,"), "%s",
		  out);
}

/* Events already in the ring buffer when the reader starts are the past:
 * left out unless --backlog asks for them (reading consumes them either
 * way). Each line carries the wall-clock time (RFC 3339, UTC) beside the
 * kernel's monotonic ts_ns. */
Test(ctl_live, events_skip_the_backlog_and_show_wall_clock)
{
	char now[32];
	time_t t = time(NULL);
	const char *traffic = "for i in $(seq 4); do curl -s -o /dev/null --max-time 2 "
			      "http://" VIP "/; done";

	cr_assert_eq(netns_run(lab.cl, "%s", traffic), 0);
	cr_assert_eq(ctl("events --backlog --json --count 2 --timeout 5"), 0, "%s", out);
	cr_assert(strstr(out, "\"type\":\"decision\""), "--backlog replays them: %s", out);
	strftime(now, sizeof(now), "\"time\":\"%Y-%m-%dT", gmtime(&t));
	cr_expect(strstr(out, now), "a wall-clock time of today (%s) in: %s", now, out);
	cr_expect(strstr(out, "Z\",\"type\""), "UTC, RFC 3339: %s", out);
	cr_assert_eq(netns_run(lab.cl, "%s", traffic), 0);
	cr_assert_eq(ctl("events --backlog --count 1 --timeout 5"), 0, "%s", out);
	strftime(now, sizeof(now), "%Y-%m-%dT", gmtime(&t));
	cr_expect(!strncmp(out, now, strlen(now)), "text lines start with the time: %s", out);
	cr_assert_eq(netns_run(lab.cl, "%s", traffic), 0);
	cr_assert_eq(ctl("events --json --count 1 --timeout 1.5"), 0, "%s", out);
	cr_expect_str_empty(out, "old events printed without --backlog: %s", out);
}
