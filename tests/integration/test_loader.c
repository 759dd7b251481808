// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Load, pin, adopt, upgrade: the agent's loader against the real kernel. A
 * restarted loader adopts the pinned maps (flow state survives), an attached
 * program keeps running after the loader is gone, a new program replaces the
 * old one behind the pinned link without a gap, and maps pinned by plain
 * `bpftool prog loadall ... pinmaps` are adopted too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "bpf/xdp_gateway.skel.h"
#include "tests/lib/fixture.h"
#include "tools/lab/netns.h"
#include "user/lib/loader.h"

static char root[128], ns_a[NETNS_NAME_MAX], ns_b[NETNS_NAME_MAX];

static void setup(void)
{
	fx_require_root();
	snprintf(root, sizeof(root), "/sys/fs/bpf/ig-test-%d/v%d", getpid(), IG_ABI_VERSION);
	cr_assert_eq(netns_create("lda", ns_a), 0);
	cr_assert_eq(netns_create("ldb", ns_b), 0);
	cr_assert_eq(netns_veth(ns_a, "va", ns_b, "vb"), 0);
	cr_assert_eq(netns_addr(ns_a, "va", "198.18.40.1/24"), 0);
	cr_assert_eq(netns_addr(ns_b, "vb", "198.18.40.2/24"), 0);
	cr_assert_eq(netns_link_up(ns_a, "va"), 0);
	cr_assert_eq(netns_link_up(ns_b, "vb"), 0);
}

static void teardown(void)
{
	char parent[160];

	netns_cleanup_all();
	loader_unpin_all(root);
	snprintf(parent, sizeof(parent), "/sys/fs/bpf/ig-test-%d", getpid());
	rmdir(parent);
}

TestSuite(loader, .init = setup, .fini = teardown, .timeout = 60);

static int nmaps(const struct loader *ld)
{
	struct bpf_map *map;
	int n = 0;

	bpf_object__for_each_map(map, ld->gw->obj)
		n += !bpf_map__is_internal(map);
	return n;
}

static __u64 rx(const struct loader *ld)
{
	__u64 v = 0;

	cr_assert_eq(dp_percpu_sum(ld->maps.counters, IG_CNT_RX, 0, &v), 0);
	return v;
}

/* Ten UDP datagrams from ns_a into va's peer: they arrive on vb. */
static void traffic(void)
{
	cr_assert_eq(netns_run(ns_a, "bash -c 'for i in $(seq 10); do "
				     "echo x > /dev/udp/198.18.40.2/9; done'"),
		     0);
	usleep(50 * 1000);
}

static __u32 xdp_prog_id(void)
{
	char out[256];
	unsigned int id = 0;

	cr_assert_eq(netns_run_output(ns_b, out, sizeof(out),
				      "ip -d link show vb | grep -o 'prog/xdp id [0-9]*' | "
				      "grep -o '[0-9]*$' || true"),
		     0);
	sscanf(out, "%u", &id);
	return id;
}

Test(loader, pins_adopts_and_upgrades_in_place)
{
	struct loader ld;
	struct ig_config cfg = { .flood_rate = 4242 }, got;
	char path[256];
	__u32 id1, id2;
	__u64 before;
	int saved;

	cr_assert_eq(loader_open(&ld, root), 0);
	cr_expect_eq(ld.nadopted, 0, "nothing was pinned yet");
	snprintf(path, sizeof(path), "%s/maps/ig_conns", root);
	cr_expect_eq(access(path, F_OK), 0, "maps are pinned under the root");
	cr_assert_eq(dp_config_set(&ld.maps, &cfg), 0);
	saved = netns_enter(ns_b);
	cr_assert_eq(loader_attach_xdp(&ld, "vb", 0), 0);
	netns_leave(saved);
	id1 = xdp_prog_id();
	cr_assert_gt(id1, 0);
	loader_close(&ld); /* the agent exits: the datapath stays */

	cr_expect_eq(xdp_prog_id(), id1, "still attached after the loader closed");
	cr_assert_eq(loader_open(&ld, root), 0);
	cr_expect_eq(ld.nadopted, nmaps(&ld), "every map adopted");
	cr_assert_eq(dp_config_get(&ld.maps, &got), 0);
	cr_expect_eq(got.flood_rate, 4242, "state survives a restart");
	before = rx(&ld);
	traffic();
	cr_expect_geq(rx(&ld) - before, 10, "the old program counts into the adopted map");

	saved = netns_enter(ns_b);
	cr_assert_eq(loader_attach_xdp(&ld, "vb", 0), 0);
	netns_leave(saved);
	cr_expect(ld.links[0].adopted, "the pinned link was reused");
	id2 = xdp_prog_id();
	cr_expect_neq(id2, id1, "a new program sits behind the same link");
	before = rx(&ld);
	traffic();
	cr_expect_geq(rx(&ld) - before, 10, "and counts into the same maps");

	saved = netns_enter(ns_b);
	cr_assert_eq(loader_detach(&ld), 0);
	netns_leave(saved);
	cr_expect_eq(xdp_prog_id(), 0, "--detach removes it");
	snprintf(path, sizeof(path), "%s/links/vb-xdp", root);
	cr_expect_neq(access(path, F_OK), 0, "and its pin");
	loader_close(&ld);
}

