// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of conn_classify() (user/agent/conncount.c): what the sweep
 * takes an ig_conns entry for, from the state the table keeps in its flags
 * and the deadlines the datapath replaces entries at. A spoofed SYN's entry
 * (half-open) goes at its SYN timeout. */
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "user/agent/conncount.h"

#define S 1000000000ULL

Test(conncount, classes)
{
	struct ig_config c = { .tcp_idle_ns = 600 * S,
			       .syn_timeout_ns = 3 * S,
			       .linger_ns = 2 * S };
	struct ig_conn_key tcp = { .proto = IPPROTO_TCP }, udp = { .proto = IPPROTO_UDP };
	struct ig_conn syn = { .first_ns = 100 * S, .last_ns = 100 * S, .backend = 1 };
	struct ig_conn est = {
		.first_ns = 100 * S, .last_ns = 100 * S, .backend = 1, .flags = IG_CONN_F_EST
	};
	struct ig_conn fin = est;

	fin.flags |= IG_CONN_F_CLOSING;
	/* Half-open, until the SYN timeout. */
	cr_expect_eq(conn_classify(&c, &tcp, &syn, 102 * S), CONN_EMBRYONIC);
	cr_expect_eq(conn_classify(&c, &tcp, &syn, 103 * S + 1), CONN_IDLE);
	/* Established, however long it is quiet, up to tcp_idle. */
	cr_expect_eq(conn_classify(&c, &tcp, &est, 400 * S), CONN_OPEN);
	cr_expect_eq(conn_classify(&c, &tcp, &est, 700 * S + 1), CONN_IDLE);
	/* Closed: released already; removed after the linger. */
	cr_expect_eq(conn_classify(&c, &tcp, &fin, 101 * S), CONN_CLOSING);
	cr_expect_eq(conn_classify(&c, &tcp, &fin, 102 * S + 1), CONN_IDLE);
	/* UDP: established at its first packet; its idle default applies. */
	cr_expect_eq(conn_classify(&c, &udp, &est, 120 * S), CONN_OPEN);
	cr_expect_eq(conn_classify(&c, &udp, &est, 100 * S + IG_UDP_IDLE_DEFAULT_NS + 1),
		     CONN_IDLE);
	/* tcp_idle 0: an established connection never idles out. */
	c.tcp_idle_ns = 0;
	cr_expect_eq(conn_classify(&c, &tcp, &est, 100000 * S), CONN_OPEN);
	/* Unset timeouts: the datapath's defaults. */
	c.syn_timeout_ns = c.linger_ns = 0;
	cr_expect_eq(conn_classify(&c, &tcp, &syn, 100 * S + IG_SYN_TIMEOUT_DEFAULT_NS),
		     CONN_EMBRYONIC);
	cr_expect_eq(conn_classify(&c, &tcp, &syn, 100 * S + IG_SYN_TIMEOUT_DEFAULT_NS + 1),
		     CONN_IDLE);
	/* An entry stamped after the sweep read the clock. */
	cr_expect_eq(conn_classify(&c, &tcp, &syn, 99 * S), CONN_EMBRYONIC);
}
