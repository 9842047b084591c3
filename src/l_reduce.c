/* Reductions (every CA_REDUCE row of ops.def: sum, prod, mean, var, std, min, max, argmin,
 * argmax, all, any, ...) over all elements, one axis or a list of axes, and scans (cumsum,
 * cumprod) over all elements (flattened in C order) or one axis. A row's rule decides its
 * options and its result dtype, its formulas (reduce_ops.h) what a reduction of nothing gives;
 * nothing here names a reduction but the aliases and the scans.
 *
 * The core moves the reduced axes last (a permuted view of the input, no copy), drops
 * size-1 dims and coalesces runs whose strides chain (the kept dims in input and output
 * together, the reduced dims in the input), so that the backend sees few dims. Reductions
 * stay on the array's device; one over all elements (no axis, no keepdims, no out) returns
 * its value as a Lua value, read from the device, unless {array = true} keeps the 0-d array
 * there unsynchronised. */
#include <string.h>
#include <math.h>
#include "core.h"
#include "ops.h"
#include "reduce_ops.h"

/* What each function accepts beyond the array and the axis. */
enum {
  K_PLAIN,  /* keepdims, out (min, max, all, any, ...) */
  K_DTYPE,  /* keepdims, out, dtype (sum, prod, mean, ...) */
  K_VAR,    /* keepdims, out, dtype, ddof (var, std, ...) */
  K_ARG,    /* keepdims, out; one axis only (argmin, argmax, ...) */
  K_SCAN    /* dtype, out; one axis or none (cumsum, cumprod) */
};

typedef struct rfunc {
  const char *name;
  int op;
  int scan;
} rfunc;

static const rfunc rfuncs[] = {
#define CA_REDUCE(name, rule) {#name, CA_OP_##name, 0},
#include "ops.def"
  {"amin", CA_OP_min, 0}, {"amax", CA_OP_max, 0},
  {"cumsum", CA_OP_sum, 1}, {"cumprod", CA_OP_prod, 1},
};

static int options_of(const rfunc *f) {
  if (f->scan) return K_SCAN;
  switch (ca_op_rules[f->op]) {
  case CA_RULE_ACCUMULATE: case CA_RULE_MEAN: return K_DTYPE;
  case CA_RULE_MOMENT: return K_VAR;
  case CA_RULE_INDEX: return K_ARG;
  default: return K_PLAIN;
  }
}

static const char *const opts_plain[] = {"keepdims", "out", "array", NULL};
static const char *const opts_dtype[] = {"keepdims", "out", "dtype", "array", NULL};
static const char *const opts_var[] = {"keepdims", "out", "dtype", "ddof", "array", NULL};
static const char *const opts_scan[] = {"dtype", "out", NULL};
static const char *const *const known_opts[] = {opts_plain, opts_dtype, opts_var, opts_plain,
                                               opts_scan};

/* The reductions of complex input NumPy allows that cuarray computes: the linear ones (sums,
 * means, cumsum) by parts, the real and imaginary parts each a reduction of a real view,
 * which is what NumPy's pairwise complex sum does part by part; var and std as the sum of
 * the parts' variances (NumPy's mean of |x - mean|^2). */
static int complex_ok(int op, int scan) {
  if (scan) return op == CA_OP_sum;
  return op == CA_OP_sum || op == CA_OP_nansum || op == CA_OP_mean || op == CA_OP_nanmean ||
         op == CA_OP_var || op == CA_OP_nanvar || op == CA_OP_std || op == CA_OP_nanstd;
}

