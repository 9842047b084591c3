/* Constructors: cu.array, asarray, empty/zeros/ones/full (and _filled, which the _like forms
 * of lua/cuarray/create.lua use), arange, linspace, logspace, eye. Data built on the host
 * (tables, ranges) is written into one host buffer and uploaded once; fills run on the
 * array's own device. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "convert.h"
#include "scalar.h"

static const char *const dd_opts[] = {"dtype", "device", NULL};
static const char *const ddp_opts[] = {"dtype", "device", "pinned", NULL};

/* {pinned = true} in the options at oi (0: none). */
static int opt_pinned(lua_State *L, int oi) { return oi ? ca_opt_bool(L, oi, "pinned", 0) : 0; }
static const char *const fill_opts[] = {"dtype", "device", "pinned", "order", NULL};

/* {order = "C" | "F"}: whether the new array is laid out in Fortran order. */
static int opt_fortran(lua_State *L, int oi, const char *fname) {
  if (!oi) return 0;
  ca_opt_get(L, oi, "order");
  const char *o = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
  int f = o && strcmp(o, "F") == 0;
  if (!lua_isnil(L, -1) && !f && !(o && strcmp(o, "C") == 0))
    ca_raisef(L, "%s: order must be \"C\" or \"F\"", fname);
  lua_pop(L, 1);
  return f;
}

/* ---- helpers ------------------------------------------------------------------------ */

/* The array at the top of the stack is a host array; moves it to `device` (one upload) and
 * replaces it there by the result. */
static ca_array *finish_host(lua_State *L, ca_array *host, int device) {
  ca_backend *be = ca_backend_get(L, device);
  if (be == ca_be(host)) return host;
  ca_array *d = ca_to_backend(L, host, be);
  ca_array_release(host); /* the host copy's memory goes now, not at the next collection */
  lua_remove(L, -2);
  return d;
}

/* ---- cu.array / cu.asarray ---------------------------------------------------------- */

typedef struct nest {
  int ndim;                       /* all dims */
  int tdims;                      /* dims given by table nesting */
  int64_t shape[CA_MAXDIMS];
  int64_t pos[CA_MAXDIMS];        /* 1-based path to the element being read, for messages */
  int has_bool, has_int, has_float, has_complex;
  int has_big; /* a uint64 cdata beyond 2^63 (LuaJIT) */
  int dtype;                      /* the dtype asked for, -1 if none */
  int arr_dtype;                  /* promoted dtype of array leaves, -1 if none */
  ca_array *host;                 /* the destination (fill pass) */
  char *p;                        /* where the next element goes (fill pass) */
  const char *fname;
} nest;

static const char *path_str(const nest *b, int depth, char *buf, size_t len) {
  size_t n = 0;
  buf[0] = 0;
  for (int i = 0; i < depth && n + 24 < len; i++)
    n += (size_t)snprintf(buf + n, len - n, "[%lld]", (long long)b->pos[i]);
  return buf;
}

/* Whether the value at idx is one complex number: a complex value (cu.complex, cu.j), or
 * under a complex dtype a pair {re, im} of two numbers. */
static int complex_leaf(lua_State *L, int idx, const nest *b, ca_c16 *z) {
  return ca_tocomplex(L, idx, z) || (b->dtype >= 0 && ca_is_complex(b->dtype) && ca_topair(L, idx, z));
}

/* The shape of a nested table, from its first elements (the check pass verifies the rest). */
static void nest_shape(lua_State *L, int idx, nest *b) {
  b->ndim = 0;
  lua_pushvalue(L, idx);
  ca_c16 z;
  while (lua_istable(L, -1) && !complex_leaf(L, -1, b, &z)) {
    if (b->ndim >= CA_MAXDIMS)
      ca_raisef(L, "%s: nested tables are deeper than %d dimensions", b->fname, CA_MAXDIMS);
    int64_t n = (int64_t)ca_rawlen(L, -1);
    b->shape[b->ndim++] = n;
    if (n == 0) break;
    lua_rawgeti(L, -1, 1);
    lua_remove(L, -2);
  }
  b->tdims = b->ndim;
  ca_array *a = ca_test(L, -1);
  if (a && a->storage) {
    if (b->ndim + a->ndim > CA_MAXDIMS)
      ca_raisef(L, "%s: nested tables and arrays make more than %d dimensions", b->fname, CA_MAXDIMS);
    for (int i = 0; i < a->ndim; i++) b->shape[b->ndim++] = a->shape[i];
  }
  lua_pop(L, 1);
}

