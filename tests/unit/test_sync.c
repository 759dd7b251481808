// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the connection-state sync wire format (user/agent/
 * syncwire.c): exact bytes of a datagram, a round trip, every reject of a
 * datagram (short, magic, version, type, length) and of a record (op,
 * protocol, flags, tenant, service, backend), and the sequence bookkeeping
 * (gaps counted as lost records, a restart, a late datagram); and the
 * configuration's sync: section. */
#include <string.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "user/agent/conf.h"
#include "user/agent/syncwire.h"
#include "user/lib/addr.h"

static struct sync_known known;

static void known_init(void)
{
	memset(&known, 0, sizeof(known));
	addr_parse("198.19.0.10", known.svc[1].vip);
	known.svc[1].port = htons(80);
	known.svc[1].proto = IPPROTO_TCP;
	known.svc[1].tenant = 1;
	known.svc[1].present = true;
	known.svc_of_backend[7] = 1;
	known.svc_of_backend[8] = 2; /* another service's */
}

static struct sync_rec rec(void)
{
	struct sync_rec r = { .op = SYNC_OP_PUT,
			      .flags = SYNC_WF_EST,
			      .prio = 1,
			      .service = 1,
			      .backend = 7,
			      .age_us = 250 };

	addr_parse("198.18.0.2", r.key.saddr);
	addr_parse("198.19.0.10", r.key.daddr);
	r.key.sport = htons(40000);
	r.key.dport = htons(80);
	r.key.proto = IPPROTO_TCP;
	r.key.tenant = 1;
	return r;
}

/* A datagram of n copies of r. */
static size_t dgram(__u8 *buf, const struct sync_rec *r, unsigned int n)
{
	struct sync_hdr h = { .epoch = 0x1122334455667788ULL, .seq = 41, .sent_ns = 5, .count = n };

	sync_hdr_put(buf, &h);
	for (unsigned int i = 0; i < n; i++)
		sync_rec_put(buf + SYNC_HDR_LEN + i * SYNC_REC_LEN, r);
	return SYNC_HDR_LEN + n * SYNC_REC_LEN;
}

Test(sync_wire, exact_bytes)
{
	static const __u8 hdr[SYNC_HDR_LEN] = {
		'I', 'G', 'S', 'Y', 1, 1, 0, 1,	 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0,   0,	  0,   0,   0, 0, 0, 41, 0,    0,    0,	   0,	 0,    0,    0,	   5,
	};
	static const __u8 head[8] = { SYNC_OP_PUT, SYNC_WF_EST, 1, IPPROTO_TCP, 0, 0, 0, 1 };
	static const __u8 tail[16] = { 0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 250 };
	struct sync_rec r = rec();
	__u8 buf[SYNC_HDR_LEN + SYNC_REC_LEN];

	cr_assert_eq(dgram(buf, &r, 1), sizeof(buf));
	cr_expect_arr_eq(buf, hdr, sizeof(hdr));
	cr_expect_arr_eq(buf + SYNC_HDR_LEN, head, sizeof(head));
	cr_expect_arr_eq(buf + SYNC_HDR_LEN + 8, r.key.saddr, 16);
	cr_expect_arr_eq(buf + SYNC_HDR_LEN + 24, r.key.daddr, 16);
	cr_expect_arr_eq(buf + SYNC_HDR_LEN + 40, tail, sizeof(tail));
}

Test(sync_wire, round_trip)
{
	struct sync_rec r = rec(), got;
	__u8 buf[SYNC_HDR_LEN + 3 * SYNC_REC_LEN];
	struct sync_hdr h;

	known_init();
	cr_assert_eq(sync_hdr_parse(buf, dgram(buf, &r, 3), &h), 0);
	cr_expect_eq(h.count, 3);
	cr_expect_eq(h.seq, 41);
	cr_expect_eq(h.epoch, 0x1122334455667788ULL);
	cr_expect_eq(h.sent_ns, 5);
	for (unsigned int i = 0; i < 3; i++) {
		cr_assert_eq(sync_rec_parse(buf, i, &known, &got), 0);
		cr_expect_eq(memcmp(&got, &r, sizeof(r)), 0);
	}
}

