// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: the connection-state sync wire format (user/agent/
 * syncwire.c) on any bytes: a peer gateway's datagram is network input.
 * The header, then every record it announces, checked against a small
 * known set (service 1 at 198.19.0.10:80/TCP of tenant 1, backends 1 and 2),
 * and the sequence bookkeeping. A record that passes must hold what the
 * checks promise. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "user/agent/syncwire.h"

static struct sync_known known;
static struct sync_seq seq;

static void known_init(void)
{
	static const __u8 vip[IG_ADDR_LEN] = { [10] = 0xff, [11] = 0xff, 198, 19, 0, 10 };

	memcpy(known.svc[1].vip, vip, sizeof(vip));
	known.svc[1].port = htons(80);
	known.svc[1].proto = IPPROTO_TCP;
	known.svc[1].tenant = 1;
	known.svc[1].present = true;
	known.svc_of_backend[1] = known.svc_of_backend[2] = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u64 restarts = 0, late = 0;
	struct sync_hdr h;
	struct sync_rec r;

	if (!known.svc[1].present)
		known_init();
	if (sync_hdr_parse(data, size, &h))
		return 0;
	if (size != SYNC_HDR_LEN + (size_t)h.count * SYNC_REC_LEN || !h.count)
		__builtin_trap();
	sync_seq_note(&seq, &h, &restarts, &late);
	for (unsigned int i = 0; i < h.count; i++) {
		int err = sync_rec_parse(data, i, &known, &r);

		if (err > 0 || err <= -SYNC_REJ__MAX)
			__builtin_trap();
		if (!err && (r.service != 1 || (r.backend != 1 && r.backend != 2) ||
			     r.key.tenant != 1 || r.op >= SYNC_OP__MAX || !r.op))
			__builtin_trap();
		/* Without the known set, only the record's own fields. */
		sync_rec_parse(data, i, NULL, &r);
	}
	return 0;
}
