// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `make bench`: every benchmark in one run, each printing its own table.
 * `bench-datapath [NAME...]` runs only the named ones (datapath, maglev,
 * agent, host, forward, sync, govern). */
#include <stdio.h>
#include <string.h>

int bench_datapath(void);
int bench_maglev(void);
int bench_agent(void);
int bench_host(void);
int bench_forward(void);
int bench_sync(void);
int bench_govern(void);

static const struct {
	const char *name;
	int (*run)(void);
} benches[] = {
	{ "datapath", bench_datapath }, { "maglev", bench_maglev },   { "agent", bench_agent },
	{ "host", bench_host },		{ "forward", bench_forward }, { "sync", bench_sync },
	{ "govern", bench_govern },
};

static int wanted(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		if (!wanted(argc, argv, benches[i].name))
			continue;
		printf("== %s\n", benches[i].name);
		fflush(stdout);
		if (benches[i].run()) {
			fprintf(stderr, "bench %s failed\n", benches[i].name);
			failed = 1;
		}
		printf("\n");
	}
	return failed;
}