/* The result dtype of a reduction (or scan) of an input of dtype `in`. */
static int result_dtype(lua_State *L, int op, int in, const char *fname) {
  if (ca_is_complex(in)) {
    if (!complex_ok(op, 0) && op != CA_OP_prod) /* cumprod: prod's row */
      ca_raisef(L, "%s: not supported for %s", fname, ca_dtype_name(in));
    return ca_op_rules[op] == CA_RULE_MOMENT ? ca_real_of(in) : in;
  }
  switch (ca_op_rules[op]) {
  case CA_RULE_ACCUMULATE: return ca_is_float(in) ? in : ca_is_unsigned(in) ? CA_UINT64 : CA_INT64;
  case CA_RULE_INDEX: case CA_RULE_COUNT: return CA_INT64;
  case CA_RULE_MEAN: case CA_RULE_MOMENT: return ca_is_float(in) ? in : CA_FLOAT64;
  case CA_RULE_PREDICATE: return CA_BOOL;
  case CA_RULE_RANGE:
    if (in == CA_BOOL)
      ca_raisef(L, "%s: not supported for bool arrays (booleans do not subtract)", fname);
    return in;
  default: return in;
  }
}

/* ---- what the formulas of reduce_ops.h say -------------------------------------------------- */

#define APPLY(macro, ...) macro(__VA_ARGS__)
#define EMPTY_FOLD(id, skip, comb, fin) ca_##fin##_d(ca_##id##_d(), 0)
#define EMPTY_MOMENT(skip, fin) ca_##fin##_d(0.0, 0.0, ddof)
#define EMPTY_CA_RULE_ACCUMULATE(name) APPLY(EMPTY_FOLD, CA_FOLD_##name)
#define EMPTY_CA_RULE_SAME(name) NAN
#define EMPTY_CA_RULE_MEAN(name) APPLY(EMPTY_FOLD, CA_FOLD_##name)
#define EMPTY_CA_RULE_PREDICATE(name) APPLY(EMPTY_FOLD, CA_FOLD_##name)
#define EMPTY_CA_RULE_COUNT(name) APPLY(EMPTY_FOLD, CA_FOLD_##name)
#define EMPTY_CA_RULE_INDEX(name) NAN
#define EMPTY_CA_RULE_MOMENT(name) APPLY(EMPTY_MOMENT, CA_MOMENT_##name)
#define EMPTY_CA_RULE_RANGE(name) NAN

/* What a reduction of no elements gives, for those with an identity: fin of the identity
 * (sum 0, prod 1, all true, mean NaN, ...). */
static double empty_value(int op, double ddof) {
  (void)ddof;
  switch (op) {
#define CA_REDUCE(name, rule) case CA_OP_##name: return EMPTY_##rule(name);
#include "ops.def"
  default: return NAN;
  }
}

#define FINDS_NONE(skip, beats) ca_##skip##_skips
#define NONE_CA_RULE_INDEX(name) case CA_OP_##name: return APPLY(FINDS_NONE, CA_ARG_##name);
#define NONE_CA_RULE_ACCUMULATE(name)
#define NONE_CA_RULE_SAME(name)
#define NONE_CA_RULE_MEAN(name)
#define NONE_CA_RULE_PREDICATE(name)
#define NONE_CA_RULE_COUNT(name)
#define NONE_CA_RULE_MOMENT(name)
#define NONE_CA_RULE_RANGE(name)

/* Whether an arg-reduction skips elements, and so finds no position in a slice of skipped
 * ones (position 0), which NumPy refuses. */
static int may_find_none(int op) {
  switch (op) {
#define CA_REDUCE(name, rule) NONE_##rule(name)
#include "ops.def"
  default: return 0;
  }
}

/* Reads the axis argument at idx (0: none) into red[] (1 for each reduced dim): nil for
 * every dim, an integer, or a list of integers (not with `single`). */
static void read_axes(lua_State *L, int idx, int ndim, int single, int *red, const char *fname) {
  for (int i = 0; i < ndim; i++) red[i] = 0;
  if (idx == 0 || lua_isnoneornil(L, idx)) {
    for (int i = 0; i < ndim; i++) red[i] = 1;
    return;
  }
  if (lua_type(L, idx) == LUA_TNUMBER) {
    red[ca_read_axis(L, idx, ndim, fname)] = 1;
    return;
  }
  if (!lua_istable(L, idx))
    ca_raisef(L, "%s: axis must be an integer%s or nil, got %s", fname,
               single ? "" : ", a list of integers", luaL_typename(L, idx));
  if (single)
    ca_raisef(L, "%s: axis must be a single integer or nil (%s takes one axis only)", fname,
               fname);
  int n = (int)ca_rawlen(L, idx);
  for (int k = 0; k < n; k++) {
    lua_rawgeti(L, idx, k + 1);
    int ax = ca_read_axis(L, -1, ndim, fname);
    lua_pop(L, 1);
    if (red[ax]) ca_raisef(L, "%s: repeated axis %d in the list of axes", fname, ax + 1);
    red[ax] = 1;
  }
}

