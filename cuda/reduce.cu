/* Reductions: the CA_REDUCE rows of ops.def, each row's kernels instantiated from its formulas
 * (src/reduce_ops.h, as C++ types in cuda/reduce_ops.cuh).
 *
 * Accumulation types follow the CPU reference (src/cpu/reduce.c, ca_reduce_acc): sums and
 * products in int64 (wrapping) for integer and bool outputs (uint64 outputs in uint64), each
 * element converted first, else double; means and moments in double (moments as sums about a
 * shift, merged without a division: reduce_ops.cuh's MomentOp); max, min, their positions and
 * ranges in int64 for integer inputs (uint64 in uint64), else in the input's float type (comparisons are exact there, as the CPU's in double); all,
 * any and counts on the truth of each element. Float sums accumulate in double: the reference
 * does, and at memory speed the H200's double adds are free, so results agree with the CPU to
 * the last bit or two instead of drifting with the order of float additions.
 *
 * Paths:
 *  (a) a full reduction of a contiguous input by a fold that skips nothing whose combine is
 *      ca_add (float32/float64 input into a float output, or integer input into an integer
 *      output) or ca_maximum / ca_minimum (float32/float64), and nansum and nanprod of
 *      float32/float64 (an iterator reads NaN as the identity): cub::DeviceReduce (an iterator
 *      converts integers to int64), except small ones (64 KiB of input at most), which run
 *      path (b) as one block in one launch; the same folds of long rows lying back to back,
 *      many enough for a block each: cub::DeviceSegmentedReduce;
 *  (b) rows: the reduced run is the more contiguous axis: a warp per output, or a block per
 *      output for long rows too few to fill a wave with warps, 16-byte vector loads for unit
 *      stride, the row split over several blocks with a second pass when there are too few
 *      rows to fill the GPU (this is also the path of the full reductions CUB does not take);
 *  (c) columns: the kept axis is the more contiguous one: a thread per output walking the
 *      reduced elements (coalesced across threads), split over the reduced extent with a
 *      second pass when there are too few outputs;
 *  (d) any strides: both kernels walk the reduced dims as runs of the innermost reduced dim.
 * The kernels are instantiated per input dtype (typed loads) for the folds that skip nothing,
 * the float inputs of those that do and of ranges, and float32/float64 arg-reductions and
 * moments; the others read their input through a runtime dtype switch. */
#include <atomic>
#include <cub/device/device_reduce.cuh>
#include <cub/device/device_segmented_reduce.cuh>
#include "reduce_ops.cuh"

using cur::unravel2;

namespace {

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
  unsigned grid;         /* k_reduce's blocks */
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
      for (int64_t j = lane; j < head; j += G) a = op.feed(a, cuk::cvt<In, DT>(ptr[j]), r + j);
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
          for (int k = 0; k < V; k++) a = op.feed(a, cuk::cvt<In, DT>(e[k]), jb + k);
        }
      }
      for (; v < nv; v += G) {
        uint4 x = __ldg(vp + v);
        T e[V];
        memcpy(e, &x, 16);
        int64_t jb = r + head + v * V;
#pragma unroll
        for (int k = 0; k < V; k++) a = op.feed(a, cuk::cvt<In, DT>(e[k]), jb + k);
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
    for (int u = 0; u < 8; u++) a = op.feed(a, x[u], r + j + u * G);
  }
  for (; j < len; j += G) a = op.feed(a, op.template load<DT>(p.in, p.in_dt, off + j * st), r + j);
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

static int64_t iabs(int64_t x) { return x < 0 ? -x : x; }

/* Full reductions of at most this many input bytes run as one block in one launch (no CUB
 * temp-storage query, no scratch, no second pass): at this size the host-side cost of the
 * launches dominates, and one block reads 64 KiB in a few microseconds. */
#define CU_SMALL_FULL_BYTES ((int64_t)64 << 10)
static int small_full(const rparams &p) {
  return p.M == 1 && p.R * (int64_t)ca_itemsize(p.in_dt) <= CU_SMALL_FULL_BYTES;
}

