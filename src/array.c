/* Arrays and storages: lifetime, allocation (with collector pressure, src/gc_pace.c, and one
 * retry on out of memory), views, broadcasting, elementwise loops, copies between layouts and
 * devices. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "core.h"
#include "convert.h"
#include "cpu/cpu.h"

#define STATE_KEY "cuarray.state"
#define BACKENDS_KEY "cuarray.backends"

/* ---- state and backends ------------------------------------------------------------- */

/* The state goes with its lua_State; the CPU backend's cached blocks with it. Arrays
 * finalized after it (lua_close runs every finalizer before freeing anything) free theirs
 * directly. */
static int state_gc(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, STATE_KEY);
  ca_state *s = (ca_state *)lua_touserdata(L, -1);
  if (s && s == lua_touserdata(L, 1)) ca_cpu_backend_close(&s->cpu); /* only the state itself */
  return 0;
}

ca_state *ca_state_get(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, STATE_KEY);
  ca_state *s = (ca_state *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (s) return s;
  s = (ca_state *)ca_newuserdata(L, sizeof *s);
  memset(s, 0, sizeof *s);
  ca_cpu_backend_init(&s->cpu, &s->cpu_ctx);
  s->gc_threshold = CA_GC_THRESHOLD;
  s->default_dtype = CA_FLOAT64;
  s->default_device = -1;
  s->seed = 0x5eed5eedULL;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, state_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, STATE_KEY);
  return s;
}

static const char *running_name(lua_State *L);

ca_backend *ca_backend_get(lua_State *L, int device) {
  ca_state *s = ca_state_get(L);
  if (device < 0) return &s->cpu;
  lua_getfield(L, LUA_REGISTRYINDEX, BACKENDS_KEY);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, BACKENDS_KEY);
  }
  lua_rawgeti(L, -1, device + 1);
  ca_backend *be = (ca_backend *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (!be) {
    lua_getglobal(L, "require");
    lua_pushliteral(L, "cuarray.cuda");
    if (lua_pcall(L, 1, 1, 0) != 0)
      ca_raisef(L, "%s: device cuda:%d: the CUDA module cuarray.cuda could not be loaded (%s)",
                running_name(L), device, lua_tostring(L, -1));
    lua_getfield(L, -1, "backend");
    ca_pushinteger(L, device);
    if (lua_pcall(L, 1, 1, 0) != 0) /* "cuda: no CUDA device available (...)" */
      ca_raisef(L, "%s: %s", running_name(L), lua_tostring(L, -1));
    be = (ca_backend *)lua_touserdata(L, -1);
    if (!be) ca_raisef(L, "device cuda:%d: the CUDA module returned no backend", device);
    lua_rawseti(L, -3, device + 1);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return be;
}

int ca_default_cuda(lua_State *L) {
  int d = ca_state_get(L)->default_device;
  return d >= 0 ? d : 0;
}

/* "cpu", "cuda", "cuda:N", or nil for the default. Returns -1 for the CPU, else N. */
int ca_parse_device(lua_State *L, int idx, int dflt, const char *fname) {
  if (lua_isnoneornil(L, idx)) return dflt;
  if (lua_type(L, idx) != LUA_TSTRING)
    ca_raisef(L, "%s: device must be a string such as \"cpu\" or \"cuda:0\", got %s", fname,
              luaL_typename(L, idx));
  const char *s = lua_tostring(L, idx);
  if (strcmp(s, "cpu") == 0) return -1;
  if (strcmp(s, "cuda") == 0 || strcmp(s, "gpu") == 0) return ca_default_cuda(L);
  if (strncmp(s, "cuda:", 5) == 0) {
    char *end;
    long n = strtol(s + 5, &end, 10);
    if (*end == 0 && end != s + 5 && n >= 0 && n < 1024) return (int)n;
  }
  return ca_raisef(L, "%s: unknown device '%s' (expected \"cpu\", \"cuda\" or \"cuda:N\")", fname, s);
}

int ca_raisef(lua_State *L, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  luaL_where(L, 1);
  lua_pushstring(L, msg);
  lua_concat(L, 2);
  return lua_error(L);
}

void ca_raise_status(lua_State *L, ca_backend *be, ca_status st, const char *what) {
  switch (st) {
  case CA_OK: return;
  case CA_ERR_NOMEM:
    ca_raisef(L, "%s: out of memory on %s (%s)", what, be->name, be->errmsg);
    break;
  case CA_ERR_UNSUPPORTED:
    ca_raisef(L, "%s: not supported on %s for these dtypes%s%s", what, be->name,
               be->errmsg[0] ? ": " : "", be->errmsg);
    break;
  case CA_ERR_INDEX: case CA_ERR_VALUE:
    ca_raisef(L, "%s: %s", what, be->errmsg[0] ? be->errmsg : "invalid value");
    break;
  default:
    ca_raisef(L, "%s failed on %s: %s", what, be->name, be->errmsg);
  }
}

/* ---- storage ----------------------------------------------------------------------- */

static void storage_release(ca_storage *st) {
  if (!st || --st->refs > 0) return;
  if (st->release) st->release(st->release_ctx, st->data);
  else if (st->owner_be) st->owner_be->host_free(st->owner_be, st->data);
  else if (!st->borrowed) st->be->free(st->be, st->data, st->nbytes);
  if (st->state) ca_gc_released(st);
  free(st);
}

void ca_array_release(ca_array *a) {
  ca_storage *st = a->storage;
  a->storage = NULL;
  storage_release(st);
}

/* ---- arrays ------------------------------------------------------------------------ */

ca_array *ca_test(lua_State *L, int idx) {
  return (ca_array *)ca_testudata(L, idx, CA_ARRAY_MT);
}

ca_array *ca_check_arg(lua_State *L, int idx, const char *fname) {
  ca_array *a = ca_test(L, idx);
  if (!a) ca_raisef(L, "%s: expected an array, got %s", fname, luaL_typename(L, idx));
  if (!a->storage) ca_raisef(L, "%s: the array has been freed", fname);
  return a;
}

/* Pushes the name under which the table at idx holds the function at fn, or nothing. */
static int find_name(lua_State *L, int idx, int fn) {
  if (!lua_istable(L, idx)) return 0;
  idx = ca_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) == LUA_TSTRING && lua_rawequal(L, -1, fn)) {
      lua_pop(L, 1);
      return 1;
    }
    lua_pop(L, 1);
  }
  return 0;
}