/* Checks that the value at the top of the stack (at `depth`) fits the shape; notes dtypes. */
static void nest_check(lua_State *L, nest *b, int depth) {
  char where[256];
  int t = lua_type(L, -1);
  ca_c16 z;
  if (b->tdims == b->ndim && depth == b->tdims && complex_leaf(L, -1, b, &z)) {
    b->has_complex = 1;
    return;
  }
  if (depth < b->tdims) {
    if (t != LUA_TTABLE || complex_leaf(L, -1, b, &z))
      ca_raisef(L, "%s: ragged nested table: element %s is a %s where a table of %lld "
                 "elements was expected (depth %d)", b->fname, path_str(b, depth, where, sizeof where),
                 ca_test(L, -1) ? "array" : luaL_typename(L, -1), (long long)b->shape[depth], depth + 1);
    int64_t n = (int64_t)ca_rawlen(L, -1);
    if (n != b->shape[depth])
      ca_raisef(L, "%s: ragged nested table: %s has %lld elements but %lld were expected "
                 "(depth %d, as the first table at that depth)", b->fname,
                 depth ? path_str(b, depth, where, sizeof where) : "the table", (long long)n,
                 (long long)b->shape[depth], depth + 1);
    luaL_checkstack(L, 4, "nested table");
    for (int64_t i = 0; i < n; i++) {
      b->pos[depth] = i + 1;
      lua_rawgeti(L, -1, (int)(i + 1));
      nest_check(L, b, depth + 1);
      lua_pop(L, 1);
    }
    return;
  }
  if (t == LUA_TNUMBER && b->tdims == b->ndim) {
    if (ca_number_is_integral(L, -1)) b->has_int = 1;
    else b->has_float = 1;
    return;
  }
  if (b->tdims == b->ndim && ca_is_int_cdata(L, -1)) {
    int64_t v;
    if (ca_toint64(L, -1, &v)) b->has_int = 1;
    else b->has_big = 1;
    return;
  }
  if (t == LUA_TBOOLEAN && b->tdims == b->ndim) {
    b->has_bool = 1;
    return;
  }
  ca_array *a = ca_test(L, -1);
  if (a) {
    if (!a->storage)
      ca_raisef(L, "%s: element %s is an array that has been freed", b->fname,
                 path_str(b, depth, where, sizeof where));
    int ok = a->ndim == b->ndim - b->tdims;
    for (int i = 0; ok && i < a->ndim; i++) ok = a->shape[i] == b->shape[b->tdims + i];
    if (!ok) {
      char s1[256], s2[256];
      ca_format_shape(s1, sizeof s1, a->ndim, a->shape);
      ca_format_shape(s2, sizeof s2, b->ndim - b->tdims, b->shape + b->tdims);
      ca_raisef(L, "%s: ragged nested table: element %s is an array of shape %s where shape %s "
                 "was expected (depth %d)", b->fname, path_str(b, depth, where, sizeof where), s1,
                 s2, depth + 1);
    }
    b->arr_dtype = b->arr_dtype < 0 ? a->dtype : ca_promote(b->arr_dtype, a->dtype);
    return;
  }
  if (t == LUA_TTABLE || t == LUA_TNUMBER || t == LUA_TBOOLEAN) {
    char s2[256];
    ca_format_shape(s2, sizeof s2, b->ndim - b->tdims, b->shape + b->tdims);
    ca_raisef(L, "%s: ragged nested table: element %s is a %s where %s was expected (depth %d)",
               b->fname, path_str(b, depth, where, sizeof where), luaL_typename(L, -1),
               b->tdims == b->ndim ? "a number or boolean" : s2, depth + 1);
  }
  ca_raisef(L, "%s: element %s is a %s (expected numbers, booleans, nested tables or arrays)",
             b->fname, depth ? path_str(b, depth, where, sizeof where) : "", luaL_typename(L, -1));
}

/* Stores the Lua number or boolean at idx in dtype at p; raises when an integral value is out
 * of range of an integer dtype. `where` (" at [2][1]" or "") places the value in the message. */
static void store_lua(lua_State *L, int idx, int dtype, char *p, const char *fname, const char *where) {
  if (lua_type(L, idx) == LUA_TBOOLEAN) {
    ca_store_i(dtype, p, lua_toboolean(L, idx));
    return;
  }
  int64_t v;
  uint64_t big;
  if (lua_type(L, idx) != LUA_TNUMBER) { /* a 64-bit integer cdata (nest_check saw it) */
    if (ca_toint64(L, idx, &v)) {
      if (ca_is_integer(dtype) && !ca_int_fits(dtype, v))
        ca_raisef(L, "%s: value %lld%s is out of bounds for %s", fname, (long long)v, where,
                  ca_dtype_name(dtype));
      ca_store_i(dtype, p, v);
    } else if (ca_touint64_big(L, idx, &big)) {
      if (ca_is_integer(dtype) && dtype != CA_UINT64)
        ca_raisef(L, "%s: value %llu%s is out of bounds for %s", fname, (unsigned long long)big,
                  where, ca_dtype_name(dtype));
      ca_store_u(dtype, p, big);
    }
    return;
  }
  if (ca_tointeger(L, idx, &v)) {
    if (ca_is_integer(dtype) && !ca_int_fits(dtype, v))
      ca_raisef(L, "%s: value %lld%s is out of bounds for %s", fname, (long long)v, where,
                 ca_dtype_name(dtype));
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx) || ca_is_integer(dtype)) ca_store_i(dtype, p, v);
#else
    if (ca_is_integer(dtype)) ca_store_i(dtype, p, v);