/* Appends dim (size, in stride, out stride) to a group, merging it into the previous dim
 * when both strides chain. Size-1 dims are dropped by the callers. */
static int append_dim(ca_reduction *r, int at, int first, int64_t size, int64_t is, int64_t os) {
  if (at > first && r->in.strides[at - 1] == is * size && r->out.strides[at - 1] == os * size) {
    r->shape[at - 1] *= size;
    r->in.strides[at - 1] = is;
    r->out.strides[at - 1] = os;
    return at;
  }
  r->shape[at] = size;
  r->in.strides[at] = is;
  r->out.strides[at] = os;
  return at + 1;
}

static int64_t abs64(int64_t x) { return x < 0 ? -x : x; }

/* Reduces `a` over the dims flagged in red[] (count elements each) into res, whose shape
 * is the result's. */
static void reduce_into(lua_State *L, const ca_array *a, int op, const int *red, int keepdims,
                        double ddof, int64_t count, ca_array *res, const char *fname);

/* reduce_into for a complex input (complex_ok): by parts. */
static void reduce_complex(lua_State *L, const ca_array *a, int op, const int *red, int keepdims,
                           double ddof, int64_t count, ca_array *res, const char *fname) {
  int top = lua_gettop(L);
  ca_array *are = ca_push_part(L, a, 0), *aim = ca_push_part(L, a, 1);
  if (ca_op_rules[op] != CA_RULE_MOMENT) {
    if (!ca_is_complex(res->dtype)) { /* dtype= a real dtype: the real part, as NumPy casts */
      reduce_into(L, are, op, red, keepdims, ddof, count, res, fname);
    } else {
      ca_array *rre = ca_push_part(L, res, 0), *rim = ca_push_part(L, res, 1);
      reduce_into(L, are, op, red, keepdims, ddof, count, rre, fname);
      reduce_into(L, aim, op, red, keepdims, ddof, count, rim, fname);
    }
    lua_settop(L, top);
    return;
  }
  int var = op == CA_OP_std ? CA_OP_var : op == CA_OP_nanstd ? CA_OP_nanvar : op;
  ca_array *tmp = ca_new(L, ca_be(res), res->dtype, res->ndim, res->shape);
  reduce_into(L, are, var, red, keepdims, ddof, count, res, fname);
  reduce_into(L, aim, var, red, keepdims, ddof, count, tmp, fname);
  ca_backend *be = ca_be(res);
  ca_loop l;
  ca_array *ops[3] = {res, res, tmp};
  ca_loop_build(&l, res->ndim, res->shape, 3, ops, NULL, NULL, res->dtype);
  if (l.size > 0) CA_CHECK(L, be, be->binary(be, CA_OP_add, &l), fname);
  if (var != op && l.size > 0) {
    ca_loop_build(&l, res->ndim, res->shape, 2, ops, NULL, NULL, res->dtype);
    CA_CHECK(L, be, be->unary(be, CA_OP_sqrt, &l), fname);
  }
  lua_settop(L, top);
}

/* prod of a complex input into a complex res: a contiguous copy with the reduced dims last (K
 * rows of count), halved in place (the last half of the columns multiplied into the first)
 * until one column is left: log2(count) multiplies of the op table's complex formula, on any
 * device. The factors pair up in another order than NumPy's loop from the left: the same
 * product up to rounding. */
