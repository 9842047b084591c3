/* The array userdata: its metatable, attributes, conversions and shape methods. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"

#define FORMAT_KEY "cuarray.format"
#define SHAPE_MT "cuarray.shape"

static int arr_gc(lua_State *L) {
  ca_array *a = ca_test(L, 1);
  if (a) ca_array_release(a);
  return 0;
}

static int arr_free(lua_State *L) {
  ca_array *a = ca_test(L, 1);
  if (!a) return ca_raisef(L, "free: expected an array, got %s", luaL_typename(L, 1));
  ca_array_release(a);
  return 0;
}

/* a.shape and a.strides: plain sequences (t[i], #t and ipairs work on every Lua version, and
 * they go wherever a shape goes) whose metatable prints them as NumPy's tuples, (2, 3), and
 * compares two of them by value. */
static void push_int_table(lua_State *L, int n, const int64_t *v) {
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    ca_pushinteger(L, v[i]);
    lua_rawseti(L, -2, i + 1);
  }
  luaL_getmetatable(L, SHAPE_MT);
  lua_setmetatable(L, -2);
}

static int is_shape(lua_State *L, int idx) {
  if (!lua_istable(L, idx) || !lua_getmetatable(L, idx)) return 0;
  luaL_getmetatable(L, SHAPE_MT);
  int same = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return same;
}

/* Adds the tuple form of the table at idx (absolute) to b; entries a script stored there
 * print as tostring would, or by type. */
static void add_tuple(lua_State *L, luaL_Buffer *b, int idx) {
  int n = (int)ca_rawlen(L, idx);
  luaL_addchar(b, '(');
  for (int i = 1; i <= n; i++) {
    if (i > 1) luaL_addstring(b, ", ");
    lua_rawgeti(L, idx, i);
    int64_t v;
    char s[32];
    if (ca_tointeger(L, -1, &v)) {
      lua_pop(L, 1);
      snprintf(s, sizeof s, "%lld", (long long)v);
      luaL_addstring(b, s);
    } else if (lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TSTRING) {
      luaL_addvalue(b);
    } else {
      const char *t = luaL_typename(L, -1);
      lua_pop(L, 1);
      luaL_addstring(b, t);
    }
  }
  luaL_addstring(b, n == 1 ? ",)" : ")");
}

static int shape_tostring(lua_State *L) {
  luaL_Buffer b;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_buffinit(L, &b);
  add_tuple(L, &b, 1);
  luaL_pushresult(&b);
  return 1;
}

/* "shape " .. a.shape */
static int shape_concat(lua_State *L) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= 2; i++) {
    if (is_shape(L, i)) {
      add_tuple(L, &b, i);
    } else if (lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TNUMBER) {
      lua_pushvalue(L, i);
      luaL_addvalue(&b);
    } else {
      return ca_raisef(L, "attempt to concatenate a shape and a %s value", luaL_typename(L, i));
    }
  }
  luaL_pushresult(&b);
  return 1;
}

/* a.shape == b.shape compares the entries; a shape is never equal to another table. */
static int shape_eq(lua_State *L) {
  int eq = is_shape(L, 1) && is_shape(L, 2) && ca_rawlen(L, 1) == ca_rawlen(L, 2);
  for (int i = 1; eq && i <= (int)ca_rawlen(L, 1); i++) {
    lua_rawgeti(L, 1, i);
    lua_rawgeti(L, 2, i);
    eq = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
  }
  lua_pushboolean(L, eq);
  return 1;
}

/* Transpose with an explicit permutation (0-based), or reversed when perm is NULL. */
static ca_array *push_permuted(lua_State *L, const ca_array *a, const int *perm) {
  ca_array *v = ca_view(L, a);
  for (int i = 0; i < a->ndim; i++) {
    int p = perm ? perm[i] : a->ndim - 1 - i;
    v->shape[i] = a->shape[p];
    v->strides[i] = a->strides[p];
  }
  return v;
}

