// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* infergatectl: parse the command line, open the pinned datapath and run one
 * command. Exit codes live here only: 0 success, 1 any error (a message on
 * stderr), 2 bad usage. See infergatectl(8) and docs/infergatectl-json.md. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/infergatectl/ctl.h"
#include "user/lib/log.h"
#include "user/lib/names.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: infergatectl [--pin-root DIR] [--json] COMMAND [OPTIONS]\n"
		"Inspect and debug a running infergate datapath through its pinned maps.\n\n"
		"Commands:\n"
		"  status                    pin root, ABI, agent, links, attach modes\n"
		"  services | backends | tenants | stats\n"
		"  conns [--tenant T] [--service S] [--backend B] [--count]\n"
		"        [--flow SRC:PORT-DST:PORT/tcp|udp]\n"
		"  events [--count N] [--timeout S] [--backlog]\n"
		"                                     new events of the ig_events ring buffer\n"
		"  workloads | endpoints | vnis | host-drops   a GPU host's maps\n"
		"  top [--interval S] [--iterations N]\n"
		"  drain BACKEND | undrain BACKEND   standing requests the agent keeps\n"
		"  weight SERVICE BACKEND WEIGHT | unpin BACKEND\n"
		"TENANT, SERVICE and BACKEND are names (BACKEND also SERVICE/BACKEND) or ids.\n\n"
		"Options (anywhere):\n"
		"  -p, --pin-root DIR   bpffs pin root (default " IG_PIN_ROOT ")\n"
		"  -j, --json           JSON output (docs/infergatectl-json.md)\n"
		"  -h, --help           this text\n");
}

static int parse_num(const char *s, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || !*s || *end || *v < min || *v > max ? -EINVAL : 0;
}