static void prod_complex(lua_State *L, const ca_array *a, const int *red, int64_t count,
                         ca_array *res, const char *fname) {
  int top = lua_gettop(L), nd = a->ndim, k = 0;
  ca_backend *be = ca_be(a);
  ca_array *moved = ca_view(L, a);
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < nd; i++)
      if (!red[i] == !pass) {
        moved->shape[k] = a->shape[i];
        moved->strides[k++] = a->strides[i];
      }
  ca_array *w = ca_new(L, be, res->dtype, nd, moved->shape);
  ca_copy_into(L, w, moved);
  ca_array *rows = ca_view(L, w);
  rows->ndim = 2;
  rows->shape[0] = w->size / count;
  rows->shape[1] = count;
  rows->strides[0] = count;
  rows->strides[1] = 1;
  for (int64_t n = count; n > 1;) {
    int64_t h = n / 2;
    ca_array *head = ca_view(L, rows), *tail = ca_view(L, rows);
    head->shape[1] = tail->shape[1] = h;
    head->size = tail->size = rows->shape[0] * h;
    tail->offset += n - h;
    ca_array *ops[3] = {head, head, tail};
    ca_loop l;
    ca_loop_build(&l, 2, head->shape, 3, ops, NULL, NULL, res->dtype);
    if (l.size > 0) CA_CHECK(L, be, be->binary(be, CA_OP_multiply, &l), fname);
    lua_pop(L, 2);
    n -= h;
  }
  /* column 0, seen through res's shape (its elements in C order, count apart) */
  ca_array *first = ca_view(L, rows);
  first->ndim = res->ndim;
  first->size = res->size;
  int64_t step = 1;
  for (int i = res->ndim - 1; i >= 0; i--) {
    first->shape[i] = res->shape[i];
    first->strides[i] = step * count;
    step *= res->shape[i];
  }
  ca_copy_into(L, res, first);
  lua_settop(L, top);
}

static void reduce_into(lua_State *L, const ca_array *a, int op, const int *red, int keepdims,
                        double ddof, int64_t count, ca_array *res, const char *fname) {
  ca_check_live(L, a, fname);
  ca_check_live(L, res, fname);
  ca_backend *be = ca_be(a);
  int nd = a->ndim;
  if (res->size == 0) return;
  if (count == 0) { /* nothing reduced: the identity (NaN for the averages) */
    ca_fill(L, res, empty_value(op, ddof));
    return;
  }
  if (ca_is_complex(a->dtype)) {
    if (op == CA_OP_prod && ca_is_complex(res->dtype)) {
      prod_complex(L, a, red, count, res, fname);
      return;
    }
    if (!complex_ok(op, 0) && op != CA_OP_prod)
      ca_raisef(L, "%s: not supported for %s", fname, ca_dtype_name(a->dtype));
    reduce_complex(L, a, op, red, keepdims, ddof, count, res, fname);
    return;
  }
  /* the result's stride for each kept dim of the input */
  int64_t ostr[CA_MAXDIMS];
  for (int i = 0, j = 0; i < nd; i++) {
    if (red[i]) {
      ostr[i] = 0;
      if (keepdims) j++;
    } else {
      ostr[i] = res->strides[j++];
    }
  }
  ca_reduction r;
  memset(&r, 0, sizeof r);
  int k = 0;
  for (int i = 0; i < nd; i++)
    if (!red[i] && a->shape[i] != 1) k = append_dim(&r, k, 0, a->shape[i], a->strides[i], ostr[i]);
  r.nout = k;
  {
    int dims[CA_MAXDIMS], nr = 0;
    for (int i = 0; i < nd; i++)
      if (red[i] && a->shape[i] != 1) dims[nr++] = i;
    /* Arg-reductions count positions in C order; the others may walk memory in order:
     * larger strides outside (a stable sort, so ties keep C order). */
    if (ca_op_rules[op] != CA_RULE_INDEX) {
      for (int x = 1; x < nr; x++) {
        int d = dims[x], y = x;
        for (; y > 0 && abs64(a->strides[dims[y - 1]]) < abs64(a->strides[d]); y--)
          dims[y] = dims[y - 1];
        dims[y] = d;
      }
    }
    for (int x = 0; x < nr; x++)
      k = append_dim(&r, k, r.nout, a->shape[dims[x]], a->strides[dims[x]], 0);
  }
  r.nred = k - r.nout;
  r.in.data = ca_data(a);
  r.in.dtype = a->dtype;
  r.out.data = ca_data(res);
  r.out.dtype = res->dtype;
  r.ddof = ddof;
  CA_CHECK(L, be, be->reduce(be, op, &r), fname);
}

