/* Raw bytes: a:tobytes() and cu.frombuffer(s) with Lua strings, a:tofile(f) and
 * cu.fromfile(f) with files (a path, or an open Lua file handle used at its position, as
 * NumPy uses a file object). The bytes are the elements in C order, native byte order, bool
 * as 0/1 bytes and float16 as IEEE binary16, exactly what NumPy's tobytes gives. */
#include <string.h>
#include <sys/types.h>
#include "core.h"
#include "hostio.h"

/* Pushes the elements of the array at idx as one Lua string (C order). */
static void push_bytes(lua_State *L, int idx, const char *fname) {
  ca_array *a = ca_check_arg(L, idx, fname);
  size_t nbytes = (size_t)a->size * ca_itemsize(a->dtype);
  if (ca_be(a)->device < 0 && ca_is_contiguous(a)) {
    lua_pushlstring(L, ca_data(a), nbytes);
    return;
  }
  void *buf = ca_scratch_push(L, nbytes, fname);
  ca_read_host(L, a, buf);
  lua_pushlstring(L, (const char *)buf, nbytes);
  ca_scratch_free(L, -2);
  lua_remove(L, -2);
}

/* a:tobytes([order]) with order "C" (the default) or "F", also as {order = ...}. */
static int l_tobytes(lua_State *L) {
  const char *fname = "tobytes";
  ca_array *a = ca_check_arg(L, 1, fname);
  const char *order = "C";
  if (lua_type(L, 2) == LUA_TSTRING) {
    order = lua_tostring(L, 2);
  } else if (!lua_isnoneornil(L, 2)) {
    static const char *const known[] = {"order", NULL};
    ca_opt_check(L, 2, fname, known);
    lua_getfield(L, 2, "order");
    if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
      ca_raisef(L, "%s: order must be \"C\" or \"F\", got %s", fname, luaL_typename(L, -1));
    if (!lua_isnil(L, -1)) order = lua_tostring(L, -1);
  }
  if (strcmp(order, "C") == 0) {
    push_bytes(L, 1, fname);
  } else if (strcmp(order, "F") == 0) {
    /* Fortran order is C order of the axes reversed */
    ca_array *v = ca_view(L, a);
    for (int i = 0; i < a->ndim; i++) {
      v->shape[i] = a->shape[a->ndim - 1 - i];
      v->strides[i] = a->strides[a->ndim - 1 - i];
    }
    push_bytes(L, -1, fname);
  } else {
    ca_raisef(L, "%s: order must be \"C\" or \"F\", got \"%s\"", fname, order);
  }
  return 1;
}

