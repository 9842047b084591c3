/* Dense factorizations on the CPU: LAPACK through LAPACKE's column-major `_work` entries (no
 * transposition, no NaN screening of the inputs, workspace allocated here once per call and
 * reused over the batch). Built with -DCA_HAVE_LAPACKE when the Makefile finds lapacke.h;
 * without it every entry returns CA_ERR_UNSUPPORTED saying so.
 *
 * svd uses the divide-and-conquer driver gesdd, as NumPy does; the others are the routines
 * their names say, in the s, d, c and z variants (complex: ungqr for orgqr, heevd for syevd).
 * LAPACKE's integers are 32-bit: larger sizes are refused. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include "cpu_internal.h"

#ifndef CA_HAVE_LAPACKE

static ca_status no_lapack(ca_backend *be, const ca_lapack *l) {
  (void)l;
  snprintf(be->errmsg, sizeof be->errmsg, "cuarray was built without LAPACK (install "
           "liblapacke-dev and rebuild)");
  return CA_ERR_UNSUPPORTED;
}

ca_status ca_cpu_getrf(ca_backend *be, const ca_lapack *l) { return no_lapack(be, l); }
ca_status ca_cpu_gesv(ca_backend *be, const ca_lapack *l) { return no_lapack(be, l); }
ca_status ca_cpu_potrf(ca_backend *be, const ca_lapack *l) { return no_lapack(be, l); }
ca_status ca_cpu_geqrf(ca_backend *be, const ca_lapack *l) { return no_lapack(be, l); }
ca_status ca_cpu_orgqr(ca_backend *be, const ca_lapack *l) { return no_lapack(be, l); }
ca_status ca_cpu_syevd(ca_backend *be, const ca_lapack *l) { return no_lapack(be, l); }
ca_status ca_cpu_gesvd(ca_backend *be, const ca_lapack *l) { return no_lapack(be, l); }
ca_status ca_cpu_geev(ca_backend *be, const ca_lapack *l) { return no_lapack(be, l); }

#else

#include <lapacke.h>

/* LAPACKE_<t><fn>_work by dtype (cfn: the complex routine's name) for the routines whose four
 * variants take the same arguments; pointer arguments go through void *. */
#define LA2(dt, fn, cfn, ...)                                                                    \
  ((dt) == CA_FLOAT32     ? LAPACKE_s##fn##_work(__VA_ARGS__)                                    \
   : (dt) == CA_FLOAT64   ? LAPACKE_d##fn##_work(__VA_ARGS__)                                    \
   : (dt) == CA_COMPLEX64 ? LAPACKE_c##cfn##_work(__VA_ARGS__)                                   \
                          : LAPACKE_z##cfn##_work(__VA_ARGS__))
#define LA(dt, fn, ...) LA2(dt, fn, fn, __VA_ARGS__)
#define COL LAPACK_COL_MAJOR

/* Where problem p's matrix or vector starts. */
static inline void *at(const ca_mats *x, int64_t p, size_t isz) {
  return x->data + (size_t)(p * x->bs) * isz;
}

/* The entries' common checks: a dtype LAPACK takes and sizes LAPACKE's int holds. */
static ca_status check(ca_backend *be, const ca_lapack *l, int64_t biggest_ld) {
  if (l->dtype != CA_FLOAT32 && l->dtype != CA_FLOAT64 && !ca_is_complex(l->dtype)) {
    snprintf(be->errmsg, sizeof be->errmsg, "LAPACK entries take float32, float64, complex64 "
             "and complex128");
    return CA_ERR_UNSUPPORTED;
  }
  if (l->m > INT_MAX || l->n > INT_MAX || l->k > INT_MAX || biggest_ld > INT_MAX) {
    snprintf(be->errmsg, sizeof be->errmsg, "LAPACK takes matrices of fewer than 2^31 rows "
             "and columns");
    return CA_ERR_UNSUPPORTED;
  }
  return CA_OK;
}

/* LAPACKE returns a negative info for a bad argument (a bug here) and -1010 when it could not
 * allocate; positive ones are the routine's own report, kept for the caller. */
static ca_status lapack_fail(ca_backend *be, const char *routine, lapack_int info) {
  if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR) {
    snprintf(be->errmsg, sizeof be->errmsg, "cpu: out of memory in %s", routine);
    return CA_ERR_NOMEM;
  }
  snprintf(be->errmsg, sizeof be->errmsg, "%s: argument %d was refused", routine, (int)-info);
  return CA_ERR_DEVICE;
}

