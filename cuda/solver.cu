/* Dense factorizations on the GPU: the getrf ... gesvd entries of src/backend.h, with cuSOLVER
 * (the handle lives in the context, cuda/context.cu) and cuBLAS's batched LU.
 *
 * Which routine, and why (the peers are CuPy and PyTorch on the same H200):
 *  - LU (getrf, gesv): one matrix, or large ones, loop over cusolverDnXgetrf/Xgetrs (64-bit API,
 *    PyTorch's cuSOLVER path); a stack of small ones (n < 512 and batch * 65536 >= n^2, the
 *    union of PyTorch's and CuPy's rules) goes to cublas<t>getrfBatched/getrsBatched in one
 *    call each, as CuPy's batched solve does.
 *  - Cholesky: the legacy <t>potrf looped (Xpotrf for matrices of 2^31 elements or more, which
 *    the legacy entry's int sizes may not address), always of the lower triangle in column
 *    order: cuSOLVER factors it 2.4x faster than the upper one at 4096 on the H200 (PyTorch
 *    factors the lower triangle of a Fortran-order copy: 1.9 ms; CuPy the upper one: 4.5 ms,
 *    as we did). An upper factor, which a C-order lower L is, is the lower one transposed:
 *    k_mirror copies the triangle that may be read onto the other first and moves the factor
 *    back after. potrfBatched for stacks of n <= 256 (PyTorch's batched route).
 *  - QR: Xgeqrf, then the legacy <t>orgqr (no 64-bit orgqr exists), looped, as both peers.
 *  - Symmetric eigen: Xsyevd looped (both peers' routine for large matrices); stacks of
 *    n <= 512 in one XsyevBatched call (packed, as it needs), which CuPy's batched eigh is far
 *    faster with than PyTorch's looped syevd.
 *  - SVD: float32 uses the QR-iteration <t>gesvd (CuPy's, the faster peer in float32), float64
 *    the Jacobi <t>gesvdj (PyTorch's, the faster peer in float64); stacks of matrices up to
 *    32 x 32 use gesvdjBatched (both peers). gesvdj returns V: it is transposed into V^T. A
 *    gesvdj that does not converge reports info > 0 (PyTorch instead reruns gesvd on a copy).
 *    A matrix holding a NaN reports info > 0 too, from a scan before the factorization (LAPACK
 *    refuses a NaN and NumPy raises; cuSOLVER need not say anything).
 *  - General eigen: Xgeev looped (PyTorch's; CuPy has no eig), right vectors only.
 *
 * Complex dtypes take the same routes through the C/Z variants (and the X API's CUDA_C_* types):
 * Hermitian eigen is Xsyevd/XsyevBatched with a real W, orgqr is <t>ungqr, and the kernels that
 * move a triangle (k_mirror) or transpose V (k_adjoint) conjugate, as a conjugate transpose
 * must. complex64 takes float32's SVD route, complex128 float64's.
 *
 * Workspaces come from the stream-ordered pool; host workspaces (the 64-bit API may ask for
 * some) are freed after the stream has finished with them. `info` is read back only when the
 * caller asks (one synchronization). */
#include <cublas_v2.h>
#include <cusolverDn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include "cu_kernels.cuh"
#include "solver_typed.cuh"

namespace {

const char *status_name(cusolverStatus_t st) {
  switch (st) {
  case CUSOLVER_STATUS_NOT_INITIALIZED: return "CUSOLVER_STATUS_NOT_INITIALIZED";
  case CUSOLVER_STATUS_ALLOC_FAILED: return "CUSOLVER_STATUS_ALLOC_FAILED";
  case CUSOLVER_STATUS_INVALID_VALUE: return "CUSOLVER_STATUS_INVALID_VALUE";
  case CUSOLVER_STATUS_ARCH_MISMATCH: return "CUSOLVER_STATUS_ARCH_MISMATCH";
  case CUSOLVER_STATUS_EXECUTION_FAILED: return "CUSOLVER_STATUS_EXECUTION_FAILED";
  case CUSOLVER_STATUS_INTERNAL_ERROR: return "CUSOLVER_STATUS_INTERNAL_ERROR";
  case CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED: return "CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED";
  case CUSOLVER_STATUS_NOT_SUPPORTED: return "CUSOLVER_STATUS_NOT_SUPPORTED";
  case CUSOLVER_STATUS_INVALID_WORKSPACE: return "CUSOLVER_STATUS_INVALID_WORKSPACE";
  default: return "cuSOLVER error";
  }
}

ca_status solver_fail(ca_backend *be, const char *call, cusolverStatus_t st) {
  char msg[200];
  snprintf(msg, sizeof msg, "%s: %s", call, status_name(st));
  return cu_fail_msg(be, st == CUSOLVER_STATUS_ALLOC_FAILED ? CA_ERR_NOMEM : CA_ERR_DEVICE, msg);
}

ca_status blas_fail(ca_backend *be, const char *call, cublasStatus_t st) {
  char msg[200];
  snprintf(msg, sizeof msg, "%s: %s", call, cublasGetStatusString(st));
  return cu_fail_msg(be, st == CUBLAS_STATUS_ALLOC_FAILED ? CA_ERR_NOMEM : CA_ERR_DEVICE, msg);
}

#define SOLVER(name, call)                                                                    \
  do {                                                                                        \
    cusolverStatus_t s_ = (call);                                                             \
    if (s_ != CUSOLVER_STATUS_SUCCESS) {                                                      \
      st = solver_fail(be, name, s_);                                                         \
      goto done;                                                                              \
    }                                                                                         \
  } while (0)
#define BLAS(name, call)                                                                      \
  do {                                                                                        \
    cublasStatus_t s_ = (call);                                                               \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                                        \
      st = blas_fail(be, name, s_);                                                           \
      goto done;                                                                              \
    }                                                                                         \
  } while (0)
#define TRY(call)                                                                             \
  do {                                                                                        \
    st = (call);                                                                              \
    if (st != CA_OK) goto done;                                                               \
  } while (0)

