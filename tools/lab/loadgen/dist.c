// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* loadgen's random variates. Everything derives from one seeded generator,
 * so a run with a fixed --seed sends the same requests at the same offsets.
 * Gamma variates by Marsaglia and Tsang (2000). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/lab/loadgen/dist.h"

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double rng_uniform(struct rng *r)
{
	return (rng_next(r) >> 11) * 0x1.0p-53;
}

double rng_expo(struct rng *r, double mean)
{
	return -log1p(-rng_uniform(r)) * mean;
}

double rng_normal(struct rng *r)
{
	double u1 = 1.0 - rng_uniform(r), u2 = rng_uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double rng_gamma(struct rng *r, double shape, double scale)
{
	double d, c, x, v, u;

	/* Shape < 1: boost to shape + 1 and scale by U^(1/shape). */
	if (shape < 1.0)
		return rng_gamma(r, shape + 1.0, scale) * pow(1.0 - rng_uniform(r), 1.0 / shape);
	d = shape - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		do {
			x = rng_normal(r);
			v = 1.0 + c * x;
		} while (v <= 0);
		v = v * v * v;
		u = 1.0 - rng_uniform(r);
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v * scale;
	}
}

int arrival_parse(const char *spec, double rate, struct arrival *a)
{
	char *end;

	if (rate <= 0)
		return -EINVAL;
	a->rate = rate;
	a->cv = 1.0;
	a->kind = ARRIVAL_POISSON;
	if (!strcmp(spec, "poisson"))
		return 0;
	if (strncmp(spec, "gamma:", 6))
		return -EINVAL;
	a->kind = ARRIVAL_GAMMA;
	a->cv = strtod(spec + 6, &end);
	return *end || !(a->cv > 0) ? -EINVAL : 0;
}

/* Gamma gaps with shape k = 1/CV^2 and scale 1/(rate k): mean 1/rate, the
 * given CV; CV > 1 clusters arrivals into bursts. */
double arrival_next(const struct arrival *a, struct rng *r)
{
	double k;

	if (a->kind == ARRIVAL_POISSON)
		return rng_expo(r, 1.0 / a->rate);
	k = 1.0 / (a->cv * a->cv);
	return rng_gamma(r, k, 1.0 / (a->rate * k));
}

static int load_file(const char *path, struct len_dist *d)
{
	FILE *f = fopen(path, "r");
	int cap = 0, v, *nv;

	if (!f)
		return -errno;
	while (fscanf(f, "%d", &v) == 1) {
		if (v < LEN_MIN || v > LEN_MAX)
			continue;
		if (d->nvals == cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(d->vals, cap * sizeof(*nv));
			if (!nv) {
				fclose(f);
				len_dist_free(d);
				return -ENOMEM;
			}
			d->vals = nv;
		}
		d->vals[d->nvals++] = v;
	}
	fclose(f);
	if (!d->nvals) {
		len_dist_free(d);
		return -EINVAL;
	}
	return 0;
}

int len_dist_parse(const char *spec, struct len_dist *d)
{
	char *end;
	long n;

	memset(d, 0, sizeof(*d));
	if (!strncmp(spec, "fixed:", 6)) {
		d->kind = LEN_FIXED;
		n = strtol(spec + 6, &end, 10);
		if (*end || n < LEN_MIN || n > LEN_MAX)
			return -EINVAL;
		d->fixed = (int)n;
		return 0;
	}
	if (!strncmp(spec, "lognormal:", 10)) {
		d->kind = LEN_LOGNORMAL;
		d->mu = strtod(spec + 10, &end);
		if (*end != ',')
			return -EINVAL;
		d->sigma = strtod(end + 1, &end);
		return *end || d->sigma < 0 ? -EINVAL : 0;
	}
	if (!strncmp(spec, "file:", 5)) {
		d->kind = LEN_FILE;
		return load_file(spec + 5, d);
	}
	return -EINVAL;
}