/* The share of the resident workers busy over the whole launch when `units` equal work units
 * are dealt round-robin to `slots` of them: the last round leaves the others idle. */
static double busy(int64_t units, int64_t slots) {
  int64_t rounds = (units + slots - 1) / slots;
  return rounds > 0 ? (double)units / (double)(rounds * slots) : 1.0;
}

/* Splits of the reduced extent, in chunks of at least `minchunk` elements. A thread per output
 * (G = 1) splits while the outputs are fewer than `want` threads, into enough for that. Warps
 * or blocks split while the outputs fill fewer than two rounds of the `resident` workers, into
 * at least two rounds, rounded up so that the M * S work units fill whole rounds. */
static int64_t splits(const rparams &p, int G, int64_t want, int64_t resident) {
  int64_t minchunk = G == 1 ? 64 : (int64_t)G * 16, S;
  if (p.R <= minchunk) return 1;
  if (G == 1) {
    if (p.M >= want) return 1;
    S = (want + p.M - 1) / p.M;
  } else {
    if (p.M >= 2 * resident) return 1;
    S = (2 * resident + p.M - 1) / p.M;
    int64_t units = (p.M * S + resident - 1) / resident * resident;
    S = (units + p.M - 1) / p.M;
  }
  int64_t smax = (p.R + minchunk - 1) / minchunk;
  return S < smax ? S : smax;
}

/* Chooses the worker shape (rows or columns), the split, the second pass and the grid; `nb`
 * is how many blocks of k_reduce's instance fit on one SM. */
static void plan(ca_backend *be, rparams *p, int nb) {
  if (small_full(*p)) {
    p->G = 256;
    p->S = 1;
    p->chunk = p->R > 0 ? p->R : 1;
    p->Gf = 32;
    p->grid = 1;
    return;
  }
  int64_t sms = cuk::sm_count(be), want = sms * 2048 * 2; /* threads for two full waves */
  int64_t slots = sms * (nb > 0 ? nb : 4);                 /* resident blocks */
  int rows = p->nout == 0 || iabs(p->st0) <= iabs(p->ostr_in[p->nout - 1]) || p->M == 1;
  /* Rows: a warp per row (no block-wide synchronisation, so each warp keeps its loads in
   * flight from one row to the next) unless the rows are long and either too few to fill a
   * wave of warps (a block per row then needs fewer splits) or a block per row keeps the GPU
   * busier: rows dealt to resident workers leave a last round partly idle, and with a few rows
   * per warp that round costs more than the blocks' synchronisation (16384 rows of 16384
   * float32 on 132 SMs of 5 blocks: 3.1 rows per warp, 78% busy; 24.8 rows per block, 99%). */
  if (rows) {
    p->G = 32;
    if (p->R >= 4096) {
      double b32 = busy(p->M * splits(*p, 32, want, slots * 8), slots * 8);
      double b256 = busy(p->M * splits(*p, 256, want, slots), slots);
      if (p->M * 32 < want / 4 || (b32 < 0.9 && b256 > b32)) p->G = 256;
    }
  } else {
    p->G = 1;
  }
  int64_t S = splits(*p, p->G, want, slots * (256 / p->G));
  p->chunk = S > 1 ? (p->R + S - 1) / S : (p->R > 0 ? p->R : 1);
  p->S = S > 1 ? (p->R + p->chunk - 1) / p->chunk : 1;
  p->Gf = p->M >= want / 4 ? 1 : p->S >= 512 ? 256 : 32;
  /* Workers of a warp or a block run on a grid of the resident blocks, each looping over its
   * share; a thread per output keeps the grid of 32 blocks per SM it was measured with. */
  p->grid = cuk::blocks_for(p->M * p->S, 256 / p->G, p->G == 1 ? sms * 32 : slots);
}

