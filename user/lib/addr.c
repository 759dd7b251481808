// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Text to and from the ABI's 16-byte address and MACs (addr.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "user/lib/addr.h"

static const __u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };

bool addr_is_v4(const __u8 a[IG_ADDR_LEN])
{
	return !memcmp(a, v4mapped, sizeof(v4mapped));
}

int addr_parse(const char *s, __u8 out[IG_ADDR_LEN])
{
	memset(out, 0, IG_ADDR_LEN);
	if (inet_pton(AF_INET, s, out + 12) == 1) {
		memcpy(out, v4mapped, sizeof(v4mapped));
		return 0;
	}
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -EINVAL;
}

const char *addr_str(const __u8 a[IG_ADDR_LEN], char *buf, size_t len)
{
	const char *r;

	if (addr_is_v4(a))
		r = inet_ntop(AF_INET, a + 12, buf, len);
	else
		r = inet_ntop(AF_INET6, a, buf, len);
	if (!r && len)
		buf[0] = '\0';
	return buf;
}

int mac_parse(const char *s, __u8 mac[6])
{
	unsigned int m[6];
	int end = -1;

	/* Trailing white space is allowed: sysfs's address files end in '\n'. */
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
		   &end) != 6 ||
	    end < 0 || s[end + strspn(s + end, " \t\n")])
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = m[i];
	return 0;
}

const char *mac_str(const __u8 mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}
