// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libnl route and neighbour lookups for the backends' underlay next hops.
 * Caches are refilled per lookup: the agent asks once per backend per tick,
 * which also follows link and neighbour changes without a cache manager. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/if_bridge.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "user/agent/netlink.h"
#include "user/lib/log.h"

struct netlink {
	struct nl_sock *sk;
	struct nl_sock *ev; /* link events, once netlink_link_watch ran */
	int nev; /* link messages seen by the drain in progress */
	netlink_neigh_cb neigh_cb; /* neighbour events, once netlink_neigh_watch ran */
	void *neigh_ctx;
	bool lost; /* the event socket overran since netlink_neigh_lost */
};

/* libnl's error codes are its own; the rest of the agent speaks errno. */
static int nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

int netlink_open(struct netlink **out)
{
	struct netlink *nl = calloc(1, sizeof(*nl));
	int err;

	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return -ENOMEM;
	}
	err = nl_errno(nl_connect(nl->sk, NETLINK_ROUTE));
	if (err) {
		nl_socket_free(nl->sk);
		free(nl);
		return err;
	}
	*out = nl;
	return 0;
}

void netlink_close(struct netlink *nl)
{
	if (!nl)
		return;
	if (nl->ev)
		nl_socket_free(nl->ev);
	nl_socket_free(nl->sk);
	free(nl);
}

static int is_v4mapped(const __u8 *a)
{
	static const __u8 pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, pfx, sizeof(pfx));
}

static struct nl_addr *nl_addr_of(const __u8 *a)
{
	return is_v4mapped(a) ? nl_addr_build(AF_INET, a + 12, 4) : nl_addr_build(AF_INET6, a, 16);
}

int netlink_if_mac(struct netlink *nl, int ifindex, __u8 mac[6])
{
	struct rtnl_link *link = NULL;
	struct nl_addr *ll;
	int err;

	err = nl_errno(rtnl_link_get_kernel(nl->sk, ifindex, NULL, &link));
	if (err)
		return err;
	ll = rtnl_link_get_addr(link);
	if (!ll || nl_addr_get_len(ll) != 6)
		err = -ENODEV;
	else
		memcpy(mac, nl_addr_get_binary_addr(ll), 6);
	rtnl_link_put(link);
	return err;
}

/* Make the kernel resolve dst: one empty datagram to the discard port. */
static void neigh_trigger(const __u8 *dst)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(9) };
	int v4 = is_v4mapped(dst), fd;

	fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	memcpy(&s4.sin_addr, dst + 12, 4);
	memcpy(&s6.sin6_addr, dst, 16);
	if (v4)
		sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&s4, sizeof(s4));
	else
		sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&s6, sizeof(s6));
	close(fd);
}

/* The route's output interface and gateway (NULL when on-link). */
static int route_lookup(struct netlink *nl, struct nl_addr *dst, int *ifindex, struct nl_addr **gw)
{
	struct rtnl_route *route = NULL;
	struct rtnl_nexthop *nh;
	int err;

	err = nl_errno(rtnl_route_lookup(nl->sk, dst, &route));
	if (err)
		return err == -EIO ? -ENETUNREACH : err;
	nh = rtnl_route_nexthop_n(route, 0);
	if (!nh) {
		rtnl_route_put(route);
		return -ENETUNREACH;
	}
	*ifindex = rtnl_route_nh_get_ifindex(nh);
	*gw = rtnl_route_nh_get_gateway(nh) ? nl_addr_clone(rtnl_route_nh_get_gateway(nh)) : NULL;
	rtnl_route_put(route);
	return *ifindex > 0 ? 0 : -ENETUNREACH;
}

