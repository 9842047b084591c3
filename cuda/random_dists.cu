/* The distributions of src/random_dists.h on the GPU: one thread per element (per row for
 * dirichlet and multinomial), grid-stride, calling the same formulas as src/cpu/random_dists.c,
 * so both backends draw the same values for the same (seed, counter) up to the last bits of
 * the math library's log, exp and tan (CUDA's are within 2 ulp of the C library's). */
#include "cu_kernels.cuh"
#include "../src/random_dists.h"

namespace {

struct dparams {
  char *out;
  int64_t n;       /* elements, or rows for the row distributions */
  int dtype;
  ca_value a, b;
  uint64_t seed, counter;
  const double *aux;
  int64_t k;
};

template <int DIST> __global__ void k_real(dparams p) {
  int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < p.n; i += stride)
    cuk::st_rt<double>(p.out, p.dtype, i, ca_dist_real(DIST, p.seed, p.counter, i, p.a.f, p.b.f));
}

template <int DIST> __global__ void k_int(dparams p) {
  int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < p.n; i += stride)
    cuk::st_rt<ca_i>(p.out, p.dtype, i, (ca_i)ca_dist_int(DIST, p.seed, p.counter, i, p.a, p.b));
}

__global__ void k_permutation(dparams p) {
  const ca_perm_key key = ca_perm_key_of(p.seed, p.counter, p.a.i);
  int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < p.n; i += stride)
    cuk::st_rt<ca_i>(p.out, p.dtype, i, (ca_i)ca_permutation_of(&key, i));
}

__global__ void k_categorical(dparams p) {
  int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < p.n; i += stride)
    cuk::st_rt<ca_i>(p.out, p.dtype, i,
                     (ca_i)ca_categorical_of(ca_pair_uniform(p.seed, p.counter, i), p.aux, p.k));
}

/* Rows into float64 (dirichlet) or int64 (multinomial) memory at p.out. */
__global__ void k_rows(dparams p, int dirichlet) {
  int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t r = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; r < p.n; r += stride) {
    if (dirichlet) ca_dirichlet_row(p.seed, p.counter, r, p.aux, p.k, (double *)p.out + r * p.k);
    else ca_multinomial_row(p.seed, p.counter, r, p.a.i, p.aux, p.k, (int64_t *)p.out + r * p.k);
  }
}

/* out[i] = wide[i] converted to out's dtype (wide is float64 or int64). */
template <class T> __global__ void k_narrow(char *out, int dtype, const T *wide, int64_t n) {
  int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
    cuk::st_rt<T>(out, dtype, i, wide[i]);
}

} /* namespace */

extern "C" ca_status cu_random_dist(ca_backend *be, int dist, void *out, int dtype, int64_t n,
                                    ca_value v1, ca_value v2, uint64_t seed, uint64_t counter,
                                    const double *aux, int64_t naux) {
  if (dist < CA_DIST_EXPONENTIAL || dist > CA_DIST_MULTINOMIAL) return CA_ERR_UNSUPPORTED;
  const bool rows = dist == CA_DIST_DIRICHLET || dist == CA_DIST_MULTINOMIAL;
  if ((rows || dist == CA_DIST_CATEGORICAL) && (!aux || naux < 1)) return CA_ERR_VALUE;
  if (rows && n % naux != 0) return CA_ERR_VALUE;
  if (!ca_dist_discrete(dist) && !ca_is_float(dtype)) return CA_ERR_UNSUPPORTED;
  if (n == 0) return CA_OK;

  dparams p;
  p.out = (char *)out;
  p.n = rows ? n / naux : n;
  p.dtype = dtype;
  p.a = v1;
  p.b = v2;
  p.seed = seed;
  p.counter = counter;
  p.aux = aux;
  p.k = naux;
  cudaStream_t s = cu_stream(be);
  unsigned grid = cuk::blocks_for(p.n, 256, (int64_t)cuk::sm_count(be) * 16);
  switch (dist) {
#define REAL(D) case D: k_real<D><<<grid, 256, 0, s>>>(p); break;
#define INT(D) case D: k_int<D><<<grid, 256, 0, s>>>(p); break;
    REAL(CA_DIST_EXPONENTIAL) REAL(CA_DIST_LAPLACE) REAL(CA_DIST_LOGISTIC) REAL(CA_DIST_GUMBEL)
    REAL(CA_DIST_LOGNORMAL) REAL(CA_DIST_CAUCHY) REAL(CA_DIST_GAMMA) REAL(CA_DIST_BETA)
    INT(CA_DIST_GEOMETRIC) INT(CA_DIST_POISSON) INT(CA_DIST_BINOMIAL)
#undef REAL
#undef INT
  case CA_DIST_PERMUTATION:
    k_permutation<<<grid, 256, 0, s>>>(p);
    break;
  case CA_DIST_CATEGORICAL:
    k_categorical<<<grid, 256, 0, s>>>(p);
    break;
  default: {
    const int dirichlet = dist == CA_DIST_DIRICHLET;
    const int wide = dirichlet ? CA_FLOAT64 : CA_INT64;
    void *scratch = NULL;
    if (dtype != wide) {
      ca_status st = cu_scratch(be, (size_t)n * 8, &scratch);
      if (st != CA_OK) return st;
      p.out = (char *)scratch;
    }
    k_rows<<<grid, 256, 0, s>>>(p, dirichlet);
    if (scratch) {
      ca_status st = cu_check_launch(be, "random (rows)");
      if (st == CA_OK) {
        unsigned g2 = cuk::blocks_for(n, 256, (int64_t)cuk::sm_count(be) * 32);
        if (dirichlet) k_narrow<double><<<g2, 256, 0, s>>>((char *)out, dtype, (const double *)scratch, n);
        else k_narrow<ca_i><<<g2, 256, 0, s>>>((char *)out, dtype, (const ca_i *)scratch, n);
      }
      cu_scratch_free(be, scratch);
      if (st != CA_OK) return st;
    }
    break;
  }
  }
  return cu_check_launch(be, "random (distributions)");
}