#endif
    else ca_store_d(dtype, p, lua_tonumber(L, idx));
    return;
  }
  ca_store_d(dtype, p, lua_tonumber(L, idx));
}

/* Raises when the fill pass finds the table other than the check pass left it: Lua code run
 * between the passes (a finalizer, run by an allocation) may have changed it. */
static void nest_changed(lua_State *L, nest *b, int depth) {
  char where[256];
  ca_raisef(L, "%s: the table changed while it was being converted (at %s)", b->fname,
            depth ? path_str(b, depth, where, sizeof where) : "the top");
}

static void nest_fill(lua_State *L, nest *b, int depth) {
  if (depth < b->tdims) {
    int64_t n = b->shape[depth];
    if (!lua_istable(L, -1) || (int64_t)ca_rawlen(L, -1) != n) nest_changed(L, b, depth);
    for (int64_t i = 0; i < n; i++) {
      b->pos[depth] = i + 1;
      lua_rawgeti(L, -1, (int)(i + 1));
      nest_fill(L, b, depth + 1);
      lua_pop(L, 1);
    }
    return;
  }
  size_t isz = ca_itemsize(b->host->dtype);
  ca_array *a = ca_test(L, -1);
  int t = lua_type(L, -1);
  if (a && !a->storage) {
    char where[256];
    ca_raisef(L, "%s: element %s is an array that was freed while the operation ran", b->fname,
              path_str(b, depth, where, sizeof where));
  }
  /* as the check pass allows: an array of the leaves' shape, or (0-d leaves) a number */
  if (a ? a->ndim != b->ndim - b->tdims || memcmp(a->shape, b->shape + b->tdims,
                                                  sizeof(int64_t) * (size_t)a->ndim) != 0
        : b->tdims != b->ndim ||
              (t != LUA_TNUMBER && t != LUA_TBOOLEAN && t != LUA_TTABLE && !ca_is_int_cdata(L, -1)))
    nest_changed(L, b, depth);
  if (!a) {
    char where[256], at[300];
    snprintf(at, sizeof at, " at %s", path_str(b, depth, where, sizeof where));
    ca_c16 z;
    if (t == LUA_TTABLE) {
      if (!complex_leaf(L, -1, b, &z)) nest_changed(L, b, depth);
      if (!ca_is_complex(b->host->dtype))
        ca_raisef(L, "%s: a complex value%s cannot be stored in %s", b->fname, at,
                  ca_dtype_name(b->host->dtype));
      ca_store_z(b->host->dtype, b->p, z);
      b->p += isz;
      return;
    }
    store_lua(L, -1, b->host->dtype, b->p, b->fname, at);
    b->p += isz;
    return;
  }
  /* an array leaf: converted into the destination through a view of it */
  int top = lua_gettop(L);
  const ca_array *src = a;
  if (ca_be(a) != ca_be(b->host)) src = ca_to_backend(L, a, ca_be(b->host));
  ca_array *v = ca_view(L, b->host);
  v->ndim = a->ndim;
  for (int i = 0; i < a->ndim; i++) v->shape[i] = a->shape[i];
  v->size = a->size;
  ca_set_contiguous_strides(v);
  v->offset = (int64_t)((b->p - (char *)b->host->storage->data) / (ptrdiff_t)isz);
  ca_copy_into(L, v, src);
  b->p += (size_t)a->size * isz;
  lua_settop(L, top);
}