static int neigh_mac(struct netlink *nl, int ifindex, struct nl_addr *hop, __u8 mac[6])
{
	struct nl_cache *cache = NULL;
	struct rtnl_neigh *n;
	struct nl_addr *ll;
	int err, state;

	err = nl_errno(rtnl_neigh_alloc_cache(nl->sk, &cache));
	if (err)
		return err;
	n = rtnl_neigh_get(cache, ifindex, hop);
	err = -EAGAIN;
	if (n) {
		state = rtnl_neigh_get_state(n);
		ll = rtnl_neigh_get_lladdr(n);
		if (ll && nl_addr_get_len(ll) == 6 &&
		    !(state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP))) {
			memcpy(mac, nl_addr_get_binary_addr(ll), 6);
			err = 0;
		}
		rtnl_neigh_put(n);
	}
	nl_cache_free(cache);
	return err;
}

int netlink_nexthop(struct netlink *nl, const __u8 dst[16], struct netlink_nexthop *out)
{
	struct nl_addr *daddr = nl_addr_of(dst), *gw = NULL;
	int err;

	if (!daddr)
		return -ENOMEM;
	err = route_lookup(nl, daddr, &out->ifindex, &gw);
	err = err ?: netlink_if_mac(nl, out->ifindex, out->smac);
	err = err ?: neigh_mac(nl, out->ifindex, gw ? gw : daddr, out->dmac);
	if (err == -EAGAIN)
		neigh_trigger(dst);
	nl_addr_put(gw);
	nl_addr_put(daddr);
	return err;
}

/* ---- link events and veth peers (GPU hosts) ---- */

static int link_event(struct nl_msg *msg, void *arg)
{
	struct netlink *nl = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	int type = h->nlmsg_type;
	struct netlink_neigh n;

	/* Not a bridge port's RTM_NEWLINK (AF_BRIDGE): the bridge sends one
	 * for every port setting, even unchanged, and the EVPN objects'
	 * re-assertion at each reconcile would wake the next one. */
	if (type == RTM_DELLINK ||
	    (type == RTM_NEWLINK && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)) &&
	     ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_family != AF_BRIDGE))
		nl->nev++;
	if (nl->neigh_cb && !netlink_neigh_parse(h, h->nlmsg_len, &n))
		nl->neigh_cb(&n, nl->neigh_ctx);
	return NL_OK;
}

int netlink_link_watch(struct netlink *nl)
{
	int err;

	if (nl->ev)
		return nl_socket_get_fd(nl->ev);
	nl->ev = nl_socket_alloc();
	if (!nl->ev)
		return -ENOMEM;
	nl_socket_disable_seq_check(nl->ev);
	nl_socket_modify_cb(nl->ev, NL_CB_VALID, NL_CB_CUSTOM, link_event, nl);
	err = nl_errno(nl_connect(nl->ev, NETLINK_ROUTE));
	err = err ?: nl_errno(nl_socket_add_membership(nl->ev, RTNLGRP_LINK));
	err = err ?: nl_errno(nl_socket_set_nonblocking(nl->ev));
	if (err) {
		nl_socket_free(nl->ev);
		nl->ev = NULL;
		return err;
	}
	return nl_socket_get_fd(nl->ev);
}

int netlink_link_drain(struct netlink *nl)
{
	int err, overruns = 0;

	if (!nl->ev)
		return 0;
	nl->nev = 0;
	do {
		err = nl_recvmsgs_default(nl->ev);
		/* An overrun (ENOBUFS) lost events: report one, so the
		 * caller looks again, and read on: whoever dumps the tables
		 * (netlink_neigh_lost) does so after what was queued before,
		 * which is older than the dump. Bounded under a flood. */
		if ((err == -NLE_NOMEM || err == -NLE_DUMP_INTR) && overruns++ < 8) {
			nl->lost = true;
			nl->nev++;
			err = 0;
		}
	} while (err >= 0);
	return nl->nev;
}