Test(loader, adopts_maps_pinned_by_bpftool)
{
	struct ig_config cfg, got;
	struct loader ld;
	char maps[200];
	int fd;
	__u32 zero = 0;

	const char *build = getenv("IG_BUILD") ?: "build";

	snprintf(maps, sizeof(maps), "%s/maps", root);
	cr_assert_eq(netns_run(NULL,
			       "mkdir -p %s && bpftool prog loadall %s/bpf/xdp_gateway.bpf.o "
			       "%s/progs pinmaps %s 2>/dev/null",
			       root, build, root, maps),
		     0);
	snprintf(maps + strlen(maps), sizeof(maps) - strlen(maps), "/ig_config");
	fd = bpf_obj_get(maps);
	cr_assert_geq(fd, 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.event_sample = 77;
	cr_assert_eq(bpf_map_update_elem(fd, &zero, &cfg, 0), 0);
	close(fd);
	cr_assert_eq(loader_open(&ld, root), 0);
	cr_expect_eq(ld.nadopted, nmaps(&ld));
	cr_assert_eq(dp_config_get(&ld.maps, &got), 0);
	cr_expect_eq(got.event_sample, 77, "the agent uses bpftool's maps");
	loader_close(&ld);
}

/* A gateway agent configuration for va in ns_a, at path. */
static void agent_conf(const char *path)
{
	cr_assert_eq(netns_run(NULL,
			       "printf 'interfaces:\\n  - name: va\\n    role: gateway\\n"
			       "gateway:\\n  vtep: 198.18.40.1\\ntenants:\\n  - {name: t, id: 1, "
			       "vni: 100}\\nservices:\\n  - name: s\\n    id: 1\\n    vip: "
			       "198.19.40.10\\n    port: 80\\n    tenant: t\\n    backends:\\n"
			       "      - {name: b, id: 1, vtep: 198.18.40.2, capacity: 1}\\n' > %s",
			       path),
		     0);
}

/* Under `ip netns exec`, /sys is a fresh sysfs of a private mount namespace:
 * a bpffs the agent mounted there would vanish with the command, leaving
 * the programs loaded with no pin. The agent must refuse and say what to
 * use instead, before it loads or attaches anything. */
Test(loader, agent_refuses_a_private_bpffs_under_ip_netns_exec)
{
	const char *build = getenv("IG_BUILD") ?: "build";
	char conf[160], out[4096];
	int rc;

	snprintf(conf, sizeof(conf), "/tmp/ig-nsexec-%d.yaml", getpid());
	agent_conf(conf);
	rc = netns_run_output(NULL, out, sizeof(out),
			      "ip netns exec %s timeout 10 %s/infergated --config %s --pin-root "
			      "%s 2>&1; echo rc=$?",
			      ns_a, build, conf, root);
	cr_assert_eq(rc, 0);
	cr_expect(strstr(out, "nsenter --net="), "the error names the fix: %s", out);
	cr_expect(!strstr(out, "rc=0"), "it must not run: %s", out);
	cr_expect(!strstr(out, "attached"), "nothing attached: %s", out);
	unlink(conf);
}

/* A second agent (another pin root) on an interface whose XDP hook a
 * pinned link already holds: the refusal names the program, the link, its
 * pin and how to clear it. */
Test(loader, attach_conflict_names_the_holder)
{
	const char *build = getenv("IG_BUILD") ?: "build";
	char conf[160], other[160], out[8192], want[400];
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);
	struct loader ld;
	int saved, rc;

	cr_assert_eq(loader_open(&ld, root), 0);
	saved = netns_enter(ns_a);
	cr_assert_geq(saved, 0);
	cr_assert_eq(loader_attach_xdp(&ld, "va", 0), 0);
	netns_leave(saved);
	snprintf(conf, sizeof(conf), "/tmp/ig-conflict-%d.yaml", getpid());
	snprintf(other, sizeof(other), "%s-other", root);
	agent_conf(conf);
	rc = netns_run_output(NULL, out, sizeof(out),
			      "nsenter --net=/run/netns/%s timeout 10 %s/infergated --config %s "
			      "--pin-root %s 2>&1; echo rc=$?",
			      ns_a, build, conf, other);
	cr_assert_eq(rc, 0);
	cr_expect(!strstr(out, "rc=0"), "the second agent must not run: %s", out);
	cr_assert_eq(bpf_obj_get_info_by_fd(ld.links[0].att.link_fd, &li, &len), 0);
	snprintf(want, sizeof(want), "through bpf_link %u, pinned at %s/links/va-xdp", li.id, root);
	cr_expect(strstr(out, want), "'%s' in: %s", want, out);
	cr_expect(strstr(out, "(xdp_gateway)"), "the program's name: %s", out);
	cr_expect(strstr(out, "`rm "), "how to clear it: %s", out);
	loader_close(&ld);
	loader_unpin_all(other);
	unlink(conf);
}