/* The name of the running C function, for messages: as called, or (a tail call, where Lua
 * does not know it) the name the methods or the module table give it. Pushes it. */
static const char *running_name(lua_State *L) {
  lua_Debug ar;
  if (!lua_getstack(L, 0, &ar)) return "cuarray";
  if (lua_getinfo(L, "n", &ar) && ar.name) {
    lua_pushstring(L, ar.name);
    return lua_tostring(L, -1);
  }
  lua_getinfo(L, "f", &ar);
  int fn = lua_gettop(L);
  luaL_getmetatable(L, CA_ARRAY_MT);
  if (lua_istable(L, -1)) {
    if (find_name(L, -1, fn)) return lua_tostring(L, -1); /* a metamethod */
    lua_pushliteral(L, "__methods");
    lua_rawget(L, -2);
    if (find_name(L, -1, fn)) return lua_tostring(L, -1);
  }
  lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
  if (lua_istable(L, -1)) {
    lua_pushliteral(L, "cuarray.core");
    lua_rawget(L, -2);
    if (find_name(L, -1, fn)) return lua_tostring(L, -1);
  }
  return "cuarray";
}

void ca_check_live(lua_State *L, const ca_array *a, const char *fname) {
  if (a->storage) return;
  ca_raisef(L, "%s: an array was freed while the operation ran", fname ? fname : running_name(L));
}

/* Raises in the running function's name (running_name): ca_check serves methods and
 * metamethods, which have no name of their own to pass. */
ca_array *ca_check(lua_State *L, int idx) {
  ca_array *a = ca_test(L, idx);
  if (a && a->storage) return a;
  const char *type = luaL_typename(L, idx); /* before running_name pushes */
  char arg[32] = "";
  if (idx > 0) snprintf(arg, sizeof arg, " #%d", idx);
  const char *fname = running_name(L);
  if (!a) ca_raisef(L, "%s: bad argument%s: expected an array, got %s", fname, arg, type);
  ca_raisef(L, "%s: bad argument%s: the array has been freed", fname, arg);
  return NULL;
}

ca_array *ca_push_blank(lua_State *L) {
  if (ca_state_get(L)->gc_stress) lua_gc(L, LUA_GCCOLLECT, 0);
  ca_array *a = (ca_array *)ca_newuserdata(L, sizeof *a);
  memset(a, 0, sizeof *a);
  luaL_getmetatable(L, CA_ARRAY_MT);
  lua_setmetatable(L, -2);
  return a;
}

int64_t ca_shape_size(lua_State *L, int ndim, const int64_t *shape) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0)
      ca_raisef(L, "%s: negative dimension %lld in shape", running_name(L), (long long)shape[i]);
    if (shape[i] && n > INT64_MAX / shape[i])
      ca_raisef(L, "%s: shape is too large: size overflows", running_name(L));
    n *= shape[i];
  }
  return n;
}

void ca_set_contiguous_strides(ca_array *a) {
  int64_t s = 1;
  for (int i = a->ndim - 1; i >= 0; i--) {
    a->strides[i] = s;
    s *= a->shape[i] ? a->shape[i] : 1;
  }
}

int ca_is_contiguous(const ca_array *a) {
  int64_t s = 1;
  if (a->size <= 1) return 1;
  for (int i = a->ndim - 1; i >= 0; i--) {
    if (a->shape[i] != 1 && a->strides[i] != s) return 0;
    s *= a->shape[i];
  }
  return 1;
}

int ca_has_aliasing_axes(const ca_array *a) {
  for (int i = 0; i < a->ndim; i++)
    if (a->strides[i] == 0 && a->shape[i] > 1) return 1;
  return 0;
}

void ca_check_writable(lua_State *L, const ca_array *a, const char *fname) {
  if (a->readonly)
    ca_raisef(L, "%s: the array is read-only (a broadcast view, whose elements alias one "
              "another); write into a copy (a:copy())", fname);
}