int netlink_link_get(struct netlink *nl, int ifindex, struct netlink_link *out)
{
	struct rtnl_link *link = NULL;
	struct nl_addr *ll;
	const char *type;
	int err;

	memset(out, 0, sizeof(*out));
	out->peer_nsid = -1;
	err = nl_errno(rtnl_link_get_kernel(nl->sk, ifindex, NULL, &link));
	if (err)
		return err;
	ll = rtnl_link_get_addr(link);
	if (ll && nl_addr_get_len(ll) == 6)
		memcpy(out->mac, nl_addr_get_binary_addr(ll), 6);
	type = rtnl_link_get_type(link);
	out->veth = type && !strcmp(type, "veth");
	if (out->veth) {
		__s32 nsid;

		out->peer_ifindex = rtnl_link_get_link(link);
		if (!rtnl_link_get_link_netnsid(link, &nsid))
			out->peer_nsid = nsid;
	}
	rtnl_link_put(link);
	return 0;
}

struct peer_reply {
	__u8 mac[6];
	bool found;
};

static int peer_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IFLA_MAX + 1];
	struct peer_reply *r = arg;

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) ||
	    !tb[IFLA_ADDRESS] || nla_len(tb[IFLA_ADDRESS]) != 6)
		return NL_SKIP;
	memcpy(r->mac, nla_data(tb[IFLA_ADDRESS]), 6);
	r->found = true;
	return NL_OK;
}

/* libnl has no getter for a link in another namespace: the request is made
 * by hand, with IFLA_TARGET_NETNSID naming the peer's namespace. */
int netlink_peer_mac(struct netlink *nl, int ifindex, __u8 mac[6])
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct peer_reply r = {};
	struct netlink_link l;
	struct nl_sock *sk;
	struct nl_msg *msg;
	int err;

	err = netlink_link_get(nl, ifindex, &l);
	if (err)
		return err;
	if (!l.veth || !l.peer_ifindex)
		return -ENOENT;
	if (l.peer_nsid < 0)
		return netlink_if_mac(nl, l.peer_ifindex, mac);
	sk = nl_socket_alloc();
	msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);
	err = sk && msg ? 0 : -ENOMEM;
	ifi.ifi_index = l.peer_ifindex;
	err = err ?: nl_errno(nl_connect(sk, NETLINK_ROUTE));
	err = err ?: nl_errno(nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO));
	err = err ?: nl_errno(nla_put_s32(msg, IFLA_TARGET_NETNSID, l.peer_nsid));
	if (!err) {
		nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, peer_reply, &r);
		err = nl_send_auto(sk, msg) < 0 ? -EIO : nl_errno(nl_recvmsgs_default(sk));
	}
	if (!err && !r.found)
		err = -ENOENT;
	if (!err)
		memcpy(mac, r.mac, 6);
	nlmsg_free(msg);
	if (sk)
		nl_socket_free(sk);
	return err;
}

int netlink_if_addrs(struct netlink *nl, int ifindex, __u8 (*addrs)[16], unsigned int *lens,
		     int max)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int n = 0, err;

	err = nl_errno(rtnl_addr_alloc_cache(nl->sk, &cache));
	if (err)
		return err;
	for (o = nl_cache_get_first(cache); o && n < max; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		const __u8 *b;

		if (rtnl_addr_get_ifindex(a) != ifindex || !local)
			continue;
		b = nl_addr_get_binary_addr(local);
		memset(addrs[n], 0, 16);
		if (rtnl_addr_get_family(a) == AF_INET && nl_addr_get_len(local) == 4) {
			addrs[n][10] = addrs[n][11] = 0xff;
			memcpy(addrs[n] + 12, b, 4);
			lens[n] = 96 + rtnl_addr_get_prefixlen(a);
		} else if (rtnl_addr_get_family(a) == AF_INET6 && nl_addr_get_len(local) == 16) {
			if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
				continue;
			memcpy(addrs[n], b, 16);
			lens[n] = rtnl_addr_get_prefixlen(a);
		} else {
			continue;
		}
		n++;
	}
	nl_cache_free(cache);
	return n;
}

/* ---- VIP routes (announcement) ---- */

