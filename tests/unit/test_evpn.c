// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the EVPN mirror (user/agent/evpn.c): FDB and neighbour
 * entries as zebra installs and removes them become remote VTEPs per VNI
 * and remote endpoints, a move keeps the newest place, a stale delete does
 * not undo a move, conflicts keep the first-learned tenant; the netlink
 * message parser (user/agent/netlink.c) takes exact bytes and refuses
 * malformed ones; the evpn: section's defaults and errors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <criterion/criterion.h>

#include "user/agent/conf.h"
#include "user/agent/evpn.h"
#include "user/agent/netlink.h"
#include "user/lib/addr.h"

static const __u8 zero[6];

static void a16(const char *s, __u8 out[16])
{
	struct config_addr a;

	cr_assert_eq(cfg_addr_parse(s, &a), 0, "%s", s);
	memcpy(out, a.addr, 16);
}

static void mac(unsigned int last, __u8 m[6])
{
	static const __u8 base[6] = { 0x02, 0, 0, 0, 0, 0 };

	memcpy(m, base, 6);
	m[5] = (__u8)last;
}

Test(evpn, vteps_per_vni)
{
	struct evpn_table t = {};
	__u8 v1[16], v2[16], got[16];
	__u32 vni;

	a16("198.18.11.2", v1);
	a16("198.18.12.2", v2);
	cr_expect_eq(evpn_table_fdb(&t, true, 100, zero, v1), 1);
	cr_expect_eq(evpn_table_fdb(&t, true, 100, zero, v1), 0, "the same again: no change");
	cr_expect_eq(evpn_table_fdb(&t, true, 100, zero, v2), 1, "a flood list has many VTEPs");
	cr_expect_eq(evpn_table_fdb(&t, true, 200, zero, v2), 1);
	cr_expect(evpn_table_member(&t, 100, v1));
	cr_expect(evpn_table_member(&t, 100, v2));
	cr_expect(!evpn_table_member(&t, 200, v1), "v1 serves 100 only");
	cr_expect(evpn_table_member(&t, 200, v2));
	cr_expect(evpn_table_vtep(&t, 2, &vni, got));
	cr_expect(!evpn_table_vtep(&t, 3, &vni, got));
	cr_expect_eq(evpn_table_fdb(&t, false, 100, zero, v1), 1, "withdrawn");
	cr_expect(!evpn_table_member(&t, 100, v1));
	cr_expect(evpn_table_member(&t, 100, v2), "the other VTEP stays");
	cr_expect_eq(evpn_table_fdb(&t, false, 100, zero, v1), 0, "gone already");
	evpn_table_drop_vni(&t, 200);
	cr_expect(!evpn_table_member(&t, 200, v2));
	evpn_table_free(&t);
}

