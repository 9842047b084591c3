/* The formulas of the reductions (the CA_REDUCE rows of src/ops.def), each written once, read
 * by the C compiler (the CPU backend, the core) and by nvcc (the CUDA kernels).
 *
 * A reduction's rule (src/ops.h) gives its kind, the shape of its accumulator; each reduction
 * has one line here, CA_<KIND>_<name>, naming the formulas of its kind:
 *
 *   fold    CA_FOLD_<name>: id, skip, comb, fin   (rules ACCUMULATE, SAME, MEAN, PREDICATE, COUNT)
 *           acc = comb(acc, x) over the elements, from the identity id(); an element for which
 *           skip(x) holds counts as the identity and is not counted (the nan-reductions skip
 *           NaN); the result is fin(acc, count), count the elements not skipped. PREDICATE and
 *           COUNT folds see the truth of each element (0 or 1: NaN is true), in int64, and
 *           skip nothing (their skip is never).
 *   arg     CA_ARG_<name>: skip, beats                                             (rule INDEX)
 *           the 1-based position of the first element that no later one beats; beats(x, best)
 *           says whether x takes the place of the best so far. A slice whose every element is
 *           skipped has no position: the backends write 0 there.
 *   moment  CA_MOMENT_<name>: skip, fin                                           (rule MOMENT)
 *           the mean of the counted elements, m2 the sum of their squared deviations from it,
 *           and the result fin(m2, count, ddof).
 *   range   CA_RANGE_<name>: hi, lo, fin                                           (rule RANGE)
 *           fin(hi, lo) of two folds (named by their rows) over the same elements.
 *
 * Each column names a formula ca_<column>_<t> of this file or of scalar.h, t the accumulation
 * type as in scalar.h: i int64, u uint64, f float, d double. ca_reduce_acc below chooses the
 * type.
 * Integers have no NaN, so the nan-reductions of integers are the plain ones.
 *
 * How a backend evaluates a fold is its own business as long as the result is the fold's: the
 * CPU sums pairwise the folds whose comb is ca_add (NumPy's summation tree), the CUDA backend
 * in a tree of partial folds; both run max/min through vector or library paths. */
#ifndef CA_REDUCE_OPS_H
#define CA_REDUCE_OPS_H

#include "scalar.h"
#include "ops.h"

/* ---- identities ----------------------------------------------------------------------- */

CA_FN ca_i ca_zero_i(void) { return 0; }
CA_FN float ca_zero_f(void) { return 0.0f; }
CA_FN double ca_zero_d(void) { return 0.0; }
CA_FN ca_i ca_one_i(void) { return 1; }
CA_FN float ca_one_f(void) { return 1.0f; }
CA_FN double ca_one_d(void) { return 1.0; }
CA_FN ca_i ca_lowest_i(void) { return INT64_MIN; }
CA_FN float ca_lowest_f(void) { return -INFINITY; }
CA_FN double ca_lowest_d(void) { return -INFINITY; }
CA_FN ca_i ca_highest_i(void) { return INT64_MAX; }
CA_FN ca_u ca_zero_u(void) { return 0; }
CA_FN ca_u ca_one_u(void) { return 1; }
CA_FN ca_u ca_lowest_u(void) { return 0; }
CA_FN ca_u ca_highest_u(void) { return UINT64_MAX; }
CA_FN float ca_highest_f(void) { return INFINITY; }
CA_FN double ca_highest_d(void) { return INFINITY; }

/* ---- skips: 1 when an element counts as the identity and is not counted ------------------ */

/* never; isnan is scalar.h's ca_isnan_i/f/d (never true for integers). ca_<skip>_skips says
 * whether a skip can hold at all: the backends count elements only for those that can. */
CA_FN ca_i ca_never_i(ca_i x) { (void)x; return 0; }
CA_FN ca_i ca_never_u(ca_u x) { (void)x; return 0; }
CA_FN ca_i ca_never_f(float x) { (void)x; return 0; }
CA_FN ca_i ca_never_d(double x) { (void)x; return 0; }
enum { ca_never_skips = 0, ca_isnan_skips = 1 };

/* ---- finalizers of folds: fin(acc, count) ---------------------------------------------- */

CA_FN ca_i ca_total_i(ca_i a, int64_t n) { (void)n; return a; }
CA_FN ca_u ca_total_u(ca_u a, int64_t n) { (void)n; return a; }
CA_FN float ca_total_f(float a, int64_t n) { (void)n; return a; }
CA_FN double ca_total_d(double a, int64_t n) { (void)n; return a; }
/* n == 0 gives 0 / 0: NaN, as NumPy's mean of nothing. */
CA_FN double ca_average_d(double a, int64_t n) { return a / (double)n; }
/* The max / min of a slice with nothing counted (all NaN) is NaN, as NumPy's nanmax. */
CA_FN ca_i ca_nan_if_none_i(ca_i a, int64_t n) { (void)n; return a; }
CA_FN ca_u ca_nan_if_none_u(ca_u a, int64_t n) { (void)n; return a; }
CA_FN float ca_nan_if_none_f(float a, int64_t n) { return n == 0 ? NAN : a; }
CA_FN double ca_nan_if_none_d(double a, int64_t n) { return n == 0 ? NAN : a; }

