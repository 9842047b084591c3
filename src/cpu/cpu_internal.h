/* Shared by the CPU backend's files (the files of src/cpu); not part of the module's interface.
 *
 * Conversions. Every element is read in a "compute type" (ct): CA_CPU_I (int64, bool and
 * all integer dtypes), CA_CPU_F (float: float16, float32) or CA_CPU_D (double: float64),
 * and written back converting to the destination dtype:
 *   - to bool: value != 0 (NaN is true);
 *   - float -> integer: ca_f2i / ca_d2i (truncation; NaN and out of range give INT64_MIN),
 *     then wrapped to the width (two's complement), as any int64 -> narrower integer;
 *   - to float16: ca_float_to_half (a double goes through float first);
 *   - int64 -> float and double -> float: C conversion (round to nearest).
 * The same macros build the bulk loops (convert.c) and the one-element helpers below, so
 * the two can never disagree. */
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
#include "scalar.h"

enum { CA_CPU_I = 0, CA_CPU_F = 1, CA_CPU_D = 2 };

/* Elements per chunk of the buffered (converting) loops: small enough that a few buffers of
 * 8-byte values stay in L1. */
#define CA_CPU_BUFN 512

/* The compute type of a dtype, and the dtype whose storage is that type. */
static inline int ca_cpu_ct(int dt) {
  return dt == CA_FLOAT64 ? CA_CPU_D : ca_is_float(dt) ? CA_CPU_F : CA_CPU_I;
}
static inline int ca_cpu_ct_dtype(int ct) {
  return ct == CA_CPU_I ? CA_INT64 : ct == CA_CPU_F ? CA_FLOAT32 : CA_FLOAT64;
}
static inline size_t ca_cpu_ct_size(int ct) { return ct == CA_CPU_F ? 4 : 8; }

/* X-macro over the storage dtypes: (NAME, C storage type, own compute type letter). Two
 * copies so that one can be expanded inside the other. Extra leading arguments are passed
 * through to X. */
#define CA_CPU_DTYPES(X, ...)                                                                  \
  X(__VA_ARGS__ BOOL, uint8_t, I) X(__VA_ARGS__ INT8, int8_t, I)                              \
  X(__VA_ARGS__ UINT8, uint8_t, I) X(__VA_ARGS__ INT16, int16_t, I)                           \
  X(__VA_ARGS__ INT32, int32_t, I) X(__VA_ARGS__ INT64, int64_t, I)                           \
  X(__VA_ARGS__ FLOAT16, uint16_t, F) X(__VA_ARGS__ FLOAT32, float, F)                        \
  X(__VA_ARGS__ FLOAT64, double, D)
#define CA_CPU_DTYPES2(X, ...)                                                                 \
  X(__VA_ARGS__ BOOL, uint8_t, I) X(__VA_ARGS__ INT8, int8_t, I)                              \
  X(__VA_ARGS__ UINT8, uint8_t, I) X(__VA_ARGS__ INT16, int16_t, I)                           \
  X(__VA_ARGS__ INT32, int32_t, I) X(__VA_ARGS__ INT64, int64_t, I)                           \
  X(__VA_ARGS__ FLOAT16, uint16_t, F) X(__VA_ARGS__ FLOAT32, float, F)                        \
  X(__VA_ARGS__ FLOAT64, double, D)

/* The C types of the compute types. */
#define CA_CPU_T_I ca_i
#define CA_CPU_T_F float
#define CA_CPU_T_D double

/* Load: stored value x of dtype NAME -> compute type K (CA_CPU_L_<K>_<NAME>). */
#define CA_CPU_L_I_BOOL(x) ((ca_i)((x) != 0))
#define CA_CPU_L_I_INT8(x) ((ca_i)(x))
#define CA_CPU_L_I_UINT8(x) ((ca_i)(x))
#define CA_CPU_L_I_INT16(x) ((ca_i)(x))
#define CA_CPU_L_I_INT32(x) ((ca_i)(x))
#define CA_CPU_L_I_INT64(x) ((ca_i)(x))
#define CA_CPU_L_I_FLOAT16(x) ca_f2i(ca_half_to_float(x))
#define CA_CPU_L_I_FLOAT32(x) ca_f2i(x)
#define CA_CPU_L_I_FLOAT64(x) ca_d2i(x)
#define CA_CPU_L_F_BOOL(x) ((float)((x) != 0))
#define CA_CPU_L_F_INT8(x) ((float)(x))
#define CA_CPU_L_F_UINT8(x) ((float)(x))
#define CA_CPU_L_F_INT16(x) ((float)(x))
#define CA_CPU_L_F_INT32(x) ((float)(x))
#define CA_CPU_L_F_INT64(x) ((float)(x))
#define CA_CPU_L_F_FLOAT16(x) ca_half_to_float(x)
#define CA_CPU_L_F_FLOAT32(x) (x)
#define CA_CPU_L_F_FLOAT64(x) ((float)(x))
#define CA_CPU_L_D_BOOL(x) ((double)((x) != 0))
#define CA_CPU_L_D_INT8(x) ((double)(x))
#define CA_CPU_L_D_UINT8(x) ((double)(x))
#define CA_CPU_L_D_INT16(x) ((double)(x))
#define CA_CPU_L_D_INT32(x) ((double)(x))
#define CA_CPU_L_D_INT64(x) ((double)(x))
#define CA_CPU_L_D_FLOAT16(x) ((double)ca_half_to_float(x))
#define CA_CPU_L_D_FLOAT32(x) ((double)(x))
#define CA_CPU_L_D_FLOAT64(x) (x)

