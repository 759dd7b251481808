// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The sync wire format: encode, and parse untrusted datagrams with every
 * field checked (syncwire.h). Fixed sizes: a datagram is exactly a header
 * and count records, or it is refused whole. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "user/agent/syncwire.h"

static const char *const sync_reject_names[] = { "?",
#define SYNC_REJ_STR_(n, s) s,
						 SYNC_REJECTS(SYNC_REJ_STR_)
#undef SYNC_REJ_STR_
};

const char *sync_reject_str(unsigned int r)
{
	return r < SYNC_REJ__MAX ? sync_reject_names[r] : "?";
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void put64(__u8 *p, __u64 v)
{
	put32(p, v >> 32);
	put32(p + 4, v);
}

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 get32(const __u8 *p)
{
	return (__u32)get16(p) << 16 | get16(p + 2);
}

static __u64 get64(const __u8 *p)
{
	return (__u64)get32(p) << 32 | get32(p + 4);
}

/* header: magic 4, version 1, type 1, count 2, epoch 8, seq 8, sent 8 */
void sync_hdr_put(void *buf, const struct sync_hdr *h)
{
	__u8 *p = buf;

	put32(p, SYNC_MAGIC);
	p[4] = SYNC_VERSION;
	p[5] = SYNC_TYPE_ENTRIES;
	put16(p + 6, h->count);
	put64(p + 8, h->epoch);
	put64(p + 16, h->seq);
	put64(p + 24, h->sent_ns);
}

/* record: op 1, flags 1, prio 1, proto 1, tenant 4, saddr 16, daddr 16,
 * sport 2, dport 2, service 4, backend 4, age 4 */
void sync_rec_put(void *buf, const struct sync_rec *r)
{
	__u8 *p = buf;

	p[0] = r->op;
	p[1] = r->flags;
	p[2] = r->prio;
	p[3] = r->key.proto;
	put32(p + 4, r->key.tenant);
	memcpy(p + 8, r->key.saddr, IG_ADDR_LEN);
	memcpy(p + 24, r->key.daddr, IG_ADDR_LEN);
	memcpy(p + 40, &r->key.sport, 2); /* already network order */
	memcpy(p + 42, &r->key.dport, 2);
	put32(p + 44, r->service);
	put32(p + 48, r->backend);
	put32(p + 52, r->age_us);
}

int sync_hdr_parse(const void *buf, size_t len, struct sync_hdr *h)
{
	const __u8 *p = buf;

	if (len < SYNC_HDR_LEN)
		return -SYNC_REJ_SHORT;
	if (get32(p) != SYNC_MAGIC)
		return -SYNC_REJ_MAGIC;
	if (p[4] != SYNC_VERSION)
		return -SYNC_REJ_VERSION;
	if (p[5] != SYNC_TYPE_ENTRIES)
		return -SYNC_REJ_TYPE;
	h->count = get16(p + 6);
	if (!h->count || h->count > SYNC_BATCH_MAX ||
	    len != SYNC_HDR_LEN + (size_t)h->count * SYNC_REC_LEN)
		return -SYNC_REJ_LENGTH;
	h->epoch = get64(p + 8);
	h->seq = get64(p + 16);
	h->sent_ns = get64(p + 24);
	return 0;
}

static int sync_rec_check(const struct sync_known *k, const struct sync_rec *r)
{
	if (!r->service || r->service >= IG_SERVICE_MAX || !k->svc[r->service].present ||
	    memcmp(k->svc[r->service].vip, r->key.daddr, IG_ADDR_LEN) ||
	    k->svc[r->service].port != r->key.dport || k->svc[r->service].proto != r->key.proto)
		return -SYNC_REJ_SERVICE;
	if (k->svc[r->service].tenant != r->key.tenant)
		return -SYNC_REJ_TENANT;
	if (!r->backend || r->backend >= IG_BACKEND_MAX ||
	    k->svc_of_backend[r->backend] != r->service)
		return -SYNC_REJ_BACKEND;
	return 0;
}

int sync_rec_parse(const void *buf, unsigned int i, const struct sync_known *known,
		   struct sync_rec *r)
{
	const __u8 *p = (const __u8 *)buf + SYNC_HDR_LEN + (size_t)i * SYNC_REC_LEN;

	memset(r, 0, sizeof(*r));
	r->op = p[0];
	r->flags = p[1];
	r->prio = p[2];
	r->key.proto = p[3];
	r->key.tenant = get32(p + 4);
	memcpy(r->key.saddr, p + 8, IG_ADDR_LEN);
	memcpy(r->key.daddr, p + 24, IG_ADDR_LEN);
	memcpy(&r->key.sport, p + 40, 2);
	memcpy(&r->key.dport, p + 42, 2);
	r->service = get32(p + 44);
	r->backend = get32(p + 48);
	r->age_us = get32(p + 52);
	if (!r->op || r->op >= SYNC_OP__MAX)
		return -SYNC_REJ_OP;
	if (r->key.proto != IPPROTO_TCP && r->key.proto != IPPROTO_UDP)
		return -SYNC_REJ_PROTO;
	if (r->flags & ~SYNC_WF__ALL || (r->flags == SYNC_WF_CONFIRMED) || r->prio >= IG_PRIO__MAX)
		return -SYNC_REJ_FLAGS;
	if (!r->key.tenant || r->key.tenant >= IG_TENANT_MAX)
		return -SYNC_REJ_TENANT;
	return known ? sync_rec_check(known, r) : 0;
}

__u64 sync_seq_note(struct sync_seq *s, const struct sync_hdr *h, __u64 *restarts, __u64 *late)
{
	__u64 lost = 0;

	if (!s->started || s->epoch != h->epoch) {
		if (s->started)
			(*restarts)++;
		s->started = true;
		s->epoch = h->epoch;
	} else if (h->seq < s->next) {
		(*late)++;
		return 0; /* its records are applied; the expected number stays */
	} else {
		lost = h->seq - s->next;
	}
	s->next = h->seq + h->count;
	return lost;
}
