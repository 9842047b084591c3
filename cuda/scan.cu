/* Inclusive scans (cumsum, cumprod): the running fold of the sum or prod row of
 * src/reduce_ops.h along the last dim, in the output's accumulation type (int64, uint64, float
 * or double), as the CPU backend does (src/cpu/scan.c).
 *
 * A 1-D contiguous scan whose output has the accumulation type goes through
 * cub::DeviceScan (reading a cumsum's input through a plain pointer when it too has that
 * type, so that CUB loads vectors); other scans run a block per row (a tile of 1024 elements
 * at a time with a carried prefix) or, for short rows and float16 outputs, a thread per row;
 * float16 outputs round the running value at each step as the CPU does (except rows longer
 * than 65536, scanned in float in parallel and rounded once). */
#include <cub/device/device_scan.cuh>
#include "reduce_ops.cuh"

using cur::LoadAcc;
using cur::unravel2;

namespace {

struct sparams {
  const char *in;
  char *out;
  int in_dt, out_dt, nout, prod;
  int narrow; /* float16 or bfloat16 output (its running value is rounded each step), else -1 */
  int64_t oshape[CA_MAXDIMS], istr[CA_MAXDIMS], ostr[CA_MAXDIMS];
  int64_t M, L, is, os;
};

/* The combine of the prod row or of the sum row. */
template <class Acc> __host__ __device__ __forceinline__ Acc sop(int prod, Acc a, Acc b) {
  return prod ? cur::at<cur::Fold_prod::Comb, Acc>(a, b) : cur::at<cur::Fold_sum::Comb, Acc>(a, b);
}

/* A thread per row, in order (float16 and bfloat16 outputs read back each rounded running
 * value). */
template <class Acc> __global__ void k_scan_seq(const sparams p) {
  for (int64_t m = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; m < p.M; m += (int64_t)gridDim.x * blockDim.x) {
    int64_t ib, ob;
    unravel2(p.nout, p.oshape, p.istr, p.ostr, m, &ib, &ob);
    Acc s = p.prod ? cur::at<cur::Fold_prod::Id, Acc>() : cur::at<cur::Fold_sum::Id, Acc>();
    for (int64_t i = 0; i < p.L; i++) {
      s = sop<Acc>(p.prod, s, cuk::ld_rt<Acc>(p.in, p.in_dt, ib + i * p.is));
      if constexpr (std::is_same<Acc, float>::value)
        if (p.narrow >= 0) s = ca_narrow_f(p.narrow, s);
      cuk::st_rt<Acc>(p.out, p.out_dt, ob + i * p.os, s);
    }
  }
}

template <class T> __device__ __forceinline__ T shfl_up_(T v, int d) { return __shfl_up_sync(0xffffffffu, v, d); }

/* A block (256 threads) per row: tiles of 1024 elements, 4 consecutive per thread. */
template <class Acc> __global__ void __launch_bounds__(256) k_scan_block(const sparams p) {
  __shared__ Acc wsum[8];
  const int lane = threadIdx.x % 32, wid = threadIdx.x / 32, nw = blockDim.x / 32;
  const Acc id = p.prod ? cur::at<cur::Fold_prod::Id, Acc>() : cur::at<cur::Fold_sum::Id, Acc>();
  for (int64_t m = blockIdx.x; m < p.M; m += gridDim.x) {
    int64_t ib, ob;
    unravel2(p.nout, p.oshape, p.istr, p.ostr, m, &ib, &ob);
    Acc carry = id;
    for (int64_t t0 = 0; t0 < p.L; t0 += 4 * (int64_t)blockDim.x) {
      int64_t i0 = t0 + 4 * (int64_t)threadIdx.x;
      Acc v[4];
#pragma unroll
      for (int e = 0; e < 4; e++) v[e] = i0 + e < p.L ? cuk::ld_rt<Acc>(p.in, p.in_dt, ib + (i0 + e) * p.is) : id;
#pragma unroll
      for (int e = 1; e < 4; e++) v[e] = sop<Acc>(p.prod, v[e - 1], v[e]);
      Acc x = v[3];
#pragma unroll
      for (int d = 1; d < 32; d <<= 1) {
        Acc y = shfl_up_(x, d);
        if (lane >= d) x = sop<Acc>(p.prod, y, x);
      }
      Acc excl = shfl_up_(x, 1);
      if (lane == 0) excl = id;
      if (lane == 31) wsum[wid] = x;
      __syncthreads();
      Acc pre = carry, tot = carry;
      for (int w = 0; w < nw; w++) {
        if (w < wid) pre = sop<Acc>(p.prod, pre, wsum[w]);
        tot = sop<Acc>(p.prod, tot, wsum[w]);
      }
      pre = sop<Acc>(p.prod, pre, excl);
#pragma unroll
      for (int e = 0; e < 4; e++)
        if (i0 + e < p.L) cuk::st_rt<Acc>(p.out, p.out_dt, ob + (i0 + e) * p.os, sop<Acc>(p.prod, pre, v[e]));
      carry = tot;
      __syncthreads();
    }
  }
}

template <class Acc> struct ScanOp {
  int prod;
  __host__ __device__ Acc operator()(Acc a, Acc b) const { return sop<Acc>(prod, a, b); }
};

/* The sum row's combine alone, for the scans that read their input as it is stored. */
template <class Acc> struct SumOp {
  __host__ __device__ Acc operator()(Acc a, Acc b) const { return cur::at<cur::Fold_sum::Comb, Acc>(a, b); }
};

template <class Acc, class It, class Op>
ca_status scan_cub_run(ca_backend *be, It in, Op op, const sparams &p) {
  cudaStream_t s = cu_stream(be);
  size_t temp = 0;
  cudaError_t err = cub::DeviceScan::InclusiveScan(NULL, temp, in, (Acc *)p.out, op, p.L, s);
  if (err != cudaSuccess) return cu_fail(be, "cub::DeviceScan::InclusiveScan", err);
  void *scratch = NULL;
  ca_status st = cu_scratch(be, temp, &scratch);
  if (st != CA_OK) return st;
  err = cub::DeviceScan::InclusiveScan(scratch, temp, in, (Acc *)p.out, op, p.L, s);
  cu_scratch_free(be, scratch);
  return err == cudaSuccess ? CA_OK : cu_fail(be, "cub::DeviceScan::InclusiveScan", err);
}

/* A cumsum whose input is already of the accumulation type reads it through a plain pointer,
 * which CUB loads a vector at a time; the others convert each element through an iterator. */
template <class Acc> ca_status scan_cub(ca_backend *be, const sparams &p, int acc_dt) {
  if (!p.prod && p.in_dt == acc_dt) return scan_cub_run<Acc>(be, (const Acc *)p.in, SumOp<Acc>(), p);
  cuk::FnIter<LoadAcc<Acc>> in(LoadAcc<Acc>{p.in, p.in_dt});
  return scan_cub_run<Acc>(be, in, ScanOp<Acc>{p.prod}, p);
}

/* A uint64 output is int64's bits (sums and products of integers wrap alike), so it takes
 * int64's paths; only a float input into uint64 needs uint64 (ca_u: the kernels, not CUB). */
template <class Acc> ca_status scan_kernels(ca_backend *be, const sparams &p) {
  cudaStream_t s = cu_stream(be);
  int64_t cap = (int64_t)cuk::sm_count(be) * 16;
  if constexpr (!std::is_same<Acc, ca_u>::value) {
    int acc_dt = std::is_integral<Acc>::value ? CA_INT64 : sizeof(Acc) == 4 ? CA_FLOAT32 : CA_FLOAT64;
    bool same_bits = p.out_dt == acc_dt || (acc_dt == CA_INT64 && p.out_dt == CA_UINT64);
    if (p.nout == 0 && p.is == 1 && p.os == 1 && same_bits) return scan_cub<Acc>(be, p, acc_dt);
  }
  if (p.L <= 32 || (p.narrow >= 0 && p.L <= 65536)) {
    k_scan_seq<Acc><<<cuk::blocks_for(p.M, 128, cap), 128, 0, s>>>(p);
    return cu_check_launch(be, "scan");
  }
  k_scan_block<Acc><<<cuk::blocks_for(p.M, 1, cap), 256, 0, s>>>(p);
  return cu_check_launch(be, "scan");
}

} /* namespace */