Test(sync_wire, datagram_rejects)
{
	struct sync_rec r = rec();
	__u8 buf[SYNC_HDR_LEN + 2 * SYNC_REC_LEN + 1];
	size_t len = dgram(buf, &r, 2);
	struct sync_hdr h;

	cr_expect_eq(sync_hdr_parse(buf, 0, &h), -SYNC_REJ_SHORT);
	cr_expect_eq(sync_hdr_parse(buf, SYNC_HDR_LEN - 1, &h), -SYNC_REJ_SHORT);
	cr_expect_eq(sync_hdr_parse(buf, len - 1, &h), -SYNC_REJ_LENGTH);
	cr_expect_eq(sync_hdr_parse(buf, len + 1, &h), -SYNC_REJ_LENGTH);
	cr_expect_eq(sync_hdr_parse(buf, SYNC_HDR_LEN, &h), -SYNC_REJ_LENGTH);
	buf[4] = 2;
	cr_expect_eq(sync_hdr_parse(buf, len, &h), -SYNC_REJ_VERSION);
	buf[4] = SYNC_VERSION;
	buf[5] = 9;
	cr_expect_eq(sync_hdr_parse(buf, len, &h), -SYNC_REJ_TYPE);
	buf[5] = SYNC_TYPE_ENTRIES;
	buf[0] = 'X';
	cr_expect_eq(sync_hdr_parse(buf, len, &h), -SYNC_REJ_MAGIC);
	buf[0] = 'I';
	buf[6] = 0; /* count 0 */
	buf[7] = 0;
	cr_expect_eq(sync_hdr_parse(buf, SYNC_HDR_LEN, &h), -SYNC_REJ_LENGTH);
	buf[7] = 2;
	cr_expect_eq(sync_hdr_parse(buf, len, &h), 0);
}

/* Record i of a one-record datagram of r. */
static int parse_one(const struct sync_rec *r)
{
	__u8 buf[SYNC_HDR_LEN + SYNC_REC_LEN];
	struct sync_rec got;

	dgram(buf, r, 1);
	return sync_rec_parse(buf, 0, &known, &got);
}

Test(sync_wire, record_rejects)
{
	struct sync_rec r;

	known_init();
#define BAD(field, value, want)                                            \
	do {                                                               \
		r = rec();                                                 \
		field = value;                                             \
		cr_expect_eq(parse_one(&r), -(want), #field " = " #value); \
	} while (0)
	BAD(r.op, 0, SYNC_REJ_OP);
	BAD(r.op, SYNC_OP__MAX, SYNC_REJ_OP);
	BAD(r.key.proto, IPPROTO_ICMP, SYNC_REJ_PROTO);
	BAD(r.flags, 1 << 5, SYNC_REJ_FLAGS);
	BAD(r.flags, SYNC_WF_CONFIRMED, SYNC_REJ_FLAGS); /* confirmed but not established */
	BAD(r.prio, IG_PRIO__MAX, SYNC_REJ_FLAGS);
	BAD(r.key.tenant, 0, SYNC_REJ_TENANT);
	BAD(r.key.tenant, IG_TENANT_MAX, SYNC_REJ_TENANT);
	BAD(r.key.tenant, 2, SYNC_REJ_TENANT); /* not the service's tenant */
	BAD(r.service, 0, SYNC_REJ_SERVICE);
	BAD(r.service, 2, SYNC_REJ_SERVICE); /* unknown here */
	BAD(r.service, 0xffffffff, SYNC_REJ_SERVICE);
	BAD(r.key.dport, htons(81), SYNC_REJ_SERVICE); /* not the service's VIP:port */
	BAD(r.key.daddr[15], 11, SYNC_REJ_SERVICE);
	BAD(r.backend, 0, SYNC_REJ_BACKEND);
	BAD(r.backend, 9, SYNC_REJ_BACKEND); /* unknown */
	BAD(r.backend, 8, SYNC_REJ_BACKEND); /* another service's */
	BAD(r.backend, IG_BACKEND_MAX, SYNC_REJ_BACKEND);
#undef BAD
	r = rec();
	cr_expect_eq(parse_one(&r), 0);
	cr_expect_str_eq(sync_reject_str(SYNC_REJ_BACKEND), "unknown-backend");
	cr_expect_str_eq(sync_reject_str(SYNC_REJ_SHORT), "short");
	cr_expect_str_eq(sync_reject_str(SYNC_REJ__MAX), "?");
	cr_expect_lt(-SYNC_REJ_SHORT, 0, "every reject is an error");
}

Test(sync_wire, sequence_gaps)
{
	struct sync_seq s = {};
	struct sync_hdr h = { .epoch = 7, .seq = 100, .count = 10 };
	__u64 restarts = 0, late = 0;

	cr_expect_eq(sync_seq_note(&s, &h, &restarts, &late), 0, "the first one sets the start");
	h.seq = 110;
	cr_expect_eq(sync_seq_note(&s, &h, &restarts, &late), 0);
	h.seq = 125; /* 120..124 lost */
	cr_expect_eq(sync_seq_note(&s, &h, &restarts, &late), 5);
	h.seq = 120; /* a late one: not a gap, not lost twice */
	cr_expect_eq(sync_seq_note(&s, &h, &restarts, &late), 0);
	cr_expect_eq(late, 1);
	h.seq = 135;
	cr_expect_eq(sync_seq_note(&s, &h, &restarts, &late), 0);
	h.epoch = 8; /* the peer restarted: its sequence starts anew */
	h.seq = 0;
	cr_expect_eq(sync_seq_note(&s, &h, &restarts, &late), 0);
	cr_expect_eq(restarts, 1);
	h.seq = 10;
	cr_expect_eq(sync_seq_note(&s, &h, &restarts, &late), 0);
}

static int load(const char *yaml, struct ig_cfg *cfg, struct config_error *err)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "interfaces:\n  - {name: g0, role: gateway}\n"
		 "gateway:\n  vtep: 198.18.20.1\n"
		 "tenants:\n  - {name: a, id: 1, vni: 100}\n"
		 "services:\n  - {name: chat, id: 1, vip: 198.19.0.10, port: 80, tenant: a,\n"
		 "     backends: [{name: h1, id: 1, vtep: 198.18.20.11, capacity: 10}]}\n%s",
		 yaml);
	return config_load_mem("t.yaml", text, strlen(text), cfg, err);
}

