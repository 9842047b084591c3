/* Matrix products: C[b] = A[b] @ B[b] (ca_matmul, row-major semantics, element strides).
 *
 * Floats go to cuBLAS with the row-major trick: a row-major M x N matrix is the column-major
 * N x M matrix, so C^T = B^T A^T is computed as a column-major GEMM with the operands
 * swapped; each operand's transpose flag and leading dimension come from its strides (no
 * copies). float32 computes in CUBLAS_COMPUTE_32F (or _32F_FAST_TF32 when allowed), float16
 * in 32F, float64 in 64F, complex64 (CUDA_C_32F) in 32F and complex128 (CUDA_C_64F) in 64F
 * (cgemm / zgemm through cublasGemmEx). Batches use the strided-batched GEMM (a batch stride of
 * 0 reuses the matrix); sizes beyond int use the _64 entries. One product of two real vectors
 * (1 x K by K x 1) is cublasDotEx instead.
 *
 * Integer and bool products, and float operands cuBLAS cannot describe (negative or
 * non-unit strides on both axes), use a tiled kernel over any strides: integers accumulate
 * in the unsigned type of the result's width (the same value, wrapped, as int64 arithmetic
 * stored into that width), bool as OR of ANDs (a sum of products stored != 0). */
#include <cublas_v2.h>
#include <limits.h>
#include <stdio.h>
#include "cu_kernels.cuh"

namespace {

/* ---- the tiled kernel ------------------------------------------------------------------ */

#define TM 64
#define TN 64
#define TK 16

struct mparams {
  const char *a, *b;
  char *c;
  int64_t batch, m, n, k;
  int64_t a_bs, a_rs, a_cs, b_bs, b_rs, b_cs, c_bs, c_rs, c_cs;
  int64_t tiles_m, tiles_n;
};

/* An element's value in its own compute kind (exact), as the accumulator; the accumulator
 * stored as src/convert.h stores that kind (wrapping to the width, != 0 for bool). */
template <int DT, class Acc> __device__ __forceinline__ Acc mm_load(const typename cuk::St<DT>::T *p, int64_t i) {
  return (Acc)cuk::own<DT>(p[i]);
}

template <int DT, class Acc> __device__ __forceinline__ void mm_store(typename cuk::St<DT>::T *p, Acc v) {
  *p = cuk::to<DT>(v);
}

/* 256 threads compute a 64 x 64 tile of C, 4 x 4 per thread; BOOL: or-and. */
template <int DT, class Acc, bool BOOL> __global__ void __launch_bounds__(256) k_matmul(mparams p) {
  typedef typename cuk::St<DT>::T T;
  __shared__ Acc As[TK][TM + 1];
  __shared__ Acc Bs[TK][TN + 1];
  const T *A0 = (const T *)p.a, *B0 = (const T *)p.b;
  T *C0 = (T *)p.c;
  int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  int64_t ntiles = p.tiles_m * p.tiles_n;
  for (int64_t bt = blockIdx.y; bt < p.batch; bt += gridDim.y) {
    const T *A = A0 + bt * p.a_bs;
    const T *B = B0 + bt * p.b_bs;
    T *C = C0 + bt * p.c_bs;
    for (int64_t t = blockIdx.x; t < ntiles; t += gridDim.x) {
      int64_t i0 = (t / p.tiles_n) * TM, j0 = (t % p.tiles_n) * TN;
      Acc acc[4][4];
#pragma unroll
      for (int u = 0; u < 4; u++)
#pragma unroll
        for (int v = 0; v < 4; v++) acc[u][v] = 0;
      for (int64_t k0 = 0; k0 < p.k; k0 += TK) {
        /* A tile: TM x TK, B tile: TK x TN; 1024 elements each, 4 per thread */
#pragma unroll
        for (int e = 0; e < 4; e++) {
          int idx = threadIdx.x + e * 256;
          int r = idx / TK, kk = idx % TK; /* A: row r, column kk */
          int64_t gi = i0 + r, gk = k0 + kk;
          As[kk][r] = (gi < p.m && gk < p.k) ? mm_load<DT, Acc>(A, gi * p.a_rs + gk * p.a_cs) : (Acc)0;
          int kb = idx / TN, cj = idx % TN;  /* B: row kb, column cj */
          int64_t gkb = k0 + kb, gj = j0 + cj;
          Bs[kb][cj] = (gkb < p.k && gj < p.n) ? mm_load<DT, Acc>(B, gkb * p.b_rs + gj * p.b_cs) : (Acc)0;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TK; kk++) {
          Acc av[4], bv[4];
#pragma unroll
          for (int u = 0; u < 4; u++) av[u] = As[kk][ty + 16 * u];
#pragma unroll
          for (int v = 0; v < 4; v++) bv[v] = Bs[kk][tx + 16 * v];
#pragma unroll
          for (int u = 0; u < 4; u++)
#pragma unroll
            for (int v = 0; v < 4; v++) {
              if constexpr (BOOL) acc[u][v] |= av[u] & bv[v];
              else acc[u][v] += av[u] * bv[v];
            }
        }
        __syncthreads();
      }
#pragma unroll
      for (int u = 0; u < 4; u++)
#pragma unroll
        for (int v = 0; v < 4; v++) {
          int64_t gi = i0 + ty + 16 * u, gj = j0 + tx + 16 * v;
          if (gi < p.m && gj < p.n) {
            if (BOOL) mm_store<DT, Acc>(C + gi * p.c_rs + gj * p.c_cs, (Acc)(acc[u][v] != 0));
            else mm_store<DT, Acc>(C + gi * p.c_rs + gj * p.c_cs, acc[u][v]);
          }
        }
    }
  }
}

/* C = 0 (k == 0), any dtype: `size` bytes per element. */
__global__ void k_zero(mparams p, int size) {
  int64_t total = p.batch * p.m * p.n;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (int64_t)gridDim.x * blockDim.x) {
    int64_t j = i % p.n, r = i / p.n, row = r % p.m, bt = r / p.m;
    char *c = p.c + (bt * p.c_bs + row * p.c_rs + j * p.c_cs) * size;
    switch (size) {
    case 1: *(uint8_t *)c = 0; break;
    case 2: *(uint16_t *)c = 0; break;
    case 4: *(uint32_t *)c = 0; break;
    case 8: *(uint64_t *)c = 0; break;
    default: *(ca_c16 *)c = ca_c16_of(0.0, 0.0); break;
    }
  }
}