/* Pushes a new array from the Lua value at idx (a number, boolean or nested table). */
static ca_array *from_lua(lua_State *L, int idx, int dtype, int device, int pinned,
                          const char *fname) {
  ca_state *s = ca_state_get(L);
  idx = ca_absindex(L, idx);
  nest b;
  memset(&b, 0, sizeof b);
  b.fname = fname;
  b.arr_dtype = -1;
  b.dtype = dtype;
  int t = lua_type(L, idx);
  if (t == LUA_TTABLE) {
    nest_shape(L, idx, &b);
    lua_pushvalue(L, idx);
    nest_check(L, &b, 0);
    lua_pop(L, 1);
  } else if (t == LUA_TNUMBER) {
    if (ca_number_is_integral(L, idx)) b.has_int = 1;
    else b.has_float = 1;
  } else if (t == LUA_TBOOLEAN) {
    b.has_bool = 1;
  } else if (ca_is_int_cdata(L, idx)) {
    int64_t v;
    if (ca_toint64(L, idx, &v)) b.has_int = 1;
    else b.has_big = 1;
  } else {
    ca_raisef(L, "%s: expected a number, boolean, nested table or array, got %s", fname,
               luaL_typename(L, idx));
  }
  if (dtype < 0) {
    dtype = b.has_complex ? CA_COMPLEX128 : b.has_float ? s->default_dtype : b.has_big ? CA_UINT64
            : b.has_int ? CA_INT64 : b.has_bool ? CA_BOOL : -1;
    if (b.arr_dtype >= 0) dtype = dtype < 0 ? b.arr_dtype : ca_promote(dtype, b.arr_dtype);
    if (dtype < 0) dtype = s->default_dtype; /* empty */
  }
  ca_check_new_size(L, fname, dtype, b.ndim, b.shape);
  ca_array *host = pinned ? ca_new_at(L, device, 1, dtype, b.ndim, b.shape, fname)
                          : ca_new(L, &s->cpu, dtype, b.ndim, b.shape);
  b.host = host;
  b.p = (char *)host->storage->data;
  if (t == LUA_TTABLE) {
    lua_pushvalue(L, idx);
    nest_fill(L, &b, 0);
    lua_pop(L, 1);
  } else {
    store_lua(L, idx, dtype, b.p, fname, "");
  }
  return finish_host(L, host, device);
}

/* Pushes a copy of array `a` with dtype and device (no copy when `nocopy` and nothing changes). */
static void from_array(lua_State *L, int idx, int dtype, int device, int nocopy) {
  ca_array *a = ca_test(L, idx);
  ca_backend *be = ca_backend_get(L, device); /* may load the CUDA module: Lua code */
  ca_check_live(L, a, "array");
  if (dtype < 0) dtype = a->dtype;
  if (nocopy && be == ca_be(a) && dtype == a->dtype) {
    lua_pushvalue(L, idx);
    return;
  }
  if (be == ca_be(a)) {
    ca_array *c = ca_new(L, be, dtype, a->ndim, a->shape);
    ca_copy_into(L, c, a);
    return;
  }
  ca_array *t = ca_to_backend(L, a, be);
  if (dtype == a->dtype) return;
  ca_array *c = ca_new(L, be, dtype, a->ndim, a->shape);
  ca_copy_into(L, c, t);
  ca_array_release(t);
  lua_remove(L, -2);
}

/* Pushes a copy of `a` with dtype in a pinned host array (a device array is converted there
 * first, then read in one transfer). */
static void pinned_copy(lua_State *L, ca_array *a, int dtype, int device, const char *fname) {
  ca_array *d = ca_new_at(L, device, 1, dtype, a->ndim, a->shape, fname);
  ca_check_live(L, a, fname);
  if (ca_be(a)->device < 0) {
    ca_copy_into(L, d, a);
    return;
  }
  ca_array *s = a;
  if (a->dtype != dtype) {
    s = ca_new(L, ca_be(a), dtype, a->ndim, a->shape);
    ca_copy_into(L, s, a);
  }
  ca_read_host(L, s, ca_data(d));
  if (s != a) lua_pop(L, 1);
}

static int make_array(lua_State *L, const char *fname, int nocopy) {
  if (lua_gettop(L) < 1) return ca_raisef(L, "%s: expected a value to make an array of", fname);
  int oi = ca_opt_check(L, 2, fname, ddp_opts) ? 2 : 0;
  int dtype = ca_opt_dtype(L, oi, -1, fname), pinned = opt_pinned(L, oi);
  ca_array *a = ca_test(L, 1);
  if (a) {
    if (!a->storage) return ca_raisef(L, "%s: the array has been freed", fname);
    int device = ca_opt_device(L, oi, pinned ? -1 : ca_be(a)->device, fname);
    if (pinned) pinned_copy(L, a, dtype < 0 ? a->dtype : dtype, device, fname);
    else from_array(L, 1, dtype, device, nocopy);
    return 1;
  }
  int device = ca_opt_device(L, oi, pinned ? -1 : ca_state_get(L)->default_device, fname);
  from_lua(L, 1, dtype, device, pinned, fname);
  return 1;
}

/* cu.array(value[, {dtype=, device=, pinned=}]): always a new array. An array argument keeps its
 * device unless one is given. */
static int l_array(lua_State *L) { return make_array(L, "array", 0); }
/* cu.asarray(value[, opts]): the argument itself when it already is an array of that dtype
 * on that device. */
static int l_asarray(lua_State *L) { return make_array(L, "asarray", 1); }

/* ---- empty / zeros / ones / full ------------------------------------------------------ */

/* The dtype a fill value implies (full with no dtype). */
static int value_dtype(lua_State *L, int idx) {
  ca_array *a = ca_test(L, idx);
  if (a) return a->dtype;
  if (lua_type(L, idx) == LUA_TBOOLEAN) return CA_BOOL;
  return ca_number_is_integral(L, idx) ? CA_INT64 : ca_state_get(L)->default_dtype;
}

