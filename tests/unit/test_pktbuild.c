// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The packet builder the BPF fixtures rely on: exact bytes of a reference
 * packet, and checksums that verify independently (a correct header sums to
 * 0xffff), for every header type and for VXLAN nesting. */
#include <string.h>
#include <criterion/criterion.h>

#include "tests/lib/pktbuild.h"

/* Ones'-complement sum folded; a header whose checksum field is right
 * (pseudo header included) folds to 0xffff. */
static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint32_t pseudo4(const uint8_t *ip, uint8_t proto, size_t len)
{
	return pb_csum_add(ip + 12, 8, 0) + proto + len;
}

static uint32_t pseudo6(const uint8_t *ip6, uint8_t proto, size_t len)
{
	uint8_t tail[8] = { len >> 24, len >> 16, len >> 8, len, 0, 0, 0, proto };

	return pb_csum_add(tail, 8, pb_csum_add(ip6 + 8, 32, 0));
}

Test(pktbuild, ipv4_udp_reference_bytes)
{
	/* Checksums computed independently (Python): 198.18.0.1:1000 -> 198.18.0.2:2000, payload "hi". */
	static const uint8_t want[] = {
		0x02, 0,    0,	  0,	0,   0x02, 0x02, 0,    0,    0,	   0,	 0x01,
		0x08, 0x00, /* eth */
		0x45, 0,    0,	  0x1e, 0,   0,	   0,	 0,    0x40, 0x11, 0xee, 0xa7, /* ip */
		198,  18,   0,	  1,	198, 18,   0,	 2, /* addresses */
		0x03, 0xe8, 0x07, 0xd0, 0,   0x0a, 0xff, 0x90, /* udp */
		'h',  'i',
	};
	struct pb b;

	pb_init(&b);
	pb_eth(&b, "02:00:00:00:00:02", "02:00:00:00:00:01", 0);
	pb_ipv4(&b, &(struct pb_ip4){ .src = "198.18.0.1", .dst = "198.18.0.2" });
	pb_udp(&b, &(struct pb_udp){ .sport = 1000, .dport = 2000 });
	pb_payload(&b, "hi", 2);
	cr_assert_eq(pb_finish(&b), 0);
	cr_assert_eq(b.len, sizeof(want));
	cr_expect_arr_eq(b.buf, want, sizeof(want));
}

Test(pktbuild, tcp_v6_checksum_verifies)
{
	struct pb b;
	uint8_t *ip6, *tcp;
	size_t l4len;

	pb_init(&b);
	pb_eth(&b, "02:00:00:00:00:02", "02:00:00:00:00:01", 0);
	pb_ipv6(&b, &(struct pb_ip6){ .src = "2001:db8::1", .dst = "2001:db8::2" });
	pb_ipv6_ext(&b, 60, 16, 0);
	pb_tcp(&b, &(struct pb_tcp){ .sport = 1, .dport = 2, .flags = PB_TCP_SYN, .opt_len = 4 });
	pb_payload_pattern(&b, 33, 9);
	cr_assert_eq(pb_finish(&b), 0);
	ip6 = pb_hdr(&b, PB_IPV6, 0);
	tcp = pb_hdr(&b, PB_TCP, 0);
	cr_expect_eq(ip6[6], 60, "next header links to the extension");
	cr_expect_eq(pb_hdr(&b, PB_IPV6_EXT, 0)[0], 6);
	cr_expect_eq(ip6[4] << 8 | ip6[5], 16 + 24 + 33);
	cr_expect_eq(tcp[12] >> 4, 6);
	l4len = b.buf + b.len - tcp;
	cr_expect_eq(fold(pb_csum_add(tcp, l4len, pseudo6(ip6, 6, l4len))), 0xffff);
}

