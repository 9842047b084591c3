/* Sorting, searching and counting: sort, argsort (functions and methods), searchsorted,
 * bincount, equal-width histograms (cu._histogram), scatter-add, and the primitive the Lua compositions build on (cu._sort: sorted values and
 * positions at once). Positions are 1-based (Lua's convention), axes count from 1.
 *
 * A sort along an axis moves that axis last and, where the array is not C-contiguous that way,
 * copies it, so the backend sees contiguous rows; the result is copied back to the input's
 * shape when the axis was not the last. The order is NumPy's (src/sort_keys.h), stable. */
#include <string.h>
#include "core.h"
#include "sort_keys.h"

static const char *const sort_opts[] = {"descending", "kind", "stable", NULL};
static const char *const kinds[] = {"quicksort", "mergesort", "heapsort", "stable", NULL};

/* Reads the options at oi (0: none): returns whether to sort descending. Every kind sorts
 * stably (a radix sort), so `kind` and `stable` are accepted and checked, nothing more. */
static int read_sort_opts(lua_State *L, int oi, const char *fname) {
  if (!oi || !ca_opt_check(L, oi, fname, sort_opts)) return 0;
  ca_opt_get(L, oi, "kind");
  if (!lua_isnil(L, -1)) {
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    int ok = 0;
    for (int i = 0; k && kinds[i]; i++) ok |= strcmp(k, kinds[i]) == 0;
    if (!ok)
      ca_raisef(L, "%s: kind must be \"quicksort\", \"mergesort\", \"heapsort\" or \"stable\", "
                "got %s", fname, k ? k : luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  ca_opt_get(L, oi, "stable");
  if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
    ca_raisef(L, "%s: stable must be a boolean, got %s", fname, luaL_typename(L, -1));
  lua_pop(L, 1);
  return ca_opt_bool(L, oi, "descending", 0);
}

/* Moves `axis` of a view to the end. */
static void axis_last(ca_array *v, int axis) {
  int64_t sh = v->shape[axis], st = v->strides[axis];
  for (int d = axis; d < v->ndim - 1; d++) {
    v->shape[d] = v->shape[d + 1];
    v->strides[d] = v->strides[d + 1];
  }
  v->shape[v->ndim - 1] = sh;
  v->strides[v->ndim - 1] = st;
}

/* Pushes an array of a's shape, but `len` along `axis` (dtype dt), holding r, an array of that
 * shape with `axis` moved last: r itself when axis is the last, else a copy. Removes r from the
 * stack (at ri). */
static ca_array *push_axis_back(lua_State *L, const ca_array *a, int ri, int axis, int64_t len,
                                int dt) {
  ca_array *r = ca_check(L, ri);
  if (axis == a->ndim - 1) return r;
  int64_t shape[CA_MAXDIMS];
  memcpy(shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
  shape[axis] = len;
  ca_array *o = ca_new(L, ca_be(r), dt, a->ndim, shape);
  ca_array *ov = ca_view(L, o);
  axis_last(ov, axis);
  ca_check_live(L, r, NULL);
  ca_copy_into(L, ov, r);
  lua_pop(L, 1);
  lua_remove(L, ri);
  return o;
}

/* Pushes a 2-D (rows, n) view of the C-contiguous array a. */
static ca_array *push_rows(lua_State *L, const ca_array *a, int64_t rows, int64_t n) {
  ca_array *v = ca_view(L, a);
  v->ndim = 2;
  v->shape[0] = rows;
  v->shape[1] = n;
  v->strides[0] = n;
  v->strides[1] = 1;
  return v;
}

/* out[r, j] = src[r, pos[r, j]] for (rows, n) arrays, pos 1-based and valid (from a sort). */
static void take_rows(lua_State *L, ca_array *out, const ca_array *src, const ca_array *pos,
                      const char *fname) {
  int top = lua_gettop(L);
  ca_backend *be = ca_be(out);
  ca_array *offs = ca_new(L, be, CA_INT64, 2, pos->shape);
  ca_array *ops[3] = {offs, (ca_array *)pos, NULL};
  ca_loop l;
  ca_loop_build(&l, 2, pos->shape, 2, ops, NULL, NULL, CA_INT64);
  int64_t bad = 0;
  CA_CHECK(L, be, be->index_offsets(be, &l, src->shape[1], src->strides[1], 0, &bad), fname);
  ca_array base = *src;
  base.strides[1] = 0; /* each row from its start; the offsets walk along it */
  ops[0] = out;
  ops[1] = &base;
  ops[2] = offs;
  ca_loop_build(&l, 2, out->shape, 3, ops, NULL, NULL, out->dtype);
  CA_CHECK(L, be, be->gather(be, &l), fname);
  lua_settop(L, top);
}

/* Sorts the rows of keys stably into the 1-based positions pos (all (rows, n), C-contiguous). */
static void sort_positions(lua_State *L, const ca_array *keys, ca_array *pos, int descending,
                           const char *fname) {
  ca_backend *be = ca_be(keys);
  ca_sort s;
  s.dtype = keys->dtype;
  s.descending = descending;
  s.rows = keys->shape[0];
  s.n = s.k = keys->shape[1];
  s.keys = ca_data(keys);
  s.values = NULL;
  s.indices = (int64_t *)ca_data(pos);
  CA_CHECK(L, be, be->sort(be, &s), fname);
}

/* Refines the order `pos` by a more significant key: a stable sort of key's rows taken in
 * that order, composed with it. Pushes the new positions. */
static ca_array *refine(lua_State *L, ca_array *pos, const ca_array *key, int descending,
                        const char *fname) {
  ca_backend *be = ca_be(pos);
  ca_array *taken = ca_new(L, be, key->dtype, 2, pos->shape);
  ca_array *order = ca_new(L, be, CA_INT64, 2, pos->shape);
  ca_array *out = ca_new(L, be, CA_INT64, 2, pos->shape);
  take_rows(L, taken, key, pos, fname);
  sort_positions(L, taken, order, descending, fname);
  take_rows(L, out, pos, order, fname);
  lua_replace(L, -3);
  lua_pop(L, 1);
  return out;
}

/* Rows of a complex array in NumPy's order: the elements without NaN, then those with a NaN
 * imaginary part, a NaN real part, both; within each, by the real parts and then the
 * imaginary ones. Stable sorts from the least significant key up: the imaginary parts, the
 * real parts, the NaN class. c is the C-contiguous (rows, n) array; pos receives the 1-based
 * positions, vals (when not NULL) the sorted elements. */
static void sort_complex_rows(lua_State *L, ca_array *c, int64_t rows, int64_t n, int descending,
                              ca_array *vals, ca_array *pos, const char *fname) {
  int top = lua_gettop(L);
  ca_backend *be = ca_be(c);
  ca_array *cr = push_rows(L, c, rows, n);
  ca_array *re = ca_push_part(L, cr, 0);
  int rei = lua_gettop(L);
  ca_push_part(L, cr, 1);
  ca_array *im = ca_push_contiguous(L, lua_gettop(L));
  int imi = lua_gettop(L);
  ca_array *cls = ca_new(L, be, CA_INT8, 2, cr->shape); /* 2 isnan(re) + isnan(im) */
  int clsi = lua_gettop(L);
  ca_apply_unary(L, CA_OP_isnan, rei, NULL, fname);
  ca_copy_into(L, cls, ca_check(L, -1));
  lua_pop(L, 1);
  ca_apply_binary(L, CA_OP_add, clsi, clsi, cls, fname);
  ca_apply_unary(L, CA_OP_isnan, imi, NULL, fname);
  ca_apply_binary(L, CA_OP_add, clsi, lua_gettop(L), cls, fname);
  lua_pop(L, 1);
  ca_array *by_imag = ca_new(L, be, CA_INT64, 2, cr->shape);
  sort_positions(L, im, by_imag, descending, fname);
  ca_array *by_real = refine(L, by_imag, re, descending, fname);
  ca_array *order = refine(L, by_real, cls, descending, fname);
  ca_array *pr = push_rows(L, pos, rows, n);
  ca_copy_into(L, pr, order);
  if (vals) take_rows(L, push_rows(L, vals, rows, n), cr, order, fname);
  lua_settop(L, top);
}

/* Pushes a C-contiguous copy of the first k (at most its length) along the last axis of the
 * C-contiguous a. */
static void push_first(lua_State *L, const ca_array *a, int64_t k) {
  ca_array *v = ca_view(L, a);
  int64_t n = v->shape[v->ndim - 1];
  v->shape[v->ndim - 1] = k;
  v->size = n ? v->size / n * k : 0;
  ca_array *c = ca_new(L, ca_be(a), a->dtype, v->ndim, v->shape);
  ca_copy_into(L, c, v);
  lua_remove(L, -2);
}

/* Replaces the array at idx by push_first's copy of its first k. */
static void keep_first(lua_State *L, int idx, int64_t k) {
  push_first(L, ca_check(L, idx), k);
  lua_replace(L, idx);
}

/* Sorts the array at 1 along axis: pushes the first k (0 <= k <= the axis's length) of the
 * sorted values (want & 1) and then of the 1-based positions (want & 2), each of a's shape
 * but k along axis. */
static int sort_core(lua_State *L, int axis, int descending, int want, int64_t k,
                     const char *fname) {
  ca_array *a = ca_check_arg(L, 1, fname);
  int top = lua_gettop(L);
  ca_array *v = ca_view(L, a);
  axis_last(v, axis);
  ca_array *c = ca_push_contiguous(L, top + 1);
  int64_t n = a->shape[axis], rows = n ? a->size / n : 0;
  /* complex rows sort whole, by three keys; their first k are copied out after */
  int64_t kept = ca_is_complex(a->dtype) ? n : k;
  int64_t shape[CA_MAXDIMS];
  memcpy(shape, v->shape, sizeof(int64_t) * (size_t)a->ndim);
  shape[a->ndim - 1] = kept;
  ca_backend *be = ca_be(c);
  ca_array *vals = NULL, *pos = NULL;
  int vi = 0, pi = 0;
  if (want & 1) {
    vals = ca_new(L, be, a->dtype, a->ndim, shape);
    vi = lua_gettop(L);
  }
  if (want & 2 || ca_is_complex(a->dtype)) {
    pos = ca_new(L, be, CA_INT64, a->ndim, shape);
    pi = want & 2 ? lua_gettop(L) : 0;
  }
  ca_check_live(L, c, fname);
  if (a->size > 0 && !be->sort) return ca_raisef(L, "%s: not supported on %s", fname, be->name);
  if (a->size > 0 && ca_is_complex(a->dtype)) {
    sort_complex_rows(L, c, rows, n, descending, vals, pos, fname);
    if (k < n && vi) keep_first(L, vi, k);
    if (k < n && pi) keep_first(L, pi, k);
  } else if (a->size > 0) {
    ca_sort s;
    s.dtype = a->dtype;
    s.descending = descending;
    s.rows = rows;
    s.n = n;
    s.k = k;
    s.keys = ca_data(c);
    s.values = vals ? ca_data(vals) : NULL;
    s.indices = pos ? (int64_t *)ca_data(pos) : NULL;
    CA_CHECK(L, be, be->sort(be, &s), fname);
  }
  int first = lua_gettop(L) + 1;
  if (vi) {
    lua_pushvalue(L, vi);
    push_axis_back(L, a, lua_gettop(L), axis, k, a->dtype);
  }
  if (pi) {
    lua_pushvalue(L, pi);
    push_axis_back(L, a, lua_gettop(L), axis, k, CA_INT64);
  }
  return lua_gettop(L) - first + 1;
}

/* The axis argument at 2 (default: the last) and the options after it; raises for a 0-d
 * array, which has no axis to sort along (NumPy's AxisError). */
static int read_axis_opts(lua_State *L, const ca_array *a, int *descending, const char *fname) {
  int oi = 0;
  int axis;
  if (lua_istable(L, 2)) {
    oi = 2;
    lua_pushinteger(L, -1);
    axis = ca_read_axis(L, lua_gettop(L), a->ndim, fname);
    lua_pop(L, 1);
  } else {
    if (lua_isnoneornil(L, 2)) {
      lua_pushinteger(L, -1);
      axis = ca_read_axis(L, lua_gettop(L), a->ndim, fname);
      lua_pop(L, 1);
    } else {
      axis = ca_read_axis(L, 2, a->ndim, fname);
    }
    if (lua_istable(L, 3)) oi = 3;
    else if (!lua_isnoneornil(L, 3))
      ca_raisef(L, "%s: options must be a table, got %s", fname, luaL_typename(L, 3));
  }
  *descending = read_sort_opts(L, oi, fname);
  return axis;
}

/* cu.sort(a[, axis][, {descending =, kind =, stable =}]): a sorted copy along axis (the last
 * by default); sort a:ravel() for the flattened array (NumPy's axis=None). */
static int l_sort(lua_State *L) {
  ca_array *a = ca_check_arg(L, 1, "sort");
  int desc;
  int axis = read_axis_opts(L, a, &desc, "sort");
  lua_settop(L, 1);
  return sort_core(L, axis, desc, 1, a->ndim ? a->shape[axis] : 0, "sort");
}

/* cu.argsort(a[, axis][, opts]): the 1-based positions that sort a along axis, stably. */
static int l_argsort(lua_State *L) {
  ca_array *a = ca_check_arg(L, 1, "argsort");
  int desc;
  int axis = read_axis_opts(L, a, &desc, "argsort");
  lua_settop(L, 1);
  return sort_core(L, axis, desc, 2, a->ndim ? a->shape[axis] : 0, "argsort");
}

/* cu._sort(a, axis, descending[, fname[, k]]): the sorted values and their 1-based positions,
 * for the Lua compositions (topk, median, unique...): the first k along axis when k is given
 * (0 <= k <= the axis's length; topk), else all. Messages name fname (default "_sort"). */
static int l_sort_both(lua_State *L) {
  const char *fname = ca_caller_name(L, 4, "_sort");
  ca_array *a = ca_check_arg(L, 1, fname);
  int axis = ca_read_axis(L, 2, a->ndim, fname);
  int desc = lua_toboolean(L, 3);
  int64_t n = a->shape[axis], k = n;
  if (!lua_isnoneornil(L, 5)) {
    if (!ca_tointeger(L, 5, &k) || k < 0 || k > n)
      return ca_raisef(L, "%s: k must be an integer from 0 to the axis's length %lld", fname,
                       (long long)n);
  }
  lua_settop(L, 4); /* keeps the string fname points into */
  return sort_core(L, axis, desc, 3, k, fname);
}

/* ---- searchsorted ----------------------------------------------------------------------- */

/* Pushes a C-contiguous copy of the array at idx in dtype dt (the array itself if it is
 * one already). */
static ca_array *push_as(lua_State *L, int idx, int dt) {
  ca_array *a = ca_check(L, idx);
  if (a->dtype == dt) return ca_push_contiguous(L, idx);
  ca_array *c = ca_new_like(L, a, dt);
  ca_check_live(L, a, NULL);
  ca_copy_into(L, c, a);
  return c;
}

static const char *const search_opts[] = {"side", NULL};

/* cu._searchsorted(sorted, values, {side =}[, fname]): 1-based insertion points (see
 * backend.h); a number `values` gives a Lua number. The sorter option is applied in Lua.
 * Messages name fname (searchsorted, digitize, histogram; default "_searchsorted"). */
static int l_searchsorted(lua_State *L) {
  const char *fname = ca_caller_name(L, 4, "_searchsorted");
  ca_array *a = ca_check_arg(L, 1, fname);
  if (a->ndim != 1)
    return ca_raisef(L, "%s: the sorted array must be 1-D, got %d dimensions", fname,
                     a->ndim);
  int right = 0;
  if (ca_opt_check(L, 3, fname, search_opts)) {
    ca_opt_get(L, 3, "side");
    if (!lua_isnil(L, -1)) {
      const char *side = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
      if (side && strcmp(side, "right") == 0) right = 1;
      else if (!side || strcmp(side, "left") != 0)
        return ca_raisef(L, "%s: side must be \"left\" or \"right\", got %s", fname,
                         side ? side : luaL_typename(L, -1));
    }
    lua_pop(L, 1);
  }
  lua_settop(L, 4); /* 4 holds the string fname points into */
  ca_backend *be = ca_be(a);
  int scalar = lua_type(L, 2) == LUA_TNUMBER;
  int vdt;
  if (scalar) { /* a weak scalar: the array's float dtype, else int64 or float64 (uint64 for a
                   uint64 array and a value it holds) */
    lua_Number x = lua_tonumber(L, 2);
    int64_t iv = 0;
    uint64_t big = 0;
    int integral = ca_tointeger(L, 2, &iv);
    int as_u64 = a->dtype == CA_UINT64 && ((integral && iv >= 0) || ca_touint64_big(L, 2, &big));
    if (as_u64 && integral) big = (uint64_t)iv;
    vdt = ca_is_float(a->dtype) ? a->dtype : as_u64 ? CA_UINT64 : integral ? CA_INT64 : CA_FLOAT64;
    ca_array *z = ca_new(L, be, vdt, 0, NULL);
    ca_fill(L, z, x);
    if (integral || as_u64) { /* exactly, beyond 2^53 too */
      ca_value val;
      val.i = as_u64 ? (int64_t)big : iv;
      ca_loop l;
      ca_array *ops[2] = {z, NULL};
      int dts[2] = {vdt, vdt};
      ca_value vals[2] = {val, val};
      if (vdt == CA_INT64 || vdt == CA_UINT64) {
        ca_loop_build(&l, 0, NULL, 2, ops, vals, dts, vdt);
        CA_CHECK(L, be, be->copy(be, &l), fname);
      }
    }
    lua_replace(L, 2);
  }
  ca_array *v = ca_test(L, 2);
  if (!v || !v->storage)
    return ca_raisef(L, "%s: values must be an array or a number, got %s", fname,
                     v ? "a freed array" : luaL_typename(L, 2));
  if (ca_be(v) != be)
    return ca_raisef(L, "%s: the arrays are on different devices (%s and %s)", fname,
                     be->name, ca_be(v)->name);
  int dt = ca_promote(a->dtype, v->dtype);
  if (scalar && ca_is_float(a->dtype)) dt = a->dtype;
  if (ca_is_complex(dt))
    return ca_raisef(L, "searchsorted: %s arrays are not supported", ca_dtype_name(dt));
  ca_array *sa = push_as(L, 1, dt);
  ca_array *sv = push_as(L, 2, dt);
  v = ca_check(L, 2);
  ca_array *out = ca_new(L, be, CA_INT64, v->ndim, v->shape);
  ca_check_live(L, sa, fname);
  ca_check_live(L, sv, fname);
  if (sv->size > 0) {
    if (!be->searchsorted) return ca_raisef(L, "%s: not supported on %s", fname, be->name);
    CA_CHECK(L, be, be->searchsorted(be, dt, ca_data(sa), sa->size, ca_data(sv), sv->size, right,
                                     (int64_t *)ca_data(out)), fname);
  }
  if (scalar) ca_push_element(L, out);
  return 1;
}

/* ---- bincount --------------------------------------------------------------------------- */

static const char *const bincount_opts[] = {"weights", "minlength", NULL};

/* Counts x's values (or sums their weights) into nbins bins, into a new array it pushes;
 * fills range (host) with x's least and greatest values. */
static ca_array *count_bins(lua_State *L, const ca_array *x, const ca_array *w, int64_t nbins,
                            ca_array *range, int64_t lo_hi[2]) {
  ca_backend *be = ca_be(x);
  ca_array *out = ca_new(L, be, w ? CA_FLOAT64 : CA_INT64, 1, &nbins);
  ca_check_live(L, x, "bincount");
  if (w) ca_check_live(L, w, "bincount");
  CA_CHECK(L, be, be->bincount(be, x->dtype, ca_data(x), x->size,
                               w ? (const double *)ca_data(w) : NULL, nbins,
                               nbins ? ca_data(out) : NULL, (int64_t *)ca_data(range)),
           "bincount");
  if (x->size > 0) ca_read_host(L, range, lo_hi);
  return out;
}

/* cu.bincount(x[, {weights =, minlength =}]): counts of each value of a 1-D array of
 * non-negative integers (int64), or sums of the weights at them (float64). x is read in its
 * own dtype; with minlength covering every value, one pass counts and finds the least and
 * greatest values; otherwise a first pass finds them. */
static int l_bincount(lua_State *L) {
  ca_array *x = ca_check_arg(L, 1, "bincount");
  if (x->ndim != 1)
    return ca_raisef(L, "bincount: x must be 1-D, got %d dimensions", x->ndim);
  if (!ca_is_integer(x->dtype) && x->dtype != CA_BOOL)
    return ca_raisef(L, "bincount: x must be an integer array, got %s", ca_dtype_name(x->dtype));
  if (x->dtype == CA_UINT64) /* NumPy refuses it too: uint64 does not cast safely to int64 */
    return ca_raisef(L, "bincount: cannot count uint64 values (they do not cast safely to int64; "
                        "convert them with astype)");
  int64_t minlength = 0;
  int has_w = 0;
  lua_settop(L, 2);
  if (ca_opt_check(L, 2, "bincount", bincount_opts)) {
    ca_opt_get(L, 2, "minlength");
    if (!lua_isnil(L, -1) && (!ca_tointeger(L, -1, &minlength) || minlength < 0))
      return ca_raisef(L, "bincount: minlength must be a non-negative integer, got %s",
                       lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
    lua_pop(L, 1);
    ca_opt_get(L, 2, "weights");
    if (!lua_isnil(L, -1)) {
      ca_array *w = ca_test(L, -1);
      if (!w || !w->storage)
        return ca_raisef(L, "bincount: weights must be an array, got %s", luaL_typename(L, -1));
      if (w->ndim != 1 || w->shape[0] != x->shape[0])
        return ca_raisef(L, "bincount: weights must be 1-D of the length of x (%lld)",
                         (long long)x->shape[0]);
      if (ca_be(w) != ca_be(x))
        return ca_raisef(L, "bincount: x and weights are on different devices (%s and %s)",
                         ca_be(x)->name, ca_be(w)->name);
      has_w = 1;
    }
  }
  lua_settop(L, 3); /* the weights (or nil) at 3 */
  ca_backend *be = ca_be(x);
  if (!be->bincount) return ca_raisef(L, "bincount: not supported on %s", be->name);
  ca_array *xc = ca_push_contiguous(L, 1);
  ca_array *wd = has_w ? push_as(L, 3, CA_FLOAT64) : NULL;
  int64_t two = 2, lo_hi[2] = {0, -1};
  ca_array *range = ca_new(L, be, CA_INT64, 1, &two);
  int64_t nbins = minlength;
  if (minlength == 0 && xc->size > 0) { /* the range first: no bin count to try */
    count_bins(L, xc, wd, 0, range, lo_hi);
    lua_pop(L, 1);
  } else {
    count_bins(L, xc, wd, nbins, range, lo_hi);
  }
  if (lo_hi[0] < 0)
    return ca_raisef(L, "bincount: x must not hold negative values (found %lld)",
                     (long long)lo_hi[0]);
  if (lo_hi[1] >= minlength) { /* minlength did not cover the values */
    if (minlength > 0) lua_pop(L, 1);
    nbins = lo_hi[1] + 1;
    count_bins(L, xc, wd, nbins, range, lo_hi);
  }
  return 1;
}

static const char *const histogram_opts[] = {"weights", NULL};

/* cu._histogram(x, edges, first, last, norm32[, {weights =}][, fname]): the counts (int64) or
 * the float64 sums of float64 weights of the 1-D x (an integer dtype, float32 or float64)
 * over the equal-width bins between the outer edges first and last, whose computed edges
 * (float32 for float32 x, else float64) `edges` holds, as src/backend.h's ca_histogram
 * describes; norm32: NumPy takes nbins / (last - first) in float32 (the outer edges came
 * from float32 data, not from a range). For lua/cuarray/histogram.lua. */
static int l_histogram(lua_State *L) {
  const char *fname = ca_caller_name(L, 7, "_histogram");
  ca_array *x = ca_check_arg(L, 1, fname);
  ca_array *e = ca_check_arg(L, 2, fname);
  double first = luaL_checknumber(L, 3), last = luaL_checknumber(L, 4);
  int norm32 = lua_toboolean(L, 5);
  ca_backend *be = ca_be(x);
  int dt = x->dtype;
  int edt = dt == CA_FLOAT32 ? CA_FLOAT32 : CA_FLOAT64;
  if (x->ndim != 1 || e->ndim != 1 || e->size < 2 || e->dtype != edt || ca_be(e) != be ||
      !(ca_is_integer(dt) || dt == CA_BOOL || dt == CA_FLOAT32 || dt == CA_FLOAT64))
    return ca_raisef(L, "%s: x must be 1-D integers, float32 or float64 and the edges 1-D, %s, "
                     "at least two, on its device", fname, ca_dtype_name(edt));
  int has_w = 0;
  if (ca_opt_check(L, 6, fname, histogram_opts)) {
    ca_opt_get(L, 6, "weights");
    ca_array *w = lua_isnil(L, -1) ? NULL : ca_test(L, -1);
    if (w && (!w->storage || w->ndim != 1 || w->size != x->size || ca_be(w) != be))
      return ca_raisef(L, "%s: weights must be a 1-D array of x's size on its device", fname);
    has_w = w != NULL;
    lua_replace(L, 6);
  }
  lua_settop(L, 7); /* 7 holds the string fname points into */
  ca_histogram h;
  h.dtype = dt;
  h.nbins = e->size - 1;
  if (dt == CA_FLOAT32) { /* NumPy's outer edges are float32 scalars, or range's numbers */
    float f = (float)first, l = (float)last;
    h.first = f;
    h.last = l;
    h.norm = norm32 ? (double)((float)h.nbins / (l - f)) : (double)h.nbins / (last - first);
  } else {
    h.first = first;
    h.last = last;
    h.norm = (double)h.nbins / (last - first);
  }
  h.norm32 = dt == CA_FLOAT32 && norm32;
  ca_array *xc = ca_push_contiguous(L, 1);
  ca_array *ec = ca_push_contiguous(L, 2);
  ca_array *wd = has_w ? push_as(L, 6, CA_FLOAT64) : NULL;
  ca_array *out = ca_new(L, be, has_w ? CA_FLOAT64 : CA_INT64, 1, &h.nbins);
  ca_check_live(L, xc, fname);
  ca_check_live(L, ec, fname);
  if (wd) ca_check_live(L, wd, fname);
  if (!be->histogram) return ca_raisef(L, "%s: not supported on %s", fname, be->name);
  h.x = ca_data(xc);
  h.n = xc->size;
  h.weights = wd ? (const double *)ca_data(wd) : NULL;
  h.edges = ca_data(ec);
  h.out = ca_data(out);
  CA_CHECK(L, be, be->histogram(be, &h), fname);
  return 1;
}

/* ---- unique ----------------------------------------------------------------------------- */

/* cu._unique_sorted(s, equal_nan[, fname]): the distinct values of the sorted 1-D s (a real
 * dtype, in NumPy's order) and the 1-based positions where their runs start (int64), as the
 * backend's unique entry finds them; one small read sizes them. For lua/cuarray/unique.lua. */
static int l_unique_sorted(lua_State *L) {
  const char *fname = ca_caller_name(L, 3, "_unique_sorted");
  ca_array *a = ca_check_arg(L, 1, fname);
  int equal_nan = lua_toboolean(L, 2);
  lua_settop(L, 3); /* 3 holds the string fname points into */
  if (a->ndim != 1 || !ca_sortable(a->dtype))
    return ca_raisef(L, "%s: the sorted array must be 1-D and real, got %d dimensions of %s",
                     fname, a->ndim, ca_dtype_name(a->dtype));
  ca_array *c = ca_push_contiguous(L, 1);
  ca_backend *be = ca_be(c);
  int64_t n = c->size, one = 1, m = 0;
  ca_array *vals = ca_new(L, be, a->dtype, 1, &n);
  ca_array *starts = ca_new(L, be, CA_INT64, 1, &n);
  ca_array *count = ca_new(L, be, CA_INT64, 1, &one);
  ca_check_live(L, c, fname);
  if (n > 0) {
    if (!be->unique) return ca_raisef(L, "%s: not supported on %s", fname, be->name);
    CA_CHECK(L, be, be->unique(be, a->dtype, ca_data(c), n, equal_nan, ca_data(vals),
                               (int64_t *)ca_data(starts), (int64_t *)ca_data(count)), fname);
    ca_read_host(L, count, &m);
  }
  push_first(L, vals, m);
  push_first(L, starts, m);
  return 2;
}

/* ---- scatter-add ------------------------------------------------------------------------ */

/* cu._scatter_add(a, offsets, values[, fname]): a's element 0 + offsets[i] += values[i]
 * (NumPy's add.at, for lua/cuarray/sorting.lua's add_at, which computed the offsets, checked,
 * from the indices and a's strides); offsets int64 and values of a's dtype, contiguous, one
 * size. Messages name fname (default "_scatter_add"). */
static int l_scatter_add(lua_State *L) {
  const char *fname = ca_caller_name(L, 4, "_scatter_add");
  ca_array *a = ca_check_arg(L, 1, fname);
  ca_array *o = ca_check_arg(L, 2, fname);
  ca_array *v = ca_check_arg(L, 3, fname);
  ca_check_writable(L, a, fname);
  ca_backend *be = ca_be(a);
  if (ca_be(o) != be || ca_be(v) != be)
    return ca_raisef(L, "%s: the arrays are on different devices", fname);
  if (o->dtype != CA_INT64 || v->dtype != a->dtype || o->size != v->size ||
      !ca_is_contiguous(o) || !ca_is_contiguous(v))
    return ca_raisef(L, "%s: offsets must be contiguous int64 and values contiguous %s, "
                     "of one size", fname, ca_dtype_name(a->dtype));
  if (o->size == 0) return 0;
  if (!be->scatter_add) return ca_raisef(L, "%s: not supported on %s", fname, be->name);
  CA_CHECK(L, be, be->scatter_add(be, a->dtype, ca_data(a), (const int64_t *)ca_data(o),
                                  ca_data(v), o->size), fname);
  return 0;
}

static const luaL_Reg funcs[] = {
  {"sort", l_sort}, {"argsort", l_argsort}, {"_sort", l_sort_both},
  {"_searchsorted", l_searchsorted}, {"bincount", l_bincount}, {"_histogram", l_histogram},
  {"_unique_sorted", l_unique_sorted}, {"_scatter_add", l_scatter_add},
  {NULL, NULL}
};

static const luaL_Reg methods[] = {
  {"sort", l_sort}, {"argsort", l_argsort}, {NULL, NULL}
};

void ca_open_sort(lua_State *L) { ca_register(L, funcs, methods); }