static void set_shape(lua_State *L, ca_array *a, int dtype, int ndim, const int64_t *shape) {
  if (ndim < 0 || ndim > CA_MAXDIMS)
    ca_raisef(L, "%s: too many dimensions (%d; at most %d)", running_name(L), ndim, CA_MAXDIMS);
  a->dtype = dtype;
  a->ndim = ndim;
  for (int i = 0; i < ndim; i++) a->shape[i] = shape[i];
  a->size = ca_shape_size(L, ndim, shape);
  ca_set_contiguous_strides(a);
}

ca_array *ca_new(lua_State *L, ca_backend *be, int dtype, int ndim, const int64_t *shape) {
  ca_array *a = ca_push_blank(L);
  set_shape(L, a, dtype, ndim, shape);
  size_t isz = ca_itemsize(dtype);
  if ((uint64_t)a->size > (uint64_t)(SIZE_MAX / 2) / isz)
    ca_raisef(L, "%s: array of %lld elements is too large", running_name(L), (long long)a->size);
  size_t nbytes = (size_t)a->size * isz;
  ca_storage *st = (ca_storage *)calloc(1, sizeof *st);
  if (!st) ca_raisef(L, "%s: out of host memory", running_name(L));
  st->refs = 1;
  st->be = be;
  st->nbytes = nbytes;
  /* The storage joins the userdata only once its memory exists: a failure frees it first. */
  {
    void *p = NULL;
    ca_status s1 = be->alloc(be, nbytes, &p);
    if (s1 == CA_ERR_NOMEM) {
      lua_gc(L, LUA_GCCOLLECT, 0);
      if (be->trim) be->trim(be);
      s1 = be->alloc(be, nbytes, &p);
    }
    if (s1 == CA_OK) {
      st->data = p;
    } else {
      size_t used = 0, cached = 0, freeb = 0;
      char msg[600];
      if (s1 == CA_ERR_NOMEM) {
        if (be->mem_info) be->mem_info(be, &used, &cached, &freeb);
        snprintf(msg, sizeof msg, "out of memory on %s (asked %llu bytes, %llu free)", be->name,
                 (unsigned long long)nbytes, (unsigned long long)freeb);
      } else {
        snprintf(msg, sizeof msg, "allocation failed on %s: %s", be->name, be->errmsg);
      }
      free(st);
      ca_raisef(L, "%s: %s", running_name(L), msg);
    }
  }
  a->storage = st;
  ca_gc_allocated(L, ca_state_get(L), st);
  return a;
}

ca_array *ca_new_like(lua_State *L, const ca_array *a, int dtype) {
  ca_check_live(L, a, NULL);
  return ca_new(L, ca_be(a), dtype < 0 ? a->dtype : dtype, a->ndim, a->shape);
}

ca_array *ca_new_at(lua_State *L, int device, int pinned, int dtype, int ndim, const int64_t *shape,
                    const char *fname) {
  if (!pinned) return ca_new(L, ca_backend_get(L, device), dtype, ndim, shape);
  if (device >= 0)
    ca_raisef(L, "%s: pinned applies to host arrays (device \"cpu\"), not to cuda:%d", fname, device);
  return ca_new_pinned(L, ca_backend_get(L, ca_default_cuda(L)), dtype, ndim, shape);
}

ca_array *ca_new_pinned(lua_State *L, ca_backend *cuda, int dtype, int ndim, const int64_t *shape) {
  if (!cuda->host_alloc) ca_raisef(L, "pinned memory is not offered by %s", cuda->name);
  ca_array *a = ca_push_blank(L);
  set_shape(L, a, dtype, ndim, shape);
  size_t nbytes = ca_nbytes(L, a, "pinned allocation");
  ca_storage *st = (ca_storage *)calloc(1, sizeof *st);
  if (!st) ca_raisef(L, "%s: out of host memory", running_name(L));
  void *p = NULL;
  ca_status s1 = cuda->host_alloc(cuda, nbytes, &p);
  if (s1 != CA_OK) {
    free(st);
    ca_raise_status(L, cuda, s1, "pinned allocation");
  }
  st->refs = 1;
  st->be = &ca_state_get(L)->cpu;
  st->data = p;
  st->nbytes = nbytes;
  st->owner_be = cuda;
  a->storage = st;
  ca_gc_allocated(L, ca_state_get(L), st);
  return a;
}

ca_array *ca_view(lua_State *L, const ca_array *a) {
  ca_array *v = ca_push_blank(L);
  ca_check_live(L, a, NULL);
  *v = *a;
  v->storage->refs++;
  return v;
}

/* ---- shapes ----------------------------------------------------------------------- */

void ca_format_shape(char *buf, size_t len, int ndim, const int64_t *shape) {
  size_t n = 0;
  n += (size_t)snprintf(buf + n, len - n, "(");
  for (int i = 0; i < ndim && n < len; i++)
    n += (size_t)snprintf(buf + n, len - n, i ? ", %lld" : "%lld", (long long)shape[i]);
  if (n < len) snprintf(buf + n, len - n, ndim == 1 ? ",)" : ")");
}

