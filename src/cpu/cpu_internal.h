/* Shared by the CPU backend's files (the files of src/cpu); not part of the module's interface.
 *
 * Conversions are those of src/convert.h: every element is read in a compute type (ct):
 * CA_CPU_I (int64: bool and the integer dtypes but uint64), CA_CPU_U (uint64),
 * CA_CPU_F (float: float16, float32) or
 * CA_CPU_D (double: float64), and converted on store to the destination's dtype. The bulk
 * loops (convert.c) and the one-element helpers below call the same functions, so the two can
 * never disagree.
 *
 * Each loop is written once, as an inline function taking its element function (a formula with
 * its loads and stores) as a constant pointer; GCC inlines the loop into each one-line
 * instantiation and the element function into the loop, so the code is as a hand-written
 * loop per type would be. */
#ifndef CA_CPU_INTERNAL_H
#define CA_CPU_INTERNAL_H

/* The loops of this backend are written to be vectorised, and GCC's -O2 (before 12: no
 * vectoriser; 12+: the "very cheap" model, which refuses any loop needing a remainder) leaves
 * most of them scalar. Vectorising changes no result: without -ffast-math GCC never
 * reassociates floating-point arithmetic, so every element is computed as the scalar code
 * does. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

#include <string.h>
#include "backend.h"
#include "cpu.h"
#include "scalar.h"

enum {
  CA_CPU_I = CA_CK_i, CA_CPU_U = CA_CK_u, CA_CPU_F = CA_CK_f, CA_CPU_D = CA_CK_d, CA_CPU_C = CA_CK_c,
  CA_CPU_Z = CA_CK_z
};

/* Elements per chunk of the buffered (converting) loops: small enough that a few buffers of
 * 8-byte values stay in L1. */
#define CA_CPU_BUFN 512

/* Forces inlining where a loop takes its element function as an argument: the pointer must be
 * a constant in the loop's body for the call to fold. */
#if defined(__GNUC__)
#define CA_CPU_INLINE static inline __attribute__((always_inline))
#else
#define CA_CPU_INLINE static inline
#endif
/* A function compiled twice, for x86-64's baseline and for AVX2, the one the CPU has chosen
 * when the library loads (GCC's target_clones, through glibc's ifunc). AVX2 alone, without
 * FMA: the compiler may not fuse a multiply and an add, so both copies compute the same bits. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
#define CA_CPU_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CA_CPU_CLONES
#endif
#if defined(__GNUC__) && !defined(__clang__)
#define CA_IVDEP _Pragma("GCC ivdep")
#else
#define CA_IVDEP
#endif

/* The compute type of a dtype, the dtype whose storage is that type, and its size. */
static inline int ca_cpu_ct(int dt) { return ca_compute_kind(dt); }
static inline int ca_cpu_ct_dtype(int ct) { return ca_kind_dtype(ct); }
static inline size_t ca_cpu_ct_size(int ct) { return ca_kind_size(ct); }

/* ---- one element (switch on the dtype) --------------------------------------------------- */

static inline ca_i ca_cpu_ld_i(int dt, const void *p) { return ca_load_i(dt, p); }
static inline float ca_cpu_ld_f(int dt, const void *p) { return ca_load_f(dt, p); }
static inline double ca_cpu_ld_d(int dt, const void *p) { return ca_load_d(dt, p); }
static inline int ca_cpu_truth(int dt, const void *p) { return ca_truth(dt, p); }
static inline void ca_cpu_st_i(int dt, void *p, ca_i v) { ca_store_i(dt, p, v); }
static inline void ca_cpu_st_f(int dt, void *p, float v) { ca_store_f(dt, p, v); }
static inline void ca_cpu_st_d(int dt, void *p, double v) { ca_store_d(dt, p, v); }

/* ---- element moves ------------------------------------------------------------------------ */

/* An element function: d[i] = f(s[j]), each at its own type (the loops of convert.c and
 * index.c take one). */
typedef void (*ca_cpu_elem_fn)(void *d, int64_t i, const void *s, int64_t j);
#define CA_CPU_ELEM void *d, int64_t i, const void *s, int64_t j

