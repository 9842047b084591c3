/* Joining arrays: cu.concatenate (along an existing axis) and cu.stack (along a new one). */
#include <string.h>
#include "core.h"

static const char *const join_opts[] = {"dtype", NULL};

/* Checks the list of arrays at 1 and the optional axis / options; returns the count. Sets the
 * first array, the promoted (or requested) dtype, and the options' index. */
static int check_list(lua_State *L, const char *fname, const ca_array **first, int *dtype,
                      int *axis_idx) {
  if (!lua_istable(L, 1) || ca_test(L, 1))
    ca_raisef(L, "%s: expected a table of arrays, got %s", fname, luaL_typename(L, 1));
  int n = (int)ca_rawlen(L, 1);
  /* A private copy of the list keeps the arrays: Lua code run by the operation (a
   * finalizer) may change the caller's table. */
  lua_createtable(L, n, 0);
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    lua_rawseti(L, -2, i);
  }
  lua_replace(L, 1);
  if (n == 0) ca_raisef(L, "%s: need at least one array to %s", fname,
                         strcmp(fname, "stack") == 0 ? "stack" : "concatenate");
  int oi = 3;
  *axis_idx = 2;
  if (lua_istable(L, 2) && !ca_test(L, 2)) { oi = 2; *axis_idx = 0; }
  ca_opt_check(L, oi, fname, join_opts);
  unsigned seen = 0;
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    const ca_array *x = ca_test(L, -1);
    if (!x)
      ca_raisef(L, "%s: element %d of the list is not an array (got %s)", fname, i,
                 luaL_typename(L, -1));
    if (!x->storage) ca_raisef(L, "%s: the array at index %d has been freed", fname, i);
    lua_pop(L, 1); /* the list keeps it */
    seen |= 1u << x->dtype;
    if (i == 1) {
      *first = x;
      continue;
    }
    if (ca_be(x) != ca_be(*first))
      ca_raisef(L, "%s: the arrays are on different devices (%s at index 1, %s at index %d)",
                 fname, ca_be(*first)->name, ca_be(x)->name, i);
  }
  int dt = ca_promote_set(seen); /* NumPy's result_type of them all, whatever their order */
  int want = ca_opt_dtype(L, oi, -1, fname);
  if (want >= 0) {
    for (int i = 1; i <= n; i++) {
      lua_rawgeti(L, 1, i);
      const ca_array *x = ca_test(L, -1);
      lua_pop(L, 1);
      if (!ca_can_cast_same_kind(x->dtype, want))
        ca_raisef(L, "%s: cannot cast array data from %s to %s according to the rule "
                   "'same_kind'", fname, ca_dtype_name(x->dtype), ca_dtype_name(want));
    }
    dt = want;
  }
  *dtype = dt;
  return n;
}

/* cu.concatenate(list[, axis][, {dtype = ...}]): joins arrays along an existing axis
 * (default 1); the other dims must match. */
static int l_concatenate(lua_State *L) {
  const ca_array *f;
  int dt, ai;
  int n = check_list(L, "concatenate", &f, &dt, &ai);
  int nd = f->ndim;
  if (nd == 0) return ca_raisef(L, "concatenate: zero-dimensional arrays cannot be concatenated");
  int axis = (ai && !lua_isnoneornil(L, ai)) ? ca_read_axis(L, ai, nd, "concatenate") : 0;
  int64_t shape[CA_MAXDIMS];
  memcpy(shape, f->shape, sizeof(int64_t) * (size_t)nd);
  shape[axis] = 0;
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    const ca_array *x = ca_test(L, -1);
    lua_pop(L, 1);
    if (x->ndim != nd)
      return ca_raisef(L, "concatenate: all the input arrays must have the same number of "
                        "dimensions, but the array at index 1 has %d dimension(s) and the array "
                        "at index %d has %d dimension(s)", nd, i, x->ndim);
    for (int j = 0; j < nd; j++)
      if (j != axis && x->shape[j] != f->shape[j])
        return ca_raisef(L, "concatenate: all the input array dimensions except for the "
                          "concatenation axis must match exactly, but along dimension %d, the "
                          "array at index 1 has size %lld and the array at index %d has size %lld",
                          j + 1, (long long)f->shape[j], i, (long long)x->shape[j]);
    if (__builtin_add_overflow(shape[axis], x->shape[axis], &shape[axis]))
      return ca_raisef(L, "concatenate: the result is too large (its axis %d has more than "
                        "2^63 elements)", axis + 1);
  }
  ca_array *res = ca_new(L, ca_be(f), dt, nd, shape);
  int64_t at = 0;
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    const ca_array *x = ca_test(L, -1);
    lua_pop(L, 1);
    ca_array part = *res;
    part.shape[axis] = x->shape[axis];
    part.size = x->size;
    part.offset += at * res->strides[axis];
    at += x->shape[axis];
    ca_copy_into(L, &part, x);
  }
  return 1;
}

/* cu.stack(list[, axis][, {dtype = ...}]): joins arrays of one shape along a new axis
 * (default 1). */
static int l_stack(lua_State *L) {
  const ca_array *f;
  int dt, ai;
  int n = check_list(L, "stack", &f, &dt, &ai);
  int nd = f->ndim;
  if (nd + 1 > CA_MAXDIMS) return ca_raisef(L, "stack: too many dimensions (at most %d)", CA_MAXDIMS);
  int axis = (ai && !lua_isnoneornil(L, ai)) ? ca_read_axis(L, ai, nd + 1, "stack") : 0;
  for (int i = 2; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    const ca_array *x = ca_test(L, -1);
    lua_pop(L, 1);
    if (x->ndim != nd || memcmp(x->shape, f->shape, sizeof(int64_t) * (size_t)nd) != 0) {
      char s1[256], s2[256];
      ca_format_shape(s1, sizeof s1, f->ndim, f->shape);
      ca_format_shape(s2, sizeof s2, x->ndim, x->shape);
      return ca_raisef(L, "stack: all input arrays must have the same shape, but the array at "
                        "index 1 has shape %s and the array at index %d has shape %s", s1, i, s2);
    }
  }
  if (f->size > INT64_MAX / n)
    return ca_raisef(L, "stack: the result is too large (%d arrays of %lld elements)", n,
                      (long long)f->size);
  int64_t shape[CA_MAXDIMS];
  for (int j = 0, q = 0; j <= nd; j++) shape[j] = j == axis ? n : f->shape[q++];
  ca_array *res = ca_new(L, ca_be(f), dt, nd + 1, shape);
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    const ca_array *x = ca_test(L, -1);
    lua_pop(L, 1);
    ca_array part = *res;
    part.ndim = nd;
    for (int j = 0, q = 0; j <= nd; j++) {
      if (j == axis) continue;
      part.shape[q] = res->shape[j];
      part.strides[q] = res->strides[j];
      q++;
    }
    part.size = x->size;
    part.offset += (int64_t)(i - 1) * res->strides[axis];
    ca_copy_into(L, &part, x);
  }
  return 1;
}

static const luaL_Reg funcs[] = {
  {"concatenate", l_concatenate}, {"stack", l_stack}, {NULL, NULL}
};

void ca_open_join(lua_State *L) { ca_register(L, funcs, NULL); }