void ca_check_new_size(lua_State *L, const char *fname, int dtype, int nd, const int64_t *shape) {
  int64_t n = 1;
  int overflow = 0;
  for (int i = 0; i < nd; i++) {
    if (shape[i] < 0)
      ca_raisef(L, "%s: negative dimension %lld in shape", fname, (long long)shape[i]);
    if (shape[i] && n > INT64_MAX / shape[i]) overflow = 1;
    else n *= shape[i];
  }
  for (int i = 0; i < nd; i++)
    if (shape[i] == 0) overflow = 0, n = 0;
  if (overflow || (uint64_t)n > (uint64_t)(SIZE_MAX / 2) / ca_itemsize(dtype)) {
    char s[300];
    ca_format_shape(s, sizeof s, nd, shape);
    ca_raisef(L, "%s: an array of shape %s and dtype %s is too large", fname, s,
               ca_dtype_name(dtype));
  }
}

int ca_read_shape(lua_State *L, int idx, int64_t *shape, const char *fname) {
  idx = ca_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TNUMBER) {
    if (!ca_tointeger(L, idx, &shape[0]))
      ca_raisef(L, "%s: shape must be integral, got %s", fname, lua_tostring(L, idx));
    if (shape[0] < 0) ca_raisef(L, "%s: negative dimension %lld in shape", fname, (long long)shape[0]);
    return 1;
  }
  if (!lua_istable(L, idx))
    ca_raisef(L, "%s: shape must be a number or a table of numbers, got %s", fname,
               luaL_typename(L, idx));
  int n = (int)ca_rawlen(L, idx);
  if (n > CA_MAXDIMS) ca_raisef(L, "%s: too many dimensions (%d; at most %d)", fname, n, CA_MAXDIMS);
  for (int i = 0; i < n; i++) {
    lua_rawgeti(L, idx, i + 1);
    if (!ca_tointeger(L, -1, &shape[i]))
      ca_raisef(L, "%s: shape entry %d must be an integer, got %s", fname, i + 1,
                 lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
    if (shape[i] < 0)
      ca_raisef(L, "%s: negative dimension %lld in shape", fname, (long long)shape[i]);
    lua_pop(L, 1);
  }
  return n;
}

int ca_read_axis(lua_State *L, int idx, int ndim, const char *fname) {
  int64_t ax = 0;
  if (!ca_tointeger(L, idx, &ax))
    ca_raisef(L, "%s: axis must be an integer, got %s", fname,
               lua_type(L, idx) == LUA_TNUMBER ? lua_tostring(L, idx) : luaL_typename(L, idx));
  if (ax >= 1 && ax <= ndim) return (int)ax - 1;
  if (ax <= -1 && ax >= -ndim) return (int)(ax + ndim);
  return ca_raisef(L, "%s: axis %lld is out of bounds for an array of dimension %d "
                    "(axes run from 1, or from -1 at the end)", fname, (long long)ax, ndim);
}

int ca_broadcast_shapes(lua_State *L, const char *fname, int n, const ca_array *const *arrs,
                        int64_t *shape) {
  int nd = 0;
  for (int k = 0; k < n; k++)
    if (arrs[k] && arrs[k]->ndim > nd) nd = arrs[k]->ndim;
  for (int i = 0; i < nd; i++) shape[i] = 1;
  for (int k = 0; k < n; k++) {
    const ca_array *a = arrs[k];
    if (!a) continue;
    for (int j = 0; j < a->ndim; j++) {
      int i = nd - a->ndim + j;
      int64_t d = a->shape[j];
      if (d == shape[i] || d == 1) continue;
      if (shape[i] == 1) {
        shape[i] = d;
        continue;
      }
      char s1[256], s2[256];
      int first = 0;
      while (!arrs[first]) first++;
      ca_format_shape(s1, sizeof s1, arrs[first]->ndim, arrs[first]->shape);
      ca_format_shape(s2, sizeof s2, a->ndim, a->shape);
      ca_raisef(L, "%s: shapes %s and %s cannot be broadcast together", fname, s1, s2);
    }
  }
  return nd;
}

void ca_broadcast_strides(const ca_array *a, int ndim, const int64_t *shape, int64_t *strides) {
  int lead = ndim - a->ndim;
  for (int i = 0; i < ndim; i++) {
    int j = i - lead;
    strides[i] = (j < 0 || a->shape[j] == 1 || shape[i] == 1) ? 0 : a->strides[j];
  }
}

/* ---- loops ------------------------------------------------------------------------ */

void ca_loop_build(ca_loop *l, int ndim, const int64_t *shape, int nop,
                   ca_array *const *arrays, const ca_value *values, const int *dtypes, int compute) {
  int64_t strides[CA_MAXOPS][CA_MAXDIMS];
  memset(l, 0, sizeof *l);
  l->nop = nop;
  l->compute = compute;
  l->size = 1;
  for (int i = 0; i < ndim; i++) l->size *= shape[i];
  for (int k = 0; k < nop; k++) {
    if (arrays[k]) {
      ca_broadcast_strides(arrays[k], ndim, shape, strides[k]);
      l->op[k].data = ca_data(arrays[k]);
      l->op[k].dtype = arrays[k]->dtype;
    } else {
      memset(strides[k], 0, sizeof strides[k]);
      l->op[k].value = values[k];
      l->op[k].dtype = dtypes[k];
    }
  }
  /* Coalesce: drop size-1 dims, merge neighbours whose strides chain in every operand. */
  int nd = 0;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == 1) continue;
    if (nd > 0) {
      int merge = 1;
      for (int k = 0; k < nop; k++)
        if (strides[k][i - 0] * shape[i] != l->op[k].strides[nd - 1]) { merge = 0; break; }
      if (merge) {
        l->shape[nd - 1] *= shape[i];
        for (int k = 0; k < nop; k++) l->op[k].strides[nd - 1] = strides[k][i];
        continue;
      }
    }
    l->shape[nd] = shape[i];
    for (int k = 0; k < nop; k++) l->op[k].strides[nd] = strides[k][i];
    nd++;
  }
  if (l->size == 0) { nd = 1; l->shape[0] = 0; }
  l->ndim = nd;
}