Test(evpn, endpoints_need_mac_and_member_vtep)
{
	struct evpn_table t = {};
	struct evpn_ep out[4];
	__u8 v1[16], v2[16], ip[16], ip6[16], m1[6];
	unsigned int conflicts;

	a16("198.18.11.2", v1);
	a16("198.18.12.2", v2);
	a16("198.18.64.1", ip);
	a16("2001:db8:64::1", ip6);
	mac(1, m1);
	cr_expect_eq(evpn_table_neigh(&t, true, 100, ip, m1), 1);
	cr_expect_eq(evpn_table_neigh(&t, true, 100, ip6, m1), 1);
	cr_expect_eq(evpn_table_endpoints(&t, out, 4, &conflicts), 0, "no MAC route yet");
	cr_expect_eq(evpn_table_fdb(&t, true, 100, m1, v1), 1);
	cr_expect_eq(evpn_table_endpoints(&t, out, 4, &conflicts), 0,
		     "v1 is no member of VNI 100 yet");
	evpn_table_fdb(&t, true, 100, zero, v1);
	cr_assert_eq(evpn_table_endpoints(&t, out, 4, &conflicts), 2);
	cr_expect_eq(conflicts, 0);
	cr_expect_arr_eq(out[0].addr, ip, 16, "sorted by address: IPv4-mapped ::ffff: first");
	cr_expect_arr_eq(out[1].addr, ip6, 16);
	cr_expect_eq(out[0].vni, 100);
	cr_expect_arr_eq(out[0].vtep, v1, 16);

	/* The MAC moves to v2: a new dst, then the old one's delete. */
	evpn_table_fdb(&t, true, 100, zero, v2);
	cr_expect_eq(evpn_table_fdb(&t, true, 100, m1, v2), 1);
	cr_expect_eq(evpn_table_fdb(&t, false, 100, m1, v1), 0, "a stale delete is ignored");
	cr_assert_eq(evpn_table_endpoints(&t, out, 4, &conflicts), 2);
	cr_expect_arr_eq(out[0].vtep, v2, 16);
	/* v2 withdraws the VNI: its endpoints go with it. */
	evpn_table_fdb(&t, false, 100, zero, v2);
	cr_expect_eq(evpn_table_endpoints(&t, out, 4, &conflicts), 0);
	evpn_table_fdb(&t, true, 100, zero, v2);
	cr_expect_eq(evpn_table_neigh(&t, false, 100, ip6, m1), 1);
	cr_expect_eq(evpn_table_endpoints(&t, out, 4, &conflicts), 1);
	evpn_table_free(&t);
}

/* A VTEP that announces another VNI with a tenant's address gets nothing:
 * the address stays the first-learned tenant's, the conflict is counted. */
Test(evpn, conflict_keeps_first_learned)
{
	struct evpn_table t = {};
	struct evpn_ep out[4];
	__u8 good[16], rogue[16], ip[16], m1[6], m2[6];
	unsigned int conflicts;

	a16("198.18.11.2", good);
	a16("198.18.19.2", rogue);
	a16("198.18.64.1", ip);
	mac(1, m1);
	mac(2, m2);
	evpn_table_fdb(&t, true, 100, zero, good);
	evpn_table_fdb(&t, true, 100, m1, good);
	evpn_table_neigh(&t, true, 100, ip, m1);
	evpn_table_fdb(&t, true, 200, zero, rogue);
	evpn_table_fdb(&t, true, 200, m2, rogue);
	evpn_table_neigh(&t, true, 200, ip, m2);
	cr_assert_eq(evpn_table_endpoints(&t, out, 4, &conflicts), 1);
	cr_expect_eq(conflicts, 1);
	cr_expect_eq(out[0].vni, 100);
	cr_expect_arr_eq(out[0].vtep, good, 16);
	/* The owner leaves: the address goes to the other VNI, no conflict. */
	evpn_table_neigh(&t, false, 100, ip, m1);
	cr_assert_eq(evpn_table_endpoints(&t, out, 4, &conflicts), 1);
	cr_expect_eq(conflicts, 0);
	cr_expect_eq(out[0].vni, 200);
	evpn_table_free(&t);
}

/* After lost events, a dump rebuilds the mirror: entries gone are dropped,
 * new ones added, a moved MAC follows, and an address in both keeps when
 * it was first learned (the conflict rule). */