/* The attributes, each a getter that pushes one value; cu._attributes lists their names. */
static void attr_shape(lua_State *L, ca_array *a) { push_int_table(L, a->ndim, a->shape); }
static void attr_ndim(lua_State *L, ca_array *a) { lua_pushinteger(L, a->ndim); }
static void attr_size(lua_State *L, ca_array *a) { ca_pushinteger(L, a->size); }
static void attr_dtype(lua_State *L, ca_array *a) { lua_pushstring(L, ca_dtype_name(a->dtype)); }
static void attr_device(lua_State *L, ca_array *a) { lua_pushstring(L, ca_be(a)->name); }
static void attr_strides(lua_State *L, ca_array *a) { push_int_table(L, a->ndim, a->strides); }
static void attr_itemsize(lua_State *L, ca_array *a) {
  lua_pushinteger(L, (lua_Integer)ca_itemsize(a->dtype));
}
static void attr_nbytes(lua_State *L, ca_array *a) {
  int64_t isz = (int64_t)ca_itemsize(a->dtype);
  if (a->size > INT64_MAX / isz) lua_pushnumber(L, (lua_Number)a->size * (lua_Number)isz);
  else ca_pushinteger(L, a->size * isz);
}
static void attr_T(lua_State *L, ca_array *a) { push_permuted(L, a, NULL); }
static void attr_is_contiguous(lua_State *L, ca_array *a) { lua_pushboolean(L, ca_is_contiguous(a)); }
static void attr_pinned(lua_State *L, ca_array *a) { lua_pushboolean(L, a->storage->owner_be != NULL); }
static void attr_writeable(lua_State *L, ca_array *a) { lua_pushboolean(L, !a->readonly); }
/* a.flags: {c_contiguous =, f_contiguous =, writeable =}, as NumPy's flags of those names. */
static void attr_flags(lua_State *L, ca_array *a) {
  int64_t s = 1;
  int f = 1;
  for (int i = 0; i < a->ndim && a->size > 1; i++) {
    if (a->shape[i] != 1 && a->strides[i] != s) f = 0;
    s *= a->shape[i];
  }
  lua_createtable(L, 0, 3);
  lua_pushboolean(L, ca_is_contiguous(a));
  lua_setfield(L, -2, "c_contiguous");
  lua_pushboolean(L, f);
  lua_setfield(L, -2, "f_contiguous");
  lua_pushboolean(L, !a->readonly);
  lua_setfield(L, -2, "writeable");
}
static void attr_real(lua_State *L, ca_array *a) { ca_push_part(L, a, 0); }
static void attr_imag(lua_State *L, ca_array *a) { ca_push_part(L, a, 1); }

static const struct { const char *name; void (*get)(lua_State *L, ca_array *a); } attributes[] = {
  {"shape", attr_shape}, {"ndim", attr_ndim}, {"size", attr_size}, {"dtype", attr_dtype},
  {"device", attr_device}, {"strides", attr_strides}, {"itemsize", attr_itemsize},
  {"nbytes", attr_nbytes}, {"T", attr_T}, {"is_contiguous", attr_is_contiguous},
  {"pinned", attr_pinned}, {"writeable", attr_writeable}, {"flags", attr_flags},
  {"real", attr_real}, {"imag", attr_imag},
};
#define NATTRIBUTES (sizeof attributes / sizeof attributes[0])

static int attribute(lua_State *L, ca_array *a, const char *k) {
  for (size_t i = 0; i < NATTRIBUTES; i++) {
    if (strcmp(k, attributes[i].name) == 0) {
      attributes[i].get(L, a);
      return 1;
    }
  }
  return 0;
}

/* A string key that looks like NumPy's slice syntax, a["1:2"] or a["..."], earns a hint. */
static const char *string_key_hint(const char *k) {
  if (strcmp(k, "...") == 0) return " (the ellipsis goes inside a table: a[{\"...\", 1}])";
  if (strpbrk(k, ":,[") || (k[0] >= '0' && k[0] <= '9') || (k[0] == '-' && k[1] >= '0' && k[1] <= '9'))
    return " (slices are written as tables: a[{{1, 2}}] for 1 to 2 inclusive, a[{{1, 2}, 3}] "
           "one entry per axis; see \"A tour\" in README.md)";
  return "";
}

/* cu.real(a), cu.imag(a): as a.real, a.imag. */
static int arr_real(lua_State *L) { ca_push_part(L, ca_check(L, 1), 0); return 1; }
static int arr_imag(lua_State *L) { ca_push_part(L, ca_check(L, 1), 1); return 1; }

/* __index: methods and attributes by name; anything else is indexing (l_index.c). */