/* The lowest byte address of a's elements and one past the highest. */
static void byte_range(const ca_array *a, uintptr_t *lo, uintptr_t *hi) {
  int64_t l = 0, h = 0, isz = (int64_t)ca_itemsize(a->dtype);
  for (int i = 0; i < a->ndim; i++) {
    if (a->shape[i] <= 1) continue;
    int64_t span = (a->shape[i] - 1) * a->strides[i];
    if (span < 0) l += span;
    else h += span;
  }
  uintptr_t base = (uintptr_t)ca_data(a);
  *lo = base + (uintptr_t)(l * isz);
  *hi = base + (uintptr_t)((h + 1) * isz);
}

int ca_overlaps(const ca_array *dst, const ca_array *src) {
  if (dst->size == 0 || src->size == 0 || ca_be(dst) != ca_be(src)) return 0;
  uintptr_t dlo, dhi, slo, shi;
  byte_range(dst, &dlo, &dhi);
  byte_range(src, &slo, &shi);
  if (dlo >= shi || slo >= dhi) return 0;
  if (ca_data(dst) != ca_data(src) || ca_itemsize(dst->dtype) != ca_itemsize(src->dtype)) return 1;
  int64_t st[CA_MAXDIMS];
  ca_broadcast_strides(src, dst->ndim, dst->shape, st);
  for (int i = 0; i < dst->ndim; i++)
    if (dst->shape[i] > 1 && st[i] != dst->strides[i]) return 1;
  return 0; /* each element is read where it is written, before it is written */
}

void ca_copy_into(lua_State *L, ca_array *dst, const ca_array *src) {
  ca_check_live(L, dst, NULL);
  ca_check_live(L, src, NULL);
  ca_check_writable(L, dst, "copy");
  if (ca_be(dst) != ca_be(src))
    ca_raisef(L, "copy: arrays are on different devices (%s and %s)", ca_be(dst)->name,
               ca_be(src)->name);
  const ca_array *pair[2] = {dst, src};
  int64_t shape[CA_MAXDIMS];
  int nd = ca_broadcast_shapes(L, "copy", 2, pair, shape);
  if (nd != dst->ndim || memcmp(shape, dst->shape, sizeof(int64_t) * (size_t)nd) != 0) {
    char s1[256], s2[256];
    ca_format_shape(s1, sizeof s1, src->ndim, src->shape);
    ca_format_shape(s2, sizeof s2, dst->ndim, dst->shape);
    ca_raisef(L, "could not broadcast input of shape %s into shape %s", s1, s2);
  }
  if (ca_overlaps(dst, src)) { /* read everything before writing anything */
    ca_array *t = ca_new(L, ca_be(src), src->dtype, src->ndim, src->shape);
    ca_copy_into(L, t, src);
    ca_copy_into(L, dst, t);
    lua_pop(L, 1);
    return;
  }
  ca_loop l;
  ca_array *ops[2] = {dst, (ca_array *)src};
  ca_loop_build(&l, dst->ndim, dst->shape, 2, ops, NULL, NULL, dst->dtype);
  if (l.size == 0) return;
  CA_CHECK(L, ca_be(dst), ca_be(dst)->copy(ca_be(dst), &l), "copy");
}

ca_array *ca_push_part(lua_State *L, const ca_array *a, int part) {
  if (ca_is_complex(a->dtype)) {
    ca_array *v = ca_view(L, a);
    v->dtype = ca_real_of(a->dtype);
    v->offset = a->offset * 2 + part;
    for (int i = 0; i < a->ndim; i++) v->strides[i] = a->strides[i] * 2;
    return v;
  }
  if (part == 0) return ca_view(L, a);
  ca_array *z = ca_new(L, ca_be(a), a->dtype, a->ndim, a->shape);
  ca_fill(L, z, 0);
  z->readonly = 1;
  return z;
}

void ca_fill(lua_State *L, ca_array *dst, double v) {
  ca_check_live(L, dst, NULL);
  ca_check_writable(L, dst, "fill");
  ca_loop l;
  ca_array *ops[2] = {dst, NULL};
  ca_value vals[2];
  /* a bool takes the truth of the number itself (0.5 is true), not of its integer part */
  int dts[2] = {dst->dtype, ca_is_inexact(dst->dtype) ? CA_FLOAT64
                            : dst->dtype == CA_BOOL   ? CA_BOOL
                                                      : CA_INT64};
  vals[1] = ca_value_from_number(v, dts[1]);
  ca_loop_build(&l, dst->ndim, dst->shape, 2, ops, vals, dts, dst->dtype);
  if (l.size == 0) return;
  CA_CHECK(L, ca_be(dst), ca_be(dst)->copy(ca_be(dst), &l), "fill");
}