template <int DT, class Acc, bool BOOL>
ca_status launch_tiled(ca_backend *be, mparams p, cudaStream_t s) {
  p.tiles_m = (p.m + TM - 1) / TM;
  p.tiles_n = (p.n + TN - 1) / TN;
  int64_t tiles = p.tiles_m * p.tiles_n;
  dim3 grid((unsigned)(tiles < INT_MAX ? tiles : INT_MAX), (unsigned)(p.batch < 65535 ? p.batch : 65535));
  k_matmul<DT, Acc, BOOL><<<grid, 256, 0, s>>>(p);
  return cu_check_launch(be, "matmul (tiled)");
}

/* ---- cuBLAS ---------------------------------------------------------------------------- */

/* How cuBLAS sees one operand X (rows x cols, row-major semantics, strides rs, cs) as the
 * column-major matrix X^T (cols x rows): op N with ld = rs when cs == 1, op T with ld = cs
 * when rs == 1. Returns 0 when neither describes it. */
static int blas_view(int64_t rows, int64_t cols, int64_t rs, int64_t cs, cublasOperation_t *op,
                     int64_t *ld) {
  if (cs == 1 && (rows <= 1 || rs >= (cols > 1 ? cols : 1))) {
    *op = CUBLAS_OP_N;
    *ld = rows <= 1 ? (cols > 1 ? cols : 1) : rs;
    return 1;
  }
  if (rs == 1 && (cols <= 1 || cs >= (rows > 1 ? rows : 1))) {
    *op = CUBLAS_OP_T;
    *ld = cols <= 1 ? (rows > 1 ? rows : 1) : cs;
    return 1;
  }
  return 0;
}

static ca_status blas_fail(ca_backend *be, const char *call, cublasStatus_t st) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", call, cublasGetStatusString(st));
  return cu_fail_msg(be, CA_ERR_DEVICE, msg);
}