/* ---- workspaces ---------------------------------------------------------------------------- */

/* The scratch memory of one entry call, freed together (ws_free). */
struct ws {
  ca_backend *be;
  void *dev[8];
  int ndev;
  void *host;
};

ca_status ws_dev(ws *w, size_t bytes, void **p) {
  *p = NULL;
  if (w->ndev == 8) return cu_fail_msg(w->be, CA_ERR_DEVICE, "solver: too many workspaces");
  ca_status st = cu_scratch(w->be, bytes ? bytes : 16, p);
  if (st == CA_OK) w->dev[w->ndev++] = *p;
  return st;
}

ca_status ws_host(ws *w, size_t bytes, void **p) {
  *p = NULL;
  if (bytes == 0) return CA_OK;
  if (!(*p = malloc(bytes)))
    return cu_fail_msg(w->be, CA_ERR_NOMEM, "out of host memory for a cuSOLVER workspace");
  w->host = *p;
  return CA_OK;
}

/* The device and host workspaces a 64-bit entry's bufferSize query asked for. */
ca_status ws_query(ws *w, size_t dbytes, size_t hbytes, void **dwork, void **hwork) {
  ca_status st = ws_dev(w, dbytes, dwork);
  return st == CA_OK ? ws_host(w, hbytes, hwork) : st;
}

void ws_free(ws *w) {
  if (w->host) { /* the queued calls may still read it */
    if (cudaStreamSynchronize(cu_stream(w->be)) != cudaSuccess) (void)cudaGetLastError();
    free(w->host);
  }
  for (int i = 0; i < w->ndev; i++) cu_scratch_free(w->be, w->dev[i]);
}

/* ---- small kernels ------------------------------------------------------------------------- */

/* The element types' conjugate (a real value's is itself) and NaN test: a complex value is NaN
 * when either part is. */
__device__ inline float conj_of(float x) { return x; }
__device__ inline double conj_of(double x) { return x; }
__device__ inline ca_c8 conj_of(ca_c8 x) { return ca_c8_of(x.re, -x.im); }
__device__ inline ca_c16 conj_of(ca_c16 x) { return ca_c16_of(x.re, -x.im); }
__device__ inline bool nan_in(float x) { return x != x; }
__device__ inline bool nan_in(double x) { return x != x; }
__device__ inline bool nan_in(ca_c8 x) { return x.re != x.re || x.im != x.im; }
__device__ inline bool nan_in(ca_c16 x) { return x.re != x.re || x.im != x.im; }

/* Calls f with a value (zero) of dtype dt's element type: f(float()), ..., f(ca_c16()). */
template <class F>
void by_type(int dt, F f) {
  switch (dt) {
  case CA_FLOAT32: f(float()); break;
  case CA_FLOAT64: f(double()); break;
  case CA_COMPLEX64: f(ca_c8()); break;
  default: f(ca_c16()); break;
  }
}

/* out[i] = base + i * step bytes: the pointer arrays of the batched routines. */
__global__ void k_ptrs(char **out, char *base, int64_t step, int64_t n) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    out[i] = base + i * step;
}

/* The int32 pivots of cuBLAS's batched LU as the contract's int64 ones. */
__global__ void k_widen(int64_t *dst, int64_t dbs, const int *src, int64_t n, int64_t total) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (int64_t)gridDim.x * blockDim.x)
    dst[(i / n) * dbs + i % n] = src[i];
}

/* The kernels below walk a batch of column-major matrices a column per block (the blocks
 * grid-stride over batch * cols columns, the threads over the rows): one division per column,
 * none per element. */

/* Zeroes the triangle potrf leaves alone: strictly below the diagonal for an upper factor,
 * strictly above it for a lower one. */
template <class T>
__global__ void k_zero_triangle(T *a, int64_t n, int64_t ld, int64_t bs, int upper, int64_t batch) {
  for (int64_t pc = blockIdx.x; pc < batch * n; pc += gridDim.x) {
    int64_t p = pc / n, col = pc % n;
    int64_t lo = upper ? col + 1 : 0, hi = upper ? n : col;
    T *c = a + p * bs + col * ld;
    for (int64_t row = lo + threadIdx.x; row < hi; row += blockDim.x) c[row] = T();
  }
}

/* Copies one strict triangle of each n x n column-major matrix onto the other, conjugate
 * transposed (the other triangle of a Hermitian matrix, the factor of the other side):
 * to_upper copies the lower one up, else the upper one down; with zero_src the source triangle
 * is then zeroed (a move). One 32 x 8 block per 32 x 32 tile at or above the diagonal reads the
 * source tile into shared memory and writes it transposed, so reads and writes are coalesced;
 * no other block touches either tile. */
template <class T>
__global__ void k_mirror(T *base, int64_t n, int64_t ld, int64_t bs, int64_t batch, int to_upper,
                         int zero_src) {
  __shared__ T tile[32][33];
  const int64_t ur = blockIdx.y, uc = blockIdx.x; /* the upper tile's row and column blocks */
  if (ur > uc) return;
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t sr0 = (to_upper ? uc : ur) * 32, sc0 = (to_upper ? ur : uc) * 32;
  for (int64_t p = blockIdx.z; p < batch; p += gridDim.z) {
    T *a = base + p * bs;
    for (int k = ty; k < 32; k += 8) {
      int64_t r = sr0 + tx, c = sc0 + k;
      if (r < n && c < n) tile[k][tx] = a[r + c * ld];
    }
    __syncthreads();
    for (int k = ty; k < 32; k += 8) { /* destination (r, c) takes source (c, r) */
      int64_t r = sc0 + tx, c = sr0 + k;
      if (r < n && c < n && (to_upper ? r < c : r > c)) a[r + c * ld] = conj_of(tile[tx][k]);
    }
    if (zero_src)
      for (int k = ty; k < 32; k += 8) {
        int64_t r = sr0 + tx, c = sc0 + k;
        if (r < n && c < n && (to_upper ? r > c : r < c)) a[r + c * ld] = T();
      }
    __syncthreads();
  }
}

