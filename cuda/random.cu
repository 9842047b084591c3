/* Random fills: the Philox4x32-10 stream of scalar.h, fused into one write-only kernel.
 *
 * Element i of a draw reads block counter + i / per (per = ca_random_per_block), exactly as
 * src/cpu/random.c does, so both backends draw the same numbers for the same (seed, counter).
 * Each thread computes whole Philox blocks (grid-stride) and writes the block's elements
 * with one vector store when the block lies inside the output and is aligned, else element
 * by element. The affine maps lo + (hi - lo) * u and mean + std * z use the _rn intrinsics
 * so that nvcc cannot contract them into an FMA: the CPU rounds the product and the sum
 * separately, and uniform draws must match it bit for bit. */
#include "cu_kernels.cuh"

namespace {

struct rparams {
  char *out;
  int64_t n, nblocks;
  int dtype;
  float f1, fspan;       /* float16/32: p1 and (float)p2 - (float)p1, or mean and std */
  double d1, dspan;      /* float64: p1 and p2 - p1, or mean and std */
  ca_i lo;               /* integers: lo + mulhi64(x, span) */
  ca_u span;
  uint64_t seed, counter;
};

__device__ __forceinline__ float affine_f(float a, float b, float u) { return __fadd_rn(a, __fmul_rn(b, u)); }
__device__ __forceinline__ double affine_d(double a, double b, double u) { return __dadd_rn(a, __dmul_rn(b, u)); }

/* A float value as a 16-bit element of dtype DT (float16 or bfloat16). */
template <int DT> __device__ __forceinline__ uint16_t bits16(float v) {
  return DT == CA_BFLOAT16 ? ca_float_to_bf16(v) : ca_float_to_half(v);
}

/* float32 / float16 / bfloat16 (DT): four elements per block. */
template <int DIST, int DT> __global__ void k_random4(rparams p) {
  constexpr bool HALF = DT != CA_FLOAT32;
  int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t b = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; b < p.nblocks; b += stride) {
    ca_u32x4 w = ca_philox(p.seed, p.counter + (uint64_t)b);
    float v[4];
    if (DIST == CA_DIST_UNIFORM) {
#pragma unroll
      for (int e = 0; e < 4; e++)
        v[e] = affine_f(p.f1, p.fspan, DT == CA_FLOAT16    ? ca_u01_h(w.v[e])
                                       : DT == CA_BFLOAT16 ? ca_u01_b(w.v[e])
                                                           : ca_u01_f(w.v[e]));
    } else {
      float z[4];
      ca_box_muller_f(ca_u01_f(w.v[0]), ca_u01_f(w.v[1]), &z[0], &z[1]);
      ca_box_muller_f(ca_u01_f(w.v[2]), ca_u01_f(w.v[3]), &z[2], &z[3]);
#pragma unroll
      for (int e = 0; e < 4; e++) v[e] = affine_f(p.f1, p.fspan, z[e]);
    }
    int64_t i0 = b * 4;
    if (HALF) {
      uint16_t *o = (uint16_t *)p.out + i0;
      if (i0 + 4 <= p.n && ((uintptr_t)o & 7) == 0) {
        uint2 s;
        s.x = (uint32_t)bits16<DT>(v[0]) | ((uint32_t)bits16<DT>(v[1]) << 16);
        s.y = (uint32_t)bits16<DT>(v[2]) | ((uint32_t)bits16<DT>(v[3]) << 16);
        *(uint2 *)o = s;
      } else {
        for (int e = 0; e < 4 && i0 + e < p.n; e++) o[e] = bits16<DT>(v[e]);
      }
    } else {
      float *o = (float *)p.out + i0;
      if (i0 + 4 <= p.n && ((uintptr_t)o & 15) == 0) {
        *(float4 *)o = make_float4(v[0], v[1], v[2], v[3]);
      } else {
        for (int e = 0; e < 4 && i0 + e < p.n; e++) o[e] = v[e];
      }
    }
  }
}

/* float64: two elements per block (two words each). */
template <int DIST> __global__ void k_random2d(rparams p) {
  int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t b = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; b < p.nblocks; b += stride) {
    ca_u32x4 w = ca_philox(p.seed, p.counter + (uint64_t)b);
    double v[2];
    if (DIST == CA_DIST_UNIFORM) {
      v[0] = affine_d(p.d1, p.dspan, ca_u01_d(w.v[0], w.v[1]));
      v[1] = affine_d(p.d1, p.dspan, ca_u01_d(w.v[2], w.v[3]));
    } else {
      double z[2];
      ca_box_muller_d(ca_u01_d(w.v[0], w.v[1]), ca_u01_d(w.v[2], w.v[3]), &z[0], &z[1]);
      v[0] = affine_d(p.d1, p.dspan, z[0]);
      v[1] = affine_d(p.d1, p.dspan, z[1]);
    }
    int64_t i0 = b * 2;
    double *o = (double *)p.out + i0;
    if (i0 + 2 <= p.n && ((uintptr_t)o & 15) == 0) {
      *(double2 *)o = make_double2(v[0], v[1]);
    } else {
      for (int e = 0; e < 2 && i0 + e < p.n; e++) o[e] = v[e];
    }
  }
}