/* Store: compute value v of type K -> storage of dtype NAME (CA_CPU_S_<K>_<NAME>). Integer
 * narrowing goes through the unsigned type of the width, so it wraps. */
#define CA_CPU_S_I_BOOL(v) ((uint8_t)((v) != 0))
#define CA_CPU_S_I_INT8(v) ((int8_t)(uint8_t)(ca_u)(v))
#define CA_CPU_S_I_UINT8(v) ((uint8_t)(ca_u)(v))
#define CA_CPU_S_I_INT16(v) ((int16_t)(uint16_t)(ca_u)(v))
#define CA_CPU_S_I_INT32(v) ((int32_t)(uint32_t)(ca_u)(v))
#define CA_CPU_S_I_INT64(v) ((int64_t)(v))
#define CA_CPU_S_I_FLOAT16(v) ca_float_to_half((float)(v))
#define CA_CPU_S_I_FLOAT32(v) ((float)(v))
#define CA_CPU_S_I_FLOAT64(v) ((double)(v))
#define CA_CPU_S_F_BOOL(v) ((uint8_t)((v) != 0))
#define CA_CPU_S_F_INT8(v) CA_CPU_S_I_INT8(ca_f2i(v))
#define CA_CPU_S_F_UINT8(v) CA_CPU_S_I_UINT8(ca_f2i(v))
#define CA_CPU_S_F_INT16(v) CA_CPU_S_I_INT16(ca_f2i(v))
#define CA_CPU_S_F_INT32(v) CA_CPU_S_I_INT32(ca_f2i(v))
#define CA_CPU_S_F_INT64(v) ca_f2i(v)
#define CA_CPU_S_F_FLOAT16(v) ca_float_to_half(v)
#define CA_CPU_S_F_FLOAT32(v) (v)
#define CA_CPU_S_F_FLOAT64(v) ((double)(v))
#define CA_CPU_S_D_BOOL(v) ((uint8_t)((v) != 0))
#define CA_CPU_S_D_INT8(v) CA_CPU_S_I_INT8(ca_d2i(v))
#define CA_CPU_S_D_UINT8(v) CA_CPU_S_I_UINT8(ca_d2i(v))
#define CA_CPU_S_D_INT16(v) CA_CPU_S_I_INT16(ca_d2i(v))
#define CA_CPU_S_D_INT32(v) CA_CPU_S_I_INT32(ca_d2i(v))
#define CA_CPU_S_D_INT64(v) ca_d2i(v)
#define CA_CPU_S_D_FLOAT16(v) ca_float_to_half((float)(v))
#define CA_CPU_S_D_FLOAT32(v) ((float)(v))
#define CA_CPU_S_D_FLOAT64(v) (v)

/* Truth of a stored value: != 0, NaN true, -0 false. */
#define CA_CPU_TRUTH_BOOL(x) ((x) != 0)
#define CA_CPU_TRUTH_INT8(x) ((x) != 0)
#define CA_CPU_TRUTH_UINT8(x) ((x) != 0)
#define CA_CPU_TRUTH_INT16(x) ((x) != 0)
#define CA_CPU_TRUTH_INT32(x) ((x) != 0)
#define CA_CPU_TRUTH_INT64(x) ((x) != 0)
#define CA_CPU_TRUTH_FLOAT16(x) (((x) & 0x7fffu) != 0)
#define CA_CPU_TRUTH_FLOAT32(x) ((x) != 0)
#define CA_CPU_TRUTH_FLOAT64(x) ((x) != 0)

/* ---- one element (switch on the dtype) --------------------------------------------------- */

#define CA_CPU_LD_CASE(K, NAME, T, OWN)                                                         \
  case CA_##NAME: return CA_CPU_L_##K##_##NAME(*(const T *)p);