static void check_fill_value(lua_State *L, int idx, const char *fname) {
  int t = lua_type(L, idx);
  if (t == LUA_TNUMBER || t == LUA_TBOOLEAN || ca_is_int_cdata(L, idx)) return;
  ca_array *a = ca_test(L, idx);
  if (!a)
    ca_raisef(L, "%s: fill value must be a number, boolean or array, got %s", fname,
               luaL_typename(L, idx));
  if (!a->storage) ca_raisef(L, "%s: the fill value array has been freed", fname);
}

/* dst = the value at idx (number, boolean, or an array broadcast to dst). */
static void fill_value(lua_State *L, ca_array *dst, int idx, const char *fname) {
  ca_array *v = ca_test(L, idx);
  if (v) {
    ca_check_live(L, v, fname);
    int top = lua_gettop(L);
    const ca_array *src = v;
    if (ca_be(v) != ca_be(dst)) src = ca_to_backend(L, v, ca_be(dst));
    const ca_array *pair[2] = {dst, src};
    int64_t shape[CA_MAXDIMS];
    int nd = ca_broadcast_shapes(L, fname, 2, pair, shape);
    if (nd != dst->ndim || memcmp(shape, dst->shape, sizeof(int64_t) * (size_t)nd) != 0) {
      char s1[256], s2[256];
      ca_format_shape(s1, sizeof s1, src->ndim, src->shape);
      ca_format_shape(s2, sizeof s2, dst->ndim, dst->shape);
      ca_raisef(L, "%s: could not broadcast the fill value of shape %s to shape %s", fname, s1, s2);
    }
    ca_copy_into(L, dst, src);
    lua_settop(L, top);
    return;
  }
  ca_value vals[2];
  int dts[2] = {dst->dtype, CA_INT64};
  int64_t iv;
  uint64_t big;
  if (lua_type(L, idx) == LUA_TBOOLEAN) {
    vals[1].i = lua_toboolean(L, idx);
  } else if ((dst->dtype == CA_UINT64 || lua_type(L, idx) != LUA_TNUMBER) &&
             ca_touint64_big(L, idx, &big)) { /* exactly: a float beyond 2^63, a uint64 cdata */
    if (ca_is_integer(dst->dtype) && dst->dtype != CA_UINT64)
      ca_raisef(L, "%s: fill value %llu is out of bounds for %s", fname, (unsigned long long)big,
                ca_dtype_name(dst->dtype));
    dts[1] = CA_UINT64;
    vals[1].i = (int64_t)big;
  } else if (ca_toint64(L, idx, &iv)) {
    if (ca_is_integer(dst->dtype) && !ca_int_fits(dst->dtype, iv))
      ca_raisef(L, "%s: fill value %lld is out of bounds for %s", fname, (long long)iv,
                 ca_dtype_name(dst->dtype));
#if LUA_VERSION_NUM >= 503
    if (!lua_isinteger(L, idx) && ca_is_float(dst->dtype)) {
      dts[1] = CA_FLOAT64;
      vals[1].f = lua_tonumber(L, idx);
    } else
#endif
    vals[1].i = iv;
  } else {
    dts[1] = CA_FLOAT64;
    vals[1].f = lua_tonumber(L, idx);
  }
  ca_loop l;
  ca_array *ops[2] = {dst, NULL};
  ca_loop_build(&l, dst->ndim, dst->shape, 2, ops, vals, dts, dst->dtype);
  if (l.size == 0) return;
  CA_CHECK(L, ca_be(dst), ca_be(dst)->copy(ca_be(dst), &l), fname);
}

enum { K_EMPTY, K_ZEROS, K_ONES, K_FULL };

/* cu.zeros(2, 3) where cu.zeros({2, 3}) was meant (NumPy's and Torch's habit): the dimensions
 * as separate numbers, then the fill value for full, then perhaps options. */
static void check_shape_spread(lua_State *L, const char *fname, int kind) {
  int top = lua_gettop(L), opts = top > 0 && lua_istable(L, top);
  int ndims = top - opts - (kind == K_FULL);
  if (ndims < 2) return;
  for (int i = 1; i <= top - opts; i++)
    if (lua_type(L, i) != LUA_TNUMBER) return;
  char call[300];
  size_t n = (size_t)snprintf(call, sizeof call, "cu.%s({", fname);
  for (int i = 1; i <= top - opts && n < sizeof call; i++) {
    n += (size_t)snprintf(call + n, sizeof call - n, "%s%.17g%s", i == 1 ? "" : ", ",
                          (double)lua_tonumber(L, i), i == ndims ? "}" : "");
  }
  if (n < sizeof call) snprintf(call + n, sizeof call - n, "%s)", opts ? ", {...}" : "");
  ca_raisef(L, "%s: the shape is a table: %s", fname, call);
}