/* flag[p] = 1 for each problem p whose rows x cols matrix holds a NaN. */
template <class T>
__global__ void k_flag_nan(int *flag, const T *a, int64_t rows, int64_t cols, int64_t ld,
                           int64_t bs, int64_t batch) {
  for (int64_t pc = blockIdx.x; pc < batch * cols; pc += gridDim.x) {
    int64_t p = pc / cols, col = pc % cols;
    const T *c = a + p * bs + col * ld;
    for (int64_t row = threadIdx.x; row < rows; row += blockDim.x)
      if (nan_in(c[row])) flag[p] = 1;
  }
}

/* dst = src^H for a batch of column-major rows x cols matrices (dst is cols x rows). */
template <class T>
__global__ void k_adjoint(T *dst, int64_t dld, int64_t dbs, const T *src, int64_t sld,
                            int64_t sbs, int64_t rows, int64_t cols, int64_t total) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (int64_t)gridDim.x * blockDim.x) {
    int64_t p = i / (rows * cols), r = i % (rows * cols), col = r / rows, row = r % rows;
    dst[p * dbs + col + row * dld] = conj_of(src[p * sbs + row + col * sld]);
  }
}

unsigned grid_for(ca_backend *be, int64_t total) {
  return cuk::blocks_for(total, 256, (int64_t)cuk::sm_count(be) * 8);
}

/* The launch of a column-per-block kernel over `columns` columns of `rows` rows: threads for
 * the rows (a warp at least, 256 at most), blocks for the columns (32 per SM at most). */
struct column_launch {
  unsigned grid, block;
};

column_launch columns_for(ca_backend *be, int64_t columns, int64_t rows) {
  column_launch c;
  c.block = rows >= 256 ? 256 : (unsigned)((rows + 31) / 32 * 32);
  if (c.block == 0) c.block = 32;
  c.grid = cuk::blocks_for(columns, 1, (int64_t)cuk::sm_count(be) * 32);
  return c;
}

ca_status make_ptrs(ca_backend *be, ws *w, const ca_mats *x, size_t isz, int64_t batch,
                    char ***out) {
  ca_status st = ws_dev(w, sizeof(char *) * (size_t)batch, (void **)out);
  if (st != CA_OK) return st;
  k_ptrs<<<grid_for(be, batch), 256, 0, cu_stream(be)>>>(*out, x->data, x->bs * (int64_t)isz,
                                                          batch);
  return cu_check_launch(be, "solver pointer array");
}

/* ---- status -------------------------------------------------------------------------------- */

/* The first positive info of n device ints into *out (waits for the stream); a negative one
 * is an argument cuSOLVER refused. */
ca_status read_info(ca_backend *be, const int *dinfo, int64_t n, int *out) {
  *out = 0;
  int *h = (int *)malloc(sizeof(int) * (size_t)n);
  if (!h) return cu_fail_msg(be, CA_ERR_NOMEM, "out of host memory reading the solver status");
  cudaStream_t s = cu_stream(be);
  cudaError_t err = cudaMemcpyAsync(h, dinfo, sizeof(int) * (size_t)n, cudaMemcpyDeviceToHost, s);
  if (err == cudaSuccess) err = cudaStreamSynchronize(s);
  if (err != cudaSuccess) {
    free(h);
    return cu_fail(be, "reading the solver status", err);
  }
  ca_status st = CA_OK;
  for (int64_t i = 0; i < n; i++) {
    if (h[i] < 0) {
      char msg[120];
      snprintf(msg, sizeof msg, "cuSOLVER refused argument %d", -h[i]);
      st = cu_fail_msg(be, CA_ERR_DEVICE, msg);
      break;
    }
    if (h[i] > 0) {
      *out = h[i];
      break;
    }
  }
  free(h);
  return st;
}

ca_status zeroed_info(ws *w, int64_t n, int **dinfo) {
  ca_status st = ws_dev(w, sizeof(int) * (size_t)n, (void **)dinfo);
  if (st != CA_OK) return st;
  cudaError_t err = cudaMemsetAsync(*dinfo, 0, sizeof(int) * (size_t)n, cu_stream(w->be));
  return err == cudaSuccess ? CA_OK : cu_fail(w->be, "cudaMemsetAsync", err);
}

/* What every entry holds: its scratch, and `ninfo` device statuses, zeroed on the stream. */
struct frame {
  ws w;
  int *dinfo;
  int64_t ninfo;
};

ca_status frame_open(ca_backend *be, frame *f, int64_t ninfo) {
  f->w = ws{be, {NULL}, 0, NULL};
  f->dinfo = NULL;
  f->ninfo = ninfo;
  return zeroed_info(&f->w, ninfo, &f->dinfo);
}

/* An entry's end: the statuses into l->info when the caller asks and nothing failed (one
 * synchronization), and the scratch freed. Returns the entry's status. */
ca_status frame_close(frame *f, const ca_lapack *l, ca_status st) {
  if (st == CA_OK && l->info) st = read_info(f->w.be, f->dinfo, f->ninfo, l->info);
  ws_free(&f->w);
  return st;
}

ca_status check_dtype(ca_backend *be, const ca_lapack *l) {
  int dt = l->dtype;
  if (dt == CA_FLOAT32 || dt == CA_FLOAT64 || dt == CA_COMPLEX64 || dt == CA_COMPLEX128)
    return CA_OK;
  return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "the cuSOLVER entries take float32, float64, "
                     "complex64 and complex128");
}

ca_status too_large(ca_backend *be, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s takes matrices of fewer than 2^31 rows and columns", what);
  return cu_fail_msg(be, CA_ERR_UNSUPPORTED, msg);
}

inline bool fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