Test(evpn, sync_with_a_dump)
{
	struct evpn_table t = {}, now = {};
	struct evpn_ep ep[4];
	__u8 v1[16], v2[16], v3[16], a[16], b[16], m1[6], m2[6];
	unsigned int conflicts;

	a16("198.18.11.2", v1);
	a16("198.18.12.2", v2);
	a16("198.18.13.2", v3);
	a16("198.18.64.1", a);
	a16("198.18.64.2", b);
	mac(1, m1);
	mac(2, m2);
	/* The mirror: v1, v2 serve 100 and 200; a (m1 at v1) in 100, then
	 * the same address in 200 (a conflict: 100 keeps it); b (m2 at v2). */
	evpn_table_fdb(&t, true, 100, zero, v1);
	evpn_table_fdb(&t, true, 100, zero, v2);
	evpn_table_fdb(&t, true, 200, zero, v1);
	evpn_table_fdb(&t, true, 100, m1, v1);
	evpn_table_fdb(&t, true, 200, m1, v1);
	evpn_table_fdb(&t, true, 100, m2, v2);
	evpn_table_neigh(&t, true, 100, a, m1);
	evpn_table_neigh(&t, true, 200, a, m1);
	evpn_table_neigh(&t, true, 100, b, m2);
	/* What the kernel holds now, dumped in another order: v2 left 100
	 * (with b), v3 joined 100, m1 moved to v3 in 100; a in 200 comes
	 * first in the dump. */
	evpn_table_fdb(&now, true, 200, zero, v1);
	evpn_table_fdb(&now, true, 200, m1, v1);
	evpn_table_neigh(&now, true, 200, a, m1);
	evpn_table_fdb(&now, true, 100, zero, v3);
	evpn_table_fdb(&now, true, 100, zero, v1);
	evpn_table_fdb(&now, true, 100, m1, v3);
	evpn_table_neigh(&now, true, 100, a, m1);
	cr_expect_eq(evpn_table_sync(&t, &now), 1);
	cr_expect(!evpn_table_member(&t, 100, v2), "v2's withdrawal lost with the events");
	cr_expect(evpn_table_member(&t, 100, v3), "v3's route lost with the events");
	cr_expect(evpn_table_member(&t, 100, v1));
	cr_expect_eq(t.n_fdb, 5);
	cr_expect_eq(t.n_nb, 2, "b is gone");
	cr_assert_eq(evpn_table_endpoints(&t, ep, 4, &conflicts), 1);
	cr_expect_eq(conflicts, 1);
	cr_expect_eq(ep[0].vni, 100, "a stays the first learner's");
	cr_expect(!memcmp(ep[0].vtep, v3, 16), "a follows its MAC's move");
	cr_expect_eq(evpn_table_sync(&t, &now), 0, "the same dump again: no change");
	evpn_table_free(&now);
	cr_expect_eq(evpn_table_sync(&t, &now), 1, "an empty dump empties it");
	cr_expect_eq(t.n_fdb + t.n_nb, 0);
	evpn_table_free(&t);
}

Test(evpn, table_is_bounded)
{
	struct evpn_table t = {};
	__u8 v[16] = { 0 };
	int r = 0;

	for (unsigned int i = 0; i <= EVPN_TABLE_MAX && r >= 0; i++) {
		memcpy(v, &i, sizeof(i));
		r = evpn_table_fdb(&t, true, 1, zero, v);
	}
	cr_expect_eq(r, -ENOSPC);
	cr_expect_eq(t.n_fdb, EVPN_TABLE_MAX);
	evpn_table_free(&t);
}

/* ---- netlink_neigh_parse: exact bytes ---- */

struct nmsg {
	struct nlmsghdr h;
	struct ndmsg nd;
	char attrs[64];
};

static size_t put_attr(struct nmsg *m, size_t off, int type, const void *p, size_t len)
{
	struct rtattr *a = (struct rtattr *)(m->attrs + off);

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), p, len);
	return off + RTA_ALIGN(a->rta_len);
}

static size_t fdb_msg(struct nmsg *m, int type, int dst_len)
{
	static const __u8 mc[6] = { 2, 0, 0, 0, 0, 0xa }, d4[8] = { 198, 18, 11, 2 };
	size_t off = 0;

	memset(m, 0, sizeof(*m));
	m->h.nlmsg_type = (unsigned short)type;
	m->nd.ndm_family = AF_BRIDGE;
	m->nd.ndm_ifindex = 7;
	m->nd.ndm_state = NUD_NOARP;
	m->nd.ndm_flags = NTF_SELF | NTF_EXT_LEARNED;
	off = put_attr(m, off, NDA_LLADDR, mc, 6);
	if (dst_len)
		off = put_attr(m, off, NDA_DST, d4, (size_t)dst_len);
	m->h.nlmsg_len = (unsigned int)(NLMSG_LENGTH(sizeof(struct ndmsg)) + off);
	return m->h.nlmsg_len;
}