static int arr_index(lua_State *L) {
  ca_array *a = ca_test(L, 1);
  if (!a) return ca_raisef(L, "__index: expected an array, got %s", luaL_typename(L, 1));
  if (lua_type(L, 2) == LUA_TSTRING) {
    lua_getmetatable(L, 1);
    lua_pushliteral(L, "__methods");
    lua_rawget(L, -2);
    if (lua_istable(L, -1)) {
      lua_pushvalue(L, 2);
      lua_rawget(L, -2);
      if (!lua_isnil(L, -1)) return 1;
    }
    lua_settop(L, 2);
    const char *k = lua_tostring(L, 2);
    if (a->storage && attribute(L, a, k)) return 1;
    if (!a->storage) return ca_raisef(L, "the array has been freed (reading '%s')", k);
    return ca_raisef(L, "array has no attribute or method '%s'%s", k, string_key_hint(k));
  }
  ca_check(L, 1);
  return ca_index_get(L);
}

static int arr_newindex(lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING)
    return ca_raisef(L, "cannot set attribute '%s' of an array%s", lua_tostring(L, 2),
                     string_key_hint(lua_tostring(L, 2)));
  ca_check_arg(L, 1, "index assignment"); /* the name ca_index_set raises in */
  return ca_index_set(L);
}

static int arr_len(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  if (a->ndim == 0) return ca_raisef(L, "len of a 0-d array");
  ca_pushinteger(L, a->shape[0]);
  return 1;
}

static int arr_tostring(lua_State *L) {
  ca_array *a = ca_test(L, 1);
  if (!a) return ca_raisef(L, "__tostring: expected an array, got %s", luaL_typename(L, 1));
  if (!a->storage) {
    lua_pushliteral(L, "array(<freed>)");
    return 1;
  }
  ca_state *s = ca_state_get(L);
  lua_getfield(L, LUA_REGISTRYINDEX, FORMAT_KEY);
  if (lua_isfunction(L, -1) && !s->formatting) {
    lua_pushvalue(L, 1);
    s->formatting = 1;
    int rc = lua_pcall(L, 1, 1, 0);
    s->formatting = 0;
    if (rc != 0) return lua_error(L);
    return 1;
  }
  lua_pop(L, 1);
  char shape[256];
  ca_format_shape(shape, sizeof shape, a->ndim, a->shape);
  lua_pushfstring(L, "array(shape=%s, dtype=%s, device=%s)", shape, ca_dtype_name(a->dtype),
                  ca_be(a)->name);
  return 1;
}

/* cu._set_formatter(fn): the Lua layer's printer, used by tostring. */
static int set_formatter(lua_State *L) {
  ca_check_type(L, 1, LUA_TFUNCTION, "_set_formatter", "the formatter");
  lua_pushvalue(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, FORMAT_KEY);
  return 0;
}

/* ---- conversion ------------------------------------------------------------------- */

/* a:astype(dtype[, {casting = "unsafe"}]): a copy in dtype; casting as NumPy's astype. */
static int arr_astype(lua_State *L) {
  static const char *const known[] = {"casting", NULL};
  ca_array *a = ca_check(L, 1);
  int dt = ca_check_dtype(L, 2, "astype");
  ca_opt_check(L, 3, "astype", known);
  int casting = ca_opt_casting(L, 3, CA_CAST_UNSAFE, "astype");
  if (!ca_can_cast(a->dtype, dt, casting))
    return ca_raisef(L, "astype: cannot cast %s to %s with casting='%s'", ca_dtype_name(a->dtype),
                     ca_dtype_name(dt), ca_casting_name(casting));
  ca_array *c = ca_new_like(L, a, dt);
  ca_copy_into(L, c, a);
  return 1;
}

static int arr_copy(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  ca_array *c = ca_new_like(L, a, -1);
  ca_copy_into(L, c, a);
  return 1;
}

static int to_device(lua_State *L, ca_array *a, int device) {
  ca_backend *be = ca_backend_get(L, device);
  if (be == ca_be(a)) {
    lua_pushvalue(L, 1);
    return 1;
  }
  ca_to_backend(L, a, be);
  return 1;
}

static int arr_to(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  int device = ca_parse_device(L, 2, ca_state_get(L)->default_device, "to");
  return to_device(L, a, device);
}

static int arr_cpu(lua_State *L) { return to_device(L, ca_check(L, 1), -1); }