Test(pktbuild, vxlan_nesting_and_checksums)
{
	struct pb b;
	uint8_t *oip, *iip, *ith, *vx;
	size_t l4len;

	pb_init(&b);
	pb_eth(&b, "02:00:00:00:00:02", "02:00:00:00:00:01", 0);
	pb_ipv4(&b, &(struct pb_ip4){ .src = "198.18.255.1", .dst = "198.18.255.2" });
	pb_udp(&b, &(struct pb_udp){ .sport = 50000, .dport = 4789, .zero_csum = 1 });
	pb_vxlan(&b, 0xabcdef);
	pb_eth(&b, "02:00:00:00:01:02", "02:00:00:00:01:01", 0);
	pb_ipv4(&b, &(struct pb_ip4){ .src = "198.18.0.1", .dst = "198.18.1.1", .opt_len = 4 });
	pb_tcp(&b, &(struct pb_tcp){ .sport = 3, .dport = 4, .flags = PB_TCP_ACK });
	pb_payload_pattern(&b, 100, 1);
	cr_assert_eq(pb_finish(&b), 0);

	oip = pb_hdr(&b, PB_IPV4, 0);
	iip = pb_hdr(&b, PB_IPV4, 1);
	ith = pb_hdr(&b, PB_TCP, 0);
	vx = pb_hdr(&b, PB_VXLAN, 0);
	cr_expect_eq(fold(pb_csum_add(oip, 20, 0)), 0xffff);
	cr_expect_eq(fold(pb_csum_add(iip, 24, 0)), 0xffff);
	cr_expect_eq((oip[2] << 8 | oip[3]), b.len - 14);
	cr_expect_eq(pb_hdr(&b, PB_UDP, 0)[6], 0, "zero UDP checksum kept");
	cr_expect_eq(vx[0], 0x08);
	cr_expect_eq(vx[4] << 16 | vx[5] << 8 | vx[6], 0xabcdef);
	l4len = b.buf + b.len - ith;
	cr_expect_eq(fold(pb_csum_add(ith, l4len, pseudo4(iip, 6, l4len))), 0xffff);
}

Test(pktbuild, icmp_and_vlan)
{
	struct pb b;
	uint8_t *ic;

	pb_init(&b);
	pb_eth(&b, "02:00:00:00:00:02", "02:00:00:00:00:01", 0);
	pb_vlan(&b, 0x88a8, 7);
	pb_vlan(&b, 0x8100, 8);
	pb_ipv6(&b, &(struct pb_ip6){ .src = "2001:db8::1", .dst = "2001:db8::2" });
	pb_icmp(&b, 128, 0, 77, 1);
	pb_payload_pattern(&b, 11, 0);
	cr_assert_eq(pb_finish(&b), 0);
	cr_expect_eq(b.buf[12] << 8 | b.buf[13], 0x88a8);
	cr_expect_eq(b.buf[16] << 8 | b.buf[17], 0x8100);
	cr_expect_eq(b.buf[20] << 8 | b.buf[21], 0x86dd);
	ic = pb_hdr(&b, PB_ICMP, 0);
	cr_expect_eq(pb_hdr(&b, PB_IPV6, 0)[6], 58);
	cr_expect_eq(fold(pb_csum_add(ic, 19, pseudo6(pb_hdr(&b, PB_IPV6, 0), 58, 19))), 0xffff);
}

/* A first fragment carries the whole datagram's UDP length, not its own. */
Test(pktbuild, udp_length_of_a_first_fragment)
{
	struct pb b;

	pb_init(&b);
	pb_eth(&b, "02:00:00:00:00:02", "02:00:00:00:00:01", 0);
	pb_ipv4(&b, &(struct pb_ip4){ .src = "198.18.0.1", .dst = "198.18.0.2", .frag = 0x2000 });
	pb_udp(&b, &(struct pb_udp){ .sport = 1, .dport = 2, .len = 1480 });
	pb_payload_pattern(&b, 64, 0);
	cr_assert_eq(pb_finish(&b), 0);
	cr_expect_eq(pb_hdr(&b, PB_UDP, 0)[4] << 8 | pb_hdr(&b, PB_UDP, 0)[5], 1480);
	cr_expect_eq(pb_hdr(&b, PB_IPV4, 0)[2] << 8 | pb_hdr(&b, PB_IPV4, 0)[3], 20 + 8 + 64);
}

Test(pktbuild, errors_are_sticky)
{
	struct pb b;

	pb_init(&b);
	pb_eth(&b, "not-a-mac", "02:00:00:00:00:01", 0);
	pb_payload_pattern(&b, 10, 0);
	cr_expect_neq(pb_finish(&b), 0);
	pb_init(&b);
	pb_payload_pattern(&b, PB_MAX, 0);
	pb_payload_pattern(&b, 1, 0);
	cr_expect_neq(pb_finish(&b), 0);
	pb_init(&b);
	pb_ipv4(&b, &(struct pb_ip4){ .src = "198.18.0.1", .dst = "198.18.0.2", .opt_len = 3 });
	cr_expect_neq(pb_finish(&b), 0);
}
