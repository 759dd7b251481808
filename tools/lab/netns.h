/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Network namespaces for integration tests: uniquely named namespaces, veth
 * pairs, addresses, commands run inside, in-process enter/leave, and cleanup
 * of everything created, from a Criterion fini and from atexit. Namespaces
 * left by a test process that died are swept on the next create. */
#ifndef __IG_NETNS_H
#define __IG_NETNS_H

#include <stdbool.h>
#include <stddef.h>

#define NETNS_NAME_MAX 48

/* Create "ig-<pid>-<n>-<tag>" with lo up; its name is copied into name.
 * tag: a few characters naming the role ("gw", "client"). */
int netns_create(const char *tag, char name[NETNS_NAME_MAX]);
/* Delete a namespace, killing what still runs inside: so its devices, and
 * their veth peers, go with it. */
int netns_delete(const char *name);
/* A veth pair: dev_a in ns_a, dev_b in ns_b; a NULL namespace is the
 * caller's. Devices made outside a test namespace are deleted at cleanup. */
int netns_veth(const char *ns_a, const char *dev_a, const char *ns_b, const char *dev_b);
/* Add "198.18.0.1/24" or "2001:db8::1/64" (IPv6 without DAD, so it is usable
 * at once) to dev. */
int netns_addr(const char *ns, const char *dev, const char *cidr);
int netns_link_up(const char *ns, const char *dev);
/* A bridge br, up, without multicast snooping (labs have no querier, and
 * IPv6 neighbour discovery must flood); netns_set_master adds a port. */
int netns_bridge(const char *ns, const char *br);
int netns_set_master(const char *ns, const char *dev, const char *master);
/* ethtool -K dev tx off: TCP through XDP on veth needs it on the sender. */
int netns_tx_off(const char *ns, const char *dev);
/* dev's ifindex inside ns (> 0), or a negative errno. */
int netns_ifindex(const char *ns, const char *dev);

/* Run a shell command in ns (NULL: here), through `ip netns exec`, so the
 * command sees the namespace's /sys too. Returns 0, a negative errno when it
 * could not run, or its exit status (> 0) when it failed. */
int netns_run(const char *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, with its standard output in buf (NUL-terminated, truncated). */
int netns_run_output(const char *ns, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A UDP socket made inside ns (SO_RCVTIMEO timeout_s), bound to bind_addr:port
 * when bind_addr is not NULL (IPv4 or IPv6 text, matching family). Returns the
 * fd or a negative errno. */
int netns_udp_socket(const char *ns, int family, const char *bind_addr, int port, int timeout_s);

/* A TCP server on 0.0.0.0:port in ns, in a child process (its pid, or a
 * negative errno; kill it to stop it): each connection is served by
 * serve(c, arg) in a process of its own, or with serve NULL closed at once
 * (a sink with a deep backlog). arg is the caller's memory as it was at
 * the call (the server is a fork). */
int netns_tcp_server(const char *ns, int port, void (*serve)(int c, void *arg), void *arg);
/* A keep-alive TCP server on 0.0.0.0:port in ns, in a child process (its
 * pid, or a negative errno): each byte a client sends is answered with id,
 * until the client closes, so a session's every answer names the machine
 * that served it. Kill the pid to stop it. */
int netns_keepalive_server(const char *ns, int port, char id);
/* One request on a session with such a server: the id it answered, or 0
 * on a reset or silence (the socket's timeouts). */
char netns_keepalive_ask(int s);

/* Move the calling thread into ns; returns a handle on the namespace it left
 * (>= 0) for netns_leave, or a negative errno. Sockets, links and ifindex
 * lookups made in between belong to ns. */
int netns_enter(const char *ns);
int netns_leave(int saved);
/* pid is running: it exists and is not a zombie waiting to be reaped (a
 * daemon started by a shell that has exited). */
bool netns_proc_running(int pid);

/* Delete everything this process created. Use as the Criterion fini:
 * TestSuite(x, .fini = netns_cleanup_all); it also runs at exit. */
void netns_cleanup_all(void);

#endif /* __IG_NETNS_H */