static struct rtnl_route *vip_route(const struct netlink_vip_route *r, const __u8 dst[16])
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct nl_addr *a = nl_addr_of(dst);

	if (!route || !a) {
		rtnl_route_put(route);
		nl_addr_put(a);
		return NULL;
	}
	nl_addr_set_prefixlen(a, is_v4mapped(dst) ? 32 : 128);
	rtnl_route_set_family(route, nl_addr_get_family(a));
	rtnl_route_set_dst(route, a);
	nl_addr_put(a); /* the route holds its own reference */
	rtnl_route_set_table(route, r->table);
	rtnl_route_set_protocol(route, r->proto);
	rtnl_route_set_priority(route, r->metric);
	/* A blackhole needs no interface, and in the gateway's main table
	 * (zebra installs what it imports) it drops what the XDP program
	 * passes up for the VIP instead of routing it back to the router. */
	rtnl_route_set_type(route, RTN_BLACKHOLE);
	rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	return route;
}

int netlink_vip_add(struct netlink *nl, const struct netlink_vip_route *r, const __u8 dst[16])
{
	struct rtnl_route *route = vip_route(r, dst);
	int err;

	if (!route)
		return -ENOMEM;
	err = nl_errno(rtnl_route_add(nl->sk, route, NLM_F_CREATE | NLM_F_REPLACE));
	rtnl_route_put(route);
	return err;
}

int netlink_vip_del(struct netlink *nl, const struct netlink_vip_route *r, const __u8 dst[16])
{
	struct rtnl_route *route = vip_route(r, dst);
	int err;

	if (!route)
		return -ENOMEM;
	err = nl_errno(rtnl_route_delete(nl->sk, route, 0));
	rtnl_route_put(route);
	return err;
}

int netlink_vip_list(struct netlink *nl, const struct netlink_vip_route *r,
		     void (*fn)(const __u8 dst[16], void *ctx), void *ctx)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int err, n = 0;

	/* The dump covers every table (libnl asks for all of them). */
	err = nl_errno(rtnl_route_alloc_cache(nl->sk, AF_UNSPEC, 0, &cache));
	if (err)
		return err;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *route = (struct rtnl_route *)o;
		struct nl_addr *d = rtnl_route_get_dst(route);
		__u8 dst[16] = { 0 };
		unsigned int len;

		if (rtnl_route_get_table(route) != r->table ||
		    rtnl_route_get_protocol(route) != r->proto || !d)
			continue;
		len = nl_addr_get_len(d);
		if (nl_addr_get_prefixlen(d) != len * 8 || (len != 4 && len != 16))
			continue;
		if (len == 4) {
			dst[10] = dst[11] = 0xff;
			memcpy(dst + 12, nl_addr_get_binary_addr(d), 4);
		} else {
			memcpy(dst, nl_addr_get_binary_addr(d), 16);
		}
		fn(dst, ctx);
		n++;
	}
	nl_cache_free(cache);
	return n;
}

/* ---- EVPN: the kernel objects zebra reads, neighbour events ---- */

#define EVPN_BR "igb"
#define EVPN_VX "igv"
#define EVPN_PORT "igp"
#define EVPN_PEER "igq"

static void evpn_name(char name[IFNAMSIZ], const char *pfx, __u32 vni)
{
	snprintf(name, IFNAMSIZ, "%s%u", pfx, vni);
}

/* Send msg (freed) and wait for the kernel's answer. */
static int nl_do(struct netlink *nl, struct nl_msg *msg)
{
	int err = nl_send_sync(nl->sk, msg);

	return err < 0 ? nl_errno(err) : 0;
}

static struct nl_msg *nl_link_msg(int type, int flags, int family, int ifindex,
				  unsigned int ifflags, unsigned int change)
{
	struct ifinfomsg ifi = { .ifi_family = family,
				 .ifi_index = ifindex,
				 .ifi_flags = ifflags,
				 .ifi_change = change };
	struct nl_msg *msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | flags);

	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* No IPv6 address is generated (no link-local, so no MLD, RS or DAD). */