int len_dist_sample(const struct len_dist *d, struct rng *r)
{
	double v;

	switch (d->kind) {
	case LEN_FIXED:
		return d->fixed;
	case LEN_FILE:
		return d->vals[rng_next(r) % d->nvals];
	default:
		v = round(exp(d->mu + d->sigma * rng_normal(r)));
		return v < LEN_MIN ? LEN_MIN : v > LEN_MAX ? LEN_MAX : (int)v;
	}
}

void len_dist_free(struct len_dist *d)
{
	free(d->vals);
	d->vals = NULL;
	d->nvals = 0;
}

int time_dist_parse(const char *spec, struct time_dist *d)
{
	const char *v = spec;
	char *end;

	memset(d, 0, sizeof(*d));
	if (!strncmp(spec, "fixed:", 6)) {
		v = spec + 6;
	} else if (!strncmp(spec, "exp:", 4)) {
		d->kind = TIME_EXP;
		v = spec + 4;
	} else if (!strncmp(spec, "uniform:", 8)) {
		d->kind = TIME_UNIFORM;
		d->a = strtod(spec + 8, &end);
		if (end == spec + 8 || *end != ',')
			return -EINVAL;
		v = end + 1;
		d->b = strtod(v, &end);
		return end == v || *end || !(d->a >= 0) || !(d->b >= d->a) || d->b > 86400 ?
			       -EINVAL :
			       0;
	}
	d->a = strtod(v, &end);
	return end == v || *end || !(d->a >= 0) || d->a > 86400 ? -EINVAL : 0;
}

double time_dist_sample(const struct time_dist *d, struct rng *r)
{
	switch (d->kind) {
	case TIME_EXP:
		return rng_expo(r, d->a);
	case TIME_UNIFORM:
		return d->a + (d->b - d->a) * rng_uniform(r);
	default:
		return d->a;
	}
}

static int trace_push(struct trace *tr, int *cap, double t, int prompt, int output)
{
	if (tr->n == *cap) {
		int nc = *cap ? *cap * 2 : 1024;
		double *nt = realloc(tr->t, nc * sizeof(*nt));
		int *np, *no;

		if (nt)
			tr->t = nt;
		np = nt ? realloc(tr->prompt, nc * sizeof(*np)) : NULL;
		if (np)
			tr->prompt = np;
		no = np ? realloc(tr->output, nc * sizeof(*no)) : NULL;
		if (!no)
			return -ENOMEM;
		tr->output = no;
		*cap = nc;
	}
	tr->t[tr->n] = t;
	tr->prompt[tr->n] = prompt;
	tr->output[tr->n] = output;
	tr->n++;
	return 0;
}

int trace_load(const char *path, struct trace *tr, int *line)
{
	FILE *f = fopen(path, "r");
	char buf[256];
	int cap = 0, err = 0;

	memset(tr, 0, sizeof(*tr));
	*line = 0;
	if (!f)
		return -errno;
	while (!err && fgets(buf, sizeof(buf), f)) {
		double t, last = tr->n ? tr->t[tr->n - 1] : 0;
		int prompt = 0, output = 0, n;
		char *hash = strchr(buf, '#'), extra;

		++*line;
		if (hash)
			*hash = 0;
		n = sscanf(buf, "%lf %d %d %c", &t, &prompt, &output, &extra);
		if (n <= 0) {
			if (strspn(buf, " \t\r\n") != strlen(buf))
				err = -EINVAL;
			continue;
		}
		if (n > 3 || !(t >= last) || t > 86400 ||
		    (n >= 2 && (prompt < LEN_MIN || prompt > LEN_MAX)) ||
		    (n == 3 && (output < LEN_MIN || output > LEN_MAX)) || tr->n >= TRACE_MAX)
			err = -EINVAL;
		else
			err = trace_push(tr, &cap, t, prompt, output);
	}
	fclose(f);
	if (!err && !tr->n)
		err = -EINVAL;
	if (err)
		trace_free(tr);
	else
		*line = 0;
	return err;
}

void trace_free(struct trace *tr)
{
	free(tr->t);
	free(tr->prompt);
	free(tr->output);
	memset(tr, 0, sizeof(*tr));
}