cudaDataType cuda_type(int dt) {
  switch (dt) {
  case CA_FLOAT32: return CUDA_R_32F;
  case CA_FLOAT64: return CUDA_R_64F;
  case CA_COMPLEX64: return CUDA_C_32F;
  default: return CUDA_C_64F;
  }
}

inline char *at(const ca_mats &x, int64_t p, size_t isz) { return x.data + p * x.bs * (int64_t)isz; }

/* Stacks of small matrices go to cuBLAS's batched LU (see the top of the file). */
bool batched_lu(const ca_lapack *l) {
  return l->batch > 1 && l->n < 512 && l->batch * 65536 >= l->n * l->n && fits_int(l->batch) &&
         fits_int(l->a.ld) && fits_int(l->b.ld) && fits_int(l->k);
}

} /* namespace */

/* ---- LU ---------------------------------------------------------------------------------------- */

/* LU of every problem: int32 pivots into piv32 (batched path) or int64 ones into piv64 (the
 * 64-bit path, problem p's at piv64 + p * pbs), statuses into dinfo. */
static ca_status lu_factor(ca_backend *be, ws *w, const ca_lapack *l, int **piv32,
                           int64_t *piv64, int64_t pbs, int *dinfo, char ***aptrs) {
  ca_status st = CA_OK;
  size_t isz = ca_itemsize(l->dtype);
  int64_t n = l->n;
  if (batched_lu(l)) {
    cublasHandle_t h = (cublasHandle_t)cu_cublas(be);
    if (!h) return CA_ERR_DEVICE;
    TRY(make_ptrs(be, w, &l->a, isz, l->batch, aptrs));
    TRY(ws_dev(w, sizeof(int) * (size_t)(n * l->batch), (void **)piv32));
    BLAS("cublas<t>getrfBatched", getrf_batched(h, l->dtype, (int)n, *aptrs, (int)l->a.ld, *piv32,
                                                dinfo, (int)l->batch));
  } else {
    void *params = NULL, *dwork, *hwork;
    cusolverDnHandle_t h = (cusolverDnHandle_t)cu_cusolver(be, &params);
    if (!h) return CA_ERR_DEVICE;
    cusolverDnParams_t prm = (cusolverDnParams_t)params;
    cudaDataType t = cuda_type(l->dtype);
    size_t db = 0, hb = 0;
    SOLVER("cusolverDnXgetrf_bufferSize",
           cusolverDnXgetrf_bufferSize(h, prm, n, n, t, l->a.data, l->a.ld, t, &db, &hb));
    TRY(ws_query(w, db, hb, &dwork, &hwork));
    for (int64_t p = 0; p < l->batch; p++)
      SOLVER("cusolverDnXgetrf", cusolverDnXgetrf(h, prm, n, n, t, at(l->a, p, isz), l->a.ld,
                                                  piv64 + p * pbs, t, dwork, db, hwork, hb,
                                                  dinfo + p));
  }
done:
  return st;
}

extern "C" ca_status cu_getrf(ca_backend *be, const ca_lapack *l) {
  ca_status st = check_dtype(be, l);
  if (st != CA_OK) return st;
  frame f;
  int *piv32 = NULL;
  char **aptrs = NULL;
  TRY(frame_open(be, &f, l->batch));
  TRY(lu_factor(be, &f.w, l, &piv32, (int64_t *)l->v.data, l->v.bs, f.dinfo, &aptrs));
  if (piv32) {
    int64_t total = l->n * l->batch;
    k_widen<<<grid_for(be, total), 256, 0, cu_stream(be)>>>((int64_t *)l->v.data, l->v.bs, piv32,
                                                            l->n, total);
    TRY(cu_check_launch(be, "getrf pivots"));
  }
done:
  return frame_close(&f, l, st);
}

extern "C" ca_status cu_gesv(ca_backend *be, const ca_lapack *l) {
  ca_status st = check_dtype(be, l);
  if (st != CA_OK) return st;
  frame f;
  size_t isz = ca_itemsize(l->dtype);
  int *piv32 = NULL;
  int64_t *piv64 = NULL;
  char **aptrs = NULL, **bptrs = NULL;
  cublasOperation_t tr = l->trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  TRY(frame_open(be, &f, l->batch));
  if (!batched_lu(l)) TRY(ws_dev(&f.w, sizeof(int64_t) * (size_t)(l->n * l->batch), (void **)&piv64));
  TRY(lu_factor(be, &f.w, l, &piv32, piv64, l->n, f.dinfo, &aptrs));
  if (piv32) {
    int hinfo = 0;
    cublasHandle_t h = (cublasHandle_t)cu_cublas(be);
    if (!h) TRY(CA_ERR_DEVICE);
    TRY(make_ptrs(be, &f.w, &l->b, isz, l->batch, &bptrs));
    BLAS("cublas<t>getrsBatched", getrs_batched(h, l->dtype, tr, (int)l->n, (int)l->k, aptrs,
                                                (int)l->a.ld, piv32, bptrs, (int)l->b.ld, &hinfo,
                                                (int)l->batch));
    if (hinfo != 0) TRY(cu_fail_msg(be, CA_ERR_DEVICE, "cublas<t>getrsBatched refused an argument"));
  } else {
    void *params = NULL;
    int *rinfo = NULL;
    cusolverDnHandle_t h = (cusolverDnHandle_t)cu_cusolver(be, &params);
    if (!h) TRY(CA_ERR_DEVICE);
    cudaDataType t = cuda_type(l->dtype);
    TRY(ws_dev(&f.w, sizeof(int), (void **)&rinfo));
    for (int64_t p = 0; p < l->batch; p++)
      SOLVER("cusolverDnXgetrs",
             cusolverDnXgetrs(h, (cusolverDnParams_t)params, tr, l->n, l->k, t, at(l->a, p, isz),
                              l->a.ld, piv64 + p * l->n, t, at(l->b, p, isz), l->b.ld, rinfo));
  }
done:
  return frame_close(&f, l, st);
}

/* ---- Cholesky ---------------------------------------------------------------------------------- */

