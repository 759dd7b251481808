// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: the neighbour and FDB message parser the EVPN mirror
 * reads zebra's entries through (netlink_neigh_parse, user/agent/netlink.c),
 * on any bytes: its attributes carry what BGP peers announced. A parsed
 * entry must name a family it knows and addresses of the right size. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "user/agent/netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netlink_neigh n;
	uint8_t copy[65536];

	if (size > sizeof(copy))
		return 0;
	memcpy(copy, data, size); /* aligned, as the kernel's messages are */
	if (netlink_neigh_parse(copy, size, &n))
		return 0;
	if (n.family != AF_BRIDGE && n.family != AF_INET && n.family != AF_INET6)
		__builtin_trap();
	return n.mac[0] + n.dst[15] >= 0 ? 0 : -1;
}