/* One problem's info: a refused argument is the call's failure; the first positive info is
 * kept for the caller. */
static ca_status take_info(ca_backend *be, const ca_lapack *l, const char *routine,
                           lapack_int info) {
  if (info < 0) return lapack_fail(be, routine, info);
  if (l->info && info > 0 && *l->info == 0) *l->info = (int)info;
  return CA_OK;
}

/* A workspace of `n` elements of isz bytes (at least one), or NULL with errmsg set. */
static void *work_alloc(ca_backend *be, size_t n, size_t isz) {
  void *w = malloc((n ? n : 1) * isz);
  if (!w) snprintf(be->errmsg, sizeof be->errmsg, "cpu: out of memory for a LAPACK workspace");
  return w;
}

/* The optimal workspace a query of dtype dt returned in q (its real part for a complex one), as
 * an element count. */
static size_t query_size(int dt, const double *q) {
  double v = ca_real_of(dt) == CA_FLOAT32 ? (double)*(const float *)q : *q;
  return v > 1 ? (size_t)v : 1;
}

/* The workspace a query (of dtype dt) asked for: its element count into *lwork. */
static void *queried_work(ca_backend *be, int dt, const double *q, size_t isz, size_t *lwork) {
  *lwork = query_size(dt, q);
  return work_alloc(be, *lwork, isz);
}

ca_status ca_cpu_getrf(ca_backend *be, const ca_lapack *l) {
  ca_status st = check(be, l, l->a.ld);
  if (st != CA_OK) return st;
  size_t isz = ca_itemsize(l->dtype);
  int n = (int)l->n;
  lapack_int *piv = (lapack_int *)work_alloc(be, (size_t)n, sizeof(lapack_int));
  if (!piv) return CA_ERR_NOMEM;
  if (l->info) *l->info = 0;
  for (int64_t p = 0; p < l->batch && st == CA_OK; p++) {
    st = take_info(be, l, "getrf", LA(l->dtype, getrf, COL, n, n, at(&l->a, p, isz),
                                      (lapack_int)l->a.ld, piv));
    int64_t *out = (int64_t *)at(&l->v, p, sizeof(int64_t));
    for (int i = 0; i < n && st == CA_OK; i++) out[i] = piv[i];
  }
  free(piv);
  return st;
}

ca_status ca_cpu_gesv(ca_backend *be, const ca_lapack *l) {
  ca_status st = check(be, l, l->a.ld > l->b.ld ? l->a.ld : l->b.ld);
  if (st != CA_OK) return st;
  size_t isz = ca_itemsize(l->dtype);
  int n = (int)l->n;
  lapack_int *piv = (lapack_int *)work_alloc(be, (size_t)n, sizeof(lapack_int));
  if (!piv) return CA_ERR_NOMEM;
  if (l->info) *l->info = 0;
  for (int64_t p = 0; p < l->batch && st == CA_OK; p++) {
    void *a = at(&l->a, p, isz);
    lapack_int info = LA(l->dtype, getrf, COL, n, n, a, (lapack_int)l->a.ld, piv);
    if (info == 0)
      info = LA(l->dtype, getrs, COL, l->trans ? 'T' : 'N', n, (lapack_int)l->k, a,
                (lapack_int)l->a.ld, piv, at(&l->b, p, isz), (lapack_int)l->b.ld);
    st = take_info(be, l, "getrf/getrs", info);
  }
  free(piv);
  return st;
}

/* Zeroes the strict lower (upper = 1) or strict upper triangle of an n x n column-major
 * matrix: what potrf leaves untouched. */
static void zero_other_triangle(char *a, int64_t n, int64_t ld, int upper, size_t isz) {
  for (int64_t j = 0; j < n; j++) {
    int64_t lo = upper ? j + 1 : 0, hi = upper ? n : j; /* rows [lo, hi) of column j */
    if (hi > lo) memset(a + (size_t)(j * ld + lo) * isz, 0, (size_t)(hi - lo) * isz);
  }
}