extern "C" ca_status cu_potrf(ca_backend *be, const ca_lapack *l) {
  ca_status st = check_dtype(be, l);
  if (st != CA_OK) return st;
  frame f;
  size_t isz = ca_itemsize(l->dtype);
  int64_t n = l->n;
  void *params = NULL;
  cublasFillMode_t uplo = l->upper ? CUBLAS_FILL_MODE_UPPER : CUBLAS_FILL_MODE_LOWER;
  cusolverDnHandle_t h = (cusolverDnHandle_t)cu_cusolver(be, &params);
  if (!h) return CA_ERR_DEVICE;
  cudaStream_t s = cu_stream(be);
  int batched = l->batch > 1 && n <= 256 && fits_int(l->batch) && fits_int(l->a.ld);
  /* cuSOLVER's potrf of the lower triangle runs 2.4x faster than of the upper one at 4096
   * (PyTorch's 1.9 ms against CuPy's 4.5 on the H200), so an upper factor is the transposed
   * lower one: the upper triangle copied down first (only it may be read), moved back after. */
  int mirrored = l->upper && !batched;
  dim3 tiles((unsigned)((n + 31) / 32), (unsigned)((n + 31) / 32),
             (unsigned)(l->batch < 65535 ? l->batch : 65535));
  TRY(frame_open(be, &f, l->batch));
  if (mirrored) {
    uplo = CUBLAS_FILL_MODE_LOWER;
    by_type(l->dtype, [&](auto zero) {
      using T = decltype(zero);
      k_mirror<T><<<tiles, dim3(32, 8), 0, s>>>((T *)l->a.data, n, l->a.ld, l->a.bs, l->batch, 0, 0);
    });
    TRY(cu_check_launch(be, "potrf mirror"));
  }
  if (batched) {
    char **ptrs = NULL;
    TRY(make_ptrs(be, &f.w, &l->a, isz, l->batch, &ptrs));
    SOLVER("cusolverDn<t>potrfBatched", potrf_batched(h, l->dtype, uplo, (int)n, ptrs,
                                                      (int)l->a.ld, f.dinfo, (int)l->batch));
  } else if (fits_int(n) && fits_int(l->a.ld) && l->a.ld * n <= INT_MAX) {
    int lwork = 0;
    void *work;
    SOLVER("cusolverDn<t>potrf_bufferSize",
           potrf_size(h, l->dtype, uplo, (int)n, l->a.data, (int)l->a.ld, &lwork));
    TRY(ws_dev(&f.w, isz * (size_t)lwork, &work));
    for (int64_t p = 0; p < l->batch; p++)
      SOLVER("cusolverDn<t>potrf", potrf(h, l->dtype, uplo, (int)n, at(l->a, p, isz),
                                         (int)l->a.ld, work, lwork, f.dinfo + p));
  } else {
    void *dwork, *hwork;
    cusolverDnParams_t prm = (cusolverDnParams_t)params;
    cudaDataType t = cuda_type(l->dtype);
    size_t db = 0, hb = 0;
    SOLVER("cusolverDnXpotrf_bufferSize",
           cusolverDnXpotrf_bufferSize(h, prm, uplo, n, t, l->a.data, l->a.ld, t, &db, &hb));
    TRY(ws_query(&f.w, db, hb, &dwork, &hwork));
    for (int64_t p = 0; p < l->batch; p++)
      SOLVER("cusolverDnXpotrf", cusolverDnXpotrf(h, prm, uplo, n, t, at(l->a, p, isz), l->a.ld,
                                                  t, dwork, db, hwork, hb, f.dinfo + p));
  }
  if (mirrored) {
    by_type(l->dtype, [&](auto zero) {
      using T = decltype(zero);
      k_mirror<T><<<tiles, dim3(32, 8), 0, s>>>((T *)l->a.data, n, l->a.ld, l->a.bs, l->batch, 1, 1);
    });
    TRY(cu_check_launch(be, "potrf mirror"));
  } else {
    column_launch c = columns_for(be, l->batch * n, n);
    by_type(l->dtype, [&](auto zero) {
      using T = decltype(zero);
      k_zero_triangle<T><<<c.grid, c.block, 0, s>>>((T *)l->a.data, n, l->a.ld, l->a.bs, l->upper,
                                                    l->batch);
    });
    TRY(cu_check_launch(be, "potrf triangle"));
  }
done:
  return frame_close(&f, l, st);
}

/* ---- QR ---------------------------------------------------------------------------------------- */

extern "C" ca_status cu_geqrf(ca_backend *be, const ca_lapack *l) {
  ca_status st = check_dtype(be, l);
  if (st != CA_OK) return st;
  frame f;
  size_t isz = ca_itemsize(l->dtype);
  void *params = NULL, *dwork, *hwork;
  size_t db = 0, hb = 0;
  cudaDataType t = cuda_type(l->dtype);
  cusolverDnHandle_t h = (cusolverDnHandle_t)cu_cusolver(be, &params);
  if (!h) return CA_ERR_DEVICE;
  cusolverDnParams_t prm = (cusolverDnParams_t)params;
  TRY(frame_open(be, &f, 1));
  SOLVER("cusolverDnXgeqrf_bufferSize",
         cusolverDnXgeqrf_bufferSize(h, prm, l->m, l->n, t, l->a.data, l->a.ld, t, l->v.data, t, &db,
                                     &hb));
  TRY(ws_query(&f.w, db, hb, &dwork, &hwork));
  for (int64_t p = 0; p < l->batch; p++)
    SOLVER("cusolverDnXgeqrf", cusolverDnXgeqrf(h, prm, l->m, l->n, t, at(l->a, p, isz), l->a.ld,
                                                t, at(l->v, p, isz), t, dwork, db, hwork, hb, f.dinfo));
done:
  return frame_close(&f, l, st);
}