static ca_status gemm_cublas(ca_backend *be, const ca_matmul *m, cublasOperation_t opb, int64_t ldb,
                             cublasOperation_t opa, int64_t lda) {
  cublasHandle_t h = (cublasHandle_t)cu_cublas(be);
  if (!h) return CA_ERR_DEVICE;
  cudaDataType dt;
  cublasComputeType_t ct;
  float one_f = 1.0f, zero_f = 0.0f;
  double one_d = 1.0, zero_d = 0.0;
  ca_c8 one_c = {1.0f, 0.0f}, zero_c = {0.0f, 0.0f};
  ca_c16 one_z = {1.0, 0.0}, zero_z = {0.0, 0.0};
  const void *alpha = &one_f, *beta = &zero_f;
  switch (m->dtype) {
  case CA_COMPLEX64:
    dt = CUDA_C_32F;
    ct = CUBLAS_COMPUTE_32F;
    alpha = &one_c;
    beta = &zero_c;
    break;
  case CA_COMPLEX128:
    dt = CUDA_C_64F;
    ct = CUBLAS_COMPUTE_64F;
    alpha = &one_z;
    beta = &zero_z;
    break;
  case CA_FLOAT32:
    dt = CUDA_R_32F;
    ct = m->allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    break;
  case CA_FLOAT16:
    dt = CUDA_R_16F;
    ct = CUBLAS_COMPUTE_32F;
    break;
  case CA_BFLOAT16:
    dt = CUDA_R_16BF;
    ct = CUBLAS_COMPUTE_32F;
    break;
  default:
    dt = CUDA_R_64F;
    ct = CUBLAS_COMPUTE_64F;
    alpha = &one_d;
    beta = &zero_d;
    break;
  }
  /* column-major: C^T (n x m, ldc = c_rs) = op(B^T) (n x k) * op(A^T) (k x m) */
  int64_t M = m->n, N = m->m, K = m->k, ldc = m->c_rs < 1 ? 1 : m->c_rs;
  if (ldc < M) ldc = M;
  int big = M > INT_MAX || N > INT_MAX || K > INT_MAX || lda > INT_MAX || ldb > INT_MAX ||
            ldc > INT_MAX;
  cublasStatus_t st;
  if (m->batch == 1) {
    if (big)
      st = cublasGemmEx_64(h, opb, opa, M, N, K, alpha, m->b, dt, ldb, m->a, dt, lda, beta, m->c,
                           dt, ldc, ct, CUBLAS_GEMM_DEFAULT);
    else
      st = cublasGemmEx(h, opb, opa, (int)M, (int)N, (int)K, alpha, m->b, dt, (int)ldb, m->a, dt,
                        (int)lda, beta, m->c, dt, (int)ldc, ct, CUBLAS_GEMM_DEFAULT);
    return st == CUBLAS_STATUS_SUCCESS ? CA_OK : blas_fail(be, big ? "cublasGemmEx_64" : "cublasGemmEx", st);
  }
  size_t isz = ca_itemsize(m->dtype);
  for (int64_t b0 = 0; b0 < m->batch; b0 += INT_MAX) {
    int64_t nb = m->batch - b0 < INT_MAX ? m->batch - b0 : INT_MAX;
    const char *A = m->a + b0 * m->a_bs * (int64_t)isz, *B = m->b + b0 * m->b_bs * (int64_t)isz;
    char *C = m->c + b0 * m->c_bs * (int64_t)isz;
    if (big)
      st = cublasGemmStridedBatchedEx_64(h, opb, opa, M, N, K, alpha, B, dt, ldb, m->b_bs, A, dt,
                                         lda, m->a_bs, beta, C, dt, ldc, m->c_bs, nb, ct,
                                         CUBLAS_GEMM_DEFAULT);
    else
      st = cublasGemmStridedBatchedEx(h, opb, opa, (int)M, (int)N, (int)K, alpha, B, dt, (int)ldb,
                                      m->b_bs, A, dt, (int)lda, m->a_bs, beta, C, dt, (int)ldc,
                                      m->c_bs, (int)nb, ct, CUBLAS_GEMM_DEFAULT);
    if (st != CUBLAS_STATUS_SUCCESS)
      return blas_fail(be, big ? "cublasGemmStridedBatchedEx_64" : "cublasGemmStridedBatchedEx", st);
  }
  return CA_OK;
}

/* One product of two float vectors (m = n = batch = 1: dot, vdot, inner, einsum "ij,ij->")
 * through cublasDotEx, a bandwidth-bound reduction, where a 1 x 1 GEMM with a long K leaves
 * the GPU mostly idle. Returns 0 (nothing done) when the strides do not suit it. */
