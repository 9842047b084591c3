/* Reductions (the CA_REDUCE ops of ops.def) and inclusive scans.
 *
 * Accumulation types follow the CPU reference (src/cpu/reduce.c): sum/prod in int64
 * (wrapping) for integer/bool outputs, else double; mean/var/std in double (var/std by
 * Welford within a thread and Chan's pairwise merge across threads, divisor
 * max(n - ddof, 0)); min/max/argmin/argmax in int64 for integer inputs, else in the input's
 * float type (comparisons are exact there, as the CPU's in double); all/any on the truth of
 * each element. Float sums accumulate in double: the reference does, and at memory speed the
 * H200's double adds are free, so results agree with the CPU to the last bit or two instead
 * of drifting with the order of float additions.
 *
 * Paths:
 *  (a) a full reduction of a contiguous input (sum/mean/min/max of float32/float64, sum of
 *      integers and bool): cub::DeviceReduce (an iterator converts integers to int64), except
 *      small ones (64 KiB of input at most), which run path (b) as one block in one launch;
 *  (b) rows: the reduced run is the more contiguous axis: a warp (short rows) or a block per
 *      output, 16-byte vector loads for unit stride, the row split over several blocks
 *      with a second pass when there are too few rows to fill the GPU (this is also the
 *      path of the full reductions CUB does not take);
 *  (c) columns: the kept axis is the more contiguous one: a thread per output walking the
 *      reduced elements (coalesced across threads), split over the reduced extent with a
 *      second pass when there are too few outputs;
 *  (d) any strides: both kernels walk the reduced dims as runs of the innermost reduced dim.
 * The kernel family is instantiated per (op family, input dtype) only for sum/prod/min/max
 * and float32/float64 arg-reductions (the hot ones); the other arg-reductions, all/any,
 * var/std and the mean of integers read their input through a runtime dtype switch.
 *
 * Scans: a 1-D contiguous scan whose output has the accumulation type goes through
 * cub::DeviceScan; other scans run a block per row (a tile of 1024 elements at a time with
 * a carried prefix) or, for short rows and float16 outputs, a thread per row; float16
 * outputs round the running value at each step as the CPU does (except rows longer than
 * 65536, scanned in float in parallel and rounded once). */
#include <cub/device/device_reduce.cuh>
#include <cub/device/device_scan.cuh>
#include "cu_kernels.cuh"