extern "C" ca_status cu_orgqr(ca_backend *be, const ca_lapack *l) {
  ca_status st = check_dtype(be, l);
  if (st != CA_OK) return st;
  if (!fits_int(l->m) || !fits_int(l->n) || !fits_int(l->k) || !fits_int(l->a.ld))
    return too_large(be, "orgqr");
  frame f;
  size_t isz = ca_itemsize(l->dtype);
  int m = (int)l->m, n = (int)l->n, k = (int)l->k, lda = (int)l->a.ld, lwork = 0;
  void *work;
  cusolverDnHandle_t h = (cusolverDnHandle_t)cu_cusolver(be, NULL);
  if (!h) return CA_ERR_DEVICE;
  TRY(frame_open(be, &f, 1));
  SOLVER("cusolverDn<t>orgqr_bufferSize",
         orgqr_size(h, l->dtype, m, n, k, l->a.data, lda, l->v.data, &lwork));
  TRY(ws_dev(&f.w, isz * (size_t)lwork, &work));
  for (int64_t p = 0; p < l->batch; p++)
    SOLVER("cusolverDn<t>orgqr", orgqr(h, l->dtype, m, n, k, at(l->a, p, isz), lda,
                                       at(l->v, p, isz), work, lwork, f.dinfo));
done:
  return frame_close(&f, l, st);
}

/* ---- symmetric eigenproblems ----------------------------------------------------------------- */

extern "C" ca_status cu_syevd(ca_backend *be, const ca_lapack *l) {
  ca_status st = check_dtype(be, l);
  if (st != CA_OK) return st;
  frame f;
  size_t isz = ca_itemsize(l->dtype), rsz = ca_itemsize(ca_real_of(l->dtype));
  int64_t n = l->n;
  void *params = NULL, *dwork, *hwork;
  size_t db = 0, hb = 0;
  cudaDataType t = cuda_type(l->dtype), tw = cuda_type(ca_real_of(l->dtype)); /* W is real */
  cusolverEigMode_t jobz = l->job ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  cublasFillMode_t uplo = l->upper ? CUBLAS_FILL_MODE_UPPER : CUBLAS_FILL_MODE_LOWER;
  cusolverDnHandle_t h = (cusolverDnHandle_t)cu_cusolver(be, &params);
  if (!h) return CA_ERR_DEVICE;
  cusolverDnParams_t prm = (cusolverDnParams_t)params;
  TRY(frame_open(be, &f, l->batch));
  if (l->batch > 1 && n <= 512 && l->a.bs == l->a.ld * n && l->v.bs == n) {
    /* packed stacks in one call; it takes at most 2^31 - 1 elements per call */
    int64_t chunk = (int64_t)INT_MAX / (n * l->a.ld);
    if (chunk > l->batch) chunk = l->batch;
    SOLVER("cusolverDnXsyevBatched_bufferSize",
           cusolverDnXsyevBatched_bufferSize(h, prm, jobz, uplo, n, t, l->a.data, l->a.ld, tw,
                                             l->v.data, t, &db, &hb, chunk));
    TRY(ws_query(&f.w, db, hb, &dwork, &hwork));
    for (int64_t p = 0; p < l->batch; p += chunk) {
      int64_t cnt = l->batch - p < chunk ? l->batch - p : chunk;
      SOLVER("cusolverDnXsyevBatched",
             cusolverDnXsyevBatched(h, prm, jobz, uplo, n, t, at(l->a, p, isz), l->a.ld, tw,
                                    at(l->v, p, rsz), t, dwork, db, hwork, hb, f.dinfo + p, cnt));
    }
  } else {
    SOLVER("cusolverDnXsyevd_bufferSize",
           cusolverDnXsyevd_bufferSize(h, prm, jobz, uplo, n, t, l->a.data, l->a.ld, tw, l->v.data,
                                       t, &db, &hb));
    TRY(ws_query(&f.w, db, hb, &dwork, &hwork));
    for (int64_t p = 0; p < l->batch; p++)
      SOLVER("cusolverDnXsyevd", cusolverDnXsyevd(h, prm, jobz, uplo, n, t, at(l->a, p, isz),
                                                  l->a.ld, tw, at(l->v, p, rsz), t, dwork, db,
                                                  hwork, hb, f.dinfo + p));
  }
done:
  return frame_close(&f, l, st);
}

/* ---- SVD (a is m x n with m >= n) ------------------------------------------------------------- */