/* ---- arg-reductions: beats(x, best) ---------------------------------------------------- */

/* The first NaN wins (a NaN is never beaten), else the larger / smaller value; ties keep the
 * earlier position. */
CA_FN ca_i ca_beats_max_i(ca_i x, ca_i best) { return x > best; }
CA_FN ca_i ca_beats_max_f(float x, float best) { return best == best && (x != x || x > best); }
CA_FN ca_i ca_beats_max_d(double x, double best) { return best == best && (x != x || x > best); }
CA_FN ca_i ca_beats_min_i(ca_i x, ca_i best) { return x < best; }
CA_FN ca_i ca_beats_max_u(ca_u x, ca_u best) { return x > best; }
CA_FN ca_i ca_beats_min_u(ca_u x, ca_u best) { return x < best; }
CA_FN ca_i ca_beats_min_f(float x, float best) { return best == best && (x != x || x < best); }
CA_FN ca_i ca_beats_min_d(double x, double best) { return best == best && (x != x || x < best); }

/* ---- finalizers of moments: fin(m2, count, ddof) --------------------------------------- */

/* var divides by max(count - ddof, 0), so too large a ddof gives inf (or NaN for m2 = 0);
 * nanvar gives NaN wherever count - ddof <= 0, as NumPy's do. */
CA_FN double ca_variance_d(double m2, double n, double ddof) {
  double div = n - ddof;
  return m2 / (div > 0 ? div : 0.0);
}
CA_FN double ca_deviation_d(double m2, double n, double ddof) {
  return sqrt(ca_variance_d(m2, n, ddof));
}
CA_FN double ca_nan_variance_d(double m2, double n, double ddof) {
  double dof = n - ddof;
  return dof > 0 ? m2 / dof : NAN;
}
CA_FN double ca_nan_deviation_d(double m2, double n, double ddof) {
  return sqrt(ca_nan_variance_d(m2, n, ddof));
}

/* ---- the reductions --------------------------------------------------------------------- */

/*                               id        skip    comb          fin */
#define CA_FOLD_sum              zero,     never,  add,          total
#define CA_FOLD_prod             one,      never,  multiply,     total
#define CA_FOLD_min              highest,  never,  minimum,      total
#define CA_FOLD_max              lowest,   never,  maximum,      total
#define CA_FOLD_all              one,      never,  logical_and,  total
#define CA_FOLD_any              zero,     never,  logical_or,   total
#define CA_FOLD_mean             zero,     never,  add,          average
#define CA_FOLD_nansum           zero,     isnan,  add,          total
#define CA_FOLD_nanprod          one,      isnan,  multiply,     total
#define CA_FOLD_nanmin           highest,  isnan,  minimum,      nan_if_none
#define CA_FOLD_nanmax           lowest,   isnan,  maximum,      nan_if_none
#define CA_FOLD_nanmean          zero,     isnan,  add,          average
#define CA_FOLD_count_nonzero    zero,     never,  add,          total

/*                               skip    beats */
#define CA_ARG_argmin            never,  beats_min
#define CA_ARG_argmax            never,  beats_max
#define CA_ARG_nanargmin         isnan,  beats_min
#define CA_ARG_nanargmax         isnan,  beats_max

/*                               skip    fin */
#define CA_MOMENT_var            never,  variance
#define CA_MOMENT_std            never,  deviation
#define CA_MOMENT_nanvar         isnan,  nan_variance
#define CA_MOMENT_nanstd         isnan,  nan_deviation

/*                               hi   lo   fin */
#define CA_RANGE_ptp             max, min, subtract

/* ---- accumulation types ------------------------------------------------------------------ */

typedef enum ca_racc {
  CA_RACC_I,     /* int64 */
  CA_RACC_D,     /* double (the CUDA backend compares float16 and float32 inputs in float) */
  CA_RACC_TRUTH, /* the truth of each element, folded in int64 */
  CA_RACC_U      /* uint64 */
} ca_racc;

/* The accumulation type of a reduction of rule `rule` from an input of dtype `in` into an output
 * of dtype `out`. Sums and products accumulate in the output's kind, so a requested integer
 * dtype converts each element before it is added (NumPy's rule); min, max, their positions and
 * ranges compare in the input's kind; means and moments average in double. */
CA_FN int ca_reduce_acc(int rule, int in, int out) {
  switch (rule) {
  case CA_RULE_ACCUMULATE:
    return ca_is_float(out) ? CA_RACC_D : out == CA_UINT64 ? CA_RACC_U : CA_RACC_I;
  case CA_RULE_MEAN: case CA_RULE_MOMENT: return CA_RACC_D;
  case CA_RULE_PREDICATE: case CA_RULE_COUNT: return CA_RACC_TRUTH;
  default: return ca_is_float(in) ? CA_RACC_D : in == CA_UINT64 ? CA_RACC_U : CA_RACC_I;
  }
}

/* Whether a reduction of this rule has a value for a slice of no elements (sum 0, prod 1, all
 * true, any false, count 0, mean and moments NaN); min, max, their positions and ranges have
 * none, and raise. */
CA_FN int ca_reduce_has_identity(int rule) {
  return !(rule == CA_RULE_SAME || rule == CA_RULE_INDEX || rule == CA_RULE_RANGE);
}

#endif