ca_array *ca_push_flat(lua_State *L, int idx) {
  ca_array *a = ca_check(L, idx);
  int runs = 0;
  int64_t stride = 1;
  for (int i = 0; i < a->ndim; i++) {
    if (a->shape[i] == 1) continue;
    if (runs == 0 || stride != a->strides[i] * a->shape[i]) runs++;
    stride = a->strides[i];
  }
  if (runs > 1) { /* a C-order copy: c seen with a's shape receives a */
    ca_array *c = ca_new(L, ca_be(a), a->dtype, 1, &a->size);
    ca_array *cv = ca_view(L, c);
    cv->ndim = a->ndim;
    memcpy(cv->shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
    ca_set_contiguous_strides(cv);
    ca_copy_into(L, cv, a);
    lua_pop(L, 1);
    return c;
  }
  ca_array *v = ca_view(L, a);
  v->ndim = 1;
  v->shape[0] = a->size;
  v->strides[0] = stride;
  return v;
}

ca_array *ca_push_contiguous(lua_State *L, int idx) {
  ca_array *a = ca_check(L, idx);
  if (ca_is_contiguous(a)) {
    lua_pushvalue(L, idx);
    return a;
  }
  ca_array *c = ca_new_like(L, a, -1);
  ca_copy_into(L, c, a);
  return c;
}

size_t ca_nbytes(lua_State *L, const ca_array *a, const char *fname) {
  if ((uint64_t)a->size > (uint64_t)(SIZE_MAX / 2) / ca_itemsize(a->dtype))
    ca_raisef(L, "%s: an array of %lld elements of %s is too large", fname, (long long)a->size,
              ca_dtype_name(a->dtype));
  return (size_t)a->size * ca_itemsize(a->dtype);
}

void ca_read_host(lua_State *L, const ca_array *a, void *out) {
  ca_check_live(L, a, NULL);
  ca_backend *be = ca_be(a);
  size_t nbytes = ca_nbytes(L, a, "reading the array");
  if (nbytes == 0) return;
  if (ca_is_contiguous(a)) {
    CA_CHECK(L, be, be->download(be, out, ca_data(a), nbytes), "reading the array");
    return;
  }
  ca_array *c = ca_new_like(L, a, -1);
  ca_copy_into(L, c, a);
  CA_CHECK(L, be, be->download(be, out, ca_data(c), nbytes), "reading the array");
  lua_pop(L, 1);
}

/* Copies a (any layout) into the new C-contiguous d on another device of the same kind
 * directly, device to device. Returns 0 when the two devices cannot reach each other. */
static int copy_from_peer(lua_State *L, const ca_array *a, ca_array *d, size_t nbytes) {
  ca_backend *src = ca_be(a), *be = ca_be(d);
  if (!be->copy_from_peer || be->copy_from_peer != src->copy_from_peer) return 0;
  int top = lua_gettop(L);
  const ca_array *c = a;
  if (!ca_is_contiguous(a)) { /* made contiguous where it is, then moved in one piece */
    ca_array *t = ca_new_like(L, a, -1);
    ca_copy_into(L, t, a);
    c = t;
  }
  ca_status st = be->copy_from_peer(be, ca_data(d), src, ca_data(c), nbytes);
  lua_settop(L, top);
  if (st == CA_ERR_UNSUPPORTED) return 0;
  CA_CHECK(L, be, st, "device to device copy");
  return 1;
}

ca_array *ca_to_backend(lua_State *L, const ca_array *a, ca_backend *be) {
  ca_check_live(L, a, NULL);
  ca_backend *src = ca_be(a);
  ca_array *d = ca_new(L, be, a->dtype, a->ndim, a->shape);
  ca_check_live(L, a, NULL);
  if (src == be) {
    ca_copy_into(L, d, a);
    return d;
  }
  size_t nbytes = ca_nbytes(L, a, "copy");
  if (nbytes == 0) return d;
  if (be->device < 0) { /* to the host: the source backend downloads */
    ca_read_host(L, a, ca_data(d));
  } else if (src->device < 0) { /* from the host: the target backend uploads */
    int top = lua_gettop(L);
    const ca_array *c = a;
    if (!ca_is_contiguous(a)) {
      ca_array *t = ca_new_like(L, a, -1);
      ca_copy_into(L, t, a);
      c = t;
    }
    CA_CHECK(L, be, be->upload(be, ca_data(d), ca_data(c), nbytes), "host to device copy");
    lua_settop(L, top);
  } else if (!copy_from_peer(L, a, d, nbytes)) { /* between two devices: through the host */
    ca_array *h = ca_to_backend(L, a, &ca_state_get(L)->cpu);
    ca_status st = be->upload(be, ca_data(d), ca_data(h), nbytes);
    lua_pop(L, 1);
    CA_CHECK(L, be, st, "device to device copy");
  }
  return d;
}

/* ---- scalars ----------------------------------------------------------------------- */

ca_value ca_value_from_number(lua_Number n, int dtype) {
  ca_value v;
  if (ca_is_complex(dtype)) v.z = ca_c16_of(n, 0.0);
  else if (ca_is_float(dtype)) v.f = n;
  else if (dtype == CA_BOOL) v.i = n != 0;
  else v.i = ca_d2i(n);
  return v;
}

lua_Number ca_value_to_number(ca_value v, int dtype) {
  return ca_is_complex(dtype) ? v.z.re : ca_is_float(dtype) ? v.f : (lua_Number)v.i;
}

/* Lua 5.1 and LuaJIT: Lua functions the Lua layer gives (cu._set_int64) that make an int64
 * or uint64 cdata from two halves, make(hi, lo, unsigned), and split one, parts(v) -> hi, lo,
 * unsigned (the unsigned flag for a uint64 value beyond 2^63, whose hi is then unsigned), so
 * that 64-bit values beyond 2^53 travel exactly on LuaJIT. Without them (PUC Lua 5.1), such
 * values are doubles. */
#define INT64_MAKE_KEY "cuarray.int64.make"
#define INT64_PARTS_KEY "cuarray.int64.parts"

void ca_push_int64(lua_State *L, int64_t v) {
#if LUA_VERSION_NUM >= 503
  lua_pushinteger(L, (lua_Integer)v);
#else
  const int64_t exact = (int64_t)1 << 53;
  if (v >= -exact && v <= exact) {
    lua_pushnumber(L, (lua_Number)v);
    return;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, INT64_MAKE_KEY);
  if (!lua_isfunction(L, -1)) {
    lua_pop(L, 1);
    lua_pushnumber(L, (lua_Number)v);
    return;
  }
  /* v = hi * 2^32 + lo with lo in [0, 2^32): both exact as doubles */
  int64_t hi = v >= 0 ? v / 4294967296 : -(-(v + 1) / 4294967296) - 1;
  lua_pushnumber(L, (lua_Number)hi);
  lua_pushnumber(L, (lua_Number)((uint64_t)v & 0xffffffffu));
  lua_call(L, 2, 1);
#endif
}

void ca_push_uint64(lua_State *L, uint64_t v) {
  if (v <= (uint64_t)1 << 53) {
    ca_push_int64(L, (int64_t)v);
    return;
  }
#if LUA_VERSION_NUM < 503
  lua_getfield(L, LUA_REGISTRYINDEX, INT64_MAKE_KEY);
  if (lua_isfunction(L, -1)) {
    lua_pushnumber(L, (lua_Number)(v >> 32));
    lua_pushnumber(L, (lua_Number)(v & 0xffffffffu));
    lua_pushboolean(L, 1);
    lua_call(L, 3, 1);
    return;
  }
  lua_pop(L, 1);
#else
  if (v <= (uint64_t)INT64_MAX) {
    lua_pushinteger(L, (lua_Integer)v);
    return;
  }
#endif
  lua_pushnumber(L, (lua_Number)v);
}

/* A 64-bit cdata's bits through the Lua layer's parts(); *unsigned_ says whether it is a
 * uint64 value beyond 2^63. 0 when the value is no such cdata. */
static int cdata_bits(lua_State *L, int idx, uint64_t *out, int *unsigned_) {
#if LUA_VERSION_NUM < 503
  if (strcmp(luaL_typename(L, idx), "cdata") != 0) return 0;
  idx = ca_absindex(L, idx);
  lua_getfield(L, LUA_REGISTRYINDEX, INT64_PARTS_KEY);
  if (!lua_isfunction(L, -1)) {
    lua_pop(L, 1);
    return 0;
  }
  lua_pushvalue(L, idx);
  lua_call(L, 1, 3);
  lua_Number hi = lua_tonumber(L, -3), lo = lua_tonumber(L, -2);
  int u = lua_toboolean(L, -1);
  lua_Number hi_lo = u ? 2147483648.0 : -2147483648.0, hi_hi = u ? 4294967296.0 : 2147483648.0;
  int ok = lua_type(L, -3) == LUA_TNUMBER && lua_type(L, -2) == LUA_TNUMBER &&
           hi >= hi_lo && hi < hi_hi && hi == (lua_Number)(int64_t)hi &&
           lo >= 0 && lo < 4294967296.0 && lo == (lua_Number)(int64_t)lo;
  lua_pop(L, 3);
  if (ok) {
    *out = (uint64_t)(int64_t)hi << 32 | (uint64_t)lo;
    *unsigned_ = u;
  }
  return ok;
#else
  (void)L, (void)idx, (void)out, (void)unsigned_;
  return 0;
#endif
}

int ca_toint64(lua_State *L, int idx, int64_t *out) {
  if (lua_type(L, idx) == LUA_TNUMBER) return ca_tointeger(L, idx, out);
  uint64_t bits;
  int u;
  if (!cdata_bits(L, idx, &bits, &u) || u) return 0;
  *out = (int64_t)bits;
  return 1;
}

int ca_is_int_cdata(lua_State *L, int idx) {
  uint64_t bits;
  int u;
  return lua_type(L, idx) != LUA_TNUMBER && cdata_bits(L, idx, &bits, &u);
}

int ca_touint64_big(lua_State *L, int idx, uint64_t *out) {
  if (lua_type(L, idx) == LUA_TNUMBER) {
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx)) return 0;
#endif
    lua_Number n = lua_tonumber(L, idx);
    if (!(n >= 9223372036854775808.0 && n < 18446744073709551616.0)) return 0;
    *out = ca_d2u(n);
    return 1;
  }
  int u;
  return cdata_bits(L, idx, out, &u) && u;
}