/* a:cuda([device]): "cuda:N", or the ordinal N itself (CUDA's, from 0); none: "cuda". */
static int arr_cuda(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  int64_t dev = ca_default_cuda(L);
  if (lua_type(L, 2) == LUA_TSTRING) {
    dev = ca_parse_device(L, 2, -1, "cuda");
    if (dev < 0) return ca_raisef(L, "cuda: expected a CUDA device, got \"%s\"", lua_tostring(L, 2));
  } else if (!lua_isnoneornil(L, 2) && (!ca_tointeger(L, 2, &dev) || dev < 0 || dev >= 1024)) {
    return ca_raisef(L, "cuda: device must be \"cuda:N\" or the ordinal N (from 0), got %s",
                     lua_tostring(L, 2) ? lua_tostring(L, 2) : luaL_typename(L, 2));
  }
  return to_device(L, a, (int)dev);
}

/* a:get(): a host (CPU) array, as CuPy's .get(); a CPU array gives a copy. */
static int arr_get(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  ca_to_backend(L, a, ca_backend_get(L, -1));
  return 1;
}

static const char *build_table(lua_State *L, const ca_array *a, int dim, const char *p) {
  if (dim == a->ndim) {
    ca_push_value(L, a->dtype, p);
    return p + ca_itemsize(a->dtype);
  }
  lua_createtable(L, (int)a->shape[dim], 0);
  for (int64_t i = 0; i < a->shape[dim]; i++) {
    p = build_table(L, a, dim + 1, p);
    lua_rawseti(L, -2, (int)(i + 1));
  }
  return p;
}

/* a:totable(): nested Lua tables (a number for a 0-d array). */
static int arr_totable(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  size_t nbytes = ca_nbytes(L, a, "totable");
  char *buf = (char *)ca_newuserdata(L, nbytes ? nbytes : 1); /* collected with the call */
  ca_read_host(L, a, buf);
  build_table(L, a, 0, buf);
  return 1;
}

static int arr_item(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  if (a->size != 1)
    return ca_raisef(L, "item: can only convert an array of size 1 to a Lua number (size is %lld)",
                      (long long)a->size);
  ca_push_element(L, a);
  return 1;
}

/* ---- shape ---------------------------------------------------------------------- */

/* Strides for viewing `a` with a new shape without copying, as NumPy's _attempt_nocopy_reshape;
 * returns 0 when a copy is needed. */
static int reshape_strides(const ca_array *a, int nd, const int64_t *shape, int64_t *strides) {
  int64_t oshape[CA_MAXDIMS], ostr[CA_MAXDIMS];
  int ond = 0;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != 1) { oshape[ond] = a->shape[i]; ostr[ond] = a->strides[i]; ond++; }
  int oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < nd && oi < ond) {
    int64_t np = shape[ni], op = oshape[oi];
    while (np != op) {
      if (np < op) np *= shape[nj++];
      else op *= oshape[oj++];
    }
    for (int ok = oi; ok < oj - 1; ok++)
      if (ostr[ok] != oshape[ok + 1] * ostr[ok + 1]) return 0;
    strides[nj - 1] = ostr[oj - 1];
    for (int nk = nj - 1; nk > ni; nk--) strides[nk - 1] = strides[nk] * shape[nk];
    ni = nj++;
    oi = oj++;
  }
  for (int k = ni; k < nd; k++) strides[k] = 1; /* trailing size-1 dims */
  return 1;
}