static int evpn_no_addrgen(struct netlink *nl, int ifindex)
{
	struct nl_msg *msg = nl_link_msg(RTM_SETLINK, 0, AF_UNSPEC, ifindex, 0, 0);
	struct nlattr *spec, *in6;

	if (!msg)
		return -ENOMEM;
	spec = nla_nest_start(msg, IFLA_AF_SPEC);
	in6 = spec ? nla_nest_start(msg, AF_INET6) : NULL;
	if (!in6 || nla_put_u8(msg, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, in6);
	nla_nest_end(msg, spec);
	return nl_do(nl, msg);
}

static int evpn_link_set(struct netlink *nl, int ifindex, int master, bool up)
{
	struct nl_msg *msg =
		nl_link_msg(RTM_SETLINK, 0, AF_UNSPEC, ifindex, up ? IFF_UP : 0, up ? IFF_UP : 0);

	if (!msg)
		return -ENOMEM;
	if (master && nla_put_u32(msg, IFLA_MASTER, (__u32)master)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return nl_do(nl, msg);
}

/* A bridge port that learns nothing; with off, it also forwards nothing,
 * either way (state disabled). The bridge resets a port's state when its
 * link comes back up: the agent asserts it again on each reconcile. */
static int evpn_port_set(struct netlink *nl, int ifindex, bool off)
{
	struct nl_msg *msg = nl_link_msg(RTM_SETLINK, 0, AF_BRIDGE, ifindex, 0, 0);
	struct nlattr *pi;

	if (!msg)
		return -ENOMEM;
	pi = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED);
	if (!pi || (off && nla_put_u8(msg, IFLA_BRPORT_STATE, BR_STATE_DISABLED)) ||
	    nla_put_u8(msg, IFLA_BRPORT_LEARNING, 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, pi);
	return nl_do(nl, msg);
}

/* net.ipv6.conf.<dev>.<key> = val (this namespace's, as the agent sees
 * /proc/sys/net). */
static int evpn_sysctl(const char *dev, const char *key, const char *val)
{
	char path[128];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", dev, key);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* A device that sends nothing of its own: no IPv6 (the ports), or for
 * the bridge, which holds IPv6 neighbours for zebra, IPv6 without an
 * address, not a router, MLDv1 (which reports no group it has). */
static int evpn_quiet(struct netlink *nl, const char *dev, bool bridge)
{
	int ifindex = (int)if_nametoindex(dev);

	if (!ifindex)
		return -ENODEV;
	if (!bridge)
		return evpn_sysctl(dev, "disable_ipv6", "1");
	return evpn_sysctl(dev, "force_mld_version", "1")  ?:
		       evpn_no_addrgen(nl, ifindex)	   ?:
		       evpn_sysctl(dev, "forwarding", "0") ?:
							     evpn_sysctl(dev, "accept_ra", "0");
}

/* Create a link of kind with its data (may be NULL); -EEXIST if it is. */
static int evpn_create(struct netlink *nl, const char *name, const char *kind, __u32 vni,
		       const __u8 *vtep, __u16 port)
{
	struct nl_msg *msg =
		nl_link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0, 0, 0);
	struct nlattr *li, *data;
	int err = 0;

	if (!msg)
		return -ENOMEM;
	err |= nla_put_string(msg, IFLA_IFNAME, name);
	li = nla_nest_start(msg, IFLA_LINKINFO);
	err |= !li || nla_put_string(msg, IFLA_INFO_KIND, kind);
	if (!err && !vtep) { /* the bridge: no multicast snooping (no MLD of its own) */
		data = nla_nest_start(msg, IFLA_INFO_DATA);
		err |= !data || nla_put_u8(msg, IFLA_BR_MCAST_SNOOPING, 0);
		if (data)
			nla_nest_end(msg, data);
	}
	if (!err && vtep) {
		data = nla_nest_start(msg, IFLA_INFO_DATA);
		err |= !data || nla_put_u32(msg, IFLA_VXLAN_ID, vni);
		if (is_v4mapped(vtep))
			err |= nla_put(msg, IFLA_VXLAN_LOCAL, 4, vtep + 12);
		else
			err |= nla_put(msg, IFLA_VXLAN_LOCAL6, 16, vtep);
		err |= nla_put_u8(msg, IFLA_VXLAN_LEARNING, 0);
		err |= nla_put_u16(msg, IFLA_VXLAN_PORT, htons(port));
		if (data)
			nla_nest_end(msg, data);
	}
	if (li)
		nla_nest_end(msg, li);
	if (err) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return nl_do(nl, msg);
}

/* The vxlan device igv<vni> as wanted: VNI, local address and port. */
static bool evpn_vx_ok(struct netlink *nl, int ifindex, __u32 vni, const __u8 *vtep, __u16 port)
{
	struct rtnl_link *link = NULL;
	struct nl_addr *local = NULL;
	__u32 id = 0, p = 0;
	bool ok;

	if (rtnl_link_get_kernel(nl->sk, ifindex, NULL, &link))
		return false;
	ok = rtnl_link_is_vxlan(link) && !rtnl_link_vxlan_get_id(link, &id) && id == vni &&
	     !rtnl_link_vxlan_get_port(link, &p) && p == port &&
	     !rtnl_link_vxlan_get_local(link, &local) && local;
	if (ok)
		ok = is_v4mapped(vtep) ?
			     nl_addr_get_len(local) == 4 &&
				     !memcmp(nl_addr_get_binary_addr(local), vtep + 12, 4) :
			     nl_addr_get_len(local) == 16 &&
				     !memcmp(nl_addr_get_binary_addr(local), vtep, 16);
	nl_addr_put(local);
	rtnl_link_put(link);
	return ok;
}

int netlink_evpn_vni_up(struct netlink *nl, __u32 vni, const __u8 vtep[16], __u16 port,
			struct netlink_evpn_ifs *out)
{
	char br[IFNAMSIZ], vx[IFNAMSIZ], pt[IFNAMSIZ], peer[IFNAMSIZ];
	int err = 0, peer_if;

	evpn_name(br, EVPN_BR, vni);
	evpn_name(vx, EVPN_VX, vni);
	evpn_name(pt, EVPN_PORT, vni);
	evpn_name(peer, EVPN_PEER, vni);
	memset(out, 0, sizeof(*out));
	out->vx = (int)if_nametoindex(vx);
	if (out->vx && !evpn_vx_ok(nl, out->vx, vni, vtep, port)) {
		/* Another VTEP or port (a changed configuration): made anew. */
		netlink_evpn_vni_down(nl, vni);
		out->vx = 0;
	}
	/* Each device is made quiet and a port learning nothing before it
	 * comes up. */
	if (!if_nametoindex(br))
		err = evpn_create(nl, br, "bridge", 0, NULL, 0) ?: evpn_quiet(nl, br, true);
	out->br = (int)if_nametoindex(br);
	if (!err && !out->vx) {
		err = evpn_create(nl, vx, "vxlan", vni, vtep, port) ?: evpn_quiet(nl, vx, false);
		out->vx = (int)if_nametoindex(vx);
		err = err ?: evpn_link_set(nl, out->vx, out->br, false);
	}
	if (!err && !if_nametoindex(pt)) {
		err = nl_errno(rtnl_link_veth_add(nl->sk, pt, peer, getpid()));
		err = err ?: evpn_quiet(nl, pt, false) ?: evpn_quiet(nl, peer, false);
		err = err ?: evpn_link_set(nl, (int)if_nametoindex(pt), out->br, false);
	}
	out->port = (int)if_nametoindex(pt);
	peer_if = (int)if_nametoindex(peer);
	if (!err && (!out->br || !out->vx || !out->port || !peer_if))
		err = -ENODEV;
	err = err ?: evpn_port_set(nl, out->vx, false) ?: evpn_port_set(nl, out->port, false);
	err = err ?: evpn_link_set(nl, out->br, 0, true);
	err = err ?: evpn_link_set(nl, out->vx, out->br, true);
	err = err ?: evpn_link_set(nl, out->port, out->br, true);
	err = err ?: evpn_link_set(nl, peer_if, 0, true);
	/* The vxlan port forwards nothing either way: a frame the kernel's
	 * vxlan socket decapsulated dies here, and the bridge never hands
	 * one to the vxlan device. The port veth stays forwarding: it gives
	 * the bridge its carrier, which zebra needs to install neighbours. */
	err = err ?: evpn_port_set(nl, out->vx, true);
	return err;
}

int netlink_evpn_leftovers(struct netlink *nl, bool (*keep)(__u32 vni, void *ctx), void *ctx)
{
	struct nl_cache *cache;
	int n = 0, err = nl_errno(rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &cache));

	if (err)
		return err;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(l), *type = rtnl_link_get_type(l), *kind;
		struct nl_msg *msg;
		unsigned long vni;
		__u32 id = 0;
		char *end;

		/* ig[bvpq]<vni> as evpn_name writes it: no sign, no leading 0. */
		if (!name || !type || strncmp(name, "ig", 2) || !name[2] ||
		    !strchr("bvpq", name[2]) || !isdigit((unsigned char)name[3]) ||
		    (name[3] == '0' && name[4]))
			continue;
		vni = strtoul(name + 3, &end, 10);
		if (*end || vni > 0xffffff)
			continue;
		kind = name[2] == 'b' ? "bridge" : name[2] == 'v' ? "vxlan" : "veth";
		if (strcmp(type, kind) ||
		    (name[2] == 'v' && (rtnl_link_vxlan_get_id(l, &id) || id != vni)) ||
		    keep((__u32)vni, ctx))
			continue;
		/* A veth's peer goes with it: its own delete then fails. */
		msg = nl_link_msg(RTM_DELLINK, 0, AF_UNSPEC, rtnl_link_get_ifindex(l), 0, 0);
		if (msg && !nl_do(nl, msg)) {
			log_info("evpn: removed %s, left by a previous run for VNI %lu, no longer "
				 "served",
				 name, vni);
			n++;
		}
	}
	nl_cache_free(cache);
	return n;
}