template <class Op, int DT> ca_status run_kernels(ca_backend *be, rparams p, const Op &op) {
  typedef typename Op::Acc Acc;
  cudaStream_t s = cu_stream(be);
  /* Blocks an SM holds, asked once per kernel (the driver's answer takes microseconds, and it
   * only sizes the grid: a process mixing GPU models keeps the first one's). */
  static std::atomic<int> resident{-1};
  if (resident.load(std::memory_order_relaxed) < 0 && !small_full(p)) {
    int nb = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&nb, k_reduce<Op, DT>, 256, 0) != cudaSuccess) {
      (void)cudaGetLastError();
      nb = 0;
    }
    resident.store(nb, std::memory_order_relaxed);
  }
  int nb = resident.load(std::memory_order_relaxed);
  if (nb < 0) nb = 0;
  plan(be, &p, nb);
  int64_t cap = (int64_t)cuk::sm_count(be) * 32;
  void *part = NULL;
  if (p.S > 1) {
    ca_status st = cu_scratch(be, sizeof(Acc) * (size_t)p.S * (size_t)p.M, &part);
    if (st != CA_OK) return st;
  }
  p.partial = part;
  k_reduce<Op, DT><<<p.grid, 256, 0, s>>>(p, op);
  ca_status st = cu_check_launch(be, "reduce");
  if (st == CA_OK && p.S > 1) {
    k_finish<Op><<<cuk::blocks_for(p.M, 256 / p.Gf, cap), 256, 0, s>>>(p, op);
    st = cu_check_launch(be, "reduce (second pass)");
  }
  if (part) cu_scratch_free(be, part);
  return st;
}

/* ---- path (a): CUB ------------------------------------------------------------------------ */

/* The combine of fold Row at type T, for CUB. */
template <class Row, class T> struct CombFn {
  __host__ __device__ T operator()(T a, T b) const { return cur::at<typename Row::Comb, T>(a, b); }
};

template <class Row, class T> __global__ void k_store1(const T *v, char *out, int dt, int64_t n) {
  cuk::st_rt<T>(out, dt, 0, cur::at<typename Row::Fin, T>(*v, n));
}

/* Writes row m's result v[m] to its output element. */
template <class Row, class T> __global__ void k_store_rows(const T *v, const rparams p) {
  for (int64_t m = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; m < p.M; m += (int64_t)gridDim.x * blockDim.x) {
    int64_t base, oo;
    unravel2(p.nout, p.oshape, p.ostr_in, p.ostr_out, m, &base, &oo);
    cuk::st_rt<T>(p.out, p.out_dt, oo, cur::at<typename Row::Fin, T>(v[m], p.R));
  }
}

/* The first element of row i of rows R elements long lying back to back. */
struct RowStart {
  int64_t R;
  __host__ __device__ int64_t operator()(int64_t i) const { return i * R; }
};

/* Whether output m reduces elements [m * R, (m + 1) * R) of the input: its rows lie back to
 * back, as CUB's segmented reduction reads them. */
static int rows_back_to_back(const rparams &p) {
  if (p.nred != 1 || p.st0 != 1) return 0;
  int64_t next = p.R;
  for (int d = p.nout - 1; d >= 0; d--) {
    if (p.oshape[d] != 1 && p.ostr_in[d] != next) return 0;
    next *= p.oshape[d];
  }
  return 1;
}

/* CUB's reduction of `in` (by flat element index) into p's outputs: DeviceReduce for one
 * output, DeviceSegmentedReduce for rows back to back (a block a row, as CuPy's sums along
 * rows, which read 16384 rows of 16384 float32 at 4.6 TB/s where the row kernel reached 3.6). */