/* Pushes `a` reshaped (a view when the strides allow, else a copy). */
static void push_reshaped(lua_State *L, int idx, int nd, int64_t *shape, const char *fname) {
  ca_array *a = ca_check(L, idx);
  int neg = -1, overflow = 0;
  int64_t known = 1;
  for (int i = 0; i < nd; i++) {
    if (shape[i] == -1) {
      if (neg >= 0) ca_raisef(L, "%s: can only specify one unknown dimension (-1)", fname);
      neg = i;
    } else if (shape[i] < 0) {
      ca_raisef(L, "%s: negative dimension %lld in shape", fname, (long long)shape[i]);
    } else if (__builtin_mul_overflow(known, shape[i], &known)) {
      overflow = 1;
    }
  }
  for (int i = 0; i < nd; i++)
    if (shape[i] == 0) known = 0, overflow = 0;
  if (overflow) { /* more elements than any array holds, so never a's size */
    char s1[256], s2[256];
    ca_format_shape(s1, sizeof s1, a->ndim, a->shape);
    ca_format_shape(s2, sizeof s2, nd, shape);
    ca_raisef(L, "%s: cannot reshape array of size %lld (shape %s) into shape %s", fname,
              (long long)a->size, s1, s2);
  }
  if (neg >= 0) {
    if (known == 0 || a->size % known != 0) {
      char s[256];
      ca_format_shape(s, sizeof s, a->ndim, a->shape);
      ca_raisef(L, "%s: cannot reshape array of size %lld into a shape with -1 (array shape %s)",
                 fname, (long long)a->size, s);
    }
    shape[neg] = a->size / known;
  }
  if (ca_shape_size(L, nd, shape) != a->size) {
    char s1[256], s2[256];
    ca_format_shape(s1, sizeof s1, a->ndim, a->shape);
    ca_format_shape(s2, sizeof s2, nd, shape);
    ca_raisef(L, "%s: cannot reshape array of size %lld (shape %s) into shape %s", fname,
               (long long)a->size, s1, s2);
  }
  int64_t strides[CA_MAXDIMS];
  if (a->size == 0 || !reshape_strides(a, nd, shape, strides)) {
    ca_array *c = ca_push_contiguous(L, idx);
    ca_array *v = ca_view(L, c);
    v->ndim = nd;
    memcpy(v->shape, shape, sizeof(int64_t) * (size_t)nd);
    ca_set_contiguous_strides(v);
    lua_remove(L, -2);
    return;
  }
  ca_array *v = ca_view(L, a);
  v->ndim = nd;
  memcpy(v->shape, shape, sizeof(int64_t) * (size_t)nd);
  memcpy(v->strides, strides, sizeof(int64_t) * (size_t)nd);
}

/* a:reshape(shape) or a:reshape(d1, d2, ...) */
static int arr_reshape(lua_State *L) {
  ca_check(L, 1);
  int64_t shape[CA_MAXDIMS];
  int nd;
  if (lua_istable(L, 2)) {
    nd = 0;
    int n = (int)ca_rawlen(L, 2);
    if (n > CA_MAXDIMS) return ca_raisef(L, "reshape: too many dimensions");
    for (int i = 0; i < n; i++) {
      lua_rawgeti(L, 2, i + 1);
      if (!ca_tointeger(L, -1, &shape[nd++])) return ca_raisef(L, "reshape: shape entries must be integers");
      lua_pop(L, 1);
    }
  } else {
    nd = lua_gettop(L) - 1;
    if (nd > CA_MAXDIMS) return ca_raisef(L, "reshape: too many dimensions");
    for (int i = 0; i < nd; i++)
      if (!ca_tointeger(L, i + 2, &shape[i])) return ca_raisef(L, "reshape: shape entries must be integers");
  }
  push_reshaped(L, 1, nd, shape, "reshape");
  return 1;
}

/* The array at 1 flattened in C order: a copy (pushed), the 1-d view of it pushed first. */
static void push_flat_copy(lua_State *L, const char *fname) {
  ca_array *a = ca_check(L, 1);
  int64_t n = -1;
  push_reshaped(L, 1, 1, &n, fname);
  ca_array *r = ca_check(L, -1);
  ca_array *c = ca_new(L, ca_be(a), a->dtype, 1, &a->size);
  ca_copy_into(L, c, r);
}

/* a:ravel(): a view of a C-contiguous array, else a copy, as NumPy's (a reshape views more
 * layouts, but writes through a ravel of a strided array must not reach it). */
static int arr_ravel(lua_State *L) {
  int64_t n = -1;
  if (ca_is_contiguous(ca_check(L, 1))) push_reshaped(L, 1, 1, &n, "ravel");
  else push_flat_copy(L, "ravel");
  return 1;
}

/* a:flatten(): always a copy, as NumPy's. */
static int arr_flatten(lua_State *L) {
  push_flat_copy(L, "flatten");
  return 1;
}

static int arr_transpose(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  int top = lua_gettop(L);
  if (top == 1 || (top == 2 && lua_isnil(L, 2))) {
    push_permuted(L, a, NULL);
    return 1;
  }
  int perm[CA_MAXDIMS], seen[CA_MAXDIMS] = {0};
  int tidx = lua_istable(L, 2) ? 2 : 0;
  int n = tidx ? (int)ca_rawlen(L, 2) : top - 1;
  if (n != a->ndim)
    return ca_raisef(L, "transpose: axes don't match array (%d axes given for %d dims)", n, a->ndim);
  for (int i = 0; i < n; i++) {
    if (tidx) lua_rawgeti(L, 2, i + 1); else lua_pushvalue(L, i + 2);
    perm[i] = ca_read_axis(L, -1, a->ndim, "transpose");
    lua_pop(L, 1);
    if (seen[perm[i]]++) return ca_raisef(L, "transpose: repeated axis %d", perm[i] + 1);
  }
  push_permuted(L, a, perm);
  return 1;
}

