/*
 * testrng.h: the seeded random generator of the C tests (splitmix64):
 * tiny, full-period and identical on every platform, unlike rand(), so
 * every random case can be replayed from its seed. Header-only; each test
 * program includes it once.
 */
#ifndef TESTRNG_H
#define TESTRNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s;
};

/* Seeds r for case number idx of a test seeded with seed. */
static inline void
rng_init(struct rng *r, uint64_t seed, uint64_t idx)
{
	r->s = seed ^ (idx * 0x9e3779b97f4a7c15ULL);
}

static inline uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A value in [0, n); n must be nonzero. The modulo bias is irrelevant for
 * test data. */
static inline size_t
rng_below(struct rng *r, size_t n)
{
	return (size_t)(rng_next(r) % (uint64_t)n);
}

/* A value in [lo, hi]. */
static inline size_t
rng_range(struct rng *r, size_t lo, size_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

#endif /* TESTRNG_H */