/* Raises when the positions `pos` (1-based) hold a 0: a slice with no position. One
 * synchronisation on an asynchronous device. */
static void check_found(lua_State *L, const ca_array *pos, const char *fname) {
  int red[CA_MAXDIMS];
  int64_t least = 1;
  if (pos->size == 0) return;
  for (int i = 0; i < pos->ndim; i++) red[i] = 1;
  ca_array *m = ca_new(L, ca_be(pos), CA_INT64, 0, NULL);
  reduce_into(L, pos, CA_OP_min, red, 0, 0.0, pos->size, m, fname);
  ca_read_host(L, m, &least);
  lua_pop(L, 1);
  if (least == 0) ca_raisef(L, "%s: All-NaN slice encountered", fname);
}

/* Reduces `a` over the dims flagged in red[] into a new array of dtype rdtype (pushed), or
 * into `out` (nothing pushed; through a temporary when out shares a's memory). */
static void reduce_core(lua_State *L, const ca_array *a, int op, const int *red, int keepdims,
                        int rdtype, double ddof, ca_array *out, const char *fname) {
  ca_backend *be = ca_be(a);
  int nd = a->ndim, rnd = 0;
  int64_t rshape[CA_MAXDIMS], count = 1;
  for (int i = 0; i < nd; i++) {
    if (red[i]) {
      count *= a->shape[i];
      if (keepdims) rshape[rnd++] = 1;
    } else {
      rshape[rnd++] = a->shape[i];
    }
  }
  if (count == 0 && !ca_reduce_has_identity(ca_op_rules[op]))
    ca_raisef(L, "%s: zero-size array to reduction operation %s which has no identity", fname,
               ca_op_names[op]);
  if (out) ca_check_out(L, out, be, rdtype, rnd, rshape, fname);
  int alias = out && out->storage == a->storage;
  ca_array *res = out && !alias ? out : ca_new(L, be, alias ? out->dtype : rdtype, rnd, rshape);
  reduce_into(L, a, op, red, keepdims, ddof, count, res, fname);
  if (ca_is_float(a->dtype) && may_find_none(op)) check_found(L, res, fname);
  if (alias) {
    ca_copy_into(L, out, res);
    lua_pop(L, 1);
  }
}

/* Inclusive scan of `a` along `axis` (-1: over all elements in C order, giving a 1-d result)
 * into a new array of dtype rdtype (pushed) or into `out` (nothing pushed). a is at aidx. */
static void scan_core(lua_State *L, int aidx, int op, int axis, int rdtype, ca_array *out,
                      const char *fname);

/* As scan_core, through a temporary when out shares the input's memory. */
static void scan_checked(lua_State *L, int aidx, int op, int axis, int rdtype, ca_array *out,
                         const char *fname) {
  ca_array *a = ca_test(L, aidx);
  if (!out || out->storage != a->storage) {
    scan_core(L, aidx, op, axis, rdtype, out, fname);
    return;
  }
  int64_t n = a->size;
  if (axis < 0) ca_check_out(L, out, ca_be(a), rdtype, 1, &n, fname);
  else ca_check_out(L, out, ca_be(a), rdtype, a->ndim, a->shape, fname);
  scan_core(L, aidx, op, axis, out->dtype, NULL, fname);
  ca_copy_into(L, out, ca_test(L, -1));
  lua_pop(L, 1);
}