static int arr_swapaxes(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  int i = ca_read_axis(L, 2, a->ndim, "swapaxes"), j = ca_read_axis(L, 3, a->ndim, "swapaxes");
  int perm[CA_MAXDIMS];
  for (int k = 0; k < a->ndim; k++) perm[k] = k;
  perm[i] = j;
  perm[j] = i;
  push_permuted(L, a, perm);
  return 1;
}

static int arr_squeeze(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  int drop[CA_MAXDIMS] = {0};
  if (lua_isnoneornil(L, 2)) {
    for (int i = 0; i < a->ndim; i++) drop[i] = a->shape[i] == 1;
  } else {
    int n = lua_istable(L, 2) ? (int)ca_rawlen(L, 2) : 1;
    for (int k = 0; k < n; k++) {
      if (lua_istable(L, 2)) lua_rawgeti(L, 2, k + 1); else lua_pushvalue(L, 2);
      int ax = ca_read_axis(L, -1, a->ndim, "squeeze");
      lua_pop(L, 1);
      if (a->shape[ax] != 1)
        return ca_raisef(L, "squeeze: cannot select an axis to squeeze out which has size "
                          "not equal to one (axis %d has size %lld)", ax + 1, (long long)a->shape[ax]);
      drop[ax] = 1;
    }
  }
  ca_array *v = ca_view(L, a);
  int nd = 0;
  for (int i = 0; i < a->ndim; i++) {
    if (drop[i]) continue;
    v->shape[nd] = a->shape[i];
    v->strides[nd] = a->strides[i];
    nd++;
  }
  v->ndim = nd;
  return 1;
}

static int arr_expand_dims(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  if (a->ndim >= CA_MAXDIMS) return ca_raisef(L, "expand_dims: too many dimensions");
  int ax = ca_read_axis(L, 2, a->ndim + 1, "expand_dims");
  ca_array *v = ca_view(L, a);
  for (int i = a->ndim; i > ax; i--) {
    v->shape[i] = a->shape[i - 1];
    v->strides[i] = a->strides[i - 1];
  }
  v->shape[ax] = 1;
  v->strides[ax] = 0;
  v->ndim = a->ndim + 1;
  return 1;
}

static int arr_broadcast_to(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  int64_t shape[CA_MAXDIMS];
  int nd = ca_read_shape(L, 2, shape, "broadcast_to");
  if (nd < a->ndim) goto fail;
  for (int j = 0; j < a->ndim; j++) {
    int64_t d = a->shape[j], t = shape[nd - a->ndim + j];
    if (d != t && d != 1) goto fail;
  }
  {
    ca_array *v = ca_view(L, a);
    ca_broadcast_strides(a, nd, shape, v->strides);
    v->ndim = nd;
    memcpy(v->shape, shape, sizeof(int64_t) * (size_t)nd);
    v->size = ca_shape_size(L, nd, shape);
    v->readonly = 1; /* as NumPy's: its elements may alias one another */
    return 1;
  }
fail:;
  char s1[256], s2[256];
  ca_format_shape(s1, sizeof s1, a->ndim, a->shape);
  ca_format_shape(s2, sizeof s2, nd, shape);
  return ca_raisef(L, "broadcast_to: cannot broadcast an array of shape %s to shape %s", s1, s2);
}

/* flip([axis]): a view with negated strides (all axes, one axis, or a list). */
static int arr_flip(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  int flip[CA_MAXDIMS] = {0};
  if (lua_isnoneornil(L, 2)) {
    for (int i = 0; i < a->ndim; i++) flip[i] = 1;
  } else {
    int n = lua_istable(L, 2) ? (int)ca_rawlen(L, 2) : 1;
    for (int k = 0; k < n; k++) {
      if (lua_istable(L, 2)) lua_rawgeti(L, 2, k + 1); else lua_pushvalue(L, 2);
      flip[ca_read_axis(L, -1, a->ndim, "flip")] ^= 1;
      lua_pop(L, 1);
    }
  }
  ca_array *v = ca_view(L, a);
  for (int i = 0; i < a->ndim; i++) {
    if (!flip[i] || a->shape[i] == 0) continue;
    v->offset += (a->shape[i] - 1) * a->strides[i];
    v->strides[i] = -a->strides[i];
  }
  return 1;
}