/* An integer option, at least `lo`, or dflt. */
static int64_t opt_int(lua_State *L, int idx, const char *key, int64_t dflt, int64_t lo,
                       const char *fname) {
  if (!lua_istable(L, idx)) return dflt;
  lua_getfield(L, idx, key);
  int64_t v = dflt;
  if (!lua_isnil(L, -1) && (!ca_tointeger(L, -1, &v) || v < lo))
    ca_raisef(L, "%s: %s must be an integer >= %lld, got %s", fname, key, (long long)lo,
              lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
  lua_pop(L, 1);
  return v;
}

typedef struct read_args {
  int dtype, device;
  int64_t count;   /* -1: everything there is */
  int64_t offset;  /* bytes to skip first */
} read_args;

/* (x[, dtype][, {count =, offset =, device =, dtype =}]) from argument 2 on. */
static void read_args_get(lua_State *L, read_args *r, const char *fname) {
  static const char *const known[] = {"count", "offset", "device", "dtype", NULL};
  ca_state *S = ca_state_get(L);
  int opt = 2;
  r->dtype = -1;
  if (lua_type(L, 2) == LUA_TSTRING) {
    r->dtype = ca_check_dtype(L, 2, fname);
    opt = 3;
  } else if (!lua_isnoneornil(L, 2) && !lua_istable(L, 2)) {
    ca_raisef(L, "%s: expected a dtype or an options table, got %s", fname, luaL_typename(L, 2));
  }
  ca_opt_check(L, opt, fname, known);
  int given = ca_opt_dtype(L, opt, -1, fname);
  if (given >= 0 && r->dtype >= 0) ca_raisef(L, "%s: dtype given twice", fname);
  if (r->dtype < 0) r->dtype = given >= 0 ? given : S->default_dtype;
  r->device = ca_opt_device(L, opt, S->default_device, fname);
  r->count = opt_int(L, opt, "count", -1, -1, fname);
  r->offset = opt_int(L, opt, "offset", 0, 0, fname);
}

/* NumPy stores any nonzero byte of a bool buffer as is; cuarray's bools are 0 or 1. */
static void normalise_bools(ca_array *a) {
  if (a->dtype != CA_BOOL) return;
  unsigned char *p = (unsigned char *)ca_data(a);
  for (int64_t i = 0; i < a->size; i++) p[i] = p[i] != 0;
}

/* Pushes a 1-d array of n elements on r->device whose bytes `fill` writes on the host. */
static ca_array *push_filled(lua_State *L, const read_args *r, int64_t n,
                             void (*fill)(lua_State *, void *, size_t, void *), void *ctx) {
  ca_array *host = ca_new(L, ca_backend_get(L, -1), r->dtype, 1, &n);
  fill(L, ca_data(host), (size_t)n * ca_itemsize(r->dtype), ctx);
  normalise_bools(host);
  if (r->device < 0) return host;
  ca_array *d = ca_to_backend(L, host, ca_backend_get(L, r->device));
  ca_array_release(host); /* its memory goes now, not at the next collection */
  lua_remove(L, -2);
  return d;
}

static void fill_from_string(lua_State *L, void *dst, size_t n, void *src) {
  (void)L;
  if (n) memcpy(dst, src, n);
}

/* cu.frombuffer(s[, dtype][, {count =, offset =, device =}]): a new 1-d array holding a copy
 * of the bytes of the Lua string s from byte offset (0-based, as NumPy's) on. */
static int l_frombuffer(lua_State *L) {
  const char *fname = "frombuffer";
  if (lua_type(L, 1) != LUA_TSTRING)
    ca_raisef(L, "%s: expected a string of bytes, got %s", fname, luaL_typename(L, 1));
  size_t len;
  const char *s = lua_tolstring(L, 1, &len);
  read_args r;
  read_args_get(L, &r, fname);
  size_t item = ca_itemsize(r.dtype);
  if ((uint64_t)r.offset > len)
    ca_raisef(L, "%s: offset must be no greater than the string's length (%zu), got %lld", fname,
              len, (long long)r.offset);
  size_t avail = len - (size_t)r.offset;
  int64_t n = r.count;
  if (n < 0) {
    if (avail % item)
      ca_raisef(L, "%s: %zu bytes are not a whole number of %s elements (%zu bytes each)", fname,
                avail, ca_dtype_name(r.dtype), item);
    n = (int64_t)(avail / item);
  } else if ((uint64_t)n > avail / item) {
    ca_raisef(L, "%s: the string has %zu bytes after the offset; %lld %s elements need %llu",
              fname, avail, (long long)n, ca_dtype_name(r.dtype),
              (unsigned long long)n * (unsigned long long)item);
  }
  push_filled(L, &r, n, fill_from_string, (void *)(s + r.offset));
  return 1;
}

static void fill_from_file(lua_State *L, void *dst, size_t n, void *box) {
  ca_file_read(L, *(int *)box, dst, n, "fromfile");
}

/* cu.fromfile(file[, dtype][, {count =, offset =, device =}]): a 1-d array of the file's
 * bytes. `file` is a path, or an open Lua file handle read from its current position (and
 * left after the bytes read); offset skips bytes first. count = -1 (the default) reads to
 * the end (whole elements only, as NumPy does); a larger count than the file holds raises. */
static int l_fromfile(lua_State *L) {
  const char *fname = "fromfile";
  read_args r;
  read_args_get(L, &r, fname);
  FILE *f = ca_file_push(L, 1, "rb", fname);
  int box = lua_gettop(L);
  int64_t left = ca_file_remaining(L, box);
  if (r.offset > 0) {
    if (left >= 0 && r.offset > left)
      ca_raisef(L, "%s: offset %lld is past the end (%lld bytes left)", fname,
                (long long)r.offset, (long long)left);
    if (fseeko(f, (off_t)r.offset, SEEK_CUR) != 0)
      ca_raisef(L, "%s: cannot skip %lld bytes of this file", fname, (long long)r.offset);
    if (left >= 0) left -= r.offset;
  }
  int64_t n = r.count;
  size_t item = ca_itemsize(r.dtype);
  if (n < 0) {
    if (left < 0) ca_raisef(L, "%s: this file cannot seek: give a count", fname);
    n = left / (int64_t)item;
  } else if (left >= 0 && n > left / (int64_t)item) {
    ca_raisef(L, "%s: %lld bytes are left; %lld %s elements need %llu", fname, (long long)left,
              (long long)n, ca_dtype_name(r.dtype), (unsigned long long)n * (unsigned long long)item);
  }
  push_filled(L, &r, n, fill_from_file, &box);
  ca_file_done(L, box, fname);
  return 1;
}

/* a:tofile(file): the elements in C order, raw (as NumPy's tofile). `file` is a path
 * (created or truncated) or an open Lua file handle (written at its position). */
static int l_tofile(lua_State *L) {
  const char *fname = "tofile";
  ca_array *a = ca_check_arg(L, 1, fname);
  ca_file_push(L, 2, "wb", fname);
  int box = lua_gettop(L);
  size_t nbytes = (size_t)a->size * ca_itemsize(a->dtype);
  if (ca_be(a)->device < 0 && ca_is_contiguous(a)) {
    ca_file_write(L, box, ca_data(a), nbytes, fname);
  } else {
    void *buf = ca_scratch_push(L, nbytes, fname);
    ca_read_host(L, a, buf);
    ca_file_write(L, box, buf, nbytes, fname);
    ca_scratch_free(L, -1);
  }
  ca_file_done(L, box, fname);
  return 0;
}

void ca_open_bytes(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"frombuffer", l_frombuffer}, {"fromfile", l_fromfile}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = {
    {"tobytes", l_tobytes}, {"tofile", l_tofile}, {NULL, NULL}
  };
  ca_register(L, funcs, methods);
}