ca_status ca_cpu_potrf(ca_backend *be, const ca_lapack *l) {
  ca_status st = check(be, l, l->a.ld);
  if (st != CA_OK) return st;
  size_t isz = ca_itemsize(l->dtype);
  if (l->info) *l->info = 0;
  for (int64_t p = 0; p < l->batch && st == CA_OK; p++) {
    char *a = (char *)at(&l->a, p, isz);
    st = take_info(be, l, "potrf", LA(l->dtype, potrf, COL, l->upper ? 'U' : 'L',
                                      (lapack_int)l->n, (void *)a, (lapack_int)l->a.ld));
    if (st == CA_OK) zero_other_triangle(a, l->n, l->a.ld, l->upper, isz);
  }
  return st;
}

ca_status ca_cpu_geqrf(ca_backend *be, const ca_lapack *l) {
  ca_status st = check(be, l, l->a.ld);
  if (st != CA_OK) return st;
  size_t isz = ca_itemsize(l->dtype);
  int m = (int)l->m, n = (int)l->n, lda = (int)l->a.ld;
  double q[2] = {0, 0};
  st = take_info(be, l, "geqrf", LA(l->dtype, geqrf, COL, m, n, (void *)l->a.data, lda,
                                    (void *)l->v.data, (void *)q, -1));
  if (st != CA_OK) return st;
  size_t lwork;
  void *work = queried_work(be, l->dtype, q, isz, &lwork);
  if (!work) return CA_ERR_NOMEM;
  if (l->info) *l->info = 0;
  for (int64_t p = 0; p < l->batch && st == CA_OK; p++)
    st = take_info(be, l, "geqrf", LA(l->dtype, geqrf, COL, m, n, at(&l->a, p, isz), lda,
                                      at(&l->v, p, isz), work, (lapack_int)lwork));
  free(work);
  return st;
}

ca_status ca_cpu_orgqr(ca_backend *be, const ca_lapack *l) {
  ca_status st = check(be, l, l->a.ld);
  if (st != CA_OK) return st;
  size_t isz = ca_itemsize(l->dtype);
  int m = (int)l->m, n = (int)l->n, k = (int)l->k, lda = (int)l->a.ld;
  double q[2] = {0, 0};
  st = take_info(be, l, "orgqr", LA2(l->dtype, orgqr, ungqr, COL, m, n, k, (void *)l->a.data,
                                     lda, (void *)l->v.data, (void *)q, -1));
  if (st != CA_OK) return st;
  size_t lwork;
  void *work = queried_work(be, l->dtype, q, isz, &lwork);
  if (!work) return CA_ERR_NOMEM;
  if (l->info) *l->info = 0;
  for (int64_t p = 0; p < l->batch && st == CA_OK; p++)
    st = take_info(be, l, "orgqr", LA2(l->dtype, orgqr, ungqr, COL, m, n, k, at(&l->a, p, isz),
                                       lda, at(&l->v, p, isz), work, (lapack_int)lwork));
  free(work);
  return st;
}

/* <t>syevd, or <t>heevd for a complex dtype (which also takes rwork, lrwork reals): w is real. */
static lapack_int syevd_call(int dt, char jobz, char uplo, int n, void *a, int lda, void *w,
                             void *work, int lwork, void *rwork, int lrwork, lapack_int *iwork,
                             int liwork) {
  switch (dt) {
  case CA_FLOAT32:
    return LAPACKE_ssyevd_work(COL, jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork);
  case CA_FLOAT64:
    return LAPACKE_dsyevd_work(COL, jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork);
  case CA_COMPLEX64:
    return LAPACKE_cheevd_work(COL, jobz, uplo, n, a, lda, w, work, lwork, rwork, lrwork, iwork,
                               liwork);
  default:
    return LAPACKE_zheevd_work(COL, jobz, uplo, n, a, lda, w, work, lwork, rwork, lrwork, iwork,
                               liwork);
  }
}