static int arr_fill(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  int t = lua_type(L, 2);
  if (t != LUA_TBOOLEAN && t != LUA_TNUMBER)
    return ca_raisef(L, "fill: value must be a number or a boolean, got %s", luaL_typename(L, 2));
  ca_fill(L, a, t == LUA_TBOOLEAN ? lua_toboolean(L, 2) : lua_tonumber(L, 2));
  lua_pushvalue(L, 1);
  return 1;
}

/* ---- defaults --------------------------------------------------------------------- */

static int set_default_dtype(lua_State *L) {
  int dt = ca_check_dtype(L, 1, "set_default_dtype");
  if (!ca_is_float(dt))
    return ca_raisef(L, "set_default_dtype: the default must be a float dtype, got %s", ca_dtype_name(dt));
  ca_state_get(L)->default_dtype = dt;
  return 0;
}

static int get_default_dtype(lua_State *L) {
  lua_pushstring(L, ca_dtype_name(ca_state_get(L)->default_dtype));
  return 1;
}

static int set_default_device(lua_State *L) {
  int d = ca_parse_device(L, 1, -1, "set_default_device");
  if (d >= 0) ca_backend_get(L, d); /* raises now if that device is unavailable */
  ca_state_get(L)->default_device = d;
  return 0;
}

static int get_default_device(lua_State *L) {
  int d = ca_state_get(L)->default_device;
  if (d < 0) lua_pushliteral(L, "cpu");
  else lua_pushfstring(L, "cuda:%d", d);
  return 1;
}

/* cu._set_int64(make, parts): the Lua layer's int64 cdata helpers (LuaJIT): make(hi, lo)
 * returns hi * 2^32 + lo as an int64 cdata, parts(v) an int64 cdata's halves (or nil). */
static int set_int64(lua_State *L) {
  ca_check_type(L, 1, LUA_TFUNCTION, "_set_int64", "make");
  ca_check_type(L, 2, LUA_TFUNCTION, "_set_int64", "parts");
  ca_set_int64(L, 1, 2);
  return 0;
}

/* cu._set_complex(make, mt): the Lua layer's complex values: make(re, im) returns one, mt is
 * their metatable (lua/cuarray/complex.lua). */
static int set_complex(lua_State *L) {
  ca_check_type(L, 1, LUA_TFUNCTION, "_set_complex", "make");
  ca_check_type(L, 2, LUA_TTABLE, "_set_complex", "mt");
  ca_set_complex(L, 1, 2);
  return 0;
}

/* cu._gc_stress(on): for tests, a full collection before every array is made, so that
 * finalizers (any Lua code) run inside every operation that makes an array. */
static int gc_stress(lua_State *L) {
  ca_state_get(L)->gc_stress = lua_toboolean(L, 1);
  return 0;
}

static int is_array(lua_State *L) {
  lua_pushboolean(L, ca_test(L, 1) != NULL);
  return 1;
}

/* cu._write_out(r, out, fname): out = r for the `out` option of a function written in Lua,
 * after the checks the core's ops make of their own out (device, writable, the result's shape,
 * same-kind casting), raising in fname's name; returns out. */
static int write_out(lua_State *L) {
  const char *fname = ca_caller_name(L, 3, "_write_out");
  ca_array *r = ca_check_arg(L, 1, fname);
  ca_array *out = ca_check_arg(L, 2, fname);
  ca_check_out(L, out, ca_be(r), r->dtype, r->ndim, r->shape, fname);
  ca_copy_into(L, out, r);
  lua_settop(L, 2);
  return 1;
}

/* cu._check_array(v, fname): v if it is a live array, else the error every C function
 * raises ("zeros_like: expected an array, got number"), for the Lua layer's functions. */
static int check_array(lua_State *L) {
  ca_check_arg(L, 1, ca_caller_name(L, 2, "_check_array"));
  lua_settop(L, 1);
  return 1;
}

/* cu._layout_key(v, fname): a live array's dtype, device, shape and strides as one string
 * ("float32@cuda:0:4,5:5,1"), the key under which the Lua layer keeps what it planned for a
 * layout; errors as _check_array. One call where reading the four attributes took eight. */