void netlink_evpn_vni_down(struct netlink *nl, __u32 vni)
{
	static const char *const pfx[] = { EVPN_VX, EVPN_PORT, EVPN_BR };
	char name[IFNAMSIZ];

	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		struct nl_msg *msg;
		int ifindex;

		evpn_name(name, pfx[i], vni);
		ifindex = (int)if_nametoindex(name);
		msg = ifindex ? nl_link_msg(RTM_DELLINK, 0, AF_UNSPEC, ifindex, 0, 0) : NULL;
		if (msg)
			nl_do(nl, msg);
	}
}

static int nl_neigh_msg(struct netlink *nl, bool del, int family, int ifindex, __u16 state,
			__u8 flags, const __u8 *dst, const __u8 *mac)
{
	struct ndmsg nd = {
		.ndm_family = family, .ndm_ifindex = ifindex, .ndm_state = state, .ndm_flags = flags
	};
	struct nl_msg *msg =
		nlmsg_alloc_simple(del ? RTM_DELNEIGH : RTM_NEWNEIGH,
				   NLM_F_REQUEST | (del ? 0 : NLM_F_CREATE | NLM_F_REPLACE));
	int err;

	if (!msg)
		return -ENOMEM;
	err = nlmsg_append(msg, &nd, sizeof(nd), NLMSG_ALIGNTO);
	if (!err && dst)
		err = is_v4mapped(dst) ? nla_put(msg, NDA_DST, 4, dst + 12) :
					 nla_put(msg, NDA_DST, 16, dst);
	if (!err && mac)
		err = nla_put(msg, NDA_LLADDR, 6, mac);
	if (err) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	err = nl_do(nl, msg);
	return del && err == -ENOENT ? 0 : err;
}

