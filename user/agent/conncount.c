// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* conn_classify(): which entries of ig_conns are connections. The datapath
 * counts a backend's in-flight connections on each SYN it inserts; entries
 * made by SYNs from spoofed sources never see a second packet, so counting
 * every entry that has no FIN put the count at the table's size (131072 per
 * backend of two, capacity 10). A handshake that completes usually moves
 * last_ns past first_ns with the client's ACK or its request; see
 * CONN_EMBRYONIC_NS for when it does not, and why such entries stay. */
#include <netinet/in.h>

#include "user/agent/conncount.h"

enum conn_class conn_classify(const struct ig_config *c, const struct ig_conn_key *k,
			      const struct ig_conn *v, __u64 now)
{
	__u64 idle = k->proto == IPPROTO_UDP ?
			     (c->udp_idle_ns ? c->udp_idle_ns : IG_UDP_IDLE_DEFAULT_NS) :
			     c->tcp_idle_ns;

	if (idle && now > v->last_ns && now - v->last_ns > idle)
		return CONN_IDLE;
	if (k->proto == IPPROTO_TCP && v->last_ns == v->first_ns && now > v->first_ns &&
	    now - v->first_ns > CONN_EMBRYONIC_NS)
		return CONN_EMBRYONIC;
	if (v->flags & IG_CONN_F_CLOSING)
		return CONN_CLOSING;
	return CONN_OPEN;
}
