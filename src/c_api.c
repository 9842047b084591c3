/* The public C API (src/cuarray.h), its raising forms: for host programs that embed Lua and
 * exchange arrays with scripts. It sits above the Lua binding: it opens the module
 * (src/l_module.c) and uses the wrapping (src/wrap.c), DLPack (src/l_dlpack.c) and run-time
 * settings (src/l_runtime.c) code the Lua functions use; nothing in the binding calls back
 * into it. The status-returning forms (src/c_status.c) run these under a protected call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cuarray.h"
#include "interop.h"

typedef char ca_check_dtype_numbers[((int)CUARRAY_FLOAT64 == (int)CA_FLOAT64 && (int)CUARRAY_INT8 == (int)CA_INT8 &&
                                      (int)CUARRAY_COMPLEX128 == (int)CA_COMPLEX128 &&
                                      (int)CUARRAY_BFLOAT16 == (int)CA_BFLOAT16 &&
                                      (int)CUARRAY_UINT64 == (int)CA_UINT64 &&
                                      CUARRAY_MAXDIMS == CA_MAXDIMS) ? 1 : -1];

CUARRAY_API void cuarray_preload(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "_PRELOAD");
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    lua_getglobal(L, "package");
    if (!lua_istable(L, -1)) ca_raisef(L, "cuarray_preload: the package library is not open");
    lua_getfield(L, -1, "preload");
    lua_remove(L, -2);
  }
  lua_pushcfunction(L, luaopen_cuarray_core);
  lua_setfield(L, -2, "cuarray.core");
  lua_pop(L, 1);
}

CUARRAY_API int cuarray_desc_init(cuarray_desc *d, void *data, int dtype, int device, int ndim,
                                  const int64_t *shape) {
  memset(d, 0, sizeof *d);
  if (dtype < 0 || dtype >= CA_NDTYPES || ndim < 0 || ndim > CUARRAY_MAXDIMS) return -1;
  d->data = data;
  d->dtype = dtype;
  d->device = device;
  d->ndim = ndim;
  int64_t s = (int64_t)ca_itemsize(dtype);
  for (int i = ndim - 1; i >= 0; i--) {
    d->shape[i] = shape[i];
    d->strides[i] = s;
    s *= shape[i] ? shape[i] : 1;
  }
  return 0;
}

/* The user's release gets the `data` it gave (element 0), which is not the storage's base
 * pointer when some stride is negative. */
typedef struct c_release {
  void (*release)(void *, void *);
  void *ctx, *data;
} c_release;

static void c_release_call(void *ctx, void *base) {
  (void)base;
  c_release *r = (c_release *)ctx;
  r->release(r->ctx, r->data);
  free(r);
}

/* The array metatable exists once the core module was opened in this state: open it (as
 * require "cuarray.core" would) when the host pushes an array before any script did. */
static int open_core_p(lua_State *L) {
  luaL_getmetatable(L, CA_ARRAY_MT);
  if (!lua_isnil(L, -1)) return 0;
  lua_getglobal(L, "require");
  if (lua_isfunction(L, -1)) {
    lua_pushliteral(L, "cuarray.core");
    lua_call(L, 1, 0);
  } else {
    luaopen_cuarray_core(L);
  }
  return 0;
}

/* Everything that can fail runs before the memory is taken over, under lua_pcall or without
 * raising; the blank array comes next (userdata first), then the release context. */