void ca_set_int64(lua_State *L, int make, int parts) {
  lua_pushvalue(L, make);
  lua_setfield(L, LUA_REGISTRYINDEX, INT64_MAKE_KEY);
  lua_pushvalue(L, parts);
  lua_setfield(L, LUA_REGISTRYINDEX, INT64_PARTS_KEY);
}

#define COMPLEX_MAKE_KEY "cuarray.complex.make"
#define COMPLEX_MT_KEY "cuarray.complex.mt"

void ca_set_complex(lua_State *L, int make, int mt) {
  lua_pushvalue(L, make);
  lua_setfield(L, LUA_REGISTRYINDEX, COMPLEX_MAKE_KEY);
  lua_pushvalue(L, mt);
  lua_setfield(L, LUA_REGISTRYINDEX, COMPLEX_MT_KEY);
}

void ca_push_complex(lua_State *L, ca_c16 z) {
  lua_getfield(L, LUA_REGISTRYINDEX, COMPLEX_MAKE_KEY);
  if (lua_isfunction(L, -1)) {
    lua_pushnumber(L, z.re);
    lua_pushnumber(L, z.im);
    lua_call(L, 2, 1);
    return;
  }
  lua_pop(L, 1);
  lua_createtable(L, 2, 0);
  lua_pushnumber(L, z.re);
  lua_rawseti(L, -2, 1);
  lua_pushnumber(L, z.im);
  lua_rawseti(L, -2, 2);
}