Test(sync_config, defaults_and_errors)
{
	struct config_error err;
	struct ig_cfg cfg;

	cr_assert_eq(load("", &cfg, &err), 0, "%s", err.text);
	cr_expect(!cfg.sync.enabled);
	config_free(&cfg);
	cr_assert_eq(load("sync:\n  listen: 198.18.20.1:7946\n  peers: [198.18.20.2:7946, "
			  "198.18.20.3:7946]\n",
			  &cfg, &err),
		     0, "%s", err.text);
	cr_expect(cfg.sync.enabled);
	cr_expect_eq(cfg.sync.n_peers, 2);
	cr_expect_eq(cfg.sync.peers[1].port, 7946);
	cr_expect_eq(cfg.sync.batch, 24);
	cr_expect_eq(cfg.sync.queue, 65536);
	cr_expect_eq(cfg.sync.refresh_ns, 10000000000ULL);
	config_free(&cfg);
	cr_expect_neq(load("sync:\n  listen: 198.18.20.1:7946\n  peers: []\n", &cfg, &err), 0);
	cr_expect_neq(load("sync:\n  peers: [198.18.20.2:7946]\n", &cfg, &err), 0);
	cr_expect(strstr(err.text, "listen"), "%s", err.text);
	cr_expect_neq(load("sync:\n  listen: 198.18.20.1:7946\n  peers: [198.18.20.1:7946]\n", &cfg,
			   &err),
		      0);
	cr_expect(strstr(err.text, "own listen"), "%s", err.text);
	cr_expect_neq(load("sync:\n  listen: 198.18.20.1:7946\n  peers: [198.18.20.2:7946, "
			   "198.18.20.2:7946]\n",
			   &cfg, &err),
		      0);
	cr_expect(strstr(err.text, "already listed"), "%s", err.text);
	cr_expect_neq(load("sync:\n  listen: 198.18.20.1:7946\n  peers: ['[2001:db8::2]:7946']\n",
			   &cfg, &err),
		      0);
	cr_expect(strstr(err.text, "family"), "%s", err.text);
	cr_expect_neq(
		load("sync:\n  listen: 198.18.20.1:7946\n  peers: [198.18.20.2]\n", &cfg, &err), 0);
	cr_expect(strstr(err.text, "t.yaml:"), "%s", err.text);
	cr_expect_neq(load("sync:\n  listen: 198.18.20.1:7946\n  peers: [198.18.20.2:7946]\n"
			   "  batch: 1025\n",
			   &cfg, &err),
		      0);
	cr_expect(strstr(err.text, "batch"), "%s", err.text);
}