ca_status ca_cpu_syevd(ca_backend *be, const ca_lapack *l) {
  ca_status st = check(be, l, l->a.ld);
  if (st != CA_OK) return st;
  int dt = l->dtype, rdt = ca_real_of(dt);
  size_t isz = ca_itemsize(dt), rsz = ca_itemsize(rdt);
  int n = (int)l->n, lda = (int)l->a.ld;
  char jobz = l->job ? 'V' : 'N', uplo = l->upper ? 'U' : 'L';
  double q[2] = {0, 0}, rq = 0;
  lapack_int iq = 0;
  st = take_info(be, l, "syevd", syevd_call(dt, jobz, uplo, n, l->a.data, lda, l->v.data, q, -1,
                                            &rq, -1, &iq, -1));
  if (st != CA_OK) return st;
  size_t lwork, lrwork = 0, liwork = iq > 1 ? (size_t)iq : 1;
  void *work = queried_work(be, dt, q, isz, &lwork);
  void *rwork = work && ca_is_complex(dt) ? queried_work(be, rdt, &rq, rsz, &lrwork) : NULL;
  lapack_int *iwork = work && (rwork || !ca_is_complex(dt))
                          ? (lapack_int *)work_alloc(be, liwork, sizeof(lapack_int)) : NULL;
  if (!iwork) {
    free(work);
    free(rwork);
    return CA_ERR_NOMEM;
  }
  if (l->info) *l->info = 0;
  for (int64_t p = 0; p < l->batch && st == CA_OK; p++)
    st = take_info(be, l, "syevd", syevd_call(dt, jobz, uplo, n, at(&l->a, p, isz), lda,
                                              at(&l->v, p, rsz), work, (int)lwork, rwork,
                                              (int)lrwork, iwork, (int)liwork));
  free(work);
  free(rwork);
  free(iwork);
  return st;
}

/* Whether the m x n column-major matrix at a (leading dimension lda) holds a NaN. */
static int has_nan(int dtype, const void *a, int m, int n, int lda) {
  int parts = ca_is_complex(dtype) ? 2 : 1, single = ca_real_of(dtype) == CA_FLOAT32;
  for (int j = 0; j < n; j++)
    for (int i = 0; i < m * parts; i++) {
      size_t k = (size_t)j * (size_t)lda * (size_t)parts + (size_t)i;
      double x = single ? (double)((const float *)a)[k] : ((const double *)a)[k];
      if (x != x) return 1;
    }
  return 0;
}

/* <t>gesdd; a complex dtype's also takes rwork (reals): s is real. */
static lapack_int gesdd_call(int dt, char jobz, int m, int n, void *a, int lda, void *s, void *u,
                             int ldu, void *vt, int ldvt, void *work, int lwork, void *rwork,
                             lapack_int *iwork) {
  switch (dt) {
  case CA_FLOAT32:
    return LAPACKE_sgesdd_work(COL, jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork, iwork);
  case CA_FLOAT64:
    return LAPACKE_dgesdd_work(COL, jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork, iwork);
  case CA_COMPLEX64:
    return LAPACKE_cgesdd_work(COL, jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork, rwork,
                               iwork);
  default:
    return LAPACKE_zgesdd_work(COL, jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork, rwork,
                               iwork);
  }
}

/* The reals a complex gesdd's rwork needs (LAPACK 3.7's bound; m >= n). */
static size_t gesdd_rwork(int m, int n, int vectors) {
  size_t mn = (size_t)n, mx = (size_t)m;
  if (!vectors) return 7 * mn;
  size_t a = 5 * mn * mn + 5 * mn, b = 2 * mx * mn + 2 * mn * mn + mn;
  return a > b ? a : b;
}