/* --metrics-listen puts /metrics, /healthz and /readyz where the node's
 * address is (a DaemonSet passes $(NODE_IP)), over the file's listen. */
Test(loader, metrics_listen_overrides_the_file)
{
	const char *build = getenv("IG_BUILD") ?: "build";
	char conf[160], out[4096];

	snprintf(conf, sizeof(conf), "/tmp/ig-listen-%d.yaml", getpid());
	agent_conf(conf);
	cr_assert_eq(
		netns_run_output(NULL, out, sizeof(out),
				 "%s/infergated --metrics-listen 198.18.40.1 --config %s 2>&1; "
				 "echo rc=$?",
				 build, conf),
		0);
	cr_expect(strstr(out, "'198.18.40.1' is not ADDRESS:PORT") && strstr(out, "rc=2"), "%s",
		  out);
	cr_assert_eq(netns_run(NULL,
			       "nsenter --net=/run/netns/%s timeout 8 %s/infergated --config %s "
			       "--pin-root %s --metrics-listen 198.18.40.1:9471 "
			       ">/dev/null 2>&1 &",
			       ns_a, build, conf, root),
		     0);
	cr_assert_eq(netns_run_output(ns_a, out, sizeof(out),
				      "for i in $(seq 50); do curl -sf "
				      "http://198.18.40.1:9471/healthz && break; sleep 0.1; done"),
		     0, "nothing on 198.18.40.1:9471: %s", out);
	cr_expect_neq(netns_run(ns_a, "curl -sf -o /dev/null http://127.0.0.1:9469/metrics"), 0,
		      "the file's listen address is not used");
	netns_run(NULL, "pkill -f 'infergated --config %s' ; sleep 0.3", conf);
	unlink(conf);
}

/* An agent for a network namespace pins its links on the host's bpffs;
 * infergatectl status, run from another namespace, finds the interface in
 * the named namespace that holds it and reports the real attach mode (it
 * said "unknown"). */
Test(loader, status_finds_the_mode_in_the_links_namespace)
{
	const char *build = getenv("IG_BUILD") ?: "build";
	struct loader ld;
	char out[4096];
	int saved;

	cr_assert_eq(loader_open(&ld, root), 0);
	saved = netns_enter(ns_a);
	cr_assert_geq(saved, 0);
	cr_assert_eq(loader_attach_xdp(&ld, "va", 0), 0);
	netns_leave(saved);
	cr_assert_eq(netns_run_output(NULL, out, sizeof(out),
				      "%s/infergatectl --pin-root %s --json status", build, root),
		     0, "%s", out);
	cr_expect(strstr(out, "\"ifname\":\"va\"") && strstr(out, "\"mode\":\"native\""), "%s",
		  out);
	loader_close(&ld);
}
