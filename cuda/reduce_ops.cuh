/* The reductions of src/ops.def as C++ types for the CUDA kernels (reduce.cu, scan.cu): each
 * row of src/reduce_ops.h becomes a struct of its formulas, and each kind an op type the
 * kernels are templated on. Private to cuda/. */
#ifndef CA_CU_REDUCE_OPS_CUH
#define CA_CU_REDUCE_OPS_CUH

#include "cu_kernels.cuh"
#include "../src/reduce_ops.h"

namespace cur {

#define CUR_D __host__ __device__ __forceinline__

/* ---- formulas as types -------------------------------------------------------------------- */

/* Tags naming an accumulation type, so that a formula is chosen by type and never converts. */
struct TI {};
struct TU {};
struct TF {};
struct TD {};
template <class C> struct tag_of;
template <> struct tag_of<ca_i> { typedef TI type; };
template <> struct tag_of<ca_u> { typedef TU type; };
template <> struct tag_of<float> { typedef TF type; };
template <> struct tag_of<double> { typedef TD type; };

/* A formula ca_<name>_i/_u/_f/_d as a type; an overload exists only where its formula does. */
#define CUR_FORMULA(type, name)                                                                   \
  struct type {                                                                                   \
    template <class... A> CUR_D static auto at(TI, A... a) -> decltype(ca_##name##_i(a...)) {    \
      return ca_##name##_i(a...);                                                                 \
    }                                                                                             \
    template <class... A> CUR_D static auto at(TU, A... a) -> decltype(ca_##name##_u(a...)) {    \
      return ca_##name##_u(a...);                                                                 \
    }                                                                                             \
    template <class... A> CUR_D static auto at(TF, A... a) -> decltype(ca_##name##_f(a...)) {    \
      return ca_##name##_f(a...);                                                                 \
    }                                                                                             \
    template <class... A> CUR_D static auto at(TD, A... a) -> decltype(ca_##name##_d(a...)) {    \
      return ca_##name##_d(a...);                                                                 \
    }                                                                                             \
  };

/* Formula Fm at accumulation type C. */
template <class Fm, class C, class... A>
CUR_D auto at(A... a) -> decltype(Fm::at(typename tag_of<C>::type(), a...)) {
  return Fm::at(typename tag_of<C>::type(), a...);
}

/* ---- the rows of reduce_ops.h --------------------------------------------------------------- */

/* Fold_<name>, Arg_<name>, Moment_<name>, Range_<name>: the formulas of each row, and whether
 * its skip can hold (then folds count the elements they fold). comb_d names the combine, so
 * that the dispatch can tell sums and max/min (library paths) apart. */
#define CUR_FOLD(name, id_, skip_, comb_, fin_)                                                  \
  struct Fold_##name {                                                                            \
    CUR_FORMULA(Id, id_) CUR_FORMULA(Skip, skip_) CUR_FORMULA(Comb, comb_) CUR_FORMULA(Fin, fin_) \
    static constexpr bool skips = ca_##skip_##_skips;                                             \
    static constexpr auto comb_d = &ca_##comb_##_d;                                              \
    static constexpr auto fin_d = &ca_##fin_##_d;                                                \
  };
#define CUR_ARG(name, skip_, beats_)                                                             \
  struct Arg_##name {                                                                             \
    CUR_FORMULA(Skip, skip_) CUR_FORMULA(Beats, beats_)                                           \
  };
#define CUR_MOMENT(name, skip_, fin_)                                                            \
  struct Moment_##name {                                                                          \
    CUR_FORMULA(Skip, skip_) CUR_FORMULA(Fin, fin_)                                               \
  };
#define CUR_RANGE(name, hi_, lo_, fin_)                                                          \
  struct Range_##name {                                                                           \
    typedef Fold_##hi_ Hi;                                                                        \
    typedef Fold_##lo_ Lo;                                                                        \
    CUR_FORMULA(Fin, fin_)                                                                        \
  };
#define CUR_APPLY(macro, name, ...) macro(name, __VA_ARGS__)
#define CUR_ROW_CA_RULE_ACCUMULATE(name) CUR_APPLY(CUR_FOLD, name, CA_FOLD_##name)
#define CUR_ROW_CA_RULE_SAME(name) CUR_APPLY(CUR_FOLD, name, CA_FOLD_##name)
#define CUR_ROW_CA_RULE_MEAN(name) CUR_APPLY(CUR_FOLD, name, CA_FOLD_##name)
#define CUR_ROW_CA_RULE_PREDICATE(name) CUR_APPLY(CUR_FOLD, name, CA_FOLD_##name)
#define CUR_ROW_CA_RULE_COUNT(name) CUR_APPLY(CUR_FOLD, name, CA_FOLD_##name)
#define CUR_ROW_CA_RULE_INDEX(name) CUR_APPLY(CUR_ARG, name, CA_ARG_##name)
#define CUR_ROW_CA_RULE_MOMENT(name) CUR_APPLY(CUR_MOMENT, name, CA_MOMENT_##name)
#define CUR_ROW_CA_RULE_RANGE(name) CUR_APPLY(CUR_RANGE, name, CA_RANGE_##name)