/* The bits of one element of 1, 2, 4, 8 or 16 bytes. */
static inline void ca_cpu_mv1(CA_CPU_ELEM) { ((uint8_t *)d)[i] = ((const uint8_t *)s)[j]; }
static inline void ca_cpu_mv2(CA_CPU_ELEM) { ((uint16_t *)d)[i] = ((const uint16_t *)s)[j]; }
static inline void ca_cpu_mv4(CA_CPU_ELEM) { ((uint32_t *)d)[i] = ((const uint32_t *)s)[j]; }
static inline void ca_cpu_mv8(CA_CPU_ELEM) { ((uint64_t *)d)[i] = ((const uint64_t *)s)[j]; }
static inline void ca_cpu_mv16(CA_CPU_ELEM) { ((ca_c16 *)d)[i] = ((const ca_c16 *)s)[j]; }

/* ---- bulk conversions (convert.c) -------------------------------------------------------- */

/* buf[i] = (ct) src[i * ss] for n elements of dtype dt. */
void ca_cpu_load(int ct, void *buf, int dt, const char *src, int64_t ss, int64_t n);
/* dst[i * ds] = (dt) buf[i] for n compute values of type ct. */
void ca_cpu_store(int ct, const void *buf, int dt, char *dst, int64_t ds, int64_t n);
/* buf[i] = truth(src[i * ss]) as 0 / 1. */
void ca_cpu_load_truth(uint8_t *buf, int dt, const char *src, int64_t ss, int64_t n);
/* dst[i * ds] = (ddt) src[i * ss]: each value read in its own compute type and stored. */
void ca_cpu_convert(int ddt, char *dst, int64_t ds, int sdt, const char *src, int64_t ss,
                    int64_t n);
/* n values of type ct, contiguous at p, or loaded into buf: returns where they are. */
static inline const void *ca_cpu_fetch(int ct, void *buf, int dt, const char *src, int64_t ss,
                                       int64_t n) {
  if (ss == 1 && dt == ca_cpu_ct_dtype(ct)) return src;
  ca_cpu_load(ct, buf, dt, src, ss, n);
  return buf;
}

/* ---- iteration -------------------------------------------------------------------------- */

/* The loop as the CPU walks it: a copy of l as the core built it (dims already coalesced, see
 * ca_loop_build in src/array.c), with a 0-d loop as one dim of one element and the strides of
 * a scalar operand zero. The result has ndim >= 1. */
static inline void ca_cpu_loop_view(const ca_loop *l, ca_loop *out) {
  *out = *l;
  if (out->ndim == 0) {
    out->ndim = 1;
    out->shape[0] = 1;
    for (int j = 0; j < out->nop; j++) out->op[j].strides[0] = 0;
  }
  for (int j = 0; j < out->nop; j++)
    if (!out->op[j].data) memset(out->op[j].strides, 0, sizeof(int64_t) * (size_t)out->ndim);
}

/* Steps the C-order counter idx over dims [0, nd) of shape, moving the n offsets off[j] by
 * strides[j][d]. Returns 0 after the last position (then idx and off are back at 0). */
static inline int ca_cpu_next(int nd, const int64_t *shape, int64_t *idx, int n,
                              const int64_t *const *strides, int64_t *off) {
  for (int d = nd - 1; d >= 0; d--) {
    if (++idx[d] < shape[d]) {
      for (int j = 0; j < n; j++) off[j] += strides[j][d];
      return 1;
    }
    idx[d] = 0;
    for (int j = 0; j < n; j++) off[j] -= strides[j][d] * (shape[d] - 1);
  }
  return 0;
}

/* A scalar operand (data == NULL) as a one-element array: its value is stored in its dtype
 * into tmp (a ca_elem) so it loads exactly as an array element would. */
static inline const char *ca_cpu_operand_data(const ca_operand *o, void *tmp) {
  if (o->data) return o->data;
  ca_store_value(o->dtype, tmp, o->value);
  return (const char *)tmp;
}

/* ---- threads (parallel.c) ---------------------------------------------------------------- */

