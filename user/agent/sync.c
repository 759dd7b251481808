// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Connection-state sync between gateways (sync.h, docs/scale-out.md): the
 * ring, the bounded send queue, the UDP socket on the underlay, and the
 * peers' records applied to ig_conns through dp.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "user/agent/sync.h"
#include "user/lib/addr.h"
#include "user/lib/log.h"

#define SYNC_SOCKBUF (4 * 1024 * 1024)

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static socklen_t sync_sockaddr(const struct config_listen *l, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (l->addr.family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(l->port);
		memcpy(&s4->sin_addr, l->addr.addr + 12, 4);
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(l->port);
	memcpy(&s6->sin6_addr, l->addr.addr, 16);
	return sizeof(*s6);
}

/* The peer a datagram came from, by address (its port is its own
 * business: it sends from its listen port, but NAT-free underlays only). */
static struct sync_peer *sync_peer_of(struct sync *s, const struct sockaddr_storage *ss)
{
	__u8 a[IG_ADDR_LEN] = {};

	if (ss->ss_family == AF_INET) {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	} else {
		return NULL;
	}
	for (unsigned int i = 0; i < s->n_peers; i++)
		if (!memcmp(s->peers[i].at.addr.addr, a, IG_ADDR_LEN))
			return &s->peers[i];
	return NULL;
}

static int sync_socket(struct sync *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sync_sockaddr(&s->cfg.listen, &ss);
	int one = 1, size = SYNC_SOCKBUF, err;
	char a[INET6_ADDRSTRLEN];

	s->sock = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->sock < 0)
		return -errno;
	setsockopt(s->sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Bursts of a flood: past rmem_max as root, else as much as allowed. */
	if (setsockopt(s->sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(s->sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(s->sock, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(s->sock, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (bind(s->sock, (struct sockaddr *)&ss, len)) {
		err = -errno;
		addr_str(s->cfg.listen.addr.addr, a, sizeof(a));
		log_errno(LOG_LVL_ERR, err,
			  "sync: bind %s:%u (sync.listen: an address of this host?)", a,
			  s->cfg.listen.port);
		return err;
	}
	return 0;
}

/* ---- the send side ---- */

bool sync_queue(struct sync *s, const struct sync_rec *r)
{
	if (s->q_len >= s->cfg.queue) {
		s->st.queue_drops++;
		return false;
	}
	s->q[(s->q_head + s->q_len) % s->cfg.queue] = *r;
	s->q_len++;
	s->st.queued++;
	return true;
}

static __u8 sync_wire_flags(__u32 flags)
{
	return (flags & IG_CONN_F_EST ? SYNC_WF_EST : 0) |
	       (flags & IG_CONN_F_CONFIRMED && flags & IG_CONN_F_EST ? SYNC_WF_CONFIRMED : 0);
}

/* One ig_sync record into the queue; past the budget the ring waits. */
static int sync_ring_record(void *ctx, void *data, size_t size)
{
	struct sync *s = ctx;
	const struct ig_sync_ev *e = data;
	struct sync_rec r = {};

	if (size < sizeof(*e))
		return 0;
	s->st.ring++;
	r.op = e->op == IG_SYNC_CLOSE ? SYNC_OP_CLOSE : SYNC_OP_PUT;
	r.flags = sync_wire_flags(e->flags);
	r.prio = e->prio;
	r.key = e->key;
	r.service = e->service;
	r.backend = e->backend;
	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC; the age at sending rides
	 * on the wire (clocks of two machines are not comparable). */
	r.ts_ns = e->ts_ns;
	sync_queue(s, &r);
	/* The record is consumed either way; stop after the budget. */
	return ++s->ring_taken >= SYNC_RING_BUDGET ? -EAGAIN : 0;
}

/* Send up to cfg.batch queued records to every peer in one datagram. */
static int sync_send_one(struct sync *s)
{
	__u32 n = s->q_len < s->cfg.batch ? s->q_len : s->cfg.batch;
	struct sync_hdr h = { .epoch = s->epoch, .seq = s->seq, .count = (__u16)n };
	size_t len = SYNC_HDR_LEN + (size_t)n * SYNC_REC_LEN;
	__u64 now = clock_ns(CLOCK_MONOTONIC);
	struct sockaddr_storage ss;
	struct sync_rec *r;
	socklen_t sl;
	bool again = false;

	h.sent_ns = clock_ns(CLOCK_REALTIME);
	for (__u32 i = 0; i < n; i++) {
		r = &s->q[(s->q_head + i) % s->cfg.queue];
		/* Its time in the ring and the queue; the sweep's have none. */
		r->age_us = r->ts_ns && now > r->ts_ns ? (__u32)((now - r->ts_ns) / 1000) : 0;
		sync_rec_put(s->buf + SYNC_HDR_LEN + (size_t)i * SYNC_REC_LEN, r);
	}
	sync_hdr_put(s->buf, &h);
	for (unsigned int p = 0; p < s->n_peers; p++) {
		sl = sync_sockaddr(&s->peers[p].at, &ss);
		if (sendto(s->sock, s->buf, len, 0, (struct sockaddr *)&ss, sl) == (ssize_t)len) {
			s->peers[p].tx_dgrams++;
			continue;
		}
		/* A full socket buffer: the datagram is lost for this peer
		 * (it sees the gap); a peer that is down answers ICMP errors. */
		s->peers[p].tx_errors++;
		again |= errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS;
	}
	s->q_head = (s->q_head + n) % s->cfg.queue;
	s->q_len -= n;
	s->seq += n;
	s->st.sent += n;
	return again ? -EAGAIN : 0;
}

/* ---- the receive side ---- */

static void sync_flags_table(const struct sync_rec *r, struct ig_conn *v)
{
	v->flags = IG_CONN_F_SYNCED;
	if (r->flags & SYNC_WF_EST)
		v->flags |= IG_CONN_F_EST;
	if (r->flags & SYNC_WF_CONFIRMED)
		v->flags |= IG_CONN_F_CONFIRMED;
}

int sync_apply(struct sync *s, const struct sync_rec *r, __u64 now)
{
	struct ig_conn v = { .backend = r->backend, .service = r->service, .prio = r->prio };
	int err;

	switch (r->op) {
	case SYNC_OP_PUT:
		sync_flags_table(r, &v);
		err = dp_conn_sync_put(s->tbl, &r->key, &v, &s->dpcfg, now);
		return err == -ENOSPC ? -SYNC_REJ_TABLE_FULL : 0;
	case SYNC_OP_CLOSE:
		dp_conn_sync_close(s->tbl, &r->key, now); /* none: nothing to close */
		return 0;
	case SYNC_OP_DELETE:
		dp_conn_sync_delete(s->tbl, &r->key, &s->dpcfg, now);
		return 0;
	}
	return -SYNC_REJ_OP;
}

static void sync_lag(struct sync *s, const struct sync_hdr *h, const struct sync_rec *r, __u64 wall)
{
	double lag = ((double)wall - (double)h->sent_ns) / 1e9 + r->age_us / 1e6;

	/* Clocks of two machines: skew can make it negative. */
	hist_observe(&s->h_lag, lag > 0 ? lag : 0);
}

static void sync_receive(struct sync *s, size_t len, const struct sockaddr_storage *from)
{
	__u64 now = clock_ns(CLOCK_MONOTONIC_COARSE), wall = clock_ns(CLOCK_REALTIME);
	struct sync_peer *p = sync_peer_of(s, from);
	struct sync_hdr h;
	struct sync_rec r;
	int err;

	if (!p) {
		s->st.rejects[SYNC_REJ_PEER]++;
		return;
	}
	err = sync_hdr_parse(s->buf, len, &h);
	if (err) {
		s->st.rejects[-err]++;
		return;
	}
	p->rx_dgrams++;
	p->rx_entries += h.count;
	p->last_rx_ns = clock_ns(CLOCK_MONOTONIC);
	p->lost += sync_seq_note(&p->seq, &h, &p->restarts, &p->late);
	s->st.received += h.count;
	for (unsigned int i = 0; i < h.count; i++) {
		err = sync_rec_parse(s->buf, i, s->known, &r);
		err = err ?: sync_apply(s, &r, now);
		if (err) {
			s->st.rejects[-err]++;
			continue;
		}
		s->st.applied++;
		sync_lag(s, &h, &r, wall);
	}
}

bool sync_perform(struct sync *s)
{
	struct sockaddr_storage from;
	socklen_t fl;
	ssize_t n;
	int rx = 0, err;

	s->ring_taken = 0;
	err = dp_sync_ring_consume(s->ring);
	while (s->q_len && !sync_send_one(s))
		;
	for (rx = 0; rx < SYNC_RX_BUDGET; rx++) {
		fl = sizeof(from);
		n = recvfrom(s->sock, s->buf, SYNC_HDR_LEN + SYNC_BATCH_MAX * SYNC_REC_LEN + 1, 0,
			     (struct sockaddr *)&from, &fl);
		if (n < 0)
			break;
		sync_receive(s, (size_t)n, &from);
	}
	return err == -EAGAIN || rx == SYNC_RX_BUDGET || s->q_len;
}

/* ---- the sweep ---- */

void sync_sweep_begin(struct sync *s, __u64 now)
{
	dp_config_get(s->maps, &s->dpcfg);
	s->refresh_now = s->cfg.refresh_ns && now >= s->next_refresh_ns;
	if (s->refresh_now)
		s->next_refresh_ns = now + s->cfg.refresh_ns;
}

/* Our own entries only: a peer's are its to expire and refresh. An expired
 * established entry is deleted at the peers too; one with traffic since the
 * last refresh is sent again, so the peers' idle timeouts (udp_idle,
 * tcp_idle) do not end a flow alive here. */
void sync_sweep_entry(struct sync *s, const struct dp_conn *c, bool expired, bool open, __u64 now)
{
	struct sync_rec r = { .key = c->key,
			      .service = c->val.service,
			      .backend = c->val.backend,
			      .prio = c->val.prio };
	__u64 idle = now > c->val.last_ns ? now - c->val.last_ns : 0;

	if (c->val.flags & IG_CONN_F_SYNCED || !(c->val.flags & IG_CONN_F_EST))
		return;
	if (expired && !(c->val.flags & IG_CONN_F_CLOSING)) {
		r.op = SYNC_OP_DELETE;
		if (sync_queue(s, &r))
			s->st.expired++;
		return;
	}
	if (!open || !s->refresh_now || idle > s->cfg.refresh_ns)
		return;
	r.op = SYNC_OP_PUT;
	r.flags = sync_wire_flags(c->val.flags);
	if (sync_queue(s, &r))
		s->st.refreshed++;
}

/* ---- set up ---- */

void sync_known_set(struct sync *s, const struct ig_cfg *cfg)
{
	struct sync_known *k = s->known;

	memset(k, 0, sizeof(*k));
	for (unsigned int i = 0; i < cfg->n_services; i++) {
		const struct config_service *sv = &cfg->services[i];

		memcpy(k->svc[sv->id].vip, sv->vip.addr, IG_ADDR_LEN);
		k->svc[sv->id].port = htons(sv->port);
		k->svc[sv->id].proto = sv->proto;
		k->svc[sv->id].tenant = sv->tenant_id;
		k->svc[sv->id].present = true;
		for (unsigned int b = 0; b < sv->n_backends; b++)
			k->svc_of_backend[sv->backends[b].id] = sv->id;
	}
	dp_config_get(s->maps, &s->dpcfg);
}

int sync_fd(const struct sync *s)
{
	return s->epfd;
}

static int sync_epoll(struct sync *s)
{
	struct epoll_event ev = { .events = EPOLLIN };

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -errno;
	ev.data.fd = s->sock;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sock, &ev))
		return -errno;
	ev.data.fd = dp_sync_ring_fd(s->ring);
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		return -errno;
	return 0;
}

int sync_start(struct sync *s, const struct ig_cfg *cfg, const struct dp_maps *m)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->sock = s->epfd = -1;
	s->cfg = cfg->sync;
	s->maps = m;
	s->n_peers = cfg->sync.n_peers;
	s->peers = calloc(s->n_peers, sizeof(*s->peers));
	s->known = calloc(1, sizeof(*s->known));
	s->q = calloc(s->cfg.queue, sizeof(*s->q));
	s->buf = malloc(SYNC_HDR_LEN + SYNC_BATCH_MAX * SYNC_REC_LEN + 1);
	if (!s->peers || !s->known || !s->q || !s->buf) {
		err = -ENOMEM;
		goto fail;
	}
	for (unsigned int i = 0; i < s->n_peers; i++)
		s->peers[i].at = cfg->sync.peers[i];
	s->cfg.peers = NULL; /* the agent's configuration owns them */
	if (getrandom(&s->epoch, sizeof(s->epoch), 0) != sizeof(s->epoch))
		s->epoch = clock_ns(CLOCK_REALTIME);
	sync_known_set(s, cfg);
	err = dp_conns_open(m, &s->tbl);
	if (!err)
		err = dp_sync_ring_open(m, sync_ring_record, s, &s->ring);
	if (err) {
		log_errno(LOG_LVL_ERR, err, "sync: opening ig_conns and ig_sync");
		goto fail;
	}
	err = sync_socket(s) ?: sync_epoll(s);
	if (err)
		goto fail;
	log_info("sync: listening on the underlay, %u peers, batches of %u, queue %u", s->n_peers,
		 s->cfg.batch, s->cfg.queue);
	return 0;
fail:
	sync_stop(s);
	return err;
}

void sync_stop(struct sync *s)
{
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->sock >= 0)
		close(s->sock);
	dp_sync_ring_close(s->ring);
	dp_conns_close(s->tbl);
	free(s->peers);
	free(s->known);
	free(s->q);
	free(s->buf);
	memset(s, 0, sizeof(*s));
	s->sock = s->epfd = -1;
}

/* ---- /metrics ---- */

static void sync_peer_counter(struct mbuf *m, const struct sync *s, const char *name,
			      const char *help, size_t off)
{
	char a[INET6_ADDRSTRLEN];

	mbuf_family(m, name, "counter", help);
	for (unsigned int i = 0; i < s->n_peers; i++) {
		addr_str(s->peers[i].at.addr.addr, a, sizeof(a));
		mbuf_printf(m, "%s{peer=\"%s:%u\"} %llu\n", name, a, s->peers[i].at.port,
			    *(const unsigned long long *)((const char *)&s->peers[i] + off));
	}
}

void sync_render(const struct sync *s, struct mbuf *m)
{
	__u64 now = clock_ns(CLOCK_MONOTONIC), lost = 0;
	char a[INET6_ADDRSTRLEN];

	mbuf_family(m, "infergate_sync_peers", "gauge", "Peer gateways configured (sync.peers).");
	mbuf_printf(m, "infergate_sync_peers %u\n", s->n_peers);
	mbuf_family(m, "infergate_sync_entries_total", "counter",
		    "Connection-state records: read from the datapath's ring, sent (each to "
		    "every peer), received from peers, applied to this gateway's table.");
	mbuf_printf(m, "infergate_sync_entries_total{direction=\"ring\"} %llu\n",
		    (unsigned long long)s->st.ring);
	mbuf_printf(m, "infergate_sync_entries_total{direction=\"sent\"} %llu\n",
		    (unsigned long long)s->st.sent);
	mbuf_printf(m, "infergate_sync_entries_total{direction=\"received\"} %llu\n",
		    (unsigned long long)s->st.received);
	mbuf_printf(m, "infergate_sync_entries_total{direction=\"applied\"} %llu\n",
		    (unsigned long long)s->st.applied);
	mbuf_printf(m, "infergate_sync_entries_total{direction=\"refreshed\"} %llu\n",
		    (unsigned long long)s->st.refreshed);
	mbuf_printf(m, "infergate_sync_entries_total{direction=\"expired\"} %llu\n",
		    (unsigned long long)s->st.expired);
	mbuf_family(m, "infergate_sync_rejects_total", "counter",
		    "Received datagrams (short, magic, version, type, length, unknown-peer) and "
		    "records (the others) refused.");
	for (unsigned int i = SYNC_REJ_NONE_ + 1; i < SYNC_REJ__MAX; i++)
		mbuf_printf(m, "infergate_sync_rejects_total{reason=\"%s\"} %llu\n",
			    sync_reject_str(i), (unsigned long long)s->st.rejects[i]);
	mbuf_family(m, "infergate_sync_ring_full_total", "counter",
		    "Records the datapath could not write: the ig_sync ring was full.");
	dp_sync_lost(s->maps, &lost);
	mbuf_printf(m, "infergate_sync_ring_full_total %llu\n", (unsigned long long)lost);
	mbuf_family(m, "infergate_sync_queue_drops_total", "counter",
		    "Records dropped because the send queue (sync.queue) was full.");
	mbuf_printf(m, "infergate_sync_queue_drops_total %llu\n",
		    (unsigned long long)s->st.queue_drops);
	mbuf_family(m, "infergate_sync_queue_depth", "gauge", "Records waiting to be sent.");
	mbuf_printf(m, "infergate_sync_queue_depth %u\n", s->q_len);
	sync_peer_counter(m, s, "infergate_sync_peer_entries_total",
			  "Records received from each peer.",
			  offsetof(struct sync_peer, rx_entries));
	sync_peer_counter(m, s, "infergate_sync_lost_total",
			  "Records lost from each peer: gaps in its sequence numbers.",
			  offsetof(struct sync_peer, lost));
	sync_peer_counter(m, s, "infergate_sync_peer_restarts_total",
			  "Times a peer's sequence started anew (the peer restarted).",
			  offsetof(struct sync_peer, restarts));
	sync_peer_counter(m, s, "infergate_sync_send_errors_total",
			  "Datagrams to each peer that could not be sent.",
			  offsetof(struct sync_peer, tx_errors));
	mbuf_family(m, "infergate_sync_peer_last_seen_seconds", "gauge",
		    "Seconds since the last datagram from each peer (-1: never).");
	for (unsigned int i = 0; i < s->n_peers; i++) {
		const struct sync_peer *p = &s->peers[i];

		addr_str(p->at.addr.addr, a, sizeof(a));
		mbuf_printf(m, "infergate_sync_peer_last_seen_seconds{peer=\"%s:%u\"} %.3f\n", a,
			    p->at.port, p->last_rx_ns ? (now - p->last_rx_ns) / 1e9 : -1.0);
	}
	mbuf_hist(m, "infergate_sync_lag_seconds",
		  "A peer's connection decision to its entry in this gateway's table (its age "
		  "when sent plus the transit: across machines, as good as their clocks' sync).",
		  &s->h_lag);
}
