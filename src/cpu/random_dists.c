/* The distributions of src/random_dists.h on the CPU: each element (or row, for dirichlet and
 * multinomial) is a pure function of its index, so the elements are split over the threads
 * as they come. */
#include <stdlib.h>
#include "cpu_internal.h"
#include "../random_dists.h"

typedef struct dist_job {
  int dist, dtype;
  char *o;
  int64_t sz, k;
  ca_value a, b;
  uint64_t seed, counter;
  const double *aux;
} dist_job;

/* The bodies are instantiated per distribution (dist a constant), so the switch in
 * ca_dist_real / ca_dist_int folds away. */
static inline void real_range(const dist_job *g, int dist, int64_t lo, int64_t hi) {
  for (int64_t i = lo; i < hi; i++)
    ca_cpu_st_d(g->dtype, g->o + i * g->sz,
                ca_dist_real(dist, g->seed, g->counter, i, g->a.f, g->b.f));
}

static inline void int_range(const dist_job *g, int dist, int64_t lo, int64_t hi) {
  for (int64_t i = lo; i < hi; i++)
    ca_cpu_st_i(g->dtype, g->o + i * g->sz, ca_dist_int(dist, g->seed, g->counter, i, g->a, g->b));
}

/* Rows go to g->o as float64 (dirichlet) or int64 (multinomial) values: the output itself
 * when it has that dtype, else a scratch buffer converted afterwards. */
static void rows_range(const dist_job *g, int64_t lo, int64_t hi) {
  int64_t k = g->k;
  for (int64_t r = lo; r < hi; r++) {
    if (g->dist == CA_DIST_DIRICHLET)
      ca_dirichlet_row(g->seed, g->counter, r, g->aux, k, (double *)g->o + r * k);
    else
      ca_multinomial_row(g->seed, g->counter, r, g->a.i, g->aux, k, (int64_t *)g->o + r * k);
  }
}

static void dist_task(void *ctx, int64_t lo, int64_t hi) {
  const dist_job *g = (const dist_job *)ctx;
  switch (g->dist) {
#define REAL(D) case D: real_range(g, D, lo, hi); break;
#define INT(D) case D: int_range(g, D, lo, hi); break;
    REAL(CA_DIST_EXPONENTIAL) REAL(CA_DIST_LAPLACE) REAL(CA_DIST_LOGISTIC) REAL(CA_DIST_GUMBEL)
    REAL(CA_DIST_LOGNORMAL) REAL(CA_DIST_CAUCHY) REAL(CA_DIST_GAMMA) REAL(CA_DIST_BETA)
    INT(CA_DIST_GEOMETRIC) INT(CA_DIST_POISSON) INT(CA_DIST_BINOMIAL)
#undef REAL
#undef INT
  case CA_DIST_PERMUTATION: { /* the key once per range */
    ca_perm_key key = ca_perm_key_of(g->seed, g->counter, g->a.i);
    if (g->dtype == CA_INT64) {
      int64_t *o = (int64_t *)g->o;
      for (int64_t i = lo; i < hi; i++) o[i] = ca_permutation_of(&key, i);
    } else {
      for (int64_t i = lo; i < hi; i++)
        ca_cpu_st_i(g->dtype, g->o + i * g->sz, ca_permutation_of(&key, i));
    }
    break;
  }
  case CA_DIST_CATEGORICAL:
    for (int64_t i = lo; i < hi; i++)
      ca_cpu_st_i(g->dtype, g->o + i * g->sz,
                  ca_categorical_of(ca_pair_uniform(g->seed, g->counter, i), g->aux, g->k));
    break;
  default:
    rows_range(g, lo, hi);
    break;
  }
}

ca_status ca_cpu_random_dist(int dist, void *out, int dtype, int64_t n, ca_value p1,
                             ca_value p2, uint64_t seed, uint64_t counter, const double *aux,
                             int64_t naux) {
  if (dist < CA_DIST_EXPONENTIAL || dist > CA_DIST_MULTINOMIAL) return CA_ERR_UNSUPPORTED;
  int rows = dist == CA_DIST_DIRICHLET || dist == CA_DIST_MULTINOMIAL;
  if ((rows || dist == CA_DIST_CATEGORICAL) && (!aux || naux < 1)) return CA_ERR_VALUE;
  if (rows && n % naux != 0) return CA_ERR_VALUE;
  if (!ca_dist_discrete(dist) && !ca_is_float(dtype)) return CA_ERR_UNSUPPORTED;
  dist_job g = {dist, dtype, (char *)out, (int64_t)ca_itemsize(dtype), naux, p1, p2, seed,
                counter, aux};
  int64_t count = rows ? n / naux : n;
  int wide = dist == CA_DIST_DIRICHLET ? CA_FLOAT64 : CA_INT64;
  void *scratch = NULL;
  if (rows && dtype != wide) {
    scratch = malloc((size_t)n * 8 + 1);
    if (!scratch) return CA_ERR_NOMEM;
    g.o = (char *)scratch;
  }
  /* a rejection sampler's element costs about as much as a hundred plain ones */
  int64_t grain = dist >= CA_DIST_GAMMA ? CA_CPU_GRAIN / 256 : CA_CPU_GRAIN / 16;
  if (rows) grain = grain / naux + 1;
  ca_cpu_parallel(count, grain, dist_task, &g);
  if (scratch) {
    char *o = (char *)out;
    int64_t sz = (int64_t)ca_itemsize(dtype);
    for (int64_t i = 0; i < n; i++) {
      if (wide == CA_FLOAT64) ca_cpu_st_d(dtype, o + i * sz, ((double *)scratch)[i]);
      else ca_cpu_st_i(dtype, o + i * sz, ((int64_t *)scratch)[i]);
    }
    free(scratch);
  }
  return CA_OK;
}
