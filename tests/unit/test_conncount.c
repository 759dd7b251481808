// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of conn_classify() (user/agent/conncount.c): which ig_conns
 * entries the sweep counts as in-flight. A spoofed SYN flood's entries (a
 * SYN, then nothing) stop counting after CONN_EMBRYONIC_NS. */
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "user/agent/conncount.h"

#define S 1000000000ULL

Test(conncount, classes)
{
	struct ig_config c = { .tcp_idle_ns = 600 * S };
	struct ig_conn_key tcp = { .proto = IPPROTO_TCP }, udp = { .proto = IPPROTO_UDP };
	struct ig_conn syn = { .first_ns = 100 * S, .last_ns = 100 * S, .backend = 1 };
	struct ig_conn est = { .first_ns = 100 * S, .last_ns = 100 * S + 1000, .backend = 1 };
	struct ig_conn fin = est;

	fin.flags = IG_CONN_F_CLOSING;
	/* A handshake in progress counts; one that never completed does not. */
	cr_expect_eq(conn_classify(&c, &tcp, &syn, 105 * S), CONN_OPEN);
	cr_expect_eq(conn_classify(&c, &tcp, &syn, 100 * S + CONN_EMBRYONIC_NS + 1),
		     CONN_EMBRYONIC);
	/* An established connection counts however long it is quiet, up to tcp_idle. */
	cr_expect_eq(conn_classify(&c, &tcp, &est, 400 * S), CONN_OPEN);
	cr_expect_eq(conn_classify(&c, &tcp, &est, 701 * S), CONN_IDLE);
	cr_expect_eq(conn_classify(&c, &tcp, &fin, 200 * S), CONN_CLOSING);
	/* UDP: one packet is a flow; its idle default applies. */
	cr_expect_eq(conn_classify(&c, &udp, &syn, 120 * S), CONN_OPEN);
	cr_expect_eq(conn_classify(&c, &udp, &syn, 100 * S + IG_UDP_IDLE_DEFAULT_NS + 1),
		     CONN_IDLE);
	/* tcp_idle 0: never idle, but still not in flight when embryonic. */
	c.tcp_idle_ns = 0;
	cr_expect_eq(conn_classify(&c, &tcp, &est, 100000 * S), CONN_OPEN);
	cr_expect_eq(conn_classify(&c, &tcp, &syn, 100000 * S), CONN_EMBRYONIC);
	/* An entry stamped after the sweep read the clock. */
	cr_expect_eq(conn_classify(&c, &tcp, &syn, 99 * S), CONN_OPEN);
}