static void scan_core(lua_State *L, int aidx, int op, int axis, int rdtype, ca_array *out,
                      const char *fname) {
  ca_array *a = ca_test(L, aidx);
  ca_backend *be = ca_be(a);
  if (ca_is_complex(a->dtype) || ca_is_complex(rdtype)) { /* cumsum by parts */
    if (!complex_ok(op, 1) || !ca_is_complex(rdtype))
      ca_raisef(L, "%s: not supported for %s", fname, ca_dtype_name(a->dtype));
    int64_t n = a->size;
    int nd = axis < 0 ? 1 : a->ndim;
    const int64_t *shape = axis < 0 ? &n : a->shape;
    if (out) ca_check_out(L, out, be, rdtype, nd, shape, fname);
    ca_array *res = out ? out : ca_new(L, be, rdtype, nd, shape);
    int top = lua_gettop(L);
    for (int part = 0; part < 2; part++) {
      ca_push_part(L, a, part);
      ca_array *rp = ca_push_part(L, res, part);
      scan_core(L, lua_gettop(L) - 1, op, axis, rp->dtype, rp, fname);
      lua_settop(L, top);
    }
    return;
  }
  ca_reduction r;
  memset(&r, 0, sizeof r);
  if (axis < 0) {
    int64_t n = a->size;
    if (out) ca_check_out(L, out, be, rdtype, 1, &n, fname);
    ca_array *flat = ca_push_flat(L, aidx);
    ca_array *res = out ? out : ca_new(L, be, rdtype, 1, &n);
    ca_check_live(L, res, fname);
    if (n > 0) {
      r.nout = 0;
      r.nred = 1;
      r.shape[0] = n;
      r.in.strides[0] = flat->strides[0];
      r.out.strides[0] = res->strides[0];
      r.in.data = ca_data(flat);
      r.in.dtype = flat->dtype;
      r.out.data = ca_data(res);
      r.out.dtype = res->dtype;
      CA_CHECK(L, be, be->scan(be, op, &r), fname);
    }
    lua_remove(L, out ? -1 : -2);
    return;
  }
  if (out) ca_check_out(L, out, be, rdtype, a->ndim, a->shape, fname);
  ca_array *res = out ? out : ca_new(L, be, rdtype, a->ndim, a->shape);
  ca_check_live(L, a, fname);
  ca_check_live(L, res, fname);
  if (res->size == 0) return;
  int k = 0;
  for (int i = 0; i < a->ndim; i++)
    if (i != axis && a->shape[i] != 1)
      k = append_dim(&r, k, 0, a->shape[i], a->strides[i], res->strides[i]);
  r.nout = k;
  r.nred = 1;
  r.shape[k] = a->shape[axis];
  r.in.strides[k] = a->strides[axis];
  r.out.strides[k] = res->strides[axis];
  r.in.data = ca_data(a);
  r.in.dtype = a->dtype;
  r.out.data = ca_data(res);
  r.out.dtype = res->dtype;
  CA_CHECK(L, be, be->scan(be, op, &r), fname);
}

void ca_reduce_all(lua_State *L, int op, int idx, int out_dtype) {
  const char *fname = ca_op_names[op];
  ca_array *a = ca_check_arg(L, idx, fname);
  int red[CA_MAXDIMS];
  for (int i = 0; i < a->ndim; i++) red[i] = 1;
  reduce_core(L, a, op, red, 0, out_dtype < 0 ? result_dtype(L, op, a->dtype, fname) : out_dtype,
              0.0, NULL, fname);
}

/* min and max into an `out` of another dtype, as NumPy's: NumPy copies the first element of
 * each slice into out (converting it to out's dtype), then folds in the others in the
 * promotion of out's and a's dtypes, and casts the result into out. So min of int32 300 and 50
 * into an int8 out compares 44 (300 as int8) with 50, and max of 300 and -200 along an axis
 * gives 56 (-200 as int8). Where that applies (a same_kind cast, no size 0, the devices alike),
 * pushes a copy of a in that promotion whose first elements of the slices (index 1 along every
 * dim of red[]) went through out's dtype, and returns it; else returns a. Sums and products
 * need nothing: NumPy starts them from the identity and accumulates in the promotion, which
 * wraps as the int64 accumulator does; means and moments round once into out (DESIGN.md). */