template <class Row, class T, class It> ca_status cub_reduce(ca_backend *be, It in, const rparams &p) {
  cudaStream_t s = cu_stream(be);
  CombFn<Row, T> f;
  T init = cur::at<typename Row::Id, T>();
  const int rows = p.nout > 0;
  cuk::FnIter<RowStart> starts(RowStart{p.R});
  auto reduce = [&](void *temp, size_t &bytes, T *res) {
    return rows ? cub::DeviceSegmentedReduce::Reduce(temp, bytes, in, res, p.M, starts, starts + 1, f, init, s)
                : cub::DeviceReduce::Reduce(temp, bytes, in, res, p.R, f, init, s);
  };
  const char *what = rows ? "cub::DeviceSegmentedReduce::Reduce" : "cub::DeviceReduce::Reduce";
  size_t temp = 0;
  cudaError_t err = reduce(NULL, temp, (T *)NULL);
  if (err != cudaSuccess) return cu_fail(be, what, err);
  size_t head = ((size_t)p.M * sizeof(T) + 255) / 256 * 256;
  void *scratch = NULL;
  ca_status st = cu_scratch(be, head + temp, &scratch);
  if (st != CA_OK) return st;
  T *res = (T *)scratch;
  err = reduce((char *)scratch + head, temp, res);
  if (err != cudaSuccess) {
    cu_scratch_free(be, scratch);
    return cu_fail(be, what, err);
  }
  if (rows) k_store_rows<Row, T><<<cuk::blocks_for(p.M, 256, (int64_t)cuk::sm_count(be) * 32), 256, 0, s>>>(res, p);
  else k_store1<Row, T><<<1, 1, 0, s>>>(res, p.out, p.out_dt, p.R);
  st = cu_check_launch(be, "reduce (store)");
  cu_scratch_free(be, scratch);
  return st;
}

/* Rows at least this long, and enough of them for two blocks an SM, go to CUB by rows. */
#define CU_CUB_ROW_MIN 2048

/* Returns 1 and sets *st when CUB took the reduction of fold Row (rule Rule): path (a). */
template <int Rule, class Row> int try_cub(ca_backend *be, int acc, const rparams &p, ca_status *st) {
  if (p.nred != 1 || p.st0 != 1 || p.R <= 0) return 0;
  if (p.nout > 0 && (p.R < CU_CUB_ROW_MIN || p.M < 2 * (int64_t)cuk::sm_count(be) || !rows_back_to_back(p)))
    return 0;
  if constexpr (Row::skips) {
    /* nansum and nanprod: a skipped element reads as the identity (their result ignores the
     * count, which nanmean and nanmax need) */
    if constexpr (Row::fin_d == &ca_total_d) {
      if (acc == CA_RACC_D && ca_is_float(p.out_dt) && p.in_dt == CA_FLOAT32) {
        *st = cub_reduce<Row, double>(be, cuk::FnIter<cur::SkipLoad<Row, float>>({(const float *)p.in}), p);
        return 1;
      }
      if (acc == CA_RACC_D && ca_is_float(p.out_dt) && p.in_dt == CA_FLOAT64) {
        *st = cub_reduce<Row, double>(be, cuk::FnIter<cur::SkipLoad<Row, double>>({(const double *)p.in}), p);
        return 1;
      }
    }
    return 0;
  } else {
    constexpr bool sums = Row::comb_d == &ca_add_d;
    constexpr bool minmax = Row::comb_d == &ca_maximum_d || Row::comb_d == &ca_minimum_d;
    int dt = p.in_dt;
    if constexpr (sums) {
      if (acc == CA_RACC_D && ca_is_float(p.out_dt) && dt == CA_FLOAT32) {
        *st = cub_reduce<Row, double>(be, (const float *)p.in, p);
        return 1;
      }
      if (acc == CA_RACC_D && ca_is_float(p.out_dt) && dt == CA_FLOAT64) {
        *st = cub_reduce<Row, double>(be, (const double *)p.in, p);
        return 1;
      }
      if constexpr (Rule == CA_RULE_ACCUMULATE) {
        if (acc == CA_RACC_I && !ca_is_float(dt)) {
          cuk::FnIter<cur::LoadAcc<ca_i>> it(cur::LoadAcc<ca_i>{p.in, dt});
          *st = cub_reduce<Row, ca_i>(be, it, p);
          return 1;
        }
      }
    } else if constexpr (minmax && Rule == CA_RULE_SAME) {
      if (dt == CA_FLOAT32) {
        *st = cub_reduce<Row, float>(be, (const float *)p.in, p);
        return 1;
      }
      if (dt == CA_FLOAT64) {
        *st = cub_reduce<Row, double>(be, (const double *)p.in, p);
        return 1;
      }
    }
    return 0;
  }
}

/* ---- dispatch ----------------------------------------------------------------------------- */