#define CA_REDUCE(name, rule) CUR_ROW_##rule(name)
#include "../src/ops.def"

/* ---- the kinds as ops of the kernels -------------------------------------------------------- */

/* An op gives the kernels (reduce.cu):
 *   In                      what an element is loaded as; load<DT>(base, dt, i) loads it
 *                           (DT >= 0: that dtype, typed; -1: the runtime dtype dt)
 *   Acc, init(), lift(x, r) the accumulator, its identity, and element x at flat reduced
 *                           position r as an accumulator
 *   comb(a, b)              merges two accumulators, a of the earlier elements
 *   feed(a, x, r)           comb(a, lift(x, r)) for an element later than all of a's: the
 *                           walk's step, which an op may take more cheaply than a merge
 *   store(o, dt, i, a, n, ddof)  writes the result of a over n elements to element i of o */

/* A fold at accumulation type C; when its skip can hold, the accumulator counts. Elements
 * load as In: C, or double for a fold that skips of a float input into an integer type, whose
 * skip sees each element before it converts (NumPy's nansum replaces NaN first). */
template <class Row, class C, class In_ = C> struct FoldOp {
  struct Counted {
    C v;
    int64_t n;
  };
  typedef In_ In;
  typedef typename std::conditional<Row::skips, Counted, C>::type Acc;
  static_assert(std::is_same<In, C>::value || Row::skips, "only skips load another type");
  template <int DT> __device__ In load(const char *b, int dt, int64_t i) const {
    return cuk::ld_any<In, DT>(b, dt, i);
  }
  __device__ Acc init() const {
    if constexpr (Row::skips) return Acc{at<typename Row::Id, C>(), 0};
    else return at<typename Row::Id, C>();
  }
  __device__ Acc lift(In x, int64_t) const {
    if constexpr (!Row::skips) return x;
    else if constexpr (std::is_same<In, C>::value) return at<typename Row::Skip, C>(x) ? init() : Acc{x, 1};
    else return at<typename Row::Skip, In>(x) ? init() : Acc{cuk::cvt<C, CA_FLOAT64>(x), 1};
  }
  __device__ Acc comb(Acc a, Acc b) const {
    if constexpr (Row::skips) return Acc{at<typename Row::Comb, C>(a.v, b.v), a.n + b.n};
    else return at<typename Row::Comb, C>(a, b);
  }
  __device__ Acc feed(Acc a, In x, int64_t r) const { return comb(a, lift(x, r)); }
  __device__ void store(char *o, int dt, int64_t i, Acc a, int64_t n, double) const {
    if constexpr (Row::skips) cuk::st_rt<C>(o, dt, i, at<typename Row::Fin, C>(a.v, a.n));
    else cuk::st_rt<C>(o, dt, i, at<typename Row::Fin, C>(a, n));
  }
};

/* A fold over the truth of each element, in int64 (truth folds skip nothing). */
template <class Row> struct TruthOp {
  typedef ca_i In;
  typedef ca_i Acc;
  template <int DT> __device__ In load(const char *b, int dt, int64_t i) const {
    return cuk::truth_rt(b, dt, i);
  }
  __device__ Acc init() const { return at<typename Row::Id, ca_i>(); }
  __device__ Acc lift(In x, int64_t) const { return x; }
  __device__ Acc comb(Acc a, Acc b) const { return at<typename Row::Comb, ca_i>(a, b); }
  __device__ Acc feed(Acc a, In x, int64_t r) const { return comb(a, lift(x, r)); }
  __device__ void store(char *o, int dt, int64_t i, Acc a, int64_t n, double) const {
    cuk::st_rt<ca_i>(o, dt, i, at<typename Row::Fin, ca_i>(a, n));
  }
};

/* The winner so far and its flat position (none: INT64_MAX, which loses every merge). Merging
 * keeps whichever beats the other, and of two that do not, the earlier. */
template <class C> struct ArgAcc {
  C v;
  int64_t i;
};
template <class Row, class C> struct ArgOp {
  typedef C In;
  typedef ArgAcc<C> Acc;
  template <int DT> __device__ In load(const char *b, int dt, int64_t i) const {
    return cuk::ld_any<C, DT>(b, dt, i);
  }
  __device__ Acc init() const { return Acc{C(), INT64_MAX}; }
  __device__ Acc lift(In x, int64_t r) const {
    return at<typename Row::Skip, C>(x) ? init() : Acc{x, r};
  }
  __device__ Acc comb(Acc a, Acc b) const {
    if (b.i == INT64_MAX) return a;
    if (a.i == INT64_MAX) return b;
    if (at<typename Row::Beats, C>(b.v, a.v)) return b;
    if (at<typename Row::Beats, C>(a.v, b.v)) return a;
    return a.i < b.i ? a : b;
  }
  /* A later element takes the place only by beating the winner, so ties keep the earlier one
   * with no comparison of positions. */
  __device__ Acc feed(Acc a, In x, int64_t r) const {
    if (at<typename Row::Skip, C>(x)) return a;
    return a.i == INT64_MAX || at<typename Row::Beats, C>(x, a.v) ? Acc{x, r} : a;
  }
  __device__ void store(char *o, int dt, int64_t i, Acc a, int64_t, double) const {
    cuk::st_rt<ca_i>(o, dt, i, a.i == INT64_MAX ? 0 : a.i + 1);
  }
};