static int dot_cublas(ca_backend *be, const ca_matmul *m, ca_status *st) {
  if (m->batch != 1 || m->m != 1 || m->n != 1 || m->k > INT_MAX || m->a_cs <= 0 ||
      m->b_rs <= 0 || m->a_cs > INT_MAX || m->b_rs > INT_MAX)
    return 0;
  cublasHandle_t h = (cublasHandle_t)cu_cublas(be);
  if (!h) {
    *st = CA_ERR_DEVICE;
    return 1;
  }
  cudaDataType dt = m->dtype == CA_FLOAT32    ? CUDA_R_32F
                    : m->dtype == CA_FLOAT16  ? CUDA_R_16F
                    : m->dtype == CA_BFLOAT16 ? CUDA_R_16BF
                                              : CUDA_R_64F;
  cudaDataType exec = m->dtype == CA_FLOAT64 ? CUDA_R_64F : CUDA_R_32F;
  /* the result goes to device memory: the handle's pointer mode for this call only */
  cublasStatus_t cs = cublasSetPointerMode(h, CUBLAS_POINTER_MODE_DEVICE);
  if (cs == CUBLAS_STATUS_SUCCESS) {
    cs = cublasDotEx(h, (int)m->k, m->a, dt, (int)m->a_cs, m->b, dt, (int)m->b_rs, m->c, dt,
                     exec);
    cublasStatus_t back = cublasSetPointerMode(h, CUBLAS_POINTER_MODE_HOST);
    if (cs == CUBLAS_STATUS_SUCCESS) cs = back;
  }
  *st = cs == CUBLAS_STATUS_SUCCESS ? CA_OK : blas_fail(be, "cublasDotEx", cs);
  return 1;
}

} /* namespace */

extern "C" ca_status cu_matmul(ca_backend *be, const ca_matmul *m) {
  if (m->dtype < 0 || m->dtype >= CA_NDTYPES || m->batch < 0 || m->m < 0 || m->n < 0 || m->k < 0)
    return CA_ERR_VALUE;
  if (m->batch == 0 || m->m == 0 || m->n == 0) return CA_OK;
  cudaStream_t s = cu_stream(be);
  mparams p;
  p.a = m->a; p.b = m->b; p.c = m->c;
  p.batch = m->batch; p.m = m->m; p.n = m->n; p.k = m->k;
  p.a_bs = m->a_bs; p.a_rs = m->a_rs; p.a_cs = m->a_cs;
  p.b_bs = m->b_bs; p.b_rs = m->b_rs; p.b_cs = m->b_cs;
  p.c_bs = m->c_bs; p.c_rs = m->c_rs; p.c_cs = m->c_cs;
  p.tiles_m = p.tiles_n = 0;

  if (m->k == 0) {
    int64_t total = m->batch * m->m * m->n;
    k_zero<<<cuk::blocks_for(total, 256, (int64_t)cuk::sm_count(be) * 16), 256, 0, s>>>(
        p, (int)ca_itemsize(m->dtype));
    return cu_check_launch(be, "matmul (zero)");
  }

  if (ca_is_inexact(m->dtype)) {
    ca_status dst;
    if (ca_is_float(m->dtype) && dot_cublas(be, m, &dst)) return dst;
    cublasOperation_t opa, opb;
    int64_t lda, ldb;
    int c_ok = m->c_cs == 1 && (m->m == 1 || m->c_rs >= m->n);
    if (c_ok && blas_view(m->m, m->k, m->a_rs, m->a_cs, &opa, &lda) &&
        blas_view(m->k, m->n, m->b_rs, m->b_cs, &opb, &ldb))
      return gemm_cublas(be, m, opb, ldb, opa, lda);
    switch (m->dtype) {
    case CA_COMPLEX64: case CA_COMPLEX128: /* the core gives complex operands in BLAS layouts */
      return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "cuda: complex matmul of strides cuBLAS cannot describe");
    case CA_FLOAT16: return launch_tiled<CA_FLOAT16, float, false>(be, p, s);
    case CA_BFLOAT16: return launch_tiled<CA_BFLOAT16, float, false>(be, p, s);
    case CA_FLOAT32: return launch_tiled<CA_FLOAT32, float, false>(be, p, s);
    default: return launch_tiled<CA_FLOAT64, double, false>(be, p, s);
    }
  }
  switch (m->dtype) {
  case CA_BOOL: return launch_tiled<CA_BOOL, uint32_t, true>(be, p, s);
  case CA_INT8: return launch_tiled<CA_INT8, uint32_t, false>(be, p, s);
  case CA_UINT8: return launch_tiled<CA_UINT8, uint32_t, false>(be, p, s);
  case CA_INT16: return launch_tiled<CA_INT16, uint32_t, false>(be, p, s);
  case CA_INT32: return launch_tiled<CA_INT32, uint32_t, false>(be, p, s);
  case CA_UINT16: return launch_tiled<CA_UINT16, uint32_t, false>(be, p, s);
  case CA_UINT32: return launch_tiled<CA_UINT32, uint32_t, false>(be, p, s);
  default: /* int64 and uint64: wrapping products and sums are the same bits */
    return launch_tiled<CA_INT64, uint64_t, false>(be, p, s);
  }
}