/* Pushes an array of the shape at si, empty, zeros, ones or filled with the value at vi
 * (K_FULL), with the options at oi. */
static int filled(lua_State *L, const char *fname, int kind, int si, int vi, int oi) {
  int64_t shape[CA_MAXDIMS];
  if (si == 1) check_shape_spread(L, fname, kind);
  int nd = ca_read_shape(L, si, shape, fname);
  if (kind == K_FULL) check_fill_value(L, vi, fname);
  oi = ca_opt_check(L, oi, fname, fill_opts) ? oi : 0;
  int dflt = kind == K_FULL ? value_dtype(L, vi) : ca_state_get(L)->default_dtype;
  int dtype = ca_opt_dtype(L, oi, dflt, fname), pinned = opt_pinned(L, oi);
  int fortran = opt_fortran(L, oi, fname);
  int device = ca_opt_device(L, oi, pinned ? -1 : ca_state_get(L)->default_device, fname);
  ca_check_new_size(L, fname, dtype, nd, shape);
  ca_array *a = ca_new_at(L, device, pinned, dtype, nd, shape, fname);
  for (int i = 0; fortran && i < nd; i++) /* the same memory, strides in Fortran order */
    a->strides[i] = i ? a->strides[i - 1] * shape[i - 1] : 1;
  if (kind == K_ZEROS || kind == K_ONES) ca_fill(L, a, kind == K_ONES);
  else if (kind == K_FULL) fill_value(L, a, vi, fname);
  return 1;
}

/* cu.empty/zeros/ones(shape[, opts]), cu.full(shape, value[, opts]) */
static int l_empty(lua_State *L) { return filled(L, "empty", K_EMPTY, 1, 0, 2); }
static int l_zeros(lua_State *L) { return filled(L, "zeros", K_ZEROS, 1, 0, 2); }
static int l_ones(lua_State *L) { return filled(L, "ones", K_ONES, 1, 0, 2); }
static int l_full(lua_State *L) { return filled(L, "full", K_FULL, 1, 2, 3); }

/* cu._filled(fname, kind, shape, value, opts): the same for the Lua layer's compositions (the
 * _like forms in lua/cuarray/create.lua), whose messages name them. */
static int l_filled(lua_State *L) {
  static const char *const kinds[] = {"empty", "zeros", "ones", "full", NULL};
  const char *fname = ca_caller_name(L, 1, "_filled");
  int kind = ca_check_option(L, 2, kinds, fname, "kind");
  return filled(L, fname, kind, 3, 4, 5);
}

/* ---- ranges --------------------------------------------------------------------------- */

static double check_number(lua_State *L, int idx, const char *fname, const char *what) {
  if (lua_type(L, idx) != LUA_TNUMBER)
    ca_raisef(L, "%s: %s must be a number, got %s", fname, what, luaL_typename(L, idx));
  return lua_tonumber(L, idx);
}

static int64_t check_count(lua_State *L, int idx, const char *fname, const char *what) {
  int64_t n = 0;
  if (!ca_tointeger(L, idx, &n))
    ca_raisef(L, "%s: %s must be an integer, got %s", fname, what,
               lua_type(L, idx) == LUA_TNUMBER ? lua_tostring(L, idx) : luaL_typename(L, idx));
  if (n < 0) ca_raisef(L, "%s: %s must be non-negative, got %lld", fname, what, (long long)n);
  return n;
}

/* cu.arange(stop) / (start, stop[, step])[, opts]: NumPy's values, computed as NumPy's fill
 * does (first two values, then start + i * delta in the result dtype), on the host into one
 * buffer that is uploaded once. */