extern "C" ca_status cu_scan(ca_backend *be, int op, const ca_reduction *r) {
  if (r->nred != 1 || r->nout < 0 || r->nout + 1 > CA_MAXDIMS || !r->in.data || !r->out.data ||
      r->in.dtype < 0 || r->in.dtype >= CA_NDTYPES || r->out.dtype < 0 || r->out.dtype >= CA_NDTYPES)
    return CA_ERR_VALUE;
  if (op != CA_OP_sum && op != CA_OP_prod) return CA_ERR_UNSUPPORTED;
  sparams p;
  memset(&p, 0, sizeof p);
  p.in = r->in.data;
  p.out = r->out.data;
  p.in_dt = r->in.dtype;
  p.out_dt = r->out.dtype;
  p.nout = r->nout;
  p.prod = op == CA_OP_prod;
  p.narrow = r->out.dtype == CA_FLOAT16 || r->out.dtype == CA_BFLOAT16 ? r->out.dtype : -1;
  p.M = 1;
  for (int d = 0; d < r->nout; d++) {
    p.oshape[d] = r->shape[d];
    p.istr[d] = r->in.strides[d];
    p.ostr[d] = r->out.strides[d];
    p.M *= r->shape[d];
  }
  p.L = r->shape[r->nout];
  p.is = r->in.strides[r->nout];
  p.os = r->out.strides[r->nout];
  if (p.M == 0 || p.L == 0) return CA_OK;
  if (r->out.dtype == CA_FLOAT64) return scan_kernels<double>(be, p);
  if (ca_is_float(r->out.dtype)) return scan_kernels<float>(be, p);
  if (r->out.dtype == CA_UINT64 && ca_is_float(r->in.dtype)) return scan_kernels<ca_u>(be, p);
  return scan_kernels<ca_i>(be, p);
}