ca_status ca_cpu_gesvd(ca_backend *be, const ca_lapack *l) {
  int full = l->job == CA_SVD_FULL, vectors = l->job != CA_SVD_NONE;
  int64_t ldu = vectors ? l->b.ld : 1, ldvt = vectors ? l->c.ld : 1;
  int64_t ld_big = l->a.ld > ldu ? l->a.ld : ldu;
  ca_status st = check(be, l, ld_big > ldvt ? ld_big : ldvt);
  if (st != CA_OK) return st;
  int dt = l->dtype;
  size_t isz = ca_itemsize(dt), rsz = ca_itemsize(ca_real_of(dt));
  int m = (int)l->m, n = (int)l->n, lda = (int)l->a.ld;
  char jobz = !vectors ? 'N' : full ? 'A' : 'S';
  double q[2] = {0, 0}, one[2] = {0, 0};
  void *u0 = vectors ? (void *)l->b.data : (void *)one;
  void *vt0 = vectors ? (void *)l->c.data : (void *)one;
  size_t nrwork = ca_is_complex(dt) ? gesdd_rwork(m, n, vectors) : 0;
  lapack_int *iwork = (lapack_int *)work_alloc(be, 8 * (size_t)n, sizeof(lapack_int));
  void *rwork = iwork && nrwork ? work_alloc(be, nrwork, rsz) : NULL;
  if (!iwork || (nrwork && !rwork)) {
    free(iwork);
    return CA_ERR_NOMEM;
  }
  lapack_int info = gesdd_call(dt, jobz, m, n, l->a.data, lda, l->v.data, u0, (int)ldu, vt0,
                               (int)ldvt, q, -1, rwork, iwork);
  size_t lwork = 0;
  void *work = NULL;
  if ((st = take_info(be, l, "gesdd", info)) == CA_OK &&
      !(work = queried_work(be, dt, q, isz, &lwork)))
    st = CA_ERR_NOMEM;
  if (st != CA_OK) {
    free(rwork);
    free(iwork);
    return st;
  }
  if (l->info) *l->info = 0;
  for (int64_t p = 0; p < l->batch && st == CA_OK; p++) {
    void *u = vectors ? at(&l->b, p, isz) : (void *)one;
    void *vt = vectors ? at(&l->c, p, isz) : (void *)one;
    info = gesdd_call(dt, jobz, m, n, at(&l->a, p, isz), lda, at(&l->v, p, rsz), u, (int)ldu, vt,
                      (int)ldvt, work, (int)lwork, rwork, iwork);
    if (info == -5 && has_nan(dt, at(&l->a, p, isz), m, n, lda))
      info = 1; /* LAPACKE refuses a NaN; NumPy (and a GPU) report no convergence */
    st = take_info(be, l, "gesdd", info);
  }
  free(work);
  free(rwork);
  free(iwork);
  return st;
}

/* ---- general eigenproblems ------------------------------------------------------------------ */

/* A real geev's results as the contract's complex ones (as NumPy's eig does it): w = wr + i wi,
 * and for a conjugate pair (j, j + 1), v_j = vr_j + i vr_{j+1} and v_{j+1} its conjugate. */
static void unpack_real(int dt, const char *wr, const char *wi, const char *vr, int64_t n,
                        int64_t ldvr, char *w, char *v, int64_t ldv) {
  int single = dt == CA_FLOAT32;
#define RE(p, i) (single ? (double)((const float *)(p))[i] : ((const double *)(p))[i])
#define PUT(p, i, re, im)                                                                       \
  do {                                                                                          \
    if (single) ((ca_c8 *)(void *)(p))[i] = ca_c8_of((float)(re), (float)(im));                 \
    else ((ca_c16 *)(void *)(p))[i] = ca_c16_of((re), (im));                                    \
  } while (0)
  for (int64_t j = 0; j < n; j++) PUT(w, j, RE(wr, j), RE(wi, j));
  if (!v) return;
  for (int64_t j = 0; j < n; j++) {
    int pair = RE(wi, j) != 0.0 && j + 1 < n;
    for (int64_t i = 0; i < n; i++) {
      double re = RE(vr, j * ldvr + i), im = pair ? RE(vr, (j + 1) * ldvr + i) : 0.0;
      PUT(v, j * ldv + i, re, im);
      if (pair) PUT(v, (j + 1) * ldv + i, re, -im);
    }
    j += pair;
  }
#undef RE
#undef PUT
}

/* LAPACKE_<t>geev_work for the four dtypes; a complex geev writes w and vr itself, a real one
 * writes wr, wi and a real vr (wr, wi and vr its scratch). rwork: 2n reals of complex ones. */