static ca_array *convert_for_out(lua_State *L, ca_array *a, int op, const int *red, int rdtype,
                                 ca_array *out) {
  if (!out || out->dtype == rdtype || ca_op_rules[op] != CA_RULE_SAME || a->size == 0 ||
      !ca_can_cast_same_kind(rdtype, out->dtype) || ca_be(out) != ca_be(a))
    return a;
  ca_backend *be = ca_be(a);
  ca_array *c = ca_new(L, be, ca_promote(out->dtype, a->dtype), a->ndim, a->shape);
  ca_copy_into(L, c, a);
  ca_array *first = ca_view(L, c);
  for (int i = 0; i < a->ndim; i++)
    if (red[i]) {
      first->size /= first->shape[i];
      first->shape[i] = 1;
    }
  ca_array *t = ca_new(L, be, out->dtype, first->ndim, first->shape);
  ca_copy_into(L, t, first);
  ca_copy_into(L, first, t);
  lua_pop(L, 2);
  return c;
}

/* cu.<f>(a[, axis][, opts]) and a:<f>([axis][, opts]); the upvalue indexes rfuncs. */
static int l_reduce(lua_State *L) {
  const rfunc *f = &rfuncs[lua_tointeger(L, lua_upvalueindex(1))];
  const char *fname = f->name;
  ca_array *a = ca_check_arg(L, 1, fname);
  int aidx = 2, oidx = 3;
  if (lua_gettop(L) == 2 && ca_is_options(L, 2)) {
    aidx = 0;
    oidx = 2;
  }
  int takes = options_of(f);
  ca_opt_check(L, oidx, fname, known_opts[takes]);
  lua_settop(L, 3);
  ca_array *out = ca_opt_out(L, oidx, fname); /* at 4 */
  int rdtype = result_dtype(L, f->op, a->dtype, fname);
  if (takes == K_DTYPE || takes == K_VAR || takes == K_SCAN)
    rdtype = ca_opt_dtype(L, oidx, rdtype, fname);
  if (takes == K_SCAN) {
    int axis = -1;
    if (aidx && !lua_isnoneornil(L, aidx)) {
      if (lua_type(L, aidx) != LUA_TNUMBER)
        return ca_raisef(L, "%s: axis must be an integer or nil, got %s", fname,
                          luaL_typename(L, aidx));
      axis = ca_read_axis(L, aidx, a->ndim, fname);
    }
    scan_checked(L, 1, f->op, axis, rdtype, out, fname);
  } else {
    int red[CA_MAXDIMS];
    read_axes(L, aidx, a->ndim, takes == K_ARG, red, fname);
    double ddof = 0.0;
    if (takes == K_VAR && lua_istable(L, oidx)) {
      ca_opt_get(L, oidx, "ddof");
      if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TNUMBER)
          return ca_raisef(L, "%s: ddof must be a number, got %s", fname, luaL_typename(L, -1));
        ddof = lua_tonumber(L, -1);
      }
      lua_pop(L, 1);
    }
    int keepdims = ca_opt_bool(L, oidx, "keepdims", 0);
    ca_array *in = convert_for_out(L, a, f->op, red, rdtype, out);
    if (in != a) rdtype = in->dtype;
    reduce_core(L, in, f->op, red, keepdims, rdtype, ddof, out, fname);
  }
  if (out) {
    lua_pushvalue(L, 4);
  } else if (takes != K_SCAN && (aidx == 0 || lua_isnoneornil(L, aidx)) &&
             !ca_opt_bool(L, oidx, "keepdims", 0) && !ca_opt_bool(L, oidx, "array", 0)) {
    /* over all elements: a Lua value, as a[i] gives ({array = true} keeps the 0-d array) */
    ca_push_element(L, ca_test(L, -1));
  }
  return 1;
}

void ca_open_reduce(lua_State *L) {
  for (size_t i = 0; i < sizeof rfuncs / sizeof rfuncs[0]; i++) {
    lua_pushinteger(L, (lua_Integer)i);
    lua_pushcclosure(L, l_reduce, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, -4, rfuncs[i].name); /* module */
    lua_setfield(L, -2, rfuncs[i].name); /* methods */
  }
}