CUARRAY_API void cuarray_push_wrapped(lua_State *L, const cuarray_desc *d) {
  const char *fname = "cuarray_push_wrapped";
  char msg[300];
  int64_t strides[CA_MAXDIMS];
  msg[0] = 0;
  if (!d) ca_raisef(L, "%s: no descriptor (NULL)", fname);
  lua_pushcfunction(L, open_core_p);
  if (lua_pcall(L, 0, 0, 0) != 0) {
    snprintf(msg, sizeof msg, "%s: cannot open cuarray.core: %s", fname, lua_tostring(L, -1));
    lua_pop(L, 1);
  } else if (d->dtype < 0 || d->dtype >= CA_NDTYPES) {
    snprintf(msg, sizeof msg, "%s: unknown dtype %d", fname, d->dtype);
  } else if (d->ndim < 0 || d->ndim > CA_MAXDIMS) {
    snprintf(msg, sizeof msg, "%s: ndim %d is out of range (0 to %d)", fname, d->ndim, CA_MAXDIMS);
  } else {
    int64_t isz = (int64_t)ca_itemsize(d->dtype);
    for (int i = 0; i < d->ndim && !msg[0]; i++) {
      if (d->strides[i] % isz)
        snprintf(msg, sizeof msg, "%s: byte stride %lld of axis %d is not a multiple of the "
                 "item size %d of %s", fname, (long long)d->strides[i], i + 1, (int)isz,
                 ca_dtype_name(d->dtype));
      strides[i] = d->strides[i] / isz;
    }
  }
  ca_backend *be = NULL;
  if (!msg[0] && d->device < -1) {
    snprintf(msg, sizeof msg, "%s: bad device %d", fname, d->device);
  } else if (!msg[0]) {
    be = ca_try_backend(L, d->device);
    if (!be) {
      snprintf(msg, sizeof msg, "%s: %s", fname, lua_tostring(L, -1));
      lua_pop(L, 1);
    } else {
      char why[256];
      if (ca_pointer_mismatch(L, be, d->data, d->device, why, sizeof why))
        snprintf(msg, sizeof msg, "%s: %s", fname, why);
    }
  }
  ca_array *a = NULL;
  if (!msg[0] && !(a = ca_try_push_blank(L))) {
    snprintf(msg, sizeof msg, "%s: %s", fname, lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  c_release *r = NULL;
  if (!msg[0] && d->release && !(r = (c_release *)malloc(sizeof *r)))
    snprintf(msg, sizeof msg, "%s: out of host memory", fname);
  if (msg[0]) {
    if (d->release) d->release(d->release_ctx, d->data);
    ca_raisef(L, "%s", msg);
  }
  if (r) {
    r->release = d->release;
    r->ctx = d->release_ctx;
    r->data = d->data;
  }
  ca_wrap_or_release(L, a, be, d->data, d->dtype, d->ndim, d->shape, strides,
                     r ? c_release_call : NULL, r, fname);
}

static void fill_desc(const ca_array *a, cuarray_desc *out) {
  memset(out, 0, sizeof *out);
  out->data = ca_data(a);
  out->dtype = a->dtype;
  out->device = ca_be(a)->device;
  out->ndim = a->ndim;
  for (int i = 0; i < a->ndim; i++) {
    out->shape[i] = a->shape[i];
    out->strides[i] = a->strides[i] * (int64_t)ca_itemsize(a->dtype);
  }
}

CUARRAY_API void cuarray_check(lua_State *L, int idx, cuarray_desc *out) {
  ca_array *a = ca_check_arg(L, idx, "cuarray_check");
  if (!out) ca_raisef(L, "cuarray_check: no descriptor to fill (out is NULL)");
  fill_desc(a, out);
}

CUARRAY_API int cuarray_test(lua_State *L, int idx, cuarray_desc *out) {
  ca_array *a = ca_test(L, idx);
  if (!a || !a->storage) return 0;
  fill_desc(a, out);
  return 1;
}

CUARRAY_API void cuarray_synchronize(lua_State *L, int idx) {
  ca_backend *be = ca_be(ca_check_arg(L, idx, "cuarray_synchronize"));
  if (be->synchronize) CA_CHECK(L, be, be->synchronize(be), "cuarray_synchronize");
}

CUARRAY_API void cuarray_copy_to_host(lua_State *L, int idx, void *dst, size_t nbytes) {
  ca_array *a = ca_check_arg(L, idx, "cuarray_copy_to_host");
  size_t want = (size_t)a->size * ca_itemsize(a->dtype);
  if (nbytes != want)
    ca_raisef(L, "cuarray_copy_to_host: the array has %zu bytes, the buffer %zu", want, nbytes);
  if (!dst && nbytes) ca_raisef(L, "cuarray_copy_to_host: no buffer (dst is NULL)");
  ca_read_host(L, a, dst);
}

CUARRAY_API void cuarray_push_dlpack(lua_State *L, void *managed_tensor, int versioned) {
  open_core_p(L);
  ca_dlpack_import(L, managed_tensor, versioned, 0);
}

CUARRAY_API void *cuarray_to_dlpack(lua_State *L, int idx, int versioned) {
  ca_check_arg(L, idx, "cuarray_to_dlpack");
  return ca_dlpack_export(L, idx, versioned);
}

CUARRAY_API const char *cuarray_dtype_name(int dtype) {
  return dtype >= 0 && dtype < CA_NDTYPES ? ca_dtype_name(dtype) : NULL;
}

CUARRAY_API size_t cuarray_itemsize(int dtype) {
  return dtype >= 0 && dtype < CA_NDTYPES ? ca_itemsize(dtype) : 0;
}

/* ---- hooks ------------------------------------------------------------------------------ */

/* The backend of a device the host program names (-1: the CPU), opened if need be. */
static ca_backend *named_backend(lua_State *L, int device, const char *fname) {
  if (device < -1) ca_raisef(L, "%s: bad device %d (CUARRAY_CPU or a CUDA ordinal)", fname, device);
  if (device < 0) return ca_backend_get(L, -1);
  ca_backend *be = ca_try_backend(L, device);
  if (!be) ca_raisef(L, "%s: %s", fname, lua_tostring(L, -1));
  return be;
}

CUARRAY_API void cuarray_set_stream(lua_State *L, int device, void *stream) {
  const char *fname = "cuarray_set_stream";
  if (device == CUARRAY_CPU) ca_raisef(L, "%s: the CPU has no streams", fname);
  ca_backend *be = named_backend(L, device, fname);
  if (!be->set_stream) ca_raisef(L, "%s: %s takes no stream", fname, be->name);
  CA_CHECK(L, be, be->set_stream(be, stream), fname);
}

typedef char ca_check_allocator_layout[sizeof(cuarray_allocator) == sizeof(ca_allocator) ? 1 : -1];

CUARRAY_API void cuarray_set_allocator(lua_State *L, int device, const cuarray_allocator *a) {
  const char *fname = "cuarray_set_allocator";
  ca_backend *be = named_backend(L, device, fname);
  if (!be->set_allocator) ca_raisef(L, "%s: %s takes no allocator", fname, be->name);
  ca_allocator hook;
  if (a) {
    hook.alloc = a->alloc;
    hook.free = a->free;
    hook.ctx = a->ctx;
  }
  CA_CHECK(L, be, be->set_allocator(be, a ? &hook : NULL), fname);
}

CUARRAY_API void cuarray_set_num_threads(lua_State *L, int n) {
  ca_set_num_threads(L, n, "cuarray_set_num_threads");
}

CUARRAY_API int cuarray_get_num_threads(void) { return ca_cpu_threads(); }

CUARRAY_API void cuarray_set_gc_threshold(lua_State *L, size_t bytes) {
  ca_set_gc_threshold(L, bytes > (size_t)INT64_MAX ? INT64_MAX : (int64_t)bytes,
                      "cuarray_set_gc_threshold");
}