namespace {

/* ---- ops --------------------------------------------------------------------------------- */

__device__ __forceinline__ ca_i vmax(ca_i a, ca_i b) { return ca_maximum_i(a, b); }
__device__ __forceinline__ float vmax(float a, float b) { return ca_maximum_f(a, b); }
__device__ __forceinline__ double vmax(double a, double b) { return ca_maximum_d(a, b); }
__device__ __forceinline__ ca_i vmin(ca_i a, ca_i b) { return ca_minimum_i(a, b); }
__device__ __forceinline__ float vmin(float a, float b) { return ca_minimum_f(a, b); }
__device__ __forceinline__ double vmin(double a, double b) { return ca_minimum_d(a, b); }
template <class T> __device__ __forceinline__ T lowest() {
  if constexpr (std::is_integral<T>::value) return INT64_MIN;
  else return -INFINITY;
}
template <class T> __device__ __forceinline__ T highest() {
  if constexpr (std::is_integral<T>::value) return INT64_MAX;
  else return INFINITY;
}
template <class T> __device__ __forceinline__ bool isnan_(T x) {
  if constexpr (std::is_integral<T>::value) return false;
  else return x != x;
}

/* sum / prod into int64 */
struct ArithI {
  typedef ca_i In;
  typedef ca_i Acc;
  int prod;
  template <int DT> __device__ In load(const char *b, int dt, int64_t i) const { return cuk::ld_any<ca_i, DT>(b, dt, i); }
  __device__ Acc init() const { return prod ? 1 : 0; }
  __device__ Acc lift(In x, int64_t) const { return x; }
  __device__ Acc comb(Acc a, Acc b) const {
    return prod ? (ca_i)((ca_u)a * (ca_u)b) : (ca_i)((ca_u)a + (ca_u)b);
  }
  __device__ void store(char *o, int dt, int64_t i, Acc a, int64_t, double) const { cuk::st_rt<ca_i>(o, dt, i, a); }
};

/* sum / prod / mean into double (mode 0, 1, 2) */
struct ArithD {
  typedef double In;
  typedef double Acc;
  int mode;
  template <int DT> __device__ In load(const char *b, int dt, int64_t i) const { return cuk::ld_any<double, DT>(b, dt, i); }
  __device__ Acc init() const { return mode == 1 ? 1.0 : 0.0; }
  __device__ Acc lift(In x, int64_t) const { return x; }
  __device__ Acc comb(Acc a, Acc b) const { return mode == 1 ? a * b : a + b; }
  __device__ void store(char *o, int dt, int64_t i, Acc a, int64_t n, double) const {
    cuk::st_rt<double>(o, dt, i, mode == 2 ? a / (double)n : a);
  }
};

template <class T> struct MinMax {
  typedef T In;
  typedef T Acc;
  int mx;
  template <int DT> __device__ In load(const char *b, int dt, int64_t i) const { return cuk::ld_any<T, DT>(b, dt, i); }
  __device__ Acc init() const { return mx ? lowest<T>() : highest<T>(); }
  __device__ Acc lift(In x, int64_t) const { return x; }
  __device__ Acc comb(Acc a, Acc b) const { return mx ? vmax(a, b) : vmin(a, b); }
  __device__ void store(char *o, int dt, int64_t i, Acc a, int64_t, double) const { cuk::st_rt<T>(o, dt, i, a); }
};

template <class T> struct ArgAcc {
  T v;
  int64_t i;
};
/* The winner: a NaN (the first one), else the extreme value, ties to the lower index. */
template <class T> struct Arg {
  typedef T In;
  typedef ArgAcc<T> Acc;
  int mx;
  template <int DT> __device__ In load(const char *b, int dt, int64_t i) const { return cuk::ld_any<T, DT>(b, dt, i); }
  __device__ Acc init() const { return Acc{mx ? lowest<T>() : highest<T>(), INT64_MAX}; }
  __device__ Acc lift(In x, int64_t r) const { return Acc{x, r}; }
  __device__ Acc comb(Acc a, Acc b) const {
    bool an = isnan_(a.v), bn = isnan_(b.v);
    if (an || bn) {
      if (an && bn) return a.i < b.i ? a : b;
      return an ? a : b;
    }
    if (mx ? a.v > b.v : a.v < b.v) return a;
    if (mx ? b.v > a.v : b.v < a.v) return b;
    return a.i < b.i ? a : b;
  }
  __device__ void store(char *o, int dt, int64_t i, Acc a, int64_t, double) const {
    cuk::st_rt<ca_i>(o, dt, i, a.i + 1);
  }
};

struct Logic {
  typedef int In;
  typedef int Acc;
  int all;
  template <int DT> __device__ In load(const char *b, int dt, int64_t i) const { return cuk::truth_rt(b, dt, i); }
  __device__ Acc init() const { return all; }
  __device__ Acc lift(In x, int64_t) const { return x; }
  __device__ Acc comb(Acc a, Acc b) const { return all ? (a & b) : (a | b); }
  __device__ void store(char *o, int dt, int64_t i, Acc a, int64_t, double) const { cuk::st_rt<ca_i>(o, dt, i, (ca_i)a); }
};

struct VarAcc {
  double n, mean, m2;
};
struct Var {
  typedef double In;
  typedef VarAcc Acc;
  int sd; /* std */
  template <int DT> __device__ In load(const char *b, int dt, int64_t i) const { return cuk::ld_any<double, DT>(b, dt, i); }
  __device__ Acc init() const { return Acc{0.0, 0.0, 0.0}; }
  __device__ Acc lift(In x, int64_t) const { return Acc{1.0, x, 0.0}; }
  __device__ Acc comb(Acc a, Acc b) const {
    if (a.n == 0.0) return b;
    if (b.n == 0.0) return a;
    double n = a.n + b.n, d = b.mean - a.mean;
    return Acc{n, a.mean + d * (b.n / n), a.m2 + b.m2 + d * d * (a.n * (b.n / n))};
  }
  __device__ void store(char *o, int dt, int64_t i, Acc a, int64_t, double ddof) const {
    double div = a.n - ddof;
    if (!(div > 0)) div = 0.0;
    /* An infinite element makes the mean non-finite; NumPy's two passes then meet inf - inf
     * and give NaN, where the merged m2 would say inf. */
    double var = (a.n == 0.0 || !isfinite(a.mean)) ? (0.0 / 0.0) : a.m2 / div;
    cuk::st_rt<double>(o, dt, i, sd ? sqrt(var) : var);
  }
};

/* ---- the reduction kernels -------------------------------------------------------------- */

struct rparams {
  const char *in;
  char *out;
  int in_dt, out_dt;
  int nout, nred;
  int64_t oshape[CA_MAXDIMS], ostr_in[CA_MAXDIMS], ostr_out[CA_MAXDIMS];
  int64_t rshape[CA_MAXDIMS], rstr[CA_MAXDIMS];
  int64_t M, R, L0, st0; /* outputs, reduced per output, innermost reduced extent and stride */
  int64_t S, chunk;      /* splits of R (S > 1: partials, then k_finish) */
  int G;                 /* threads per worker: 1, 32 or 256 */
  int Gf;                /* the same for k_finish */
  void *partial;         /* Acc[S][M] */
  double ddof;
};

template <class T> __device__ __forceinline__ T shfl_down(T v, int d) {
  constexpr int N = (sizeof(T) + 3) / 4;
  int w[N];
  memcpy(w, &v, sizeof(T));
#pragma unroll
  for (int k = 0; k < N; k++) w[k] = __shfl_down_sync(0xffffffffu, w[k], d);
  memcpy(&v, w, sizeof(T));
  return v;
}

/* Combines the accumulators of a worker of G threads (G = 1, 32 or blockDim.x = 256); the
 * result is valid in the worker's first thread. Called uniformly by the whole worker. */
template <class Op, class Acc>
__device__ __forceinline__ Acc group_reduce(const Op &op, Acc a, int G, Acc *sh) {
  if (G == 1) return a;
#pragma unroll
  for (int d = 16; d > 0; d >>= 1) a = op.comb(a, shfl_down(a, d));
  if (G > 32) {
    int wid = threadIdx.x / 32, lane = threadIdx.x % 32;
    if (lane == 0) sh[wid] = a;
    __syncthreads();
    if (wid == 0) {
      a = lane < (int)(blockDim.x / 32) ? sh[lane] : op.init();
#pragma unroll
      for (int d = 16; d > 0; d >>= 1) a = op.comb(a, shfl_down(a, d));
    }
    __syncthreads();
  }
  return a;
}

/* Offsets in two operands of kept-dims index m (C order over shape[0..n)). */
__device__ __forceinline__ void unravel2(int n, const int64_t *shape, const int64_t *sa,
                                         const int64_t *sb, int64_t m, int64_t *a, int64_t *b) {
  int64_t x = 0, y = 0;
  for (int d = n - 1; d >= 0 && m; d--) {
    int64_t s = shape[d], q = m / s, c = m - q * s;
    x += c * sa[d];
    y += c * sb[d];
    m = q;
  }
  *a = x;
  *b = y;
}

/* Feeds elements off + j * st0 (flat reduced index r + j), j in [0, len), j = lane mod G. */
template <class Op, int DT>
__device__ __forceinline__ typename Op::Acc walk_run(const rparams &p, const Op &op, typename Op::Acc a,
                                                     int64_t off, int64_t len, int64_t r, int lane, int G) {
  typedef typename Op::In In;
  int64_t j0 = lane;
  if constexpr (DT >= 0) {
    typedef typename cuk::St<DT>::T T;
    if (p.st0 == 1 && G > 1) {
      constexpr int V = 16 / sizeof(T);
      const T *ptr = (const T *)p.in + off;
      int64_t head = (int64_t)(((16 - ((uintptr_t)ptr & 15)) & 15) / sizeof(T));
      if (head > len) head = len;
      for (int64_t j = lane; j < head; j += G) a = op.comb(a, op.lift(cuk::cvt<In, DT>(ptr[j]), r + j));
      int64_t nv = (len - head) / V;
      const uint4 *vp = (const uint4 *)(ptr + head);
      int64_t v = lane;
      for (; v + 3 * G < nv; v += 4 * G) {
        uint4 x[4];
#pragma unroll
        for (int u = 0; u < 4; u++) x[u] = __ldg(vp + v + u * G);
#pragma unroll
        for (int u = 0; u < 4; u++) {
          T e[V];
          memcpy(e, &x[u], 16);
          int64_t jb = r + head + (v + u * G) * V;
#pragma unroll
          for (int k = 0; k < V; k++) a = op.comb(a, op.lift(cuk::cvt<In, DT>(e[k]), jb + k));
        }
      }
      for (; v < nv; v += G) {
        uint4 x = __ldg(vp + v);
        T e[V];
        memcpy(e, &x, 16);
        int64_t jb = r + head + v * V;
#pragma unroll
        for (int k = 0; k < V; k++) a = op.comb(a, op.lift(cuk::cvt<In, DT>(e[k]), jb + k));
      }
      j0 = head + nv * V + lane;
    }
  }
  int64_t st = p.st0;
  int64_t j = j0;
  for (; j + 7 * G < len; j += 8 * G) { /* 8 loads in flight per thread */
    In x[8];
#pragma unroll
    for (int u = 0; u < 8; u++) x[u] = op.template load<DT>(p.in, p.in_dt, off + (j + u * G) * st);
#pragma unroll
    for (int u = 0; u < 8; u++) a = op.comb(a, op.lift(x[u], r + j + u * G));
  }
  for (; j < len; j += G) a = op.comb(a, op.lift(op.template load<DT>(p.in, p.in_dt, off + j * st), r + j));
  return a;
}

template <class Op, int DT> __global__ void __launch_bounds__(256) k_reduce(const rparams p, const Op op) {
  typedef typename Op::Acc Acc;
  __shared__ Acc sh[8];
  const int G = p.G;
  const int lane = threadIdx.x % G;
  const int64_t wpb = blockDim.x / G;
  const int64_t W = p.M * p.S;
  for (int64_t w = (int64_t)blockIdx.x * wpb + threadIdx.x / G; w < W; w += (int64_t)gridDim.x * wpb) {
    int64_t m, s;
    if (G == 1) { m = w % p.M; s = w / p.M; }
    else { m = w / p.S; s = w % p.S; }
    int64_t base, oo;
    unravel2(p.nout, p.oshape, p.ostr_in, p.ostr_out, m, &base, &oo);
    int64_t r = s * p.chunk, r1 = r + p.chunk < p.R ? r + p.chunk : p.R;
    Acc a = op.init();
    while (r < r1) {
      int64_t q, i;
      if (p.nred == 1) { q = 0; i = r; }
      else { q = r / p.L0; i = r - q * p.L0; }
      int64_t len = p.L0 - i < r1 - r ? p.L0 - i : r1 - r;
      int64_t off = base + i * p.st0;
      for (int d = p.nred - 2; d >= 0 && q; d--) {
        int64_t sd = p.rshape[d], qq = q / sd;
        off += (q - qq * sd) * p.rstr[d];
        q = qq;
      }
      a = walk_run<Op, DT>(p, op, a, off, len, r, lane, G);
      r += len;
    }
    a = group_reduce(op, a, G, sh);
    if (lane == 0) {
      if (p.S == 1) op.store(p.out, p.out_dt, oo, a, p.R, p.ddof);
      else ((Acc *)p.partial)[s * p.M + m] = a;
    }
  }
}

template <class Op> __global__ void __launch_bounds__(256) k_finish(const rparams p, const Op op) {
  typedef typename Op::Acc Acc;
  __shared__ Acc sh[8];
  const int G = p.Gf;
  const int lane = threadIdx.x % G;
  const int64_t wpb = blockDim.x / G;
  const Acc *part = (const Acc *)p.partial;
  for (int64_t m = (int64_t)blockIdx.x * wpb + threadIdx.x / G; m < p.M; m += (int64_t)gridDim.x * wpb) {
    Acc a = op.init();
    for (int64_t s = lane; s < p.S; s += G) a = op.comb(a, part[s * p.M + m]);
    a = group_reduce(op, a, G, sh);
    if (lane == 0) {
      int64_t base, oo;
      unravel2(p.nout, p.oshape, p.ostr_in, p.ostr_out, m, &base, &oo);
      op.store(p.out, p.out_dt, oo, a, p.R, p.ddof);
    }
  }
}

template <class Op, int DT> ca_status run_kernels(ca_backend *be, rparams p, const Op &op) {
  typedef typename Op::Acc Acc;
  cudaStream_t s = cu_stream(be);
  int64_t cap = (int64_t)cuk::sm_count(be) * 32;
  void *part = NULL;
  if (p.S > 1) {
    ca_status st = cu_scratch(be, sizeof(Acc) * (size_t)p.S * (size_t)p.M, &part);
    if (st != CA_OK) return st;
  }
  p.partial = part;
  int64_t wpb = 256 / p.G;
  k_reduce<Op, DT><<<cuk::blocks_for(p.M * p.S, wpb, cap), 256, 0, s>>>(p, op);
  ca_status st = cu_check_launch(be, "reduce");
  if (st == CA_OK && p.S > 1) {
    k_finish<Op><<<cuk::blocks_for(p.M, 256 / p.Gf, cap), 256, 0, s>>>(p, op);
    st = cu_check_launch(be, "reduce (second pass)");
  }
  if (part) cu_scratch_free(be, part);
  return st;
}

/* ---- path (a): CUB ------------------------------------------------------------------------ */

struct PlusD {
  __host__ __device__ double operator()(double a, double b) const { return a + b; }
};
struct PlusI {
  __host__ __device__ ca_i operator()(ca_i a, ca_i b) const { return (ca_i)((ca_u)a + (ca_u)b); }
};
/* max / min with NaN propagating: the formulas of scalar.h */
__host__ __device__ static inline float minmax(float a, float b, int mx) {
  return mx ? ca_maximum_f(a, b) : ca_minimum_f(a, b);
}
__host__ __device__ static inline double minmax(double a, double b, int mx) {
  return mx ? ca_maximum_d(a, b) : ca_minimum_d(a, b);
}
template <class T> struct MinMaxFn {
  int mx;
  __host__ __device__ T operator()(T a, T b) const { return minmax(a, b, mx); }
};
/* Element i of a buffer of runtime dtype dt, converted to Acc (a CUB input iterator's functor). */
template <class Acc> struct LoadAcc {
  const char *base;
  int dt;
  __host__ __device__ Acc operator()(int64_t i) const {
#ifdef __CUDA_ARCH__
    return cuk::ld_rt<Acc>(base, dt, i);
#else
    (void)i;
    return 0;
#endif
  }
};

template <class T> __global__ void k_store1(const T *v, char *out, int dt, int mean, int64_t n) {
  T x = *v;
  if (mean) cuk::st_rt<double>(out, dt, 0, (double)x / (double)n);
  else cuk::st_rt<T>(out, dt, 0, x);
}

template <class T, class It, class F>
ca_status cub_reduce(ca_backend *be, It in, int64_t n, F f, T init, char *out, int out_dt, int mean) {
  cudaStream_t s = cu_stream(be);
  size_t temp = 0;
  cudaError_t err = cub::DeviceReduce::Reduce(NULL, temp, in, (T *)NULL, n, f, init, s);
  if (err != cudaSuccess) return cu_fail(be, "cub::DeviceReduce::Reduce", err);
  void *scratch = NULL;
  ca_status st = cu_scratch(be, 256 + temp, &scratch);
  if (st != CA_OK) return st;
  T *res = (T *)scratch;
  err = cub::DeviceReduce::Reduce((char *)scratch + 256, temp, in, res, n, f, init, s);
  if (err != cudaSuccess) {
    cu_scratch_free(be, scratch);
    return cu_fail(be, "cub::DeviceReduce::Reduce", err);
  }
  k_store1<T><<<1, 1, 0, s>>>(res, out, out_dt, mean, n);
  st = cu_check_launch(be, "reduce (store)");
  cu_scratch_free(be, scratch);
  return st;
}

/* Returns 1 and sets *st when CUB took the reduction. */
static int try_cub(ca_backend *be, int op, const rparams &p, ca_status *st) {
  if (p.nout != 0 || p.nred != 1 || p.st0 != 1 || p.R <= 0) return 0;
  int dt = p.in_dt;
  int sum = op == CA_OP_sum, mean = op == CA_OP_mean, mm = op == CA_OP_min || op == CA_OP_max;
  int mx = op == CA_OP_max;
  if ((sum || mean) && dt == CA_FLOAT32 && ca_is_float(p.out_dt)) {
    *st = cub_reduce<double>(be, (const float *)p.in, p.R, PlusD(), 0.0, p.out, p.out_dt, mean);
  } else if ((sum || mean) && dt == CA_FLOAT64 && ca_is_float(p.out_dt)) {
    *st = cub_reduce<double>(be, (const double *)p.in, p.R, PlusD(), 0.0, p.out, p.out_dt, mean);
  } else if (sum && !ca_is_float(dt) && !ca_is_float(p.out_dt)) {
    cuk::FnIter<LoadAcc<ca_i>> it(LoadAcc<ca_i>{p.in, dt});
    *st = cub_reduce<ca_i>(be, it, p.R, PlusI(), (ca_i)0, p.out, p.out_dt, 0);
  } else if (mm && dt == CA_FLOAT32) {
    *st = cub_reduce<float>(be, (const float *)p.in, p.R, MinMaxFn<float>{mx},
                            mx ? -INFINITY : INFINITY, p.out, p.out_dt, 0);
  } else if (mm && dt == CA_FLOAT64) {
    *st = cub_reduce<double>(be, (const double *)p.in, p.R, MinMaxFn<double>{mx},
                             mx ? -INFINITY : INFINITY, p.out, p.out_dt, 0);
  } else {
    return 0;
  }
  return 1;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

template <class Op> ca_status by_dtype(ca_backend *be, const rparams &p, const Op &op) {
  switch (p.in_dt) {
  case CA_BOOL: return run_kernels<Op, CA_BOOL>(be, p, op);
  case CA_INT8: return run_kernels<Op, CA_INT8>(be, p, op);
  case CA_UINT8: return run_kernels<Op, CA_UINT8>(be, p, op);
  case CA_INT16: return run_kernels<Op, CA_INT16>(be, p, op);
  case CA_INT32: return run_kernels<Op, CA_INT32>(be, p, op);
  default: return run_kernels<Op, CA_INT64>(be, p, op);
  }
}

template <class Op> ca_status by_float_dtype(ca_backend *be, const rparams &p, const Op &op) {
  switch (p.in_dt) {
  case CA_FLOAT16: return run_kernels<Op, CA_FLOAT16>(be, p, op);
  case CA_FLOAT32: return run_kernels<Op, CA_FLOAT32>(be, p, op);
  default: return run_kernels<Op, CA_FLOAT64>(be, p, op);
  }
}

static int64_t iabs(int64_t x) { return x < 0 ? -x : x; }

/* Full reductions of at most this many input bytes run as one block in one launch (no CUB
 * temp-storage query, no scratch, no second pass): at this size the host-side cost of the
 * launches dominates, and one block reads 64 KiB in a few microseconds. */
#define CU_SMALL_FULL_BYTES ((int64_t)64 << 10)
static int small_full(const rparams &p) {
  return p.M == 1 && p.R * (int64_t)ca_itemsize(p.in_dt) <= CU_SMALL_FULL_BYTES;
}

/* Chooses the worker shape (rows or columns), the split and the second pass. */
static void plan(ca_backend *be, rparams *p) {
  if (small_full(*p)) {
    p->G = 256;
    p->S = 1;
    p->chunk = p->R > 0 ? p->R : 1;
    p->Gf = 32;
    return;
  }
  int64_t want = (int64_t)cuk::sm_count(be) * 2048 * 2; /* threads for two full waves */
  int rows = p->nout == 0 || iabs(p->st0) <= iabs(p->ostr_in[p->nout - 1]) || p->M == 1;
  if (rows) p->G = p->R >= 4096 ? 256 : 32;
  else p->G = 1;
  int64_t minchunk = p->G == 1 ? 64 : (int64_t)p->G * 16;
  int64_t S = 1;
  if (p->M * p->G < want && p->R > minchunk) {
    S = (want + p->M * p->G - 1) / (p->M * p->G);
    int64_t smax = (p->R + minchunk - 1) / minchunk;
    if (S > smax) S = smax;
  }
  p->chunk = S > 1 ? (p->R + S - 1) / S : (p->R > 0 ? p->R : 1);
  p->S = S > 1 ? (p->R + p->chunk - 1) / p->chunk : 1;
  p->Gf = p->M >= want / 4 ? 1 : p->S >= 512 ? 256 : 32;
}

} /* namespace */

extern "C" ca_status cu_reduce(ca_backend *be, int op, const ca_reduction *r) {
  if (r->nout < 0 || r->nred < 0 || r->nout + r->nred > CA_MAXDIMS || !r->in.data || !r->out.data ||
      r->in.dtype < 0 || r->in.dtype >= CA_NDTYPES || r->out.dtype < 0 || r->out.dtype >= CA_NDTYPES)
    return CA_ERR_VALUE;
  if (!ca_is_reduce_op(op)) return CA_ERR_UNSUPPORTED;
  rparams p;
  memset(&p, 0, sizeof p);
  p.in = r->in.data;
  p.out = r->out.data;
  p.in_dt = r->in.dtype;
  p.out_dt = r->out.dtype;
  p.nout = r->nout;
  p.ddof = r->ddof;
  p.M = 1;
  for (int d = 0; d < r->nout; d++) {
    p.oshape[d] = r->shape[d];
    p.ostr_in[d] = r->in.strides[d];
    p.ostr_out[d] = r->out.strides[d];
    p.M *= r->shape[d];
  }
  if (p.M == 0) return CA_OK;
  p.R = 1;
  /* drop size-1 reduced dims; none left: one element per output */
  int nr = 0;
  for (int d = 0; d < r->nred; d++) {
    int64_t n = r->shape[r->nout + d];
    p.R *= n;
    if (n == 1) continue;
    p.rshape[nr] = n;
    p.rstr[nr] = r->in.strides[r->nout + d];
    nr++;
  }
  if (nr == 0 || p.R == 0) {
    nr = 1;
    p.rshape[0] = p.R;
    p.rstr[0] = 0;
  }
  p.nred = nr;
  p.L0 = p.rshape[nr - 1];
  p.st0 = p.rstr[nr - 1];
  if (p.R == 0 && (op == CA_OP_min || op == CA_OP_max || op == CA_OP_argmin || op == CA_OP_argmax))
    return CA_ERR_VALUE;

  ca_status st;
  if (!small_full(p) && try_cub(be, op, p, &st)) return st;
  plan(be, &p);

  int fin = ca_is_float(p.in_dt), f64 = p.in_dt == CA_FLOAT64;
  switch (op) {
  case CA_OP_sum: case CA_OP_prod:
    if (!ca_is_float(p.out_dt) && !fin) return by_dtype(be, p, ArithI{op == CA_OP_prod});
    if (fin) return by_float_dtype(be, p, ArithD{op == CA_OP_prod});
    return run_kernels<ArithD, -1>(be, p, ArithD{op == CA_OP_prod});
  case CA_OP_mean:
    if (fin) return by_float_dtype(be, p, ArithD{2});
    return run_kernels<ArithD, -1>(be, p, ArithD{2});
  case CA_OP_min: case CA_OP_max: {
    int mx = op == CA_OP_max;
    if (!fin) return by_dtype(be, p, MinMax<ca_i>{mx});
    if (f64) return run_kernels<MinMax<double>, CA_FLOAT64>(be, p, MinMax<double>{mx});
    if (p.in_dt == CA_FLOAT32) return run_kernels<MinMax<float>, CA_FLOAT32>(be, p, MinMax<float>{mx});
    return run_kernels<MinMax<float>, CA_FLOAT16>(be, p, MinMax<float>{mx});
  }
  case CA_OP_argmin: case CA_OP_argmax: {
    int mx = op == CA_OP_argmax;
    if (!fin) return run_kernels<Arg<ca_i>, -1>(be, p, Arg<ca_i>{mx});
    if (f64) return run_kernels<Arg<double>, CA_FLOAT64>(be, p, Arg<double>{mx});
    if (p.in_dt == CA_FLOAT32) return run_kernels<Arg<float>, CA_FLOAT32>(be, p, Arg<float>{mx});
    return run_kernels<Arg<float>, -1>(be, p, Arg<float>{mx});
  }
  case CA_OP_all: case CA_OP_any:
    return run_kernels<Logic, -1>(be, p, Logic{op == CA_OP_all});
  default: /* var, std */
    return run_kernels<Var, -1>(be, p, Var{op == CA_OP_std});
  }
}

/* ---- scans -------------------------------------------------------------------------------- */

namespace {

struct sparams {
  const char *in;
  char *out;
  int in_dt, out_dt, nout, prod, half;
  int64_t oshape[CA_MAXDIMS], istr[CA_MAXDIMS], ostr[CA_MAXDIMS];
  int64_t M, L, is, os;
};

template <class Acc> __device__ __forceinline__ Acc sop(int prod, Acc a, Acc b) {
  if constexpr (std::is_integral<Acc>::value) return prod ? (ca_i)((ca_u)a * (ca_u)b) : (ca_i)((ca_u)a + (ca_u)b);
  else return prod ? a * b : a + b;
}


/* A thread per row, in order (float16 outputs read back each rounded running value). */
template <class Acc> __global__ void k_scan_seq(const sparams p) {
  for (int64_t m = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; m < p.M; m += (int64_t)gridDim.x * blockDim.x) {
    int64_t ib, ob;
    unravel2(p.nout, p.oshape, p.istr, p.ostr, m, &ib, &ob);
    Acc s = p.prod ? (Acc)1 : (Acc)0;
    for (int64_t i = 0; i < p.L; i++) {
      s = sop<Acc>(p.prod, s, cuk::ld_rt<Acc>(p.in, p.in_dt, ib + i * p.is));
      if constexpr (std::is_same<Acc, float>::value)
        if (p.half) s = ca_half_to_float(ca_float_to_half(s));
      cuk::st_rt<Acc>(p.out, p.out_dt, ob + i * p.os, s);
    }
  }
}

template <class T> __device__ __forceinline__ T shfl_up_(T v, int d) { return __shfl_up_sync(0xffffffffu, v, d); }

/* A block (256 threads) per row: tiles of 1024 elements, 4 consecutive per thread. */
template <class Acc> __global__ void __launch_bounds__(256) k_scan_block(const sparams p) {
  __shared__ Acc wsum[8];
  const int lane = threadIdx.x % 32, wid = threadIdx.x / 32, nw = blockDim.x / 32;
  const Acc id = p.prod ? (Acc)1 : (Acc)0;
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
  __host__ __device__ Acc operator()(Acc a, Acc b) const {
    if constexpr (std::is_integral<Acc>::value) return prod ? (ca_i)((ca_u)a * (ca_u)b) : (ca_i)((ca_u)a + (ca_u)b);
    else return prod ? a * b : a + b;
  }
};

template <class Acc> ca_status scan_cub(ca_backend *be, const sparams &p) {
  cudaStream_t s = cu_stream(be);
  cuk::FnIter<LoadAcc<Acc>> in(LoadAcc<Acc>{p.in, p.in_dt});
  size_t temp = 0;
  cudaError_t err = cub::DeviceScan::InclusiveScan(NULL, temp, in, (Acc *)p.out, ScanOp<Acc>{p.prod}, p.L, s);
  if (err != cudaSuccess) return cu_fail(be, "cub::DeviceScan::InclusiveScan", err);
  void *scratch = NULL;
  ca_status st = cu_scratch(be, temp, &scratch);
  if (st != CA_OK) return st;
  err = cub::DeviceScan::InclusiveScan(scratch, temp, in, (Acc *)p.out, ScanOp<Acc>{p.prod}, p.L, s);
  cu_scratch_free(be, scratch);
  return err == cudaSuccess ? CA_OK : cu_fail(be, "cub::DeviceScan::InclusiveScan", err);
}

template <class Acc> ca_status scan_kernels(ca_backend *be, const sparams &p) {
  cudaStream_t s = cu_stream(be);
  int64_t cap = (int64_t)cuk::sm_count(be) * 16;
  int acc_dt = std::is_integral<Acc>::value ? CA_INT64 : sizeof(Acc) == 4 ? CA_FLOAT32 : CA_FLOAT64;
  if (p.nout == 0 && p.is == 1 && p.os == 1 && p.out_dt == acc_dt) return scan_cub<Acc>(be, p);
  if (p.L <= 32 || (p.half && p.L <= 65536)) {
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
  p.half = r->out.dtype == CA_FLOAT16;
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
  return scan_kernels<ca_i>(be, p);
}