static int layout_key(lua_State *L) {
  ca_array *a = ca_check_arg(L, 1, ca_caller_name(L, 2, "_layout_key"));
  char num[32];
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, ca_dtype_name(a->dtype));
  luaL_addchar(&b, '@');
  luaL_addstring(&b, ca_be(a)->name);
  for (int part = 0; part < 2; part++) {
    const int64_t *v = part ? a->strides : a->shape;
    luaL_addchar(&b, ':');
    for (int k = 0; k < a->ndim; k++) {
      snprintf(num, sizeof num, k ? ",%lld" : "%lld", (long long)v[k]);
      luaL_addstring(&b, num);
    }
  }
  luaL_pushresult(&b);
  return 1;
}

/* cu._attributes: the attribute names, in the order of the table above. */
static void push_attribute_names(lua_State *L) {
  lua_createtable(L, (int)NATTRIBUTES, 0);
  for (size_t i = 0; i < NATTRIBUTES; i++) {
    lua_pushstring(L, attributes[i].name);
    lua_rawseti(L, -2, (int)i + 1);
  }
}

/* cu.dtypes: the dtype names in the order of their numbers (cuarray.h's CUARRAY_*). */
static void push_dtype_names(lua_State *L) {
  lua_createtable(L, CA_NDTYPES, 0);
  for (int dt = 0; dt < CA_NDTYPES; dt++) {
    lua_pushstring(L, ca_dtype_name(dt));
    lua_rawseti(L, -2, dt + 1);
  }
}

static const luaL_Reg methods[] = {
  {"free", arr_free}, {"astype", arr_astype}, {"copy", arr_copy}, {"to", arr_to},
  {"cpu", arr_cpu}, {"cuda", arr_cuda}, {"get", arr_get}, {"totable", arr_totable},
  {"item", arr_item}, {"reshape", arr_reshape}, {"ravel", arr_ravel}, {"flatten", arr_flatten},
  {"transpose", arr_transpose}, {"swapaxes", arr_swapaxes}, {"squeeze", arr_squeeze},
  {"expand_dims", arr_expand_dims}, {"broadcast_to", arr_broadcast_to}, {"flip", arr_flip},
  {"fill", arr_fill}, {NULL, NULL}
};

/* The same shape functions as module functions: cu.reshape(a, shape), ... */
static const luaL_Reg funcs[] = {
  {"reshape", arr_reshape}, {"ravel", arr_ravel}, {"transpose", arr_transpose},
  {"swapaxes", arr_swapaxes}, {"squeeze", arr_squeeze}, {"expand_dims", arr_expand_dims},
  {"broadcast_to", arr_broadcast_to}, {"flip", arr_flip}, {"copy", arr_copy},
  {"real", arr_real}, {"imag", arr_imag},
  {"set_default_dtype", set_default_dtype}, {"get_default_dtype", get_default_dtype},
  {"set_default_device", set_default_device}, {"get_default_device", get_default_device},
  {"is_array", is_array}, {"_check_array", check_array}, {"_layout_key", layout_key},
  {"_write_out", write_out},
  {"_set_formatter", set_formatter},
  {"_gc_stress", gc_stress}, {"_set_int64", set_int64},
  {"_set_complex", set_complex},
  {NULL, NULL}
};

static const luaL_Reg metamethods[] = {
  {"__gc", arr_gc}, {"__close", arr_gc}, {"__index", arr_index}, {"__newindex", arr_newindex},
  {"__len", arr_len}, {"__tostring", arr_tostring}, {NULL, NULL}
};

static const luaL_Reg shape_metamethods[] = {
  {"__tostring", shape_tostring}, {"__concat", shape_concat}, {"__eq", shape_eq}, {NULL, NULL}
};

/* Creates the array metatable (with __methods, the methods table at -1) and registers. */
void ca_open_array(lua_State *L) {
  /* module table at -2, methods table at -1 */
  luaL_newmetatable(L, CA_ARRAY_MT);
  for (const luaL_Reg *r = metamethods; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "__methods");
  lua_pop(L, 1);
  luaL_newmetatable(L, SHAPE_MT);
  for (const luaL_Reg *r = shape_metamethods; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
  lua_pop(L, 1);
  ca_register(L, funcs, methods);
  push_dtype_names(L);
  lua_setfield(L, -3, "dtypes");
  push_attribute_names(L);
  lua_setfield(L, -3, "_attributes");
}