Test(evpn, parse_fdb_entry)
{
	struct netlink_neigh n;
	struct nmsg m;
	__u8 want[16];
	size_t len = fdb_msg(&m, RTM_NEWNEIGH, 4);

	a16("198.18.11.2", want);
	cr_assert_eq(netlink_neigh_parse(&m, len, &n), 0);
	cr_expect(!n.del);
	cr_expect_eq(n.family, AF_BRIDGE);
	cr_expect_eq(n.ifindex, 7);
	cr_expect_eq(n.state, NUD_NOARP);
	cr_expect_eq(n.flags, NTF_SELF | NTF_EXT_LEARNED);
	cr_expect(n.has_mac && n.has_dst);
	cr_expect_eq(n.mac[5], 0xa);
	cr_expect_arr_eq(n.dst, want, 16, "IPv4 comes IPv4-mapped");
	len = fdb_msg(&m, RTM_DELNEIGH, 4);
	cr_assert_eq(netlink_neigh_parse(&m, len, &n), 0);
	cr_expect(n.del);
}

Test(evpn, parse_refuses_malformed)
{
	struct netlink_neigh n;
	struct nmsg m;
	size_t len;

	len = fdb_msg(&m, RTM_NEWNEIGH, 5);
	cr_expect_eq(netlink_neigh_parse(&m, len, &n), -EINVAL, "a 5-byte address");
	len = fdb_msg(&m, RTM_NEWNEIGH, 4);
	cr_expect_eq(netlink_neigh_parse(&m, len - 1, &n), -EINVAL, "longer than the buffer");
	cr_expect_eq(netlink_neigh_parse(&m, 8, &n), -EINVAL, "a cut header");
	m.h.nlmsg_len = NLMSG_LENGTH(2);
	cr_expect_eq(netlink_neigh_parse(&m, len, &n), -EINVAL, "no room for ndmsg");
	len = fdb_msg(&m, RTM_NEWLINK, 4);
	cr_expect_eq(netlink_neigh_parse(&m, len, &n), -ENOENT, "not a neighbour message");
	len = fdb_msg(&m, RTM_NEWNEIGH, 4);
	m.nd.ndm_family = AF_PACKET;
	cr_expect_eq(netlink_neigh_parse(&m, len, &n), -EINVAL, "another family");
	len = fdb_msg(&m, RTM_NEWNEIGH, 0);
	cr_assert_eq(netlink_neigh_parse(&m, len, &n), 0);
	cr_expect(!n.has_dst, "the bridge's own entry: no VTEP");
}

/* A last attribute of 5 bytes ends the message unaligned: the walk must
 * stop there, not read past the end (tests/fuzz/corpus/neigh/neigh-crash-*). */
Test(evpn, parse_short_last_attribute)
{
	static const __u8 one = 1;
	struct netlink_neigh n;
	struct nmsg m;
	size_t len = fdb_msg(&m, RTM_NEWNEIGH, 0);
	size_t off = len - NLMSG_LENGTH(sizeof(struct ndmsg));
	__u8 *heap;

	put_attr(&m, off, 99, &one, 1);
	len += RTA_LENGTH(1);
	m.h.nlmsg_len = (unsigned int)len;
	heap = malloc(len); /* exactly len bytes: ASan sees any read past them */
	cr_assert(heap);
	memcpy(heap, &m, len);
	cr_expect_eq(netlink_neigh_parse(heap, len, &n), 0);
	cr_expect(n.has_mac);
	free(heap);
}

/* ---- the evpn: section ---- */

static int load(const char *text, struct ig_cfg *cfg, struct config_error *err)
{
	return config_load_mem("e.yaml", text, strlen(text), cfg, err);
}

#define HOST_HEAD                                   \
	"interfaces:\n  - {name: e0, role: host}\n" \
	"tenants:\n  - {name: ta, id: 1, vni: 6400}\n"