namespace {

/* V (batch of n x n, packed, ld n) conjugate transposed into the caller's V^H (V^T if real). */
ca_status store_vt(ca_backend *be, const ca_lapack *l, const char *v) {
  int64_t n = l->n, total = l->batch * n * n;
  unsigned g = grid_for(be, total);
  cudaStream_t s = cu_stream(be);
  by_type(l->dtype, [&](auto zero) {
    using T = decltype(zero);
    k_adjoint<T><<<g, 256, 0, s>>>((T *)l->c.data, l->c.ld, l->c.bs, (const T *)v, n, n * n, n, n,
                                   total);
  });
  return cu_check_launch(be, "svd V^H");
}

/* flag[p] = 1 where problem p's matrix holds a NaN: LAPACK reports one (NumPy's "SVD did not
 * converge"), where cuSOLVER's routines may return without a word. */
ca_status flag_nan(ca_backend *be, const ca_lapack *l, int *flag) {
  column_launch c = columns_for(be, l->batch * l->n, l->m);
  cudaStream_t s = cu_stream(be);
  by_type(l->dtype, [&](auto zero) {
    using T = decltype(zero);
    k_flag_nan<T><<<c.grid, c.block, 0, s>>>(flag, (const T *)l->a.data, l->m, l->n, l->a.ld,
                                             l->a.bs, l->batch);
  });
  return cu_check_launch(be, "svd NaN check");
}

/* QR iteration (<t>gesvd), float32's and complex64's route: U and V^T (V^H) straight into the
 * caller's. */
ca_status svd_qr(ca_backend *be, ws *w, const ca_lapack *l, int *dinfo) {
  ca_status st = CA_OK;
  size_t isz = ca_itemsize(l->dtype), rsz = ca_itemsize(ca_real_of(l->dtype));
  int m = (int)l->m, n = (int)l->n, lda = (int)l->a.ld, lwork = 0;
  int vec = l->job != CA_SVD_NONE;
  signed char jobu = l->job == CA_SVD_FULL ? 'A' : vec ? 'S' : 'N', jobvt = vec ? 'A' : 'N';
  int ldu = vec ? (int)l->b.ld : m, ldvt = vec ? (int)l->c.ld : n;
  void *work, *rwork;
  cusolverDnHandle_t h = (cusolverDnHandle_t)cu_cusolver(be, NULL);
  if (!h) return CA_ERR_DEVICE;
  SOLVER("cusolverDn<t>gesvd_bufferSize", gesvd_size(h, l->dtype, m, n, &lwork));
  TRY(ws_dev(w, isz * (size_t)lwork, &work));
  TRY(ws_dev(w, isz * (size_t)n, &rwork));
  for (int64_t p = 0; p < l->batch; p++)
    SOLVER("cusolverDn<t>gesvd",
           gesvd(h, l->dtype, jobu, jobvt, m, n, at(l->a, p, isz), lda, at(l->v, p, rsz),
                 vec ? at(l->b, p, isz) : NULL, ldu, vec ? at(l->c, p, isz) : NULL, ldvt, work,
                 lwork, rwork, dinfo + p));
done:
  return st;
}

/* One-sided Jacobi (<t>gesvdj), float64's and complex128's route, looped; V goes through a
 * scratch batch. */
ca_status svd_jacobi(ca_backend *be, ws *w, const ca_lapack *l, int *dinfo, gesvdjInfo_t gp) {
  ca_status st = CA_OK;
  size_t isz = ca_itemsize(l->dtype), rsz = ca_itemsize(ca_real_of(l->dtype));
  int m = (int)l->m, n = (int)l->n, lda = (int)l->a.ld, lwork = 0;
  int vec = l->job != CA_SVD_NONE, econ = l->job != CA_SVD_FULL;
  cusolverEigMode_t jobz = vec ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  int ldu = vec ? (int)l->b.ld : m;
  void *u0 = NULL, *v = NULL, *work;
  cusolverDnHandle_t h = (cusolverDnHandle_t)cu_cusolver(be, NULL);
  if (!h) return CA_ERR_DEVICE;
  if (!vec) TRY(ws_dev(w, isz * (size_t)m * (size_t)n, &u0));   /* not read, but required */
  TRY(ws_dev(w, isz * (size_t)n * (size_t)n * (size_t)(vec ? l->batch : 1), &v));
  SOLVER("cusolverDn<t>gesvdj_bufferSize",
         gesvdj_size(h, l->dtype, jobz, econ, m, n, l->a.data, lda, l->v.data,
                     vec ? l->b.data : (char *)u0, ldu, (char *)v, n, &lwork, gp));
  TRY(ws_dev(w, isz * (size_t)lwork, &work));
  for (int64_t p = 0; p < l->batch; p++)
    SOLVER("cusolverDn<t>gesvdj",
           gesvdj(h, l->dtype, jobz, econ, m, n, at(l->a, p, isz), lda, at(l->v, p, rsz),
                  vec ? at(l->b, p, isz) : (char *)u0, ldu,
                  (char *)v + (vec ? p * n * n * (int64_t)isz : 0), n, work, lwork, dinfo + p, gp));
  if (vec) TRY(store_vt(be, l, (const char *)v));
done:
  return st;
}

/* Stacks of matrices up to 32 x 32 in one gesvdjBatched call (full U; packed operands). */
bool jacobi_batched_fits(const ca_lapack *l) {
  return l->batch > 1 && l->m <= 32 && fits_int(l->batch) &&
         (l->job != CA_SVD_REDUCED || l->m == l->n) && l->a.bs == l->a.ld * l->n &&
         l->v.bs == l->n && (l->job == CA_SVD_NONE || l->b.bs == l->b.ld * l->m);
}

ca_status svd_jacobi_batched(ca_backend *be, ws *w, const ca_lapack *l, int *dinfo,
                             gesvdjInfo_t gp) {
  ca_status st = CA_OK;
  size_t isz = ca_itemsize(l->dtype);
  int m = (int)l->m, n = (int)l->n, lda = (int)l->a.ld, batch = (int)l->batch, lwork = 0;
  int vec = l->job != CA_SVD_NONE;
  cusolverEigMode_t jobz = vec ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  int ldu = vec ? (int)l->b.ld : m;
  void *u = vec ? (void *)l->b.data : NULL, *v = NULL, *work;
  cusolverDnHandle_t h = (cusolverDnHandle_t)cu_cusolver(be, NULL);
  if (!h) return CA_ERR_DEVICE;
  SOLVER("cusolverDnXgesvdjSetSortEig", cusolverDnXgesvdjSetSortEig(gp, 1));
  if (!vec) TRY(ws_dev(w, isz * (size_t)m * (size_t)m * (size_t)batch, &u));
  TRY(ws_dev(w, isz * (size_t)n * (size_t)n * (size_t)batch, &v));
  SOLVER("cusolverDn<t>gesvdjBatched_bufferSize",
         gesvdj_batched_size(h, l->dtype, jobz, m, n, l->a.data, lda, l->v.data, (char *)u, ldu,
                             (char *)v, n, &lwork, gp, batch));
  TRY(ws_dev(w, isz * (size_t)lwork, &work));
  SOLVER("cusolverDn<t>gesvdjBatched",
         gesvdj_batched(h, l->dtype, jobz, m, n, l->a.data, lda, l->v.data, (char *)u, ldu,
                        (char *)v, n, work, lwork, dinfo, gp, batch));
  if (vec) TRY(store_vt(be, l, (const char *)v));
done:
  return st;
}

} /* namespace */