/* Integers in [lo, hi), any dtype: two elements per block. */
__global__ void k_random_int(rparams p) {
  int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t b = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; b < p.nblocks; b += stride) {
    ca_u32x4 w = ca_philox(p.seed, p.counter + (uint64_t)b);
    int64_t i0 = b * 2;
#pragma unroll
    for (int e = 0; e < 2; e++) {
      if (i0 + e >= p.n) break;
      uint64_t x = ((uint64_t)w.v[2 * e] << 32) | w.v[2 * e + 1];
      cuk::st_rt<ca_i>(p.out, p.dtype, i0 + e, (ca_i)((ca_u)p.lo + ca_mulhi64(x, p.span)));
    }
  }
}

} /* namespace */

extern "C" ca_status cu_random(ca_backend *be, int dist, void *out, int dtype, int64_t n,
                               ca_value v1, ca_value v2, uint64_t seed, uint64_t counter,
                               const double *aux, int64_t naux) {
  if (dtype < 0 || dtype >= CA_NDTYPES || n < 0) return CA_ERR_VALUE;
  if (dist != CA_DIST_UNIFORM && dist != CA_DIST_NORMAL && dist != CA_DIST_INTEGER)
    return cu_random_dist(be, dist, out, dtype, n, v1, v2, seed, counter, aux, naux);
  if (dist != CA_DIST_INTEGER && !ca_is_float(dtype)) return CA_ERR_UNSUPPORTED;
  if (n == 0) return CA_OK;

  rparams p;
  p.out = (char *)out;
  p.n = n;
  p.dtype = dtype;
  p.nblocks = (int64_t)ca_random_blocks(dtype, dist, n);
  const bool integers = dist == CA_DIST_INTEGER;
  const double p1 = integers ? 0 : v1.f, p2 = integers ? 0 : v2.f;
  float f1 = (float)p1, f2 = (float)p2;
  p.f1 = f1;
  p.fspan = dist == CA_DIST_UNIFORM ? f2 - f1 : f2;
  p.d1 = p1;
  p.dspan = dist == CA_DIST_UNIFORM ? p2 - p1 : p2;
  p.lo = integers ? v1.i : 0; /* exact int64 bounds: lo + mulhi64(x, hi - lo) */
  p.span = integers ? (ca_u)v2.i - (ca_u)v1.i : 0;
  p.seed = seed;
  p.counter = counter;

  cudaStream_t s = cu_stream(be);
  unsigned grid = cuk::blocks_for(p.nblocks, 256, (int64_t)cuk::sm_count(be) * 32);
  const char *name;
  if (dist == CA_DIST_INTEGER) {
    name = "random (integers)";
    k_random_int<<<grid, 256, 0, s>>>(p);
  } else if (dtype == CA_FLOAT64) {
    name = "random (float64)";
    if (dist == CA_DIST_UNIFORM) k_random2d<CA_DIST_UNIFORM><<<grid, 256, 0, s>>>(p);
    else k_random2d<CA_DIST_NORMAL><<<grid, 256, 0, s>>>(p);
  } else if (dtype == CA_FLOAT32) {
    name = "random (float32)";
    if (dist == CA_DIST_UNIFORM) k_random4<CA_DIST_UNIFORM, CA_FLOAT32><<<grid, 256, 0, s>>>(p);
    else k_random4<CA_DIST_NORMAL, CA_FLOAT32><<<grid, 256, 0, s>>>(p);
  } else if (dtype == CA_BFLOAT16) {
    name = "random (bfloat16)";
    if (dist == CA_DIST_UNIFORM) k_random4<CA_DIST_UNIFORM, CA_BFLOAT16><<<grid, 256, 0, s>>>(p);
    else k_random4<CA_DIST_NORMAL, CA_BFLOAT16><<<grid, 256, 0, s>>>(p);
  } else {
    name = "random (float16)";
    if (dist == CA_DIST_UNIFORM) k_random4<CA_DIST_UNIFORM, CA_FLOAT16><<<grid, 256, 0, s>>>(p);
    else k_random4<CA_DIST_NORMAL, CA_FLOAT16><<<grid, 256, 0, s>>>(p);
  }
  return cu_check_launch(be, name);
}