Test(evpn, config_defaults_and_optional_vteps)
{
	struct config_error err = {};
	struct ig_cfg cfg;

	cr_assert_eq(load(HOST_HEAD "evpn: {}\nhost:\n  vtep: 198.18.11.2\n"
				    "  tenants: [{name: ta}]\n",
			  &cfg, &err),
		     0, "%s", err.text);
	cr_expect(cfg.evpn.present && cfg.evpn.learn && cfg.evpn.advertise);
	cr_expect_eq(cfg.evpn.port, 4789);
	cr_expect_eq(cfg.host.tenants[0].n_vteps, 0);
	config_free(&cfg);
	cr_assert_eq(load(HOST_HEAD
			  "evpn: {learn: false, port: 4790}\nhost:\n"
			  "  vtep: 198.18.11.2\n  tenants: [{name: ta, vteps: [198.18.12.2]}]\n"
			  "  endpoints: [{tenant: ta, vtep: 198.18.12.2, "
			  "addresses: [198.18.64.9]}]\n",
			  &cfg, &err),
		     0, "%s", err.text);
	cr_expect(!cfg.evpn.learn);
	cr_expect_eq(cfg.evpn.port, 4790);
	config_free(&cfg);
}

Test(evpn, config_errors)
{
	struct config_error err = {};
	struct ig_cfg cfg;

	cr_expect_eq(load(HOST_HEAD "host:\n  vtep: 198.18.11.2\n  tenants: [{name: ta}]\n", &cfg,
			  &err),
		     -EINVAL);
	cr_expect_str_eq(err.text,
			 "e.yaml:7:13: host.tenants[0].vteps: missing (only optional with an "
			 "evpn: section, which learns them)");
	cr_expect_eq(load(HOST_HEAD "evpn: {port: 0}\nhost:\n  vtep: 198.18.11.2\n"
				    "  tenants: [{name: ta}]\n",
			  &cfg, &err),
		     -EINVAL);
	cr_expect(strstr(err.text, "e.yaml:5:14: evpn.port"), "%s", err.text);
	cr_expect_eq(load(HOST_HEAD "evpn: {lern: true}\nhost:\n  vtep: 198.18.11.2\n"
				    "  tenants: [{name: ta}]\n",
			  &cfg, &err),
		     -EINVAL);
	cr_expect(strstr(err.text, "evpn.lern"), "%s", err.text);
	/* learn: false allows only the configured VTEPs: a tenant without
	 * any would be accepted from no one and sent to no one. */
	cr_expect_eq(load(HOST_HEAD "evpn: {learn: false}\nhost:\n  vtep: 198.18.11.2\n"
				    "  tenants: [{name: ta}]\n",
			  &cfg, &err),
		     -EINVAL);
	cr_expect_str_eq(err.text, "e.yaml:8:13: host.tenants[0].vteps: missing (evpn.learn is "
				   "false: the tenant would have no allowed VTEP)");
	cr_expect_eq(load(HOST_HEAD "evpn: {learn: false}\nhost:\n  vtep: 198.18.11.2\n"
				    "  tenants: [{name: ta, vteps: []}]\n",
			  &cfg, &err),
		     -EINVAL);
	cr_expect_str_eq(err.text, "e.yaml:8:31: host.tenants[0].vteps: must not be empty");
	/* ... and an endpoint's VTEP must be one of them. */
	cr_expect_eq(load(HOST_HEAD "evpn: {learn: false}\nhost:\n  vtep: 198.18.11.2\n"
				    "  tenants: [{name: ta, vteps: [198.18.12.2]}]\n"
				    "  endpoints: [{tenant: ta, vtep: 198.18.13.2, "
				    "addresses: [198.18.64.9]}]\n",
			  &cfg, &err),
		     -EINVAL);
	cr_expect(strstr(err.text, "host.endpoints[0].vtep: 198.18.13.2 is not among "
				   "host.tenants 'ta' vteps"),
		  "%s", err.text);
}