int netlink_evpn_fdb(struct netlink *nl, int port, const __u8 mac[6], bool del)
{
	return nl_neigh_msg(nl, del, AF_BRIDGE, port, NUD_NOARP, NTF_MASTER, NULL, mac);
}

int netlink_evpn_neigh(struct netlink *nl, int br, const __u8 addr[16], const __u8 mac[6], bool del)
{
	return nl_neigh_msg(nl, del, is_v4mapped(addr) ? AF_INET : AF_INET6, br, NUD_PERMANENT, 0,
			    addr, del ? NULL : mac);
}

int netlink_neigh_parse(const void *buf, size_t len, struct netlink_neigh *out)
{
	const struct nlmsghdr *h = buf;
	const struct ndmsg *nd;
	const struct rtattr *a;
	int left;

	memset(out, 0, sizeof(*out));
	if (len < NLMSG_HDRLEN || h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len)
		return -EINVAL;
	if (h->nlmsg_type != RTM_NEWNEIGH && h->nlmsg_type != RTM_DELNEIGH)
		return -ENOENT;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)))
		return -EINVAL;
	nd = NLMSG_DATA(h);
	out->del = h->nlmsg_type == RTM_DELNEIGH;
	out->family = nd->ndm_family;
	out->ifindex = nd->ndm_ifindex;
	out->state = nd->ndm_state;
	out->flags = nd->ndm_flags;
	if (out->family != AF_BRIDGE && out->family != AF_INET && out->family != AF_INET6)
		return -EINVAL;
	if (h->nlmsg_len < NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*nd))))
		return -EINVAL;
	a = (const struct rtattr *)((const char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	/* Signed: RTA_NEXT subtracts the aligned length, which may pass the
	 * end of a short last attribute (found by tests/fuzz/fuzz_neigh). */
	left = (int)(h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*nd))));
	for (; RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		size_t n = RTA_PAYLOAD(a);
		const __u8 *p = RTA_DATA(a);

		switch (a->rta_type & NLA_TYPE_MASK) {
		case NDA_LLADDR:
			if (n != 6)
				return -EINVAL;
			memcpy(out->mac, p, 6);
			out->has_mac = true;
			break;
		case NDA_DST:
			if (n == 4) {
				memset(out->dst, 0, 10);
				out->dst[10] = out->dst[11] = 0xff;
				memcpy(out->dst + 12, p, 4);
			} else if (n == 16) {
				memcpy(out->dst, p, 16);
			} else {
				return -EINVAL;
			}
			out->has_dst = true;
			break;
		}
	}
	return 0;
}

