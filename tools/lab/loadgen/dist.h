/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* loadgen's randomness: a seeded xoshiro256** generator, arrival processes
 * (Poisson, or Gamma with a chosen coefficient of variation for bursts) and
 * length distributions (fixed, lognormal, or sampled from a file). */
#ifndef __IG_LOADGEN_DIST_H
#define __IG_LOADGEN_DIST_H

#include <stdint.h>

#define LEN_MIN 1
#define LEN_MAX 1000000

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
double rng_uniform(struct rng *r); /* [0, 1) */
double rng_expo(struct rng *r, double mean);
double rng_normal(struct rng *r);
double rng_gamma(struct rng *r, double shape, double scale);

enum arrival_kind { ARRIVAL_POISSON, ARRIVAL_GAMMA };

struct arrival {
	enum arrival_kind kind;
	double rate; /* per second */
	double cv; /* of the inter-arrival gaps; 1 for Poisson */
};

/* "poisson" or "gamma:CV"; 0 or -EINVAL. */
int arrival_parse(const char *spec, double rate, struct arrival *a);
/* The next inter-arrival gap, seconds (mean 1/rate). */
double arrival_next(const struct arrival *a, struct rng *r);

enum len_kind { LEN_FIXED, LEN_LOGNORMAL, LEN_FILE };

struct len_dist {
	enum len_kind kind;
	int fixed;
	double mu;
	double sigma;
	int *vals;
	int nvals;
};

/* "fixed:N", "lognormal:MU,SIGMA" (of ln tokens) or "file:PATH" (one length
 * a line); 0 or a negative errno. */
int len_dist_parse(const char *spec, struct len_dist *d);
int len_dist_sample(const struct len_dist *d, struct rng *r);
void len_dist_free(struct len_dist *d);

/* Times in seconds: "S" or "fixed:S", "exp:MEAN", "uniform:A,B"; 0 or
 * -EINVAL. */
enum time_kind { TIME_FIXED, TIME_EXP, TIME_UNIFORM };

struct time_dist {
	enum time_kind kind;
	double a, b;
};

int time_dist_parse(const char *spec, struct time_dist *d);
double time_dist_sample(const struct time_dist *d, struct rng *r);

/* A recorded workload to replay: one request a line, "T [PROMPT [OUTPUT]]"
 * (seconds since the start, ascending; tokens; '#' starts a comment). A
 * length left out is drawn from the run's distribution (0 here). */
#define TRACE_MAX 1000000

struct trace {
	double *t;
	int *prompt;
	int *output;
	int n;
};

/* 0, -errno, or -EINVAL with *line (1-based) at the first bad line. */
int trace_load(const char *path, struct trace *tr, int *line);
void trace_free(struct trace *tr);

#endif /* __IG_LOADGEN_DIST_H */