int ca_topair(lua_State *L, int idx, ca_c16 *z) {
  if (lua_type(L, idx) != LUA_TTABLE || ca_rawlen(L, idx) != 2) return 0;
  idx = ca_absindex(L, idx);
  lua_rawgeti(L, idx, 1);
  lua_rawgeti(L, idx, 2);
  int ok = lua_type(L, -2) == LUA_TNUMBER && lua_type(L, -1) == LUA_TNUMBER;
  if (ok) *z = ca_c16_of(lua_tonumber(L, -2), lua_tonumber(L, -1));
  lua_pop(L, 2);
  return ok;
}

int ca_tocomplex(lua_State *L, int idx, ca_c16 *z) {
  if (lua_type(L, idx) != LUA_TTABLE) return 0;
  idx = ca_absindex(L, idx);
  if (!lua_getmetatable(L, idx)) return 0;
  lua_getfield(L, LUA_REGISTRYINDEX, COMPLEX_MT_KEY);
  int is = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return is && ca_topair(L, idx, z);
}

void ca_push_value(lua_State *L, int dtype, const void *p) {
  if (ca_is_complex(dtype)) ca_push_complex(L, ca_load_z(dtype, p));
  else if (dtype == CA_BOOL) lua_pushboolean(L, ca_truth(dtype, p));
  else if (ca_is_float(dtype)) lua_pushnumber(L, ca_load_d(dtype, p));
  else if (dtype == CA_UINT64) ca_push_uint64(L, ca_load_u(dtype, p));
  else ca_push_int64(L, ca_load_i(dtype, p));
}

void ca_push_element(lua_State *L, const ca_array *a) {
  ca_elem buf;
  ca_read_host(L, a, &buf);
  ca_push_value(L, a->dtype, &buf);
}

void ca_check_out(lua_State *L, const ca_array *out, ca_backend *be, int dtype, int nd,
                  const int64_t *shape, const char *fname) {
  ca_check_live(L, out, fname);
  if (ca_be(out) != be)
    ca_raisef(L, "%s: out is on %s but the operands are on %s", fname, ca_be(out)->name, be->name);
  ca_check_writable(L, out, fname);
  if (out->ndim != nd || memcmp(out->shape, shape, sizeof(int64_t) * (size_t)nd) != 0) {
    char s1[256], s2[256];
    ca_format_shape(s1, sizeof s1, out->ndim, out->shape);
    ca_format_shape(s2, sizeof s2, nd, shape);
    ca_raisef(L, "%s: out has shape %s but the result has shape %s", fname, s1, s2);
  }
  if (!ca_can_cast_same_kind(dtype, out->dtype))
    ca_raisef(L, "%s: cannot cast the %s result to out's dtype %s", fname, ca_dtype_name(dtype),
              ca_dtype_name(out->dtype));
}

void ca_register(lua_State *L, const luaL_Reg *funcs, const luaL_Reg *methods) {
  for (; funcs && funcs->name; funcs++) {
    lua_pushcfunction(L, funcs->func);
    lua_setfield(L, -3, funcs->name);
  }
  for (; methods && methods->name; methods++) {
    lua_pushcfunction(L, methods->func);
    lua_setfield(L, -2, methods->name);
  }
}
