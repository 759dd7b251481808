// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Formatting and parsing shared by infergatectl's views: addresses (IPv4
 * shown without its ::ffff: mapping), protocols, flows, clocks and per-CPU
 * sums. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "tools/infergatectl/ctl.h"
#include "user/lib/addr.h"

const char *ctl_addr_str(const __u8 addr[16], char *buf, size_t len)
{
	return addr_str(addr, buf, len);
}

const char *ctl_proto_str(unsigned int proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		return "other";
	}
}

/* "a.b.c.d:port" or "[v6]:port". */
static int ctl_endpoint_parse(char *s, __u8 addr[16], __u16 *port)
{
	char *colon = strrchr(s, ':'), *end;
	unsigned long p;

	if (!colon)
		return -EINVAL;
	*colon = '\0';
	p = strtoul(colon + 1, &end, 10);
	if (*end || p > 65535 || end == colon + 1)
		return -EINVAL;
	*port = p;
	if (s[0] == '[') {
		size_t n = strlen(s);

		if (n < 2 || s[n - 1] != ']')
			return -EINVAL;
		s[n - 1] = '\0';
		return strchr(s + 1, ':') ? addr_parse(s + 1, addr) : -EINVAL;
	}
	return strchr(s, ':') ? -EINVAL : addr_parse(s, addr);
}

int ctl_flow_parse(const char *s, __u8 saddr[16], __u16 *sport, __u8 daddr[16], __u16 *dport,
		   __u8 *proto)
{
	char buf[160], *slash, *dash;
	int err;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strrchr(buf, '/');
	dash = strchr(buf, '-');
	if (!slash || !dash || dash > slash)
		return -EINVAL;
	*slash = *dash = '\0';
	if (!strcmp(slash + 1, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(slash + 1, "udp"))
		*proto = IPPROTO_UDP;
	else
		return -EINVAL;
	err = ctl_endpoint_parse(buf, saddr, sport);
	return err ?: ctl_endpoint_parse(dash + 1, daddr, dport);
}

/* bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
__u64 ctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

__u64 ctl_sum(int fd, __u32 key, __u32 off)
{
	__u64 v = 0;

	return dp_percpu_sum(fd, key, off, &v) ? 0 : v;
}

void ctl_json_str(const char *s)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}