/* The count n and, about a shift k (an element of the slice), the sums s1 of x - k and s2 of
 * (x - k)^2. A walk's step is then three adds in double and no division (Welford's division
 * per element held var and std far below the memory's speed); a merge moves the later
 * accumulator to the earlier one's shift, still without a division:
 *   sum over b of (x - a.k)^2 = b.s2 + 2 d b.s1 + b.n d^2,  d = b.k - a.k.
 * The mean is k + s1 / n and m2 = s2 - s1^2 / n, whose rounding error is about
 * eps * (m2 + n (mean - k)^2): relative to m2, eps (1 + (mean - k)^2 / var), so a large mean
 * with a small spread loses nothing (the shift sits inside the data, unlike a plain sum of
 * squares), and an outlying shift costs at most a factor n. The differences x - k of a float32
 * or float16 input are exact in double. */
struct MomentAcc {
  double k, s1, s2;
  int64_t n;
};
template <class Row> struct MomentOp {
  typedef double In;
  typedef MomentAcc Acc;
  template <int DT> __device__ In load(const char *b, int dt, int64_t i) const {
    return cuk::ld_any<double, DT>(b, dt, i);
  }
  __device__ Acc init() const { return Acc{0.0, 0.0, 0.0, 0}; }
  __device__ Acc lift(In x, int64_t) const {
    return at<typename Row::Skip, double>(x) ? init() : Acc{x, 0.0, 0.0, 1};
  }
  __device__ Acc comb(Acc a, Acc b) const {
    if (b.n == 0) return a;
    if (a.n == 0) return b;
    double d = b.k - a.k, bn = (double)b.n;
    return Acc{a.k, a.s1 + (b.s1 + bn * d), a.s2 + b.s2 + d * (2.0 * b.s1 + bn * d), a.n + b.n};
  }
  __device__ Acc feed(Acc a, In x, int64_t) const {
    if (at<typename Row::Skip, double>(x)) return a;
    double k = a.n == 0 ? x : a.k, d = x - k;
    return Acc{k, a.s1 + d, fma(d, d, a.s2), a.n + 1};
  }
  __device__ void store(char *o, int dt, int64_t i, Acc a, int64_t, double ddof) const {
    double n = (double)a.n, m2 = 0.0;
    if (a.n > 0) {
      double mean = a.k + a.s1 / n;
      m2 = a.s2 - a.s1 * (a.s1 / n);
      /* An infinite element makes the mean non-finite; NumPy's two passes then meet inf - inf
       * and give NaN. Rounding may leave a tiny negative m2 where the spread is nil. */
      if (!isfinite(mean)) m2 = 0.0 / 0.0;
      else if (m2 < 0.0) m2 = 0.0;
    }
    cuk::st_rt<double>(o, dt, i, at<typename Row::Fin, double>(m2, n, ddof));
  }
};

/* The two folds of a range side by side. */
template <class C> struct RangeAcc {
  C hi, lo;
};
template <class Row, class C> struct RangeOp {
  typedef typename Row::Hi Hi;
  typedef typename Row::Lo Lo;
  static_assert(!Hi::skips && !Lo::skips, "a range's folds skip nothing");
  typedef C In;
  typedef RangeAcc<C> Acc;
  template <int DT> __device__ In load(const char *b, int dt, int64_t i) const {
    return cuk::ld_any<C, DT>(b, dt, i);
  }
  __device__ Acc init() const { return Acc{at<typename Hi::Id, C>(), at<typename Lo::Id, C>()}; }
  __device__ Acc lift(In x, int64_t) const { return Acc{x, x}; }
  __device__ Acc comb(Acc a, Acc b) const {
    return Acc{at<typename Hi::Comb, C>(a.hi, b.hi), at<typename Lo::Comb, C>(a.lo, b.lo)};
  }
  __device__ Acc feed(Acc a, In x, int64_t r) const { return comb(a, lift(x, r)); }
  __device__ void store(char *o, int dt, int64_t i, Acc a, int64_t, double) const {
    cuk::st_rt<C>(o, dt, i, at<typename Row::Fin, C>(a.hi, a.lo));
  }
};

/* ---- shared by the reduction and scan kernels -------------------------------------------- */

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

/* Element i of a float buffer as a double, the identity of fold Row where Row skips it (a CUB
 * input iterator's functor, for the folds whose result does not count what they fold). */
template <class Row, class T> struct SkipLoad {
  const T *base;
  __host__ __device__ double operator()(int64_t i) const {
    double x = base[i];
    return at<typename Row::Skip, double>(x) ? at<typename Row::Id, double>() : x;
  }
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

} /* namespace cur */

#endif
