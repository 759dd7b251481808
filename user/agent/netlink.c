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
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "user/agent/netlink.h"
#include "user/lib/log.h"

struct netlink {
	struct nl_sock *sk;
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