static int neigh_dump_msg(struct nl_msg *msg, void *arg)
{
	struct netlink *nl = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct netlink_neigh n;

	if (!netlink_neigh_parse(h, h->nlmsg_len, &n))
		nl->neigh_cb(&n, nl->neigh_ctx);
	return NL_OK;
}

/* What the tables hold now, through the callback. */
static int neigh_dump(struct netlink *nl, int family)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk)
		return -ENOMEM;
	err = nl_errno(nl_connect(sk, NETLINK_ROUTE));
	if (!err) {
		nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, neigh_dump_msg, nl);
		err = nl_errno(nl_rtgen_request(sk, RTM_GETNEIGH, family, NLM_F_DUMP));
		err = err ?: nl_errno(nl_recvmsgs_default(sk));
	}
	nl_socket_free(sk);
	return err;
}

int netlink_neigh_dump(struct netlink *nl)
{
	if (!nl->neigh_cb)
		return -EINVAL;
	return neigh_dump(nl, AF_BRIDGE) ?: neigh_dump(nl, AF_UNSPEC);
}

bool netlink_neigh_lost(struct netlink *nl)
{
	bool lost = nl->lost;

	nl->lost = false;
	return lost;
}

int netlink_neigh_watch(struct netlink *nl, netlink_neigh_cb cb, void *ctx)
{
	int fd = netlink_link_watch(nl), err;

	if (fd < 0)
		return fd;
	nl->neigh_cb = cb;
	nl->neigh_ctx = ctx;
	/* Subscribed before the dump: nothing falls between the two. */
	err = nl_errno(nl_socket_add_membership(nl->ev, RTNLGRP_NEIGH));
	err = err ?: neigh_dump(nl, AF_BRIDGE);
	err = err ?: neigh_dump(nl, AF_UNSPEC);
	return err;
}
