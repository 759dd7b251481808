// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libnl route and neighbour lookups for the backends' underlay next hops.
 * Caches are refilled per lookup: the agent asks once per backend per tick,
 * which also follows link and neighbour changes without a cache manager. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "user/agent/netlink.h"
#include "user/lib/log.h"

struct netlink {
	struct nl_sock *sk;
	struct nl_sock *ev; /* link events, once netlink_link_watch ran */
	int nev; /* link messages seen by the drain in progress */
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
	int type = nlmsg_hdr(msg)->nlmsg_type;

	nl->nev += type == RTM_NEWLINK || type == RTM_DELLINK;
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
	int err;

	if (!nl->ev)
		return 0;
	nl->nev = 0;
	do {
		err = nl_recvmsgs_default(nl->ev);
	} while (err >= 0);
	/* An overrun lost events: report one, so the caller looks again. */
	if (err == -NLE_NOMEM || err == -NLE_DUMP_INTR)
		nl->nev++;
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