static inline ca_i ca_cpu_ld_i(int dt, const void *p) {
  switch (dt) { CA_CPU_DTYPES(CA_CPU_LD_CASE, I, ) }
  return 0;
}
static inline double ca_cpu_ld_d(int dt, const void *p) {
  switch (dt) { CA_CPU_DTYPES(CA_CPU_LD_CASE, D, ) }
  return 0;
}
static inline float ca_cpu_ld_f(int dt, const void *p) {
  switch (dt) { CA_CPU_DTYPES(CA_CPU_LD_CASE, F, ) }
  return 0;
}
#define CA_CPU_TRUTH_CASE(NAME, T, OWN) case CA_##NAME: return CA_CPU_TRUTH_##NAME(*(const T *)p);
static inline int ca_cpu_truth(int dt, const void *p) {
  switch (dt) { CA_CPU_DTYPES(CA_CPU_TRUTH_CASE, ) }
  return 0;
}
#define CA_CPU_ST_CASE(K, NAME, T, OWN)                                                         \
  case CA_##NAME: *(T *)p = CA_CPU_S_##K##_##NAME(v); return;
static inline void ca_cpu_st_i(int dt, void *p, ca_i v) {
  switch (dt) { CA_CPU_DTYPES(CA_CPU_ST_CASE, I, ) }
}
static inline void ca_cpu_st_f(int dt, void *p, float v) {
  switch (dt) { CA_CPU_DTYPES(CA_CPU_ST_CASE, F, ) }
}
static inline void ca_cpu_st_d(int dt, void *p, double v) {
  switch (dt) { CA_CPU_DTYPES(CA_CPU_ST_CASE, D, ) }
}

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

/* A copy of l with size-1 dims dropped and adjacent dims merged where every operand allows
 * it; C order of the elements is kept. The result has ndim >= 1. */
void ca_cpu_coalesce(const ca_loop *l, ca_loop *out);

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
 * into tmp (8 bytes, aligned) so it loads exactly as an array element would. */
static inline const char *ca_cpu_operand_data(const ca_operand *o, void *tmp) {
  if (o->data) return o->data;
  if (ca_is_float(o->dtype)) ca_cpu_st_d(o->dtype, tmp, o->value.f);
  else ca_cpu_st_i(o->dtype, tmp, o->value.i);
  return (const char *)tmp;
}

/* ---- threads (parallel.c) ---------------------------------------------------------------- */

/* fn(ctx, lo, hi) over contiguous parts of [0, n), in parallel where there is more than one
 * part of at least grain items; the parts depend only on n, grain and the thread count. */
typedef void (*ca_cpu_task)(void *ctx, int64_t lo, int64_t hi);
void ca_cpu_parallel(int64_t n, int64_t grain, ca_cpu_task fn, void *ctx);
int ca_cpu_threads(void);
/* Elements per thread below which splitting an elementwise loop does not pay. */
#define CA_CPU_GRAIN ((int64_t)1 << 19)

/* ---- the entries, one group per file ------------------------------------------------------ */

ca_status ca_cpu_copy(ca_backend *be, const ca_loop *l);                        /* convert.c */
ca_status ca_cpu_unary(ca_backend *be, int op, const ca_loop *l);               /* elementwise.c */
ca_status ca_cpu_binary(ca_backend *be, int op, const ca_loop *l);              /* elementwise.c */
ca_status ca_cpu_where(ca_backend *be, const ca_loop *l);                       /* elementwise.c */
ca_status ca_cpu_reduce(ca_backend *be, int op, const ca_reduction *r);         /* reduce.c */
ca_status ca_cpu_scan(ca_backend *be, int op, const ca_reduction *r);           /* reduce.c */
ca_status ca_cpu_matmul(ca_backend *be, const ca_matmul *m);                    /* blas.c */
ca_status ca_cpu_getrf(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_gesv(ca_backend *be, const ca_lapack *l);                     /* lapack.c */
ca_status ca_cpu_potrf(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_geqrf(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_orgqr(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_syevd(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_gesvd(ca_backend *be, const ca_lapack *l);                    /* lapack.c */
ca_status ca_cpu_random(ca_backend *be, int dist, void *out, int dtype, int64_t n, ca_value p1,
                        ca_value p2, uint64_t seed, uint64_t counter);          /* random.c */
ca_status ca_cpu_index_offsets(ca_backend *be, const ca_loop *l, int64_t size, int64_t stride,
                               int accumulate, int64_t *bad);                   /* index.c */
ca_status ca_cpu_gather(ca_backend *be, const ca_loop *l);                      /* index.c */
ca_status ca_cpu_scatter(ca_backend *be, const ca_loop *l);                     /* index.c */
ca_status ca_cpu_nonzero(ca_backend *be, const ca_loop *l, int64_t count);      /* index.c */

#endif