/* fn(ctx, lo, hi) over contiguous parts of [0, n), in parallel where there is more than one
 * part of at least grain items; the parts depend only on n, grain and the thread count. */
typedef void (*ca_cpu_task)(void *ctx, int64_t lo, int64_t hi);
void ca_cpu_parallel(int64_t n, int64_t grain, ca_cpu_task fn, void *ctx);
/* Elements per thread below which splitting an elementwise loop does not pay. */
#define CA_CPU_GRAIN ((int64_t)1 << 19)

/* ---- the entries, one group per file ------------------------------------------------------ */

ca_status ca_cpu_copy(ca_backend *be, const ca_loop *l);                        /* convert.c */
ca_status ca_cpu_unary(ca_backend *be, int op, const ca_loop *l);               /* elementwise.c */
ca_status ca_cpu_binary(ca_backend *be, int op, const ca_loop *l);              /* elementwise.c */
ca_status ca_cpu_where(ca_backend *be, const ca_loop *l);                       /* elementwise.c */
ca_status ca_cpu_reduce(ca_backend *be, int op, const ca_reduction *r);         /* reduce.c */
ca_status ca_cpu_scan(ca_backend *be, int op, const ca_reduction *r);           /* scan.c */
ca_status ca_cpu_matmul(ca_backend *be, const ca_matmul *m);                    /* blas.c */
ca_status ca_cpu_fft(ca_backend *be, const ca_fft *f);                            /* fft.c */
ca_status ca_cpu_getrf(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_gesv(ca_backend *be, const ca_lapack *l);                     /* lapack.c */
ca_status ca_cpu_potrf(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_geqrf(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_orgqr(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_syevd(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_gesvd(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_geev(ca_backend *be, const ca_lapack *l);                     /* lapack.c */
ca_status ca_cpu_random(ca_backend *be, int dist, void *out, int dtype, int64_t n, ca_value p1,
                        ca_value p2, uint64_t seed, uint64_t counter, const double *aux,
                        int64_t naux);                                          /* random.c */
ca_status ca_cpu_random_dist(int dist, void *out, int dtype, int64_t n, ca_value p1,
                             ca_value p2, uint64_t seed, uint64_t counter, const double *aux,
                             int64_t naux);                             /* random_dists.c */
ca_status ca_cpu_index_offsets(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                               int accumulate, int64_t *bad);                   /* index.c */
ca_status ca_cpu_gather(ca_backend *be, const ca_loop *l);                      /* index.c */
ca_status ca_cpu_scatter(ca_backend *be, const ca_loop *l);                     /* index.c */
ca_status ca_cpu_nonzero(ca_backend *be, const ca_loop *l, int64_t count);      /* index.c */
ca_status ca_cpu_gather_index(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                              int64_t *bad);                                    /* index.c */
ca_status ca_cpu_scatter_index(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                               int64_t *bad);                                   /* index.c */
ca_status ca_cpu_count_true(ca_backend *be, const void *flags, int64_t n, int64_t *count);
                                                                               /* select.c */
ca_status ca_cpu_compress(ca_backend *be, const ca_loop *l, int64_t count);     /* select.c */
ca_status ca_cpu_sort(ca_backend *be, const ca_sort *s);                        /* sort.c */
ca_status ca_cpu_searchsorted(ca_backend *be, int dtype, const void *sorted, int64_t n,
                              const void *values, int64_t m, int right, int64_t *out);
ca_status ca_cpu_bincount(ca_backend *be, int dtype, const void *x, int64_t n,
                          const double *weights, int64_t nbins, void *out,
                          int64_t *range);                                      /* sort.c */
ca_status ca_cpu_histogram(ca_backend *be, const ca_histogram *h);              /* sort.c */
ca_status ca_cpu_unique(ca_backend *be, int dtype, const void *sorted, int64_t n,
                        int equal_nan, void *values, int64_t *starts,
                        int64_t *count);                                        /* sort.c */
ca_status ca_cpu_scatter_add(ca_backend *be, int dtype, void *base, const int64_t *offs,
                             const void *vals, int64_t n);                      /* sort.c */

#endif
