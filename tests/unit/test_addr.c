// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of user/lib/addr.c: the ABI's 16-byte address (IPv4 stored
 * IPv4-mapped) and MACs, to and from text. */
#include <errno.h>
#include <string.h>
#include <criterion/criterion.h>

#include "user/lib/addr.h"

Test(addr, ipv4_is_stored_mapped)
{
	const __u8 want[IG_ADDR_LEN] = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 2 };
	__u8 a[IG_ADDR_LEN];
	char buf[ADDR_STR_MAX];

	cr_assert_eq(addr_parse("198.18.0.2", a), 0);
	cr_expect_arr_eq(a, want, IG_ADDR_LEN);
	cr_expect(addr_is_v4(a));
	cr_expect_str_eq(addr_str(a, buf, sizeof(buf)), "198.18.0.2");
	/* The mapped form written as IPv6 is the same address. */
	cr_assert_eq(addr_parse("::ffff:198.18.0.2", a), 0);
	cr_expect_arr_eq(a, want, IG_ADDR_LEN);
}

Test(addr, ipv6)
{
	__u8 a[IG_ADDR_LEN];
	char buf[ADDR_STR_MAX];

	cr_assert_eq(addr_parse("2001:db8::10", a), 0);
	cr_expect_eq(a[0], 0x20);
	cr_expect_eq(a[15], 0x10);
	cr_expect_not(addr_is_v4(a));
	cr_expect_str_eq(addr_str(a, buf, sizeof(buf)), "2001:db8::10");
}

Test(addr, bad_addresses_are_rejected_and_zeroed)
{
	static const char *const bad[] = {
		"",	"198.18.0",	"198.18.0.256", "2001:db8:::1", "198.18.0.2 ",
		"host", "198.18.0.2/24"
	};
	static const __u8 zero[IG_ADDR_LEN];
	__u8 a[IG_ADDR_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(a, 0xaa, sizeof(a));
		cr_expect_eq(addr_parse(bad[i], a), -EINVAL, "'%s'", bad[i]);
		cr_expect_arr_eq(a, zero, IG_ADDR_LEN, "'%s' leaves zeros", bad[i]);
	}
}

Test(addr, macs)
{
	const __u8 want[6] = { 0x02, 0, 0, 0, 0x0a, 0xff };
	__u8 m[6];
	char buf[ADDR_STR_MAX];

	cr_assert_eq(mac_parse("02:00:00:00:0a:ff", m), 0);
	cr_expect_arr_eq(m, want, 6);
	cr_assert_eq(mac_parse("2:0:0:0:a:FF\n", m), 0, "short bytes, sysfs's newline");
	cr_expect_arr_eq(m, want, 6);
	cr_expect_str_eq(mac_str(m, buf, sizeof(buf)), "02:00:00:00:0a:ff");
	cr_expect_eq(mac_parse("02:00:00:00:0a", m), -EINVAL);
	cr_expect_eq(mac_parse("02:00:00:00:0a:ff:01", m), -EINVAL, "seven bytes");
	cr_expect_eq(mac_parse("02:00:00:00:0a:fff", m), -EINVAL, "three digits");
	cr_expect_eq(mac_parse("02:00:00:00:0a:ffx", m), -EINVAL, "trailing text");
}
