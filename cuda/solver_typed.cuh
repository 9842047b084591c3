/* Typed wrappers over the per-precision (S, D, C, Z) cuSOLVER and cuBLAS entries that
 * cuda/solver.cu calls: one function per routine takes the dtype and untyped pointers. Real
 * outputs (singular values) and real workspaces (rwork) are float for float32 and complex64,
 * double otherwise. Included by cuda/solver.cu only. */
#ifndef CA_SOLVER_TYPED_CUH
#define CA_SOLVER_TYPED_CUH

#include <cublas_v2.h>
#include <cusolverDn.h>
#include "../src/dtype.h"

namespace {

cublasStatus_t getrf_batched(cublasHandle_t h, int dt, int n, char **a, int lda, int *piv,
                             int *info, int batch) {
  switch (dt) {
  case CA_FLOAT32: return cublasSgetrfBatched(h, n, (float **)a, lda, piv, info, batch);
  case CA_FLOAT64: return cublasDgetrfBatched(h, n, (double **)a, lda, piv, info, batch);
  case CA_COMPLEX64: return cublasCgetrfBatched(h, n, (cuComplex **)a, lda, piv, info, batch);
  default: return cublasZgetrfBatched(h, n, (cuDoubleComplex **)a, lda, piv, info, batch);
  }
}

cublasStatus_t getrs_batched(cublasHandle_t h, int dt, cublasOperation_t tr, int n, int nrhs,
                             char **a, int lda, const int *piv, char **b, int ldb, int *info,
                             int batch) {
  switch (dt) {
  case CA_FLOAT32:
    return cublasSgetrsBatched(h, tr, n, nrhs, (const float *const *)a, lda, piv, (float **)b, ldb,
                               info, batch);
  case CA_FLOAT64:
    return cublasDgetrsBatched(h, tr, n, nrhs, (const double *const *)a, lda, piv, (double **)b,
                               ldb, info, batch);
  case CA_COMPLEX64:
    return cublasCgetrsBatched(h, tr, n, nrhs, (const cuComplex *const *)a, lda, piv,
                               (cuComplex **)b, ldb, info, batch);
  default:
    return cublasZgetrsBatched(h, tr, n, nrhs, (const cuDoubleComplex *const *)a, lda, piv,
                               (cuDoubleComplex **)b, ldb, info, batch);
  }
}

cusolverStatus_t potrf_size(cusolverDnHandle_t h, int dt, cublasFillMode_t uplo, int n, char *a,
                            int lda, int *lwork) {
  switch (dt) {
  case CA_FLOAT32: return cusolverDnSpotrf_bufferSize(h, uplo, n, (float *)a, lda, lwork);
  case CA_FLOAT64: return cusolverDnDpotrf_bufferSize(h, uplo, n, (double *)a, lda, lwork);
  case CA_COMPLEX64: return cusolverDnCpotrf_bufferSize(h, uplo, n, (cuComplex *)a, lda, lwork);
  default: return cusolverDnZpotrf_bufferSize(h, uplo, n, (cuDoubleComplex *)a, lda, lwork);
  }
}

cusolverStatus_t potrf(cusolverDnHandle_t h, int dt, cublasFillMode_t uplo, int n, char *a, int lda,
                       void *work, int lwork, int *info) {
  switch (dt) {
  case CA_FLOAT32:
    return cusolverDnSpotrf(h, uplo, n, (float *)a, lda, (float *)work, lwork, info);
  case CA_FLOAT64:
    return cusolverDnDpotrf(h, uplo, n, (double *)a, lda, (double *)work, lwork, info);
  case CA_COMPLEX64:
    return cusolverDnCpotrf(h, uplo, n, (cuComplex *)a, lda, (cuComplex *)work, lwork, info);
  default:
    return cusolverDnZpotrf(h, uplo, n, (cuDoubleComplex *)a, lda, (cuDoubleComplex *)work, lwork,
                            info);
  }
}

cusolverStatus_t potrf_batched(cusolverDnHandle_t h, int dt, cublasFillMode_t uplo, int n,
                               char **a, int lda, int *info, int batch) {
  switch (dt) {
  case CA_FLOAT32: return cusolverDnSpotrfBatched(h, uplo, n, (float **)a, lda, info, batch);
  case CA_FLOAT64: return cusolverDnDpotrfBatched(h, uplo, n, (double **)a, lda, info, batch);
  case CA_COMPLEX64:
    return cusolverDnCpotrfBatched(h, uplo, n, (cuComplex **)a, lda, info, batch);
  default: return cusolverDnZpotrfBatched(h, uplo, n, (cuDoubleComplex **)a, lda, info, batch);
  }
}

cusolverStatus_t orgqr_size(cusolverDnHandle_t h, int dt, int m, int n, int k, const char *a,
                            int lda, const char *tau, int *lwork) {
  switch (dt) {
  case CA_FLOAT32:
    return cusolverDnSorgqr_bufferSize(h, m, n, k, (const float *)a, lda, (const float *)tau,
                                       lwork);
  case CA_FLOAT64:
    return cusolverDnDorgqr_bufferSize(h, m, n, k, (const double *)a, lda, (const double *)tau,
                                       lwork);
  case CA_COMPLEX64:
    return cusolverDnCungqr_bufferSize(h, m, n, k, (const cuComplex *)a, lda,
                                       (const cuComplex *)tau, lwork);
  default:
    return cusolverDnZungqr_bufferSize(h, m, n, k, (const cuDoubleComplex *)a, lda,
                                       (const cuDoubleComplex *)tau, lwork);
  }
}

cusolverStatus_t orgqr(cusolverDnHandle_t h, int dt, int m, int n, int k, char *a, int lda,
                       const char *tau, void *work, int lwork, int *info) {
  switch (dt) {
  case CA_FLOAT32:
    return cusolverDnSorgqr(h, m, n, k, (float *)a, lda, (const float *)tau, (float *)work, lwork,
                            info);
  case CA_FLOAT64:
    return cusolverDnDorgqr(h, m, n, k, (double *)a, lda, (const double *)tau, (double *)work,
                            lwork, info);
  case CA_COMPLEX64:
    return cusolverDnCungqr(h, m, n, k, (cuComplex *)a, lda, (const cuComplex *)tau,
                            (cuComplex *)work, lwork, info);
  default:
    return cusolverDnZungqr(h, m, n, k, (cuDoubleComplex *)a, lda, (const cuDoubleComplex *)tau,
                            (cuDoubleComplex *)work, lwork, info);
  }
}

cusolverStatus_t gesvd_size(cusolverDnHandle_t h, int dt, int m, int n, int *lwork) {
  switch (dt) {
  case CA_FLOAT32: return cusolverDnSgesvd_bufferSize(h, m, n, lwork);
  case CA_FLOAT64: return cusolverDnDgesvd_bufferSize(h, m, n, lwork);
  case CA_COMPLEX64: return cusolverDnCgesvd_bufferSize(h, m, n, lwork);
  default: return cusolverDnZgesvd_bufferSize(h, m, n, lwork);
  }
}

/* s and rwork are real (float for float32 and complex64, double otherwise). */
cusolverStatus_t gesvd(cusolverDnHandle_t h, int dt, signed char jobu, signed char jobvt, int m,
                       int n, char *a, int lda, char *s, char *u, int ldu, char *vt, int ldvt,
                       void *work, int lwork, void *rwork, int *info) {
  switch (dt) {
  case CA_FLOAT32:
    return cusolverDnSgesvd(h, jobu, jobvt, m, n, (float *)a, lda, (float *)s, (float *)u, ldu,
                            (float *)vt, ldvt, (float *)work, lwork, (float *)rwork, info);
  case CA_FLOAT64:
    return cusolverDnDgesvd(h, jobu, jobvt, m, n, (double *)a, lda, (double *)s, (double *)u, ldu,
                            (double *)vt, ldvt, (double *)work, lwork, (double *)rwork, info);
  case CA_COMPLEX64:
    return cusolverDnCgesvd(h, jobu, jobvt, m, n, (cuComplex *)a, lda, (float *)s, (cuComplex *)u,
                            ldu, (cuComplex *)vt, ldvt, (cuComplex *)work, lwork, (float *)rwork,
                            info);
  default:
    return cusolverDnZgesvd(h, jobu, jobvt, m, n, (cuDoubleComplex *)a, lda, (double *)s,
                            (cuDoubleComplex *)u, ldu, (cuDoubleComplex *)vt, ldvt,
                            (cuDoubleComplex *)work, lwork, (double *)rwork, info);
  }
}

cusolverStatus_t gesvdj_size(cusolverDnHandle_t h, int dt, cusolverEigMode_t jobz, int econ,
                             int m, int n, const char *a, int lda, const char *s, const char *u,
                             int ldu, const char *v, int ldv, int *lwork, gesvdjInfo_t p) {
  switch (dt) {
  case CA_FLOAT32:
    return cusolverDnSgesvdj_bufferSize(h, jobz, econ, m, n, (const float *)a, lda,
                                        (const float *)s, (const float *)u, ldu, (const float *)v,
                                        ldv, lwork, p);
  case CA_FLOAT64:
    return cusolverDnDgesvdj_bufferSize(h, jobz, econ, m, n, (const double *)a, lda,
                                        (const double *)s, (const double *)u, ldu,
                                        (const double *)v, ldv, lwork, p);
  case CA_COMPLEX64:
    return cusolverDnCgesvdj_bufferSize(h, jobz, econ, m, n, (const cuComplex *)a, lda,
                                        (const float *)s, (const cuComplex *)u, ldu,
                                        (const cuComplex *)v, ldv, lwork, p);
  default:
    return cusolverDnZgesvdj_bufferSize(h, jobz, econ, m, n, (const cuDoubleComplex *)a, lda,
                                        (const double *)s, (const cuDoubleComplex *)u, ldu,
                                        (const cuDoubleComplex *)v, ldv, lwork, p);
  }
}

cusolverStatus_t gesvdj(cusolverDnHandle_t h, int dt, cusolverEigMode_t jobz, int econ, int m,
                        int n, char *a, int lda, char *s, char *u, int ldu, char *v, int ldv,
                        void *work, int lwork, int *info, gesvdjInfo_t p) {
  switch (dt) {
  case CA_FLOAT32:
    return cusolverDnSgesvdj(h, jobz, econ, m, n, (float *)a, lda, (float *)s, (float *)u, ldu,
                             (float *)v, ldv, (float *)work, lwork, info, p);
  case CA_FLOAT64:
    return cusolverDnDgesvdj(h, jobz, econ, m, n, (double *)a, lda, (double *)s, (double *)u, ldu,
                             (double *)v, ldv, (double *)work, lwork, info, p);
  case CA_COMPLEX64:
    return cusolverDnCgesvdj(h, jobz, econ, m, n, (cuComplex *)a, lda, (float *)s,
                             (cuComplex *)u, ldu, (cuComplex *)v, ldv, (cuComplex *)work, lwork,
                             info, p);
  default:
    return cusolverDnZgesvdj(h, jobz, econ, m, n, (cuDoubleComplex *)a, lda, (double *)s,
                             (cuDoubleComplex *)u, ldu, (cuDoubleComplex *)v, ldv,
                             (cuDoubleComplex *)work, lwork, info, p);
  }
}

cusolverStatus_t gesvdj_batched_size(cusolverDnHandle_t h, int dt, cusolverEigMode_t jobz, int m,
                                     int n, const char *a, int lda, const char *s, const char *u,
                                     int ldu, const char *v, int ldv, int *lwork, gesvdjInfo_t p,
                                     int batch) {
  switch (dt) {
  case CA_FLOAT32:
    return cusolverDnSgesvdjBatched_bufferSize(h, jobz, m, n, (const float *)a, lda,
                                               (const float *)s, (const float *)u, ldu,
                                               (const float *)v, ldv, lwork, p, batch);
  case CA_FLOAT64:
    return cusolverDnDgesvdjBatched_bufferSize(h, jobz, m, n, (const double *)a, lda,
                                               (const double *)s, (const double *)u, ldu,
                                               (const double *)v, ldv, lwork, p, batch);
  case CA_COMPLEX64:
    return cusolverDnCgesvdjBatched_bufferSize(h, jobz, m, n, (const cuComplex *)a, lda,
                                               (const float *)s, (const cuComplex *)u, ldu,
                                               (const cuComplex *)v, ldv, lwork, p, batch);
  default:
    return cusolverDnZgesvdjBatched_bufferSize(h, jobz, m, n, (const cuDoubleComplex *)a, lda,
                                               (const double *)s, (const cuDoubleComplex *)u,
                                               ldu, (const cuDoubleComplex *)v, ldv, lwork, p,
                                               batch);
  }
}

cusolverStatus_t gesvdj_batched(cusolverDnHandle_t h, int dt, cusolverEigMode_t jobz, int m,
                                int n, char *a, int lda, char *s, char *u, int ldu, char *v,
                                int ldv, void *work, int lwork, int *info, gesvdjInfo_t p,
                                int batch) {
  switch (dt) {
  case CA_FLOAT32:
    return cusolverDnSgesvdjBatched(h, jobz, m, n, (float *)a, lda, (float *)s, (float *)u, ldu,
                                    (float *)v, ldv, (float *)work, lwork, info, p, batch);
  case CA_FLOAT64:
    return cusolverDnDgesvdjBatched(h, jobz, m, n, (double *)a, lda, (double *)s, (double *)u,
                                    ldu, (double *)v, ldv, (double *)work, lwork, info, p, batch);
  case CA_COMPLEX64:
    return cusolverDnCgesvdjBatched(h, jobz, m, n, (cuComplex *)a, lda, (float *)s,
                                    (cuComplex *)u, ldu, (cuComplex *)v, ldv, (cuComplex *)work,
                                    lwork, info, p, batch);
  default:
    return cusolverDnZgesvdjBatched(h, jobz, m, n, (cuDoubleComplex *)a, lda, (double *)s,
                                    (cuDoubleComplex *)u, ldu, (cuDoubleComplex *)v, ldv,
                                    (cuDoubleComplex *)work, lwork, info, p, batch);
  }
}

} /* namespace */

#endif