static lapack_int geev_call(int dt, char jobvr, int n, void *a, int lda, void *w, void *wr,
                            void *wi, void *vr, int ldvr, void *work, int lwork, void *rwork) {
  char vl = 0;
  switch (dt) {
  case CA_FLOAT32:
    return LAPACKE_sgeev_work(COL, 'N', jobvr, n, a, lda, wr, wi, (void *)&vl, 1, vr, ldvr, work,
                              lwork);
  case CA_FLOAT64:
    return LAPACKE_dgeev_work(COL, 'N', jobvr, n, a, lda, wr, wi, (void *)&vl, 1, vr, ldvr, work,
                              lwork);
  case CA_COMPLEX64:
    return LAPACKE_cgeev_work(COL, 'N', jobvr, n, a, lda, w, (void *)&vl, 1, vr, ldvr, work,
                              lwork, rwork);
  default:
    return LAPACKE_zgeev_work(COL, 'N', jobvr, n, a, lda, w, (void *)&vl, 1, vr, ldvr, work,
                              lwork, rwork);
  }
}

ca_status ca_cpu_geev(ca_backend *be, const ca_lapack *l) {
  int dt = l->dtype, cplx = ca_is_complex(dt), vectors = l->job != 0;
  if (dt != CA_FLOAT32 && dt != CA_FLOAT64 && !cplx) {
    snprintf(be->errmsg, sizeof be->errmsg, "geev takes float32, float64, complex64 and "
             "complex128");
    return CA_ERR_UNSUPPORTED;
  }
  int64_t ld_big = l->a.ld > l->b.ld ? l->a.ld : l->b.ld;
  if (l->n > INT_MAX / 2 || ld_big > INT_MAX) {
    snprintf(be->errmsg, sizeof be->errmsg, "LAPACK takes matrices of fewer than 2^30 rows "
             "and columns");
    return CA_ERR_UNSUPPORTED;
  }
  int n = (int)l->n, lda = (int)l->a.ld;
  size_t isz = ca_itemsize(dt), rsz = cplx ? isz / 2 : isz, csz = cplx ? isz : 2 * isz;
  char jobvr = vectors ? 'V' : 'N';
  /* real scratch: wr, wi (real dtypes), rwork (complex ones); vr (real dtypes with vectors) */
  size_t nreal = 2 * (size_t)n, nvr = !cplx && vectors ? (size_t)n * (size_t)n : 0;
  char *scratch = (char *)work_alloc(be, nreal + nvr, rsz);
  if (!scratch) return CA_ERR_NOMEM;
  char *wr = scratch, *wi = scratch + (size_t)n * rsz, *rwork = scratch;
  char *vr = nvr ? scratch + nreal * rsz : NULL;
  double q[2] = {0, 0};
  int ldvr = vectors ? (cplx ? (int)l->b.ld : n) : 1;
  char one[16];
  void *vr0 = vectors ? (cplx ? (void *)l->b.data : (void *)vr) : (void *)one;
  ca_status st = take_info(be, l, "geev", geev_call(dt, jobvr, n, l->a.data, lda, l->v.data, wr,
                                                    wi, vr0, ldvr, q, -1, rwork));
  size_t lwork = 0;
  void *work = NULL;
  /* a complex query: its real part */
  if (st == CA_OK && !(work = queried_work(be, cplx ? ca_real_of(dt) : dt, q, isz, &lwork)))
    st = CA_ERR_NOMEM;
  if (st != CA_OK) {
    free(scratch);
    return st;
  }
  if (l->info) *l->info = 0;
  for (int64_t p = 0; p < l->batch && st == CA_OK; p++) {
    char *w = (char *)l->v.data + (size_t)(p * l->v.bs) * csz;
    char *v = vectors ? (char *)l->b.data + (size_t)(p * l->b.bs) * csz : NULL;
    void *vout = !v ? (void *)one : cplx ? (void *)v : (void *)vr;
    lapack_int info = geev_call(dt, jobvr, n, at(&l->a, p, isz), lda, w, wr, wi, vout, ldvr, work,
                                (int)lwork, rwork);
    st = take_info(be, l, "geev", info);
    if (!cplx && info == 0) unpack_real(dt, wr, wi, vr, n, n, w, v, l->b.ld);
  }
  free(work);
  free(scratch);
  return st;
}

#endif