static int parse_opt(struct ctl_opts *o, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case 'p':
		o->pin_root = arg;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 't':
		o->tenant_arg = arg;
		return 0;
	case 's':
		o->service_arg = arg;
		return 0;
	case 'b':
		o->backend_arg = arg;
		return 0;
	case 'f':
		o->flow = arg;
		return 0;
	case 'c':
		if (!arg)
			o->count_only = true;
		return arg ? parse_num(arg, 1, 1L << 30, &o->count) : 0;
	case 'T':
	case 'i':
		*(opt == 'T' ? &o->timeout : &o->interval) = strtod(arg, &end);
		return *end || end == arg ? -EINVAL : 0;
	case 'n':
		return parse_num(arg, 1, 1L << 30, &o->iterations);
	case 'B':
		o->backlog = true;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Options may come before or after the command; --count takes N except for
 * conns, where it is a flag. Positional arguments land in argv[optind..]. */
static int parse_args(int argc, char **argv, struct ctl_opts *o, bool conns)
{
	struct option lo[] = {
		{ "pin-root", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "tenant", required_argument, NULL, 't' },
		{ "service", required_argument, NULL, 's' },
		{ "backend", required_argument, NULL, 'b' },
		{ "flow", required_argument, NULL, 'f' },
		{ "count", conns ? no_argument : required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "backlog", no_argument, NULL, 'B' },
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "p:jh", lo, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			exit(0);
		}
		if (opt == '?' || parse_opt(o, opt, optarg)) {
			if (opt != '?')
				fprintf(stderr, "infergatectl: bad value '%s'\n", optarg);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_u32(const char *s, long max, __u32 *v)
{
	long l;
	int err = parse_num(s, 0, max, &l);

	if (err)
		fprintf(stderr, "infergatectl: bad number '%s'\n", s);
	*v = l;
	return err;
}

/* A name or an id of kind, within [0, max). Unknown ones are errors of the
 * command (exit 1), not of its usage. */
static int resolve(const struct ctl *c, __u32 kind, const char *arg, __u32 max, __u32 *id)
{
	int err = ctl_resolve(c, kind, arg, id);

	if (!err && *id >= max) {
		fprintf(stderr, "infergatectl: '%s' is out of range (0..%u)\n", arg, max - 1);
		err = -ERANGE;
	}
	return err;
}

/* The conns filters, from names or ids. */
static int resolve_filters(struct ctl *c)
{
	struct ctl_opts *o = &c->o;
	__u32 id;
	int err = 0;

	if (o->tenant_arg && !(err = resolve(c, IG_NAME_TENANT, o->tenant_arg, IG_TENANT_MAX, &id)))
		o->tenant = id;
	if (!err && o->service_arg &&
	    !(err = resolve(c, IG_NAME_SERVICE, o->service_arg, IG_SERVICE_MAX, &id)))
		o->service = id;
	if (!err && o->backend_arg &&
	    !(err = resolve(c, IG_NAME_BACKEND, o->backend_arg, IG_BACKEND_MAX, &id)))
		o->backend = id;
	return err;
}

/* Run the command in args[0] with its positional arguments. */
static int run(struct ctl *c, char **args, int nargs)
{
	const char *cmd = args[0];
	__u32 a = 0, b = 0, w = 0;
	int err;

	if (!strcmp(cmd, "drain") || !strcmp(cmd, "undrain") || !strcmp(cmd, "unpin")) {
		if (nargs != 2)
			return -EINVAL;
		err = resolve(c, IG_NAME_BACKEND, args[1], IG_BACKEND_MAX, &a);
		if (err)
			return err;
		return cmd[0] == 'u' && cmd[1] == 'n' && cmd[2] == 'p' ?
			       ctl_unpin(c, a) :
			       ctl_drain(c, a, cmd[0] == 'd');
	}
	if (!strcmp(cmd, "weight")) {
		if (nargs != 4)
			return -EINVAL;
		if (parse_u32(args[3], 1000000000L, &w))
			return -EINVAL;
		err = resolve(c, IG_NAME_SERVICE, args[1], IG_SERVICE_MAX, &a);
		err = err ?: resolve(c, IG_NAME_BACKEND, args[2], IG_BACKEND_MAX, &b);
		return err ?: ctl_weight(c, a, b, w);
	}
	err = resolve_filters(c);
	if (err)
		return err;
	if (nargs != 1)
		return -EINVAL;
	if (!strcmp(cmd, "status"))
		return ctl_status(c);
	if (!strcmp(cmd, "services"))
		return ctl_services(c);
	if (!strcmp(cmd, "backends"))
		return ctl_backends(c);
	if (!strcmp(cmd, "tenants"))
		return ctl_tenants(c);
	if (!strcmp(cmd, "stats"))
		return ctl_stats(c);
	if (!strcmp(cmd, "conns"))
		return ctl_conns(c);
	if (!strcmp(cmd, "events"))
		return ctl_events(c);
	if (!strcmp(cmd, "workloads"))
		return ctl_workloads(c);
	if (!strcmp(cmd, "endpoints"))
		return ctl_endpoints(c);
	if (!strcmp(cmd, "vnis"))
		return ctl_vnis(c);
	if (!strcmp(cmd, "host-drops"))
		return ctl_host_drops(c);
	return ctl_top(c);
}

static bool known(const char *cmd)
{
	static const char *const cmds[] = { "status",	 "services",  "backends", "tenants",
					    "stats",	 "conns",     "events",	  "top",
					    "drain",	 "undrain",   "weight",	  "unpin",
					    "workloads", "endpoints", "vnis",	  "host-drops" };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct ctl c = { .o = { .tenant = -1, .service = -1, .backend = -1 } };
	bool conns = false;
	int err;

	for (int i = 1; i < argc; i++)
		conns |= !strcmp(argv[i], "conns");
	log_set_level(LOG_LVL_ERR);
	if (parse_args(argc, argv, &c.o, conns) || optind >= argc || !known(argv[optind])) {
		if (optind < argc && !known(argv[optind]))
			fprintf(stderr, "infergatectl: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	err = ctl_open(&c);
	if (err)
		return 1;
	err = run(&c, argv + optind, argc - optind);
	ctl_close(&c);
	if (err == -EINVAL) {
		usage(stderr);
		return 2;
	}
	return err ? 1 : 0;
}