/* The rule of each op (ops.def), for the CUDA module, which does not link the core's table. */
static int rule_of(int op) {
  switch (op) {
#define CA_UNARY(name, rule) case CA_OP_##name: return rule;
#define CA_BINARY(name, rule) case CA_OP_##name: return rule;
#define CA_REDUCE(name, rule) case CA_OP_##name: return rule;
#include "../src/ops.def"
  default: return -1;
  }
}

template <class Op> ca_status by_dtype(ca_backend *be, const rparams &p, const Op &op) {
  switch (p.in_dt) {
  case CA_BOOL: return run_kernels<Op, CA_BOOL>(be, p, op);
  case CA_INT8: return run_kernels<Op, CA_INT8>(be, p, op);
  case CA_UINT8: return run_kernels<Op, CA_UINT8>(be, p, op);
  case CA_INT16: return run_kernels<Op, CA_INT16>(be, p, op);
  case CA_INT32: return run_kernels<Op, CA_INT32>(be, p, op);
  case CA_INT64: return run_kernels<Op, CA_INT64>(be, p, op);
  default: return run_kernels<Op, -1>(be, p, op); /* the others through the run-time switch */
  }
}

template <class Op> ca_status by_float_dtype(ca_backend *be, const rparams &p, const Op &op) {
  switch (p.in_dt) {
  case CA_FLOAT16: return run_kernels<Op, CA_FLOAT16>(be, p, op);
  case CA_FLOAT32: return run_kernels<Op, CA_FLOAT32>(be, p, op);
  case CA_FLOAT64: return run_kernels<Op, CA_FLOAT64>(be, p, op);
  default: return run_kernels<Op, -1>(be, p, op); /* bfloat16 through the run-time switch */
  }
}

/* float16 and float32 inputs (ops computing in float). */
template <class Op> ca_status by_float32(ca_backend *be, const rparams &p, const Op &op) {
  if (p.in_dt == CA_FLOAT32) return run_kernels<Op, CA_FLOAT32>(be, p, op);
  if (p.in_dt == CA_FLOAT16) return run_kernels<Op, CA_FLOAT16>(be, p, op);
  return run_kernels<Op, -1>(be, p, op);
}

/* Each kind at the accumulation types ca_reduce_acc gives its rules (p not yet planned).
 * Folds: int64 (integer inputs typed, float inputs into an integer dtype through the runtime
 * switch, loaded as double when a skip must see them first), float for the max/min of
 * float16/float32 (SAME), else double; nan-reductions (folds that skip) of integers are rare
 * and read them through the runtime switch. */
template <int Rule, class Row> ca_status run_fold(ca_backend *be, int, rparams p) {
  using cur::FoldOp;
  int acc = ca_reduce_acc(Rule, p.in_dt, p.out_dt);
  ca_status st;
  if (!small_full(p) && try_cub<Rule, Row>(be, acc, p, &st)) return st;
  int fin = ca_is_float(p.in_dt);
  if constexpr (Rule == CA_RULE_ACCUMULATE || Rule == CA_RULE_SAME) {
    if (acc == CA_RACC_U) { /* uint64 (rare enough to read through the runtime switch) */
      if constexpr (Rule == CA_RULE_ACCUMULATE && Row::skips)
        if (fin) return run_kernels<FoldOp<Row, ca_u, double>, -1>(be, p, FoldOp<Row, ca_u, double>());
      return run_kernels<FoldOp<Row, ca_u>, -1>(be, p, FoldOp<Row, ca_u>());
    }
  }
  if constexpr (Rule != CA_RULE_MEAN) {
    if (acc == CA_RACC_I) {
      if constexpr (Rule == CA_RULE_ACCUMULATE && Row::skips)
        if (fin) return run_kernels<FoldOp<Row, ca_i, double>, -1>(be, p, FoldOp<Row, ca_i, double>());
      if (fin || Row::skips) return run_kernels<FoldOp<Row, ca_i>, -1>(be, p, FoldOp<Row, ca_i>());
      return by_dtype(be, p, FoldOp<Row, ca_i>());
    }
  }
  if constexpr (Rule == CA_RULE_SAME) {
    if (p.in_dt == CA_FLOAT64)
      return run_kernels<FoldOp<Row, double>, CA_FLOAT64>(be, p, FoldOp<Row, double>());
    return by_float32(be, p, FoldOp<Row, float>());
  } else {
    if (!fin) return run_kernels<FoldOp<Row, double>, -1>(be, p, FoldOp<Row, double>());
    return by_float_dtype(be, p, FoldOp<Row, double>());
  }
}