static int l_arange(lua_State *L) {
  static const char *const names[] = {"start", "stop", "step"};
  int oi, n = ca_split_options(L, &oi);
  if (n < 1 || n > 3)
    return ca_raisef(L, "arange: expected (stop), (start, stop) or (start, stop, step), got %d "
                      "arguments", n);
  if (oi) ca_opt_check(L, oi, "arange", dd_opts);
  double v[3] = {0, 0, 1};
  int64_t iv[3] = {0, 0, 1};
  int integral = 1;
  for (int i = 0; i < n; i++) {
    int slot = n == 1 ? 1 : i;
    if (lua_isnil(L, i + 1) && slot == 2) continue; /* arange(a, b, nil) */
    v[slot] = check_number(L, i + 1, "arange", names[slot]);
    if (!ca_tointeger(L, i + 1, &iv[slot])) integral = 0;
  }
  for (int i = 0; i < 3; i++)
    if (!isfinite(v[i])) return ca_raisef(L, "arange: %s must be finite, got %g", names[i], v[i]);
  if (v[2] == 0) return ca_raisef(L, "arange: step must not be zero");
  int dtype = ca_opt_dtype(L, oi, integral ? CA_INT64 : ca_state_get(L)->default_dtype, "arange");
  int device = ca_opt_device(L, oi, ca_state_get(L)->default_device, "arange");
  int64_t len;
  if (integral) {
    __int128 d = (__int128)iv[1] - iv[0], st = iv[2], q;
    if (st > 0) q = d <= 0 ? 0 : (d + st - 1) / st;
    else q = d >= 0 ? 0 : (-d + (-st) - 1) / (-st);
    if (q > INT64_MAX)
      return ca_raisef(L, "arange: the range is too long (more than 2^63 elements)");
    len = (int64_t)q;
  } else {
    double q = ceil((v[1] - v[0]) / v[2]);
    if (!(q > 0)) q = 0;
    if (q >= 9.2e18) return ca_raisef(L, "arange: the range is too long (%g elements)", q);
    len = (int64_t)q;
  }
  if (dtype == CA_BOOL && len > 2)
    return ca_raisef(L, "arange: a bool range can have at most 2 elements (got %lld)", (long long)len);
  if (integral && ca_is_integer(dtype)) { /* NumPy 2 stores the first two values as Python ints */
    __int128 second = (__int128)iv[0] + iv[2];
    if (len > 0 && !ca_int_fits(dtype, iv[0]))
      return ca_raisef(L, "arange: Lua integer %lld is out of bounds for %s", (long long)iv[0],
                       ca_dtype_name(dtype));
    if (len > 1 && (second < INT64_MIN || second > INT64_MAX || !ca_int_fits(dtype, (int64_t)second)))
      return ca_raisef(L, "arange: start + step (%lld + %lld) is out of bounds for %s",
                       (long long)iv[0], (long long)iv[2], ca_dtype_name(dtype));
  }
  ca_check_new_size(L, "arange", dtype, 1, &len);
  ca_array *host = ca_new(L, &ca_state_get(L)->cpu, dtype, 1, &len);
  char *p = (char *)host->storage->data;
  size_t isz = ca_itemsize(dtype);
  /* the first two values as NumPy sets them, read back in the result dtype */
  if (len > 0) {
    if (integral) ca_store_i(dtype, p, iv[0]); else ca_store_d(dtype, p, v[0]);
  }
  if (len > 1) {
    if (integral) ca_store_i(dtype, p + isz, (int64_t)((uint64_t)iv[0] + (uint64_t)iv[2]));
    else ca_store_d(dtype, p + isz, v[0] + v[2]);
  }
  if (len > 2) {
    if (ca_is_integer(dtype)) {
      int64_t s0 = ca_load_i(dtype, p), s1 = ca_load_i(dtype, p + isz); /* as narrowed */
      uint64_t delta = (uint64_t)s1 - (uint64_t)s0;
      for (int64_t i = 2; i < len; i++)
        ca_store_i(dtype, p + i * (int64_t)isz, (int64_t)((uint64_t)s0 + (uint64_t)i * delta));
    } else if (dtype == CA_FLOAT64) {
      double x0 = *(double *)p, delta = *(double *)(p + isz) - x0;
      for (int64_t i = 2; i < len; i++) ((double *)p)[i] = x0 + (double)i * delta;
    } else { /* float16, float32 compute in float, as NumPy's HALF_fill / FLOAT_fill */
      float x0 = ca_load_f(dtype, p), delta = ca_load_f(dtype, p + isz) - x0;
      for (int64_t i = 2; i < len; i++) ca_store_f(dtype, p + i * (int64_t)isz, x0 + (float)i * delta);
    }
  }
  finish_host(L, host, device);
  return 1;
}

/* Sample i of NumPy's linspace (float64). */
static double lin_value(double start, double stop, int64_t num, int endpoint, int64_t i) {
  int64_t div = endpoint ? num - 1 : num;
  double delta = stop - start;
  volatile double y; /* no contraction into fma: NumPy rounds the product, then the sum */
  if (endpoint && num > 1 && i == num - 1) return stop;
  if (div > 0) {
    double step = delta / (double)div;
    if (step == 0) y = (double)i / (double)div * delta;
    else y = (double)i * step;
  } else {
    y = (double)i * delta;
  }
  return y + start;
}

static const char *const lin_opts[] = {"dtype", "device", "endpoint", "retstep", "base", NULL};

