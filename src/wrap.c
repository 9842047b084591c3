/* Wrapping memory the core did not allocate (a pointer from Lua, a DLPack tensor, a host
 * program's buffer): layout checks, the storage that owns or borrows the memory, and the
 * protected steps that let a caller holding memory release it before an error is raised.
 * The array userdata always exists before the memory is taken over (userdata first). */
#include <stdio.h>
#include <stdlib.h>
#include "interop.h"

const char *ca_wrap_layout(char *elem0, int dtype, int ndim, const int64_t *shape,
                           const int64_t *strides, char **base, size_t *nbytes, int64_t *offset,
                           char *buf, size_t len) {
  if (ndim < 0 || ndim > CA_MAXDIMS)
    return snprintf(buf, len, "ndim %d is out of range (0 to %d)", ndim, CA_MAXDIMS), buf;
  int64_t isz = (int64_t)ca_itemsize(dtype), size = 1, lo = 0, hi = 0, cstride = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) return snprintf(buf, len, "negative dimension %lld", (long long)shape[i]), buf;
    if (shape[i] && size > INT64_MAX / shape[i]) return snprintf(buf, len, "shape is too large"), buf;
    size *= shape[i];
  }
  if (size > INT64_MAX / isz) return snprintf(buf, len, "shape is too large"), buf;
  if (size > 0 && !elem0) return snprintf(buf, len, "null pointer for a non-empty array"), buf;
  if ((uintptr_t)elem0 % (uintptr_t)isz)
    return snprintf(buf, len, "pointer %p is not aligned to the %d-byte items of %s", (void *)elem0,
                    (int)isz, ca_dtype_name(dtype)), buf;
  for (int i = ndim - 1; i >= 0; i--) {
    int64_t st = strides ? strides[i] : cstride, span;
    if (!strides && shape[i]) cstride *= shape[i];
    if (size == 0 || shape[i] <= 1) continue;
    if (__builtin_mul_overflow(shape[i] - 1, st, &span)) goto big;
    if (span < 0 ? __builtin_add_overflow(lo, span, &lo) : __builtin_add_overflow(hi, span, &hi)) goto big;
  }
  int64_t ext;
  if (size == 0) ext = 0;
  else if (__builtin_sub_overflow(hi, lo, &ext) || ext >= INT64_MAX / isz) goto big;
  else ext = (ext + 1) * isz;
  *base = elem0 ? elem0 + lo * isz : NULL;
  *nbytes = (size_t)ext;
  *offset = -lo;
  return NULL;
big:
  return snprintf(buf, len, "strides reach beyond the address space"), buf;
}

void ca_wrap_or_release(lua_State *L, ca_array *a, ca_backend *be, void *elem0, int dtype, int ndim,
                        const int64_t *shape, const int64_t *strides,
                        void (*release)(void *, void *), void *ctx, const char *fname) {
  char buf[256], *base = NULL;
  size_t nbytes = 0;
  int64_t offset = 0;
  const char *e = ca_wrap_layout((char *)elem0, dtype, ndim, shape, strides, &base, &nbytes,
                                 &offset, buf, sizeof buf);
  ca_storage *st = e ? NULL : (ca_storage *)calloc(1, sizeof *st);
  if (!st) {
    if (release) release(ctx, NULL);
    ca_raisef(L, "%s: %s", fname, e ? e : "out of host memory");
  }
  st->refs = 1;
  st->be = be;
  st->data = base;
  st->nbytes = nbytes;
  st->release = release;
  st->release_ctx = ctx;
  st->borrowed = release == NULL;
  a->dtype = dtype;
  a->ndim = ndim;
  a->size = 1;
  for (int i = 0; i < ndim; i++) {
    a->shape[i] = shape[i];
    a->size *= shape[i];
  }
  if (strides)
    for (int i = 0; i < ndim; i++) a->strides[i] = strides[i];
  else
    ca_set_contiguous_strides(a);
  a->offset = offset;
  a->readonly = a->size > 0 && ca_has_aliasing_axes(a);
  a->storage = st;
}

static int backend_p(lua_State *L) {
  lua_pushlightuserdata(L, ca_backend_get(L, (int)lua_tointeger(L, 1)));
  return 1;
}

ca_backend *ca_try_backend(lua_State *L, int device) {
  lua_pushcfunction(L, backend_p);
  lua_pushinteger(L, device);
  if (lua_pcall(L, 1, 1, 0) != 0) return NULL;
  ca_backend *be = (ca_backend *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  return be;
}

/* The CUDA backend of device 0 when the CUDA module is loaded (and a GPU is there), else
 * NULL: only its driver can tell device memory from host memory. */
static ca_backend *loaded_cuda(lua_State *L) {
  int loaded = 0;
  lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
  if (lua_istable(L, -1)) {
    lua_pushliteral(L, "cuarray.cuda");
    lua_rawget(L, -2);
    loaded = lua_istable(L, -1);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (!loaded) return NULL;
  ca_backend *be = ca_try_backend(L, 0);
  if (!be) lua_pop(L, 1); /* why not: no GPU, nothing to ask */
  return be;
}

const char *ca_pointer_mismatch(lua_State *L, ca_backend *be, const void *p, int device,
                                char *buf, size_t len) {
  ca_backend *cuda = device >= 0 ? be : loaded_cuda(L);
  int kind = CA_MEM_HOST, dev = -1;
  if (!p || !cuda || !cuda->pointer_kind || cuda->pointer_kind(cuda, p, &kind, &dev) != CA_OK)
    return NULL;
  if (device < 0 && kind == CA_MEM_DEVICE)
    snprintf(buf, len, "the pointer is device memory of cuda:%d, which the host cannot read; "
             "pass {device = \"cuda:%d\"}", dev, dev);
  else if (device >= 0 && kind == CA_MEM_HOST)
    snprintf(buf, len, "the pointer is host memory, which cuda:%d cannot read; pass {device = "
             "\"cpu\"}", device);
  else if (device >= 0 && kind == CA_MEM_DEVICE && dev != device)
    snprintf(buf, len, "the pointer is device memory of cuda:%d, not of cuda:%d", dev, device);
  else
    return NULL;
  return buf;
}

static int push_blank_p(lua_State *L) {
  ca_push_blank(L);
  return 1;
}

ca_array *ca_try_push_blank(lua_State *L) {
  lua_pushcfunction(L, push_blank_p);
  if (lua_pcall(L, 0, 1, 0) != 0) return NULL;
  return (ca_array *)lua_touserdata(L, -1);
}