template <class Row> ca_status run_truth(ca_backend *be, int, rparams p) {
  return run_kernels<cur::TruthOp<Row>, -1>(be, p, cur::TruthOp<Row>());
}

template <class Row> ca_status run_arg(ca_backend *be, int, rparams p) {
  using cur::ArgOp;
  if (p.in_dt == CA_FLOAT64) return run_kernels<ArgOp<Row, double>, CA_FLOAT64>(be, p, ArgOp<Row, double>());
  if (p.in_dt == CA_FLOAT32) return run_kernels<ArgOp<Row, float>, CA_FLOAT32>(be, p, ArgOp<Row, float>());
  if (p.in_dt == CA_FLOAT16 || p.in_dt == CA_BFLOAT16)
    return run_kernels<ArgOp<Row, float>, -1>(be, p, ArgOp<Row, float>());
  if (p.in_dt == CA_UINT64) return run_kernels<ArgOp<Row, ca_u>, -1>(be, p, ArgOp<Row, ca_u>());
  return run_kernels<ArgOp<Row, ca_i>, -1>(be, p, ArgOp<Row, ca_i>());
}

/* Moments of float32 and float64 inputs read them typed (vector loads along rows); the
 * other dtypes through the run-time switch. */
template <class Row> ca_status run_moment(ca_backend *be, int, rparams p) {
  using cur::MomentOp;
  if (p.in_dt == CA_FLOAT32) return run_kernels<MomentOp<Row>, CA_FLOAT32>(be, p, MomentOp<Row>());
  if (p.in_dt == CA_FLOAT64) return run_kernels<MomentOp<Row>, CA_FLOAT64>(be, p, MomentOp<Row>());
  return run_kernels<MomentOp<Row>, -1>(be, p, MomentOp<Row>());
}

template <class Row> ca_status run_range(ca_backend *be, int, rparams p) {
  using cur::RangeOp;
  if (p.in_dt == CA_UINT64) return run_kernels<RangeOp<Row, ca_u>, -1>(be, p, RangeOp<Row, ca_u>());
  if (!ca_is_float(p.in_dt)) return run_kernels<RangeOp<Row, ca_i>, -1>(be, p, RangeOp<Row, ca_i>());
  if (p.in_dt == CA_FLOAT64) return run_kernels<RangeOp<Row, double>, CA_FLOAT64>(be, p, RangeOp<Row, double>());
  return by_float32(be, p, RangeOp<Row, float>());
}

} /* namespace */

/* The entry of each row, by its rule's kind. */
#define RUN_CA_RULE_ACCUMULATE(name) run_fold<CA_RULE_ACCUMULATE, cur::Fold_##name>
#define RUN_CA_RULE_SAME(name) run_fold<CA_RULE_SAME, cur::Fold_##name>
#define RUN_CA_RULE_MEAN(name) run_fold<CA_RULE_MEAN, cur::Fold_##name>
#define RUN_CA_RULE_PREDICATE(name) run_truth<cur::Fold_##name>
#define RUN_CA_RULE_COUNT(name) run_truth<cur::Fold_##name>
#define RUN_CA_RULE_INDEX(name) run_arg<cur::Arg_##name>
#define RUN_CA_RULE_MOMENT(name) run_moment<cur::Moment_##name>
#define RUN_CA_RULE_RANGE(name) run_range<cur::Range_##name>

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
  if (p.R == 0 && !ca_reduce_has_identity(rule_of(op))) return CA_ERR_VALUE;

  switch (op) {
#define CA_REDUCE(name, rule) case CA_OP_##name: return RUN_##rule(name)(be, op, p);
#include "../src/ops.def"
  default:
    return cu_fail_msg(be, CA_ERR_UNSUPPORTED, "cuda: reduce called with a non-reduction op");
  }
}