extern "C" ca_status cu_gesvd(ca_backend *be, const ca_lapack *l) {
  ca_status st = check_dtype(be, l);
  if (st != CA_OK) return st;
  int vec = l->job != CA_SVD_NONE;
  if (!fits_int(l->m) || !fits_int(l->n) || !fits_int(l->a.ld) ||
      (vec && (!fits_int(l->b.ld) || !fits_int(l->c.ld))))
    return too_large(be, "svd");
  frame f;
  gesvdjInfo_t gp = NULL;
  /* the routines' statuses, then with a report asked for the NaN flags, read in that order */
  int64_t ninfo = l->info ? 2 * l->batch : l->batch;
  TRY(frame_open(be, &f, ninfo));
  if (l->info) TRY(flag_nan(be, l, f.dinfo + l->batch));
  if (jacobi_batched_fits(l) || ca_real_of(l->dtype) == CA_FLOAT64) {
    SOLVER("cusolverDnCreateGesvdjInfo", cusolverDnCreateGesvdjInfo(&gp));
    if (jacobi_batched_fits(l)) TRY(svd_jacobi_batched(be, &f.w, l, f.dinfo, gp));
    else TRY(svd_jacobi(be, &f.w, l, f.dinfo, gp));
  } else {
    TRY(svd_qr(be, &f.w, l, f.dinfo));
  }
done:
  st = frame_close(&f, l, st);
  if (gp) cusolverDnDestroyGesvdjInfo(gp);
  return st;
}

/* ---- general eigenproblems ------------------------------------------------------------------- */

namespace {

/* A real geev's eigenvectors (vr, n x n, ld n) as the contract's complex ones (v): a column j
 * whose eigenvalue has a positive imaginary part starts a conjugate pair (LAPACK's order, which
 * cuSOLVER keeps), v_j = vr_j + i vr_{j+1}, v_{j+1} = vr_j - i vr_{j+1}; a real eigenvalue's
 * column is real. */
template <class R, class C>
__global__ void k_unpack_vectors(C *v, int64_t ldv, const R *vr, const C *w, int64_t n) {
  int64_t total = n * n;
  for (int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; k < total;
       k += (int64_t)gridDim.x * blockDim.x) {
    int64_t i = k % n, j = k / n;
    R wi = w[j].im;
    C out;
    if (wi > 0 && j + 1 < n) {
      out.re = vr[i + j * n];
      out.im = vr[i + (j + 1) * n];
    } else if (wi < 0 && j > 0) {
      out.re = vr[i + (j - 1) * n];
      out.im = -vr[i + j * n];
    } else {
      out.re = vr[i + j * n];
      out.im = 0;
    }
    v[i + j * ldv] = out;
  }
}

} /* namespace */

/* cusolverDnXgeev looped over the stack (it has no batched form; right vectors only). A real
 * matrix gets complex eigenvalues straight from it (its complex W option) and real vectors in a
 * scratch matrix that a kernel unpacks into the complex output. */
extern "C" ca_status cu_geev(ca_backend *be, const ca_lapack *l) {
  int dt = l->dtype, cplx = ca_is_complex(dt), vec = l->job != 0;
  if (dt != CA_FLOAT32 && dt != CA_FLOAT64 && !cplx)
    return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "geev takes float32, float64, complex64 and "
                       "complex128");
  frame f;
  size_t isz = ca_itemsize(dt), csz = cplx ? isz : 2 * isz;
  int64_t n = l->n;
  void *params = NULL, *dwork = NULL, *hwork = NULL, *vr = NULL;
  size_t db = 0, hb = 0;
  ca_status st = CA_OK;
  cudaDataType ta = cuda_type(dt), tw = cplx ? ta : (dt == CA_FLOAT32 ? CUDA_C_32F : CUDA_C_64F);
  cusolverEigMode_t none = CUSOLVER_EIG_MODE_NOVECTOR;
  cusolverEigMode_t jobvr = vec ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  int64_t ldvr = vec && cplx ? l->b.ld : n;
  cusolverDnHandle_t h = (cusolverDnHandle_t)cu_cusolver(be, &params);
  if (!h) return CA_ERR_DEVICE;
  cusolverDnParams_t prm = (cusolverDnParams_t)params;
  TRY(frame_open(be, &f, l->batch));
  if (vec && !cplx) TRY(ws_dev(&f.w, (size_t)(n * n) * isz, &vr));
  if (vec && cplx) vr = l->b.data;
  SOLVER("cusolverDnXgeev_bufferSize",
         cusolverDnXgeev_bufferSize(h, prm, none, jobvr, n, ta, l->a.data, l->a.ld, tw, l->v.data,
                                    ta, NULL, 1, ta, vr, ldvr, ta, &db, &hb));
  TRY(ws_query(&f.w, db, hb, &dwork, &hwork));
  for (int64_t p = 0; p < l->batch; p++) {
    char *wp = l->v.data + p * l->v.bs * (int64_t)csz;
    char *vp = vec ? l->b.data + p * l->b.bs * (int64_t)csz : NULL;
    SOLVER("cusolverDnXgeev",
           cusolverDnXgeev(h, prm, none, jobvr, n, ta, at(l->a, p, isz), l->a.ld, tw, wp, ta,
                           NULL, 1, ta, cplx ? (void *)vp : vr, ldvr, ta, dwork, db, hwork, hb,
                           f.dinfo + p));
    if (vec && !cplx) {
      unsigned grid = grid_for(be, n * n);
      if (dt == CA_FLOAT32)
        k_unpack_vectors<float, ca_c8><<<grid, 256, 0, cu_stream(be)>>>(
            (ca_c8 *)vp, l->b.ld, (const float *)vr, (const ca_c8 *)wp, n);
      else
        k_unpack_vectors<double, ca_c16><<<grid, 256, 0, cu_stream(be)>>>(
            (ca_c16 *)vp, l->b.ld, (const double *)vr, (const ca_c16 *)wp, n);
      TRY(cu_check_launch(be, "geev vectors"));
    }
  }
done:
  return frame_close(&f, l, st);
}
