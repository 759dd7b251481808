// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* conn_classify(): what an ig_conns entry is for the agent's sweep. The
 * table keeps each entry's state in its flags (maps/conn.h): half-open
 * until the handshake's ACK, established, closed once a FIN or RST was
 * seen. A SYN from a spoofed source never completes; with no deadline for
 * it, a spoofed flood put a backend's in-flight count at the table's size
 * (131072 per backend of two, capacity 10). The deadlines are the ones the
 * datapath replaces entries at (CV_EXPIRED in bpf/lib/conn.bpf.h), so the
 * sweep frees what the datapath would. */
#include <netinet/in.h>

#include "user/agent/conncount.h"

enum conn_class conn_classify(const struct ig_config *c, const struct ig_conn_key *k,
			      const struct ig_conn *v, __u64 now)
{
	__u64 idle = now > v->last_ns ? now - v->last_ns : 0, limit;

	if (v->flags & IG_CONN_F_CLOSING) {
		limit = c->linger_ns ? c->linger_ns : IG_CONN_LINGER_DEFAULT_NS;
		return idle > limit ? CONN_IDLE : CONN_CLOSING;
	}
	if (!(v->flags & IG_CONN_F_EST)) {
		limit = c->syn_timeout_ns ? c->syn_timeout_ns : IG_SYN_TIMEOUT_DEFAULT_NS;
		return idle > limit ? CONN_IDLE : CONN_EMBRYONIC;
	}
	limit = k->proto == IPPROTO_UDP ?
			(c->udp_idle_ns ? c->udp_idle_ns : IG_UDP_IDLE_DEFAULT_NS) :
			c->tcp_idle_ns;
	return limit && idle > limit ? CONN_IDLE : CONN_OPEN;
}