/* linspace / logspace: start, stop[, num][, opts] */
static int make_lin(lua_State *L, const char *fname, int logspace) {
  int oi, n = ca_split_options(L, &oi);
  if (n < 2 || n > 3) return ca_raisef(L, "%s: expected (start, stop[, num]), got %d arguments", fname, n);
  double start = check_number(L, 1, fname, "start"), stop = check_number(L, 2, fname, "stop");
  int64_t num = n == 3 && !lua_isnil(L, 3) ? check_count(L, 3, fname, "num") : 50;
  if (oi) {
    ca_opt_check(L, oi, fname, lin_opts);
    ca_opt_get(L, oi, logspace ? "retstep" : "base");
    if (!lua_isnil(L, -1))
      ca_raisef(L, "%s: unknown option '%s'", fname, logspace ? "retstep" : "base");
    lua_pop(L, 1);
  }
  int endpoint = oi ? ca_opt_bool(L, oi, "endpoint", 1) : 1;
  int retstep = oi && !logspace && ca_opt_bool(L, oi, "retstep", 0);
  double base = 10;
  if (logspace && oi) {
    ca_opt_get(L, oi, "base");
    if (!lua_isnil(L, -1)) base = check_number(L, -1, fname, "base");
    lua_pop(L, 1);
  }
  int dtype = ca_opt_dtype(L, oi, ca_state_get(L)->default_dtype, fname);
  int device = ca_opt_device(L, oi, ca_state_get(L)->default_device, fname);
  ca_check_new_size(L, fname, dtype, 1, &num);
  ca_array *host = ca_new(L, &ca_state_get(L)->cpu, dtype, 1, &num);
  char *p = (char *)host->storage->data;
  size_t isz = ca_itemsize(dtype);
  for (int64_t i = 0; i < num; i++) {
    double y = lin_value(start, stop, num, endpoint, i);
    if (logspace) y = pow(base, y);
    else if (ca_is_integer(dtype)) y = floor(y); /* NumPy 2: linspace floors for integers */
    ca_store_d(dtype, p + i * (int64_t)isz, y);
  }
  finish_host(L, host, device);
  if (!retstep) return 1;
  int64_t div = endpoint ? num - 1 : num;
  lua_pushnumber(L, div > 0 ? (stop - start) / (double)div : NAN);
  return 2;
}

/* cu.linspace(start, stop[, num = 50][, {endpoint=, retstep=, dtype=, device=}]) */
static int l_linspace(lua_State *L) { return make_lin(L, "linspace", 0); }
/* cu.logspace(start, stop[, num = 50][, {base = 10, endpoint=, dtype=, device=}]) */
static int l_logspace(lua_State *L) { return make_lin(L, "logspace", 1); }

static const char *const eye_opts[] = {"dtype", "device", "k", NULL};

/* cu.eye(n[, m][, {k=, dtype=, device=}]): zeros, then ones written through a strided view of
 * the diagonal, on the device. */
static int l_eye(lua_State *L) {
  int oi, n = ca_split_options(L, &oi);
  if (n < 1 || n > 2) return ca_raisef(L, "eye: expected (n[, m]), got %d arguments", n);
  if (oi) ca_opt_check(L, oi, "eye", eye_opts);
  int64_t shape[2];
  shape[0] = check_count(L, 1, "eye", "n");
  shape[1] = n == 2 && !lua_isnil(L, 2) ? check_count(L, 2, "eye", "m") : shape[0];
  int64_t k = 0;
  if (oi) {
    ca_opt_get(L, oi, "k");
    if (!lua_isnil(L, -1) && !ca_tointeger(L, -1, &k))
      ca_raisef(L, "eye: k must be an integer, got %s", lua_tostring(L, -1) ? lua_tostring(L, -1)
                 : luaL_typename(L, -1));
    lua_pop(L, 1);
  }
  int dtype = ca_opt_dtype(L, oi, ca_state_get(L)->default_dtype, "eye");
  int device = ca_opt_device(L, oi, ca_state_get(L)->default_device, "eye");
  ca_check_new_size(L, "eye", dtype, 2, shape);
  ca_array *a = ca_new(L, ca_backend_get(L, device), dtype, 2, shape);
  ca_fill(L, a, 0);
  int64_t rows = shape[0], cols = shape[1], len, off;
  if (k >= 0) {
    len = k >= cols ? 0 : (rows < cols - k ? rows : cols - k);
    off = k;
  } else {
    len = k <= -rows ? 0 : (rows + k < cols ? rows + k : cols);
    off = len > 0 ? -k * cols : 0;
  }
  if (len > 0) {
    ca_array *d = ca_view(L, a);
    d->ndim = 1;
    d->shape[0] = len;
    d->strides[0] = cols + 1;
    d->offset += off;
    d->size = len;
    ca_fill(L, d, 1);
    lua_pop(L, 1);
  }
  return 1;
}

/* ---- registration --------------------------------------------------------------------- */

static const luaL_Reg funcs[] = {
  {"array", l_array}, {"asarray", l_asarray},
  {"empty", l_empty}, {"zeros", l_zeros}, {"ones", l_ones}, {"full", l_full},
  {"_filled", l_filled},
  {"arange", l_arange}, {"linspace", l_linspace}, {"logspace", l_logspace}, {"eye", l_eye},
  {NULL, NULL}
};

void ca_open_create(lua_State *L) {
  /* module table at -2, methods table at -1 */
  ca_register(L, funcs, NULL);
}
