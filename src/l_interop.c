/* Interop: the public C API (cuarray.h), raw pointers and LuaJIT FFI, DLPack, and NumPy's
 * .npy / .npz files.
 *
 * Owners. cu.from_pointer(ptr, shape, {owner = v}) must keep `v` alive as long as the memory
 * is used, by the array or any view of it, and views share the storage, not the userdata. So
 * the owner is held by a registry reference that the storage's release callback drops. That
 * callback has no lua_State; it gets a small context holding a private thread of the state
 * (made once, anchored in the registry, never resumed) on which it runs luaL_unref. It never
 * touches the running thread's stack, so it is safe in any finalizer, and during lua_close
 * (finalizers run before the registry and threads are freed). Storage outliving lua_close
 * (a DLPack tensor still held by a consumer) cannot be released safely: see to_dlpack. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core.h"
#include "cuarray.h"
#include "dlpack.h"
#include "npy.h"
#ifdef CA_HAVE_ZLIB
#include <zlib.h>
#endif

#define ANCHOR_KEY "cuarray.interop.thread"
#define FILE_MT "cuarray.file"

typedef char ca_check_dtype_numbers[((int)CUARRAY_FLOAT64 == (int)CA_FLOAT64 && (int)CUARRAY_INT8 == (int)CA_INT8 &&
                                      CUARRAY_MAXDIMS == CA_MAXDIMS) ? 1 : -1];

/* ---- pointers and the LuaJIT FFI ------------------------------------------------------ */

/* Pushes the ffi module if it is loaded (or, with load, can be required); else pushes
 * nothing and returns 0. */
static int push_ffi(lua_State *L, int load) {
  lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "ffi");
    lua_remove(L, -2);
    if (lua_istable(L, -1)) return 1;
  }
  lua_pop(L, 1);
  if (!load) return 0;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "ffi");
  if (lua_pcall(L, 1, 1, 0) == 0 && lua_istable(L, -1)) return 1;
  lua_pop(L, 1);
  return 0;
}

static int is_cdata(lua_State *L, int idx) { return strcmp(luaL_typename(L, idx), "cdata") == 0; }

/* An address given as a light userdata, an integer, or (LuaJIT) any pointer or array cdata.
 * lua_topointer of a cdata gives the address of its payload, which for a pointer cdata is
 * where the pointer is stored, so cdata go through ffi.cast("void *", v) first. */
static void *to_address(lua_State *L, int idx, const char *fname, const char *what) {
  idx = ca_absindex(L, idx);
  switch (lua_type(L, idx)) {
  case LUA_TLIGHTUSERDATA:
    return lua_touserdata(L, idx);
  case LUA_TNUMBER: {
    int64_t v = 0;
    if (!ca_tointeger(L, idx, &v) || v < 0)
      luaL_error(L, "%s: %s must be a pointer (a cdata, a light userdata or a non-negative "
                 "integer address), got %s", fname, what, lua_tostring(L, idx));
    return (void *)(uintptr_t)v;
  }
  default:
    if (is_cdata(L, idx) && push_ffi(L, 1)) {
      lua_getfield(L, -1, "cast");
      lua_pushliteral(L, "void *");
      lua_pushvalue(L, idx);
      if (lua_pcall(L, 2, 1, 0) != 0)
        luaL_error(L, "%s: %s: cannot convert this cdata to a pointer (%s)", fname, what,
                   lua_tostring(L, -1));
      void *const *slot = (void *const *)lua_topointer(L, -1);
      void *p = slot ? *slot : NULL;
      lua_pop(L, 2);
      return p;
    }
    luaL_error(L, "%s: %s must be a pointer (a cdata, a light userdata or an integer "
               "address), got %s", fname, what, luaL_typename(L, idx));
    return NULL;
  }
}

/* A pointer for Lua: a `void *` cdata when LuaJIT's ffi is loaded, else a light userdata. */
static void push_pointer(lua_State *L, void *p) {
  if (push_ffi(L, 0)) {
    lua_getfield(L, -1, "cast");
    lua_pushliteral(L, "void *");
    lua_pushlightuserdata(L, p);
    if (lua_pcall(L, 2, 1, 0) == 0) {
      lua_remove(L, -2);
      return;
    }
    lua_pop(L, 2);
  }
  lua_pushlightuserdata(L, p);
}

/* ---- owners: a registry reference dropped by the release callback --------------------- */

typedef struct owner_ref {
  lua_State *T;   /* the anchored private thread */
  int ref;
} owner_ref;

static lua_State *anchor_thread(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, ANCHOR_KEY);
  lua_State *T = lua_tothread(L, -1);
  lua_pop(L, 1);
  if (T) return T;
  T = lua_newthread(L);
  lua_setfield(L, LUA_REGISTRYINDEX, ANCHOR_KEY);
  return T;
}

static void owner_release(void *ctx, void *data) {
  (void)data;
  owner_ref *o = (owner_ref *)ctx;
  luaL_unref(o->T, LUA_REGISTRYINDEX, o->ref);
  free(o);
}

/* ---- wrapping memory ------------------------------------------------------------------ */

/* Checks a layout (element strides, or NULL for C-contiguous) and works out what ca_wrap
 * needs: the lowest address (base), the byte extent and element 0's offset from base.
 * Returns NULL or an error message (in buf). */
static const char *wrap_layout(char *elem0, int dtype, int ndim, const int64_t *shape,
                               const int64_t *strides, char **base, size_t *nbytes,
                               int64_t *offset, char *buf, size_t len) {
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

/* Wraps memory (element strides) and pushes the array; on an error calls release first. */
static ca_array *wrap_or_release(lua_State *L, ca_backend *be, void *elem0, int dtype, int ndim,
                                 const int64_t *shape, const int64_t *strides,
                                 void (*release)(void *, void *), void *ctx, const char *fname) {
  char buf[256], *base = NULL;
  size_t nbytes = 0;
  int64_t offset = 0;
  const char *e = wrap_layout((char *)elem0, dtype, ndim, shape, strides, &base, &nbytes, &offset,
                              buf, sizeof buf);
  if (e) {
    if (release) release(ctx, base);
    luaL_error(L, "%s: %s", fname, e);
  }
  return ca_wrap(L, be, base, nbytes, dtype, ndim, shape, strides, offset, release, ctx);
}

/* ca_backend_get under lua_pcall, so that callers can release what they hold first. */
static int backend_p(lua_State *L) {
  lua_pushlightuserdata(L, ca_backend_get(L, (int)lua_tointeger(L, 1)));
  return 1;
}

static ca_backend *try_backend(lua_State *L, int device) {
  lua_pushcfunction(L, backend_p);
  lua_pushinteger(L, device);
  if (lua_pcall(L, 1, 1, 0) != 0) return NULL; /* message on the stack */
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
  ca_backend *be = try_backend(L, 0);
  if (!be) lua_pop(L, 1); /* why not: no GPU, nothing to ask */
  return be;
}

/* Whether memory at p can be an array on `device` (-1: the CPU; be is its backend), as the
 * CUDA driver sees it: NULL when it can (or nothing can tell), else why not, in buf. Device
 * memory read from the host, or host memory handed to a kernel, would crash later. */
static const char *pointer_mismatch(lua_State *L, ca_backend *be, const void *p, int device,
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

/* cu.from_pointer(ptr, shape[, {dtype =, device =, owner =, strides =}]) */
static int l_from_pointer(lua_State *L) {
  static const char *const opts[] = {"dtype", "device", "owner", "strides", NULL};
  const char *fname = "from_pointer";
  void *p = to_address(L, 1, fname, "the pointer");
  int64_t shape[CA_MAXDIMS], strides[CA_MAXDIMS];
  int nd = ca_read_shape(L, 2, shape, fname);
  int has = ca_opt_check(L, 3, fname, opts);
  int dtype = ca_opt_dtype(L, 3, ca_state_get(L)->default_dtype, fname);
  int device = ca_opt_device(L, 3, -1, fname);
  int has_strides = 0;
  if (has) {
    ca_opt_get(L, 3, "strides");
    if (!lua_isnil(L, -1)) {
      if (!lua_istable(L, -1) || (int)ca_rawlen(L, -1) != nd)
        luaL_error(L, "%s: strides must be a table of %d integers (in elements)", fname, nd);
      for (int i = 0; i < nd; i++) {
        lua_rawgeti(L, -1, i + 1);
        if (!ca_tointeger(L, -1, &strides[i]))
          luaL_error(L, "%s: stride %d must be an integer (in elements)", fname, i + 1);
        lua_pop(L, 1);
      }
      has_strides = 1;
    }
    lua_pop(L, 1);
  }
  ca_backend *be = ca_backend_get(L, device);
  char why[256];
  if (pointer_mismatch(L, be, p, device, why, sizeof why)) luaL_error(L, "%s: %s", fname, why);
  /* The owner: the option (false: none), else a cdata argument itself (whose memory the
   * array may be). */
  int owner = 0, owner_given = 0;
  if (has) {
    ca_opt_get(L, 3, "owner");
    owner_given = !lua_isnil(L, -1);
    if (lua_toboolean(L, -1)) owner = lua_gettop(L);
  }
  if (!owner_given && is_cdata(L, 1)) owner = 1;
  void (*release)(void *, void *) = NULL;
  owner_ref *o = NULL;
  if (owner) {
    /* Check the layout first, so that a bad call leaves no reference behind. */
    char buf[256], *base;
    size_t nb;
    int64_t off;
    const char *e = wrap_layout((char *)p, dtype, nd, shape, has_strides ? strides : NULL, &base,
                                &nb, &off, buf, sizeof buf);
    if (e) luaL_error(L, "%s: %s", fname, e);
    lua_State *T = anchor_thread(L);
    o = (owner_ref *)malloc(sizeof *o);
    if (!o) luaL_error(L, "%s: out of host memory", fname);
    lua_pushvalue(L, owner);
    o->T = T;
    o->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    release = owner_release;
  }
  wrap_or_release(L, be, p, dtype, nd, shape, has_strides ? strides : NULL, release, o, fname);
  return 1;
}

/* a:data_ptr(): the address of element 0 (device memory for CUDA arrays). */
static int l_data_ptr(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  push_pointer(L, ca_data(a));
  return 1;
}

/* cu.from_ffi(ptr, n[, dtype[, {device =}]]): a new 1-d array holding a copy of n elements. */
static int l_from_ffi(lua_State *L) {
  static const char *const opts[] = {"device", NULL};
  const char *fname = "from_ffi";
  void *p = to_address(L, 1, fname, "the source");
  int64_t n;
  if (!ca_tointeger(L, 2, &n) || n < 0) luaL_error(L, "%s: n must be a non-negative integer", fname);
  int dtype = lua_isnoneornil(L, 3) ? ca_state_get(L)->default_dtype : ca_check_dtype(L, 3, fname);
  ca_opt_check(L, 4, fname, opts);
  ca_backend *be = ca_backend_get(L, ca_opt_device(L, 4, ca_state_get(L)->default_device, fname));
  if (n > 0 && !p) luaL_error(L, "%s: null pointer", fname);
  ca_array *a = ca_new(L, be, dtype, 1, &n);
  size_t nbytes = (size_t)a->size * ca_itemsize(dtype);
  if (nbytes) CA_CHECK(L, be, be->upload(be, ca_data(a), p, nbytes), fname);
  return 1;
}

static const char *ffi_ctype(int dtype) {
  static const char *const t[CA_NDTYPES] = {"bool", "int8_t", "uint8_t", "int16_t", "int32_t",
                                            "int64_t", "uint16_t", "float", "double"};
  return t[dtype];
}

/* a:to_ffi([dst]): copies the elements (C order) into dst, or into a new ffi array. */
static int l_to_ffi(lua_State *L) {
  const char *fname = "to_ffi";
  ca_array *a = ca_check(L, 1);
  if (lua_isnoneornil(L, 2)) {
    if (!push_ffi(L, 1)) luaL_error(L, "%s: needs LuaJIT's ffi (or pass a destination pointer)", fname);
    lua_getfield(L, -1, "new");
    lua_pushfstring(L, "%s[?]", ffi_ctype(a->dtype));
    ca_pushinteger(L, a->size);
    lua_call(L, 2, 1);
    lua_replace(L, 2);
    lua_settop(L, 2);
  }
  void *p = to_address(L, 2, fname, "the destination");
  if (a->size > 0 && !p) luaL_error(L, "%s: null pointer", fname);
  ca_read_host(L, a, p);
  lua_settop(L, 2);
  return 1;
}

/* ---- DLPack --------------------------------------------------------------------------- */

/* What to_dlpack hands out: the managed tensor first, then what it points to. */
typedef struct dl_export {
  union {
    DLManagedTensorVersioned v;
    DLManagedTensor u;
  } t;
  int consumed;          /* from_dlpack has taken it (our own tensors only) */
  ca_array keep;         /* holds one reference to the storage */
  int64_t shape[CA_MAXDIMS], strides[CA_MAXDIMS];
} dl_export;

static void dl_delete(dl_export *e) {
  ca_array_release(&e->keep);
  free(e);
}
static void dl_delete_v(DLManagedTensorVersioned *self) { dl_delete((dl_export *)self->manager_ctx); }
static void dl_delete_u(DLManagedTensor *self) { dl_delete((dl_export *)self->manager_ctx); }

static void *export_dlpack(lua_State *L, int idx, int versioned) {
  ca_array *a = ca_check(L, idx);
  DLDataType dt = {0, 0, 1};
  static const uint8_t codes[CA_NDTYPES] = {kDLBool, kDLInt, kDLUInt, kDLInt, kDLInt, kDLInt,
                                            kDLFloat, kDLFloat, kDLFloat};
  dt.code = codes[a->dtype];
  dt.bits = (uint8_t)(8 * ca_itemsize(a->dtype));
  dl_export *e = (dl_export *)calloc(1, sizeof *e);
  if (!e) luaL_error(L, "to_dlpack: out of host memory");
  e->keep = *a;
  a->storage->refs++;
  DLTensor *t = versioned ? &e->t.v.dl_tensor : &e->t.u.dl_tensor;
  for (int i = 0; i < a->ndim; i++) {
    e->shape[i] = a->shape[i];
    e->strides[i] = a->strides[i];
  }
  t->data = a->size ? a->storage->data : NULL;
  t->byte_offset = a->size ? (uint64_t)a->offset * ca_itemsize(a->dtype) : 0;
  ca_backend *be = ca_be(a);
  t->device.device_type = be->device < 0 ? kDLCPU : kDLCUDA;
  t->device.device_id = be->device < 0 ? 0 : be->device;
  t->ndim = a->ndim;
  t->dtype = dt;
  t->shape = e->shape;
  t->strides = e->strides;
  if (versioned) {
    e->t.v.version.major = DLPACK_MAJOR_VERSION;
    e->t.v.version.minor = DLPACK_MINOR_VERSION;
    e->t.v.manager_ctx = e;
    e->t.v.deleter = dl_delete_v;
    e->t.v.flags = 0;
  } else {
    e->t.u.manager_ctx = e;
    e->t.u.deleter = dl_delete_u;
  }
  return e;
}

static void dl_release_v(void *ctx, void *data) {
  (void)data;
  DLManagedTensorVersioned *m = (DLManagedTensorVersioned *)ctx;
  if (m->deleter) m->deleter(m);
}
static void dl_release_u(void *ctx, void *data) {
  (void)data;
  DLManagedTensor *m = (DLManagedTensor *)ctx;
  if (m->deleter) m->deleter(m);
}

static int dl_dtype(DLDataType d) {
  if (d.lanes != 1) return -1;
  switch (d.code) {
  case kDLBool: return d.bits == 8 ? CA_BOOL : -1;
  case kDLInt:
    return d.bits == 8 ? CA_INT8 : d.bits == 16 ? CA_INT16 : d.bits == 32 ? CA_INT32 : d.bits == 64 ? CA_INT64 : -1;
  case kDLUInt: return d.bits == 8 ? CA_UINT8 : -1;
  case kDLFloat: return d.bits == 16 ? CA_FLOAT16 : d.bits == 32 ? CA_FLOAT32 : d.bits == 64 ? CA_FLOAT64 : -1;
  default: return -1;
  }
}

/* Takes ownership of a managed tensor and pushes an array wrapping it. Every failure calls
 * the deleter (once) before raising, except a pointer that is not a tensor at all (NULL) or
 * one of ours already taken. */
static void import_dlpack(lua_State *L, void *ptr, int versioned, int copy) {
  const char *fname = "from_dlpack";
  if (!ptr) luaL_error(L, "%s: null pointer", fname);
  DLManagedTensorVersioned *mv = versioned ? (DLManagedTensorVersioned *)ptr : NULL;
  DLManagedTensor *mu = versioned ? NULL : (DLManagedTensor *)ptr;
  void (*release)(void *, void *) = versioned ? dl_release_v : dl_release_u;
  char msg[300];
  if (versioned && mv->version.major != DLPACK_MAJOR_VERSION) {
    snprintf(msg, sizeof msg, "%s: DLPack major version %u is not supported (cuarray reads %d.x)",
             fname, (unsigned)mv->version.major, DLPACK_MAJOR_VERSION);
    release(ptr, NULL);
    luaL_error(L, "%s", msg);
  }
  dl_export *ours = NULL;
  if (versioned ? mv->deleter == dl_delete_v : mu->deleter == dl_delete_u) {
    ours = (dl_export *)(versioned ? mv->manager_ctx : mu->manager_ctx);
    if (ours->consumed) luaL_error(L, "%s: this DLPack tensor was already consumed", fname);
  }
  const DLTensor *t = versioned ? &mv->dl_tensor : &mu->dl_tensor;
  if (versioned && (mv->flags & DLPACK_FLAG_BITMASK_READ_ONLY)) copy = 1;
  int dtype = dl_dtype(t->dtype);
  ca_backend *be = NULL;
  msg[0] = 0;
  if (dtype < 0) {
    snprintf(msg, sizeof msg, "%s: unsupported DLPack dtype (code %u, %u bits, %u lanes)", fname,
             (unsigned)t->dtype.code, (unsigned)t->dtype.bits, (unsigned)t->dtype.lanes);
  } else if (t->ndim < 0 || t->ndim > CA_MAXDIMS) {
    snprintf(msg, sizeof msg, "%s: ndim %d is out of range (0 to %d)", fname, (int)t->ndim, CA_MAXDIMS);
  } else if (t->ndim > 0 && !t->shape) {
    snprintf(msg, sizeof msg, "%s: the tensor has no shape", fname);
  } else if (t->device.device_type == kDLCPU || t->device.device_type == kDLCUDAHost) {
    be = ca_backend_get(L, -1);
  } else if (t->device.device_type == kDLCUDA || t->device.device_type == kDLCUDAManaged) {
    if (t->device.device_id < 0) {
      snprintf(msg, sizeof msg, "%s: bad CUDA device id %d", fname, (int)t->device.device_id);
    } else if (!(be = try_backend(L, t->device.device_id))) {
      snprintf(msg, sizeof msg, "%s: %s", fname, lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  } else {
    snprintf(msg, sizeof msg, "%s: unsupported DLPack device type %d (cuarray reads CPU, "
             "CUDA, CUDA host and CUDA managed memory)", fname, (int)t->device.device_type);
  }
  if (msg[0]) {
    release(ptr, NULL);
    luaL_error(L, "%s", msg);
  }
  char *elem0 = t->data ? (char *)t->data + t->byte_offset : NULL;
  if (ours) ours->consumed = 1;
  ca_array *a = wrap_or_release(L, be, elem0, dtype, t->ndim, t->shape, t->strides, release, ptr,
                                fname);
  if (copy) { /* read-only memory: take a copy, and give the tensor back at once */
    ca_to_backend(L, a, be);
    ca_array_release(a);
    lua_remove(L, -2);
  }
}

static int opt_versioned(lua_State *L, int idx, const char *fname) {
  static const char *const opts[] = {"versioned", "copy", NULL};
  ca_opt_check(L, idx, fname, opts);
  return ca_opt_bool(L, idx, "versioned", 1);
}

/* cu.from_dlpack(ptr[, {versioned = true, copy = false}]) */
static int l_from_dlpack(lua_State *L) {
  int versioned = opt_versioned(L, 2, "from_dlpack");
  int copy = ca_opt_bool(L, 2, "copy", 0);
  import_dlpack(L, to_address(L, 1, "from_dlpack", "the tensor"), versioned, copy);
  return 1;
}

/* a:to_dlpack([{versioned = true}]): a DLManagedTensorVersioned (or DLManagedTensor) pointer
 * sharing a's memory; the storage stays alive until its deleter is called. */
static int l_to_dlpack(lua_State *L) {
  int versioned = opt_versioned(L, 2, "to_dlpack");
  push_pointer(L, export_dlpack(L, 1, versioned));
  return 1;
}

/* ---- files ---------------------------------------------------------------------------- */

/* A FILE * in a userdata, so that an error anywhere leaves it to the collector to close. */
typedef struct file_box {
  FILE *f;
} file_box;

static int file_gc(lua_State *L) {
  file_box *b = (file_box *)luaL_checkudata(L, 1, FILE_MT);
  if (b->f) fclose(b->f);
  b->f = NULL;
  return 0;
}

static file_box *open_file(lua_State *L, const char *path, const char *mode, const char *fname) {
  file_box *b = (file_box *)ca_newuserdata(L, sizeof *b);
  b->f = NULL;
  luaL_getmetatable(L, FILE_MT);
  lua_setmetatable(L, -2);
  b->f = fopen(path, mode);
  if (!b->f) luaL_error(L, "%s: cannot open '%s': %s", fname, path, strerror(errno));
  return b;
}

static void close_file(lua_State *L, file_box *b, const char *path, const char *fname) {
  int bad = ferror(b->f);
  if (fclose(b->f) != 0) bad = 1;
  b->f = NULL;
  if (bad) luaL_error(L, "%s: writing '%s' failed: %s", fname, path, strerror(errno));
}

static void write_bytes(lua_State *L, file_box *b, const void *p, size_t n, const char *path,
                        const char *fname) {
  if (n && fwrite(p, 1, n, b->f) != n)
    luaL_error(L, "%s: writing '%s' failed: %s", fname, path, strerror(errno));
}

/* Where a .npy's bytes are: a range of a file, or memory. */
typedef struct source {
  FILE *f;
  const unsigned char *mem;
  uint64_t start, len;
} source;

static int src_read(source *s, uint64_t off, void *dst, size_t n) {
  if (off > s->len || n > s->len - off) return -1;
  if (!n) return 0;
  if (s->mem) {
    memcpy(dst, s->mem + s->start + off, n);
    return 0;
  }
  if (fseeko(s->f, (off_t)(s->start + off), SEEK_SET) != 0) return -1;
  return fread(dst, 1, n, s->f) == n ? 0 : -1;
}

static int is_f_contiguous(const ca_array *a) {
  int64_t s = 1;
  for (int i = 0; i < a->ndim; i++) {
    if (a->shape[i] != 1 && a->strides[i] != s) return 0;
    s *= a->shape[i];
  }
  return 1;
}

/* Reads one .npy from src and pushes the array (on `device`). *crc (when given) gets the
 * CRC-32 of the bytes read, or stays untouched when trailing bytes were not read. */
static void load_npy(lua_State *L, source *src, int device, const char *where, uint32_t *crc) {
  int top = lua_gettop(L);
  char err[300];
  npy_header h;
  size_t need = 12;
  unsigned char small[12];
  size_t have = src->len < need ? (size_t)src->len : need;
  if (src_read(src, 0, small, have)) luaL_error(L, "load: %s: read error", where);
  int r = npy_parse(small, have, &h, &need, err, sizeof err);
  const unsigned char *hdr = small;
  if (r == NPY_NEED_MORE) {
    if (need > src->len) luaL_error(L, "load: %s: truncated .npy header", where);
    unsigned char *buf = (unsigned char *)ca_newuserdata(L, need);
    if (src_read(src, 0, buf, need)) luaL_error(L, "load: %s: read error", where);
    r = npy_parse(buf, need, &h, &need, err, sizeof err);
    hdr = buf;
    if (r == NPY_NEED_MORE) luaL_error(L, "load: %s: truncated .npy header", where);
  }
  if (r != NPY_OK) luaL_error(L, "load: %s: %s", where, err);
  if (h.data_offset > src->len || h.data_bytes > src->len - h.data_offset) {
    char m[400];
    snprintf(m, sizeof m, "load: %s: truncated: the header describes %llu bytes of data but %llu follow",
             where, (unsigned long long)h.data_bytes,
             (unsigned long long)(src->len - (h.data_offset > src->len ? src->len : h.data_offset)));
    luaL_error(L, "%s", m);
  }
  int64_t shape[NPY_MAXDIMS];
  for (int i = 0; i < h.ndim; i++) shape[i] = h.fortran ? h.shape[h.ndim - 1 - i] : h.shape[i];
  ca_array *a = ca_new(L, ca_backend_get(L, -1), h.dtype, h.ndim, shape);
  char *data = ca_data(a);
  if (src_read(src, h.data_offset, data, (size_t)h.data_bytes))
    luaL_error(L, "load: %s: read error", where);
  if (crc && h.data_offset + h.data_bytes == src->len)
    *crc = npy_crc32(npy_crc32(0, hdr, h.data_offset), data, (size_t)h.data_bytes);
  if (h.swap) npy_byteswap(data, (size_t)h.count, h.itemsize);
  if (h.dtype == CA_BOOL)
    for (int64_t i = 0; i < h.count; i++) data[i] = data[i] != 0;
  if (device >= 0) a = ca_to_backend(L, a, ca_backend_get(L, device));
  if (h.fortran) { /* the data is the transpose in C order: view it back */
    ca_array *v = ca_view(L, a);
    for (int i = 0; i < a->ndim; i++) {
      v->shape[i] = a->shape[a->ndim - 1 - i];
      v->strides[i] = a->strides[a->ndim - 1 - i];
    }
  }
  lua_replace(L, top + 1);
  lua_settop(L, top + 1);
}

static uint64_t file_size(lua_State *L, FILE *f, const char *path) {
  struct stat st;
  if (fstat(fileno(f), &st) != 0) luaL_error(L, "load: '%s': %s", path, strerror(errno));
  return (uint64_t)st.st_size;
}

#ifdef CA_HAVE_ZLIB
static void inflate_entry(lua_State *L, FILE *f, uint64_t start, const npy_zip_entry *e,
                          unsigned char **out, const char *where) {
  if (e->csize > (uint64_t)(SIZE_MAX / 2) || e->usize > (uint64_t)(SIZE_MAX / 2) || e->usize > 0xffffffffu)
    luaL_error(L, "load: %s: entry too large", where);
  unsigned char *in = (unsigned char *)ca_newuserdata(L, (size_t)e->csize ? (size_t)e->csize : 1);
  source s = {f, NULL, start, e->csize};
  if (src_read(&s, 0, in, (size_t)e->csize)) luaL_error(L, "load: %s: read error", where);
  *out = (unsigned char *)ca_newuserdata(L, (size_t)e->usize ? (size_t)e->usize : 1);
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, -15) != Z_OK) luaL_error(L, "load: %s: zlib failed", where);
  z.next_in = in;
  z.avail_in = (uInt)e->csize;
  z.next_out = *out;
  z.avail_out = (uInt)e->usize;
  int zr = inflate(&z, Z_FINISH);
  uLong got = z.total_out;
  inflateEnd(&z);
  if (zr != Z_STREAM_END || got != e->usize) luaL_error(L, "load: %s: corrupt deflate data", where);
  lua_remove(L, -2);
}
#endif

/* A .npz: a table of the arrays by name (".npy" stripped). */
static void load_npz(lua_State *L, FILE *f, const char *path, int device) {
  char err[300], where[400];
  uint64_t fsize = file_size(L, f, path);
  size_t tail_len = fsize < NPY_ZIP_EOCD_SCAN ? (size_t)fsize : NPY_ZIP_EOCD_SCAN;
  unsigned char *tail = (unsigned char *)ca_newuserdata(L, tail_len ? tail_len : 1);
  source whole = {f, NULL, 0, fsize};
  if (src_read(&whole, fsize - tail_len, tail, tail_len)) luaL_error(L, "load: '%s': read error", path);
  npy_zip_dir d;
  if (npy_zip_find_dir(tail, tail_len, fsize, &d, err, sizeof err))
    luaL_error(L, "load: '%s': %s", path, err);
  lua_pop(L, 1);
  unsigned char *cd = (unsigned char *)ca_newuserdata(L, d.cd_size ? (size_t)d.cd_size : 1);
  if (src_read(&whole, d.cd_offset, cd, (size_t)d.cd_size)) luaL_error(L, "load: '%s': read error", path);
  lua_newtable(L);
  size_t pos = 0;
  for (uint64_t i = 0; i < d.entries; i++) {
    npy_zip_entry e;
    if (npy_zip_next_entry(cd, (size_t)d.cd_size, &pos, &e, err, sizeof err))
      luaL_error(L, "load: '%s': %s", path, err);
    snprintf(where, sizeof where, "'%s' (entry '%s')", path, e.name);
    size_t nlen = strlen(e.name);
    if (nlen < 5 || strcmp(e.name + nlen - 4, ".npy") != 0) continue; /* not an array */
    unsigned char local[30];
    uint64_t skip;
    if (src_read(&whole, e.local_offset, local, 30)) luaL_error(L, "load: %s: truncated archive", where);
    if (npy_zip_local_skip(local, &skip, err, sizeof err)) luaL_error(L, "load: %s: %s", where, err);
    uint64_t start = e.local_offset + skip;
    if (start > fsize || e.csize > fsize - start) luaL_error(L, "load: %s: truncated archive", where);
    uint32_t crc = e.crc;
    if (e.method == 0) {
      if (e.csize != e.usize) luaL_error(L, "load: %s: corrupt sizes", where);
      source s = {f, NULL, start, e.csize};
      load_npy(L, &s, device, where, &crc);
#ifdef CA_HAVE_ZLIB
    } else if (e.method == 8) {
      unsigned char *buf;
      inflate_entry(L, f, start, &e, &buf, where);
      source s = {NULL, buf, 0, e.usize};
      load_npy(L, &s, device, where, &crc);
      lua_remove(L, -2);
#endif
    } else {
      luaL_error(L, "load: %s: compression method %d is not supported (%s)", where, e.method,
#ifdef CA_HAVE_ZLIB
                 "cuarray reads stored and deflated entries"
#else
                 "this build reads stored entries; numpy.savez_compressed archives need "
                 "cuarray built with zlib (-DCA_HAVE_ZLIB -lz)"
#endif
      );
    }
    if (crc != e.crc) luaL_error(L, "load: %s: CRC-32 mismatch (corrupt archive)", where);
    lua_pushlstring(L, e.name, nlen - 4);
    lua_insert(L, -2);
    lua_settable(L, -3);
  }
  lua_remove(L, -2);
}

/* cu.load(path[, {device =}]): an array from a .npy file, or a table of arrays from a .npz. */
static int l_load(lua_State *L) {
  static const char *const opts[] = {"device", NULL};
  const char *path = luaL_checkstring(L, 1);
  ca_opt_check(L, 2, "load", opts);
  int device = ca_opt_device(L, 2, ca_state_get(L)->default_device, "load");
  file_box *b = open_file(L, path, "rb", "load");
  unsigned char magic[4] = {0};
  size_t n = fread(magic, 1, 4, b->f);
  if (n == 4 && magic[0] == 'P' && magic[1] == 'K' && (magic[2] == 3 || magic[2] == 5)) {
    load_npz(L, b->f, path, device);
  } else {
    char where[300];
    snprintf(where, sizeof where, "'%s'", path);
    source s = {b->f, NULL, 0, file_size(L, b->f, path)};
    load_npy(L, &s, device, where, NULL);
  }
  fclose(b->f);
  b->f = NULL;
  return 1;
}

/* The bytes of a .npy for the array at idx: pushes what keeps them alive (2 or 3 values). */
typedef struct npy_bytes {
  unsigned char hdr[NPY_WRITE_MAX];
  size_t hdr_len;
  const void *data;
  size_t nbytes;
} npy_bytes;

static void npy_prepare(lua_State *L, int idx, npy_bytes *out, const char *fname) {
  ca_array *a = ca_check(L, idx);
  int fortran = a->ndim > 1 && !ca_is_contiguous(a) && is_f_contiguous(a);
  ca_array *c = a;
  if (fortran) lua_pushvalue(L, idx);
  else c = ca_push_contiguous(L, idx);
  /* A view of our own holds the storage: out->data must outlive any finalizer run by later
   * allocations, which may free the caller's array. */
  c = ca_view(L, c);
  out->nbytes = (size_t)c->size * ca_itemsize(c->dtype);
  out->hdr_len = npy_write_header(out->hdr, c->dtype, fortran, c->ndim, c->shape);
  if (!out->hdr_len) luaL_error(L, "%s: cannot describe this array in a .npy header", fname);
  ca_backend *be = ca_be(c);
  if (be->device < 0 || !out->nbytes) {
    out->data = ca_data(c);
  } else {
    void *buf = ca_newuserdata(L, out->nbytes);
    CA_CHECK(L, be, be->download(be, buf, ca_data(c), out->nbytes), fname);
    out->data = buf;
  }
}

/* cu.save(path, a): NumPy .npy, version 1.0, data aligned to 64 bytes. */
static int l_save(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  ca_check(L, 2);
  npy_bytes *nb = (npy_bytes *)ca_newuserdata(L, sizeof *nb);
  npy_prepare(L, 2, nb, "save");
  file_box *b = open_file(L, path, "wb", "save");
  write_bytes(L, b, nb->hdr, nb->hdr_len, path, "save");
  write_bytes(L, b, nb->data, nb->nbytes, path, "save");
  close_file(L, b, path, "save");
  return 0;
}

static int cmp_names(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

typedef struct zip_rec {
  const char *name;
  uint32_t crc, size, offset;
} zip_rec;

/* cu.savez(path, {name = a, ...}) or cu.savez(path, a, b, ...): an uncompressed .npz that
 * numpy.load reads (arrays given by position are named arr_0, arr_1, ... as NumPy does). */
static int l_savez(lua_State *L) {
  const char *fname = "savez";
  const char *path = luaL_checkstring(L, 1);
  int nargs = lua_gettop(L);
  lua_newtable(L); /* name -> array */
  int map = lua_gettop(L);
  int count = 0;
  if (nargs == 2 && lua_istable(L, 2) && !ca_test(L, 2)) {
    lua_pushnil(L);
    while (lua_next(L, 2)) {
      if (!ca_test(L, -1)) luaL_error(L, "%s: every value must be an array", fname);
      if (lua_type(L, -2) == LUA_TNUMBER) {
        int64_t k = 0;
        if (!ca_tointeger(L, -2, &k) || k < 1) luaL_error(L, "%s: keys must be names or 1, 2, ...", fname);
        lua_pushfstring(L, "arr_%d", (int)(k - 1));
      } else if (lua_type(L, -2) == LUA_TSTRING) {
        lua_pushvalue(L, -2);
      } else {
        luaL_error(L, "%s: keys must be strings", fname);
      }
      lua_pushvalue(L, -2);
      lua_settable(L, map);
      lua_pop(L, 1);
      count++;
    }
  } else {
    for (int i = 2; i <= nargs; i++) {
      ca_check(L, i);
      lua_pushfstring(L, "arr_%d", i - 2);
      lua_pushvalue(L, i);
      lua_settable(L, map);
      count++;
    }
  }
  if (count > 65000) luaL_error(L, "%s: too many arrays", fname);
  zip_rec *recs = (zip_rec *)ca_newuserdata(L, sizeof(zip_rec) * (size_t)(count ? count : 1));
  const char **names = (const char **)ca_newuserdata(L, sizeof(char *) * (size_t)(count ? count : 1));
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, map)) {
    lua_pop(L, 1);
    const char *k = lua_tostring(L, -1);
    if (strlen(k) == 0 || strlen(k) > 200) luaL_error(L, "%s: array names must have 1 to 200 bytes", fname);
    names[n++] = k; /* anchored by map */
  }
  qsort(names, (size_t)n, sizeof *names, cmp_names);
  file_box *b = open_file(L, path, "wb", fname);
  int fidx = lua_gettop(L);
  uint64_t off = 0;
  unsigned char hbuf[46 + 256];
  char ename[256];
  npy_bytes *nb = (npy_bytes *)ca_newuserdata(L, sizeof *nb);
  for (int i = 0; i < n; i++) {
    int top = lua_gettop(L);
    lua_getfield(L, map, names[i]);
    npy_prepare(L, -1, nb, fname);
    uint64_t size = nb->hdr_len + (uint64_t)nb->nbytes;
    snprintf(ename, sizeof ename, "%s.npy", names[i]);
    if (size >= 0xffffffffu || off + size + 30 + strlen(ename) >= 0xffffffffu)
      luaL_error(L, "%s: archives over 4 GiB are not supported (use cu.save per array)", fname);
    recs[i].name = names[i];
    recs[i].crc = npy_crc32(npy_crc32(0, nb->hdr, nb->hdr_len), nb->data, nb->nbytes);
    recs[i].size = (uint32_t)size;
    recs[i].offset = (uint32_t)off;
    size_t hl = npy_zip_local_header(hbuf, ename, recs[i].crc, recs[i].size);
    write_bytes(L, b, hbuf, hl, path, fname);
    write_bytes(L, b, nb->hdr, nb->hdr_len, path, fname);
    write_bytes(L, b, nb->data, nb->nbytes, path, fname);
    off += hl + size;
    lua_settop(L, top);
  }
  uint64_t cd_start = off;
  for (int i = 0; i < n; i++) {
    snprintf(ename, sizeof ename, "%s.npy", recs[i].name);
    size_t hl = npy_zip_central_header(hbuf, ename, recs[i].crc, recs[i].size, recs[i].offset);
    write_bytes(L, b, hbuf, hl, path, fname);
    off += hl;
  }
  if (off >= 0xffffffffu) luaL_error(L, "%s: archives over 4 GiB are not supported", fname);
  size_t el = npy_zip_end(hbuf, (uint16_t)n, (uint32_t)(off - cd_start), (uint32_t)cd_start);
  write_bytes(L, b, hbuf, el, path, fname);
  close_file(L, b, path, fname);
  (void)fidx;
  return 0;
}

/* ---- the public C API (cuarray.h) ------------------------------------------------------- */

CUARRAY_API void cuarray_preload(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "_PRELOAD");
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    lua_getglobal(L, "package");
    if (!lua_istable(L, -1)) luaL_error(L, "cuarray_preload: the package library is not open");
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

CUARRAY_API void cuarray_push_wrapped(lua_State *L, const cuarray_desc *d) {
  const char *fname = "cuarray_push_wrapped";
  char msg[300];
  int64_t strides[CA_MAXDIMS];
  msg[0] = 0;
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
    be = try_backend(L, d->device);
    if (!be) {
      snprintf(msg, sizeof msg, "%s: %s", fname, lua_tostring(L, -1));
      lua_pop(L, 1);
    } else {
      char why[256];
      if (pointer_mismatch(L, be, d->data, d->device, why, sizeof why))
        snprintf(msg, sizeof msg, "%s: %s", fname, why);
    }
  }
  if (msg[0]) {
    if (d->release) d->release(d->release_ctx, d->data);
    luaL_error(L, "%s", msg);
  }
  c_release *r = NULL;
  if (d->release) {
    r = (c_release *)malloc(sizeof *r);
    if (!r) {
      d->release(d->release_ctx, d->data);
      luaL_error(L, "%s: out of host memory", fname);
    }
    r->release = d->release;
    r->ctx = d->release_ctx;
    r->data = d->data;
  }
  wrap_or_release(L, be, d->data, d->dtype, d->ndim, d->shape, strides,
                  r ? c_release_call : NULL, r, fname);
}

static int push_wrapped_p(lua_State *L) {
  cuarray_push_wrapped(L, (const cuarray_desc *)lua_touserdata(L, 1));
  return 1;
}

CUARRAY_API int cuarray_try_push_wrapped(lua_State *L, const cuarray_desc *d) {
  lua_pushcfunction(L, push_wrapped_p);
  lua_pushlightuserdata(L, (void *)d);
  return lua_pcall(L, 1, 1, 0);
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
  fill_desc(ca_check(L, idx), out);
}

CUARRAY_API int cuarray_test(lua_State *L, int idx, cuarray_desc *out) {
  ca_array *a = ca_test(L, idx);
  if (!a || !a->storage) return 0;
  fill_desc(a, out);
  return 1;
}

CUARRAY_API void cuarray_synchronize(lua_State *L, int idx) {
  ca_backend *be = ca_be(ca_check(L, idx));
  if (be->synchronize) CA_CHECK(L, be, be->synchronize(be), "cuarray_synchronize");
}

CUARRAY_API void cuarray_copy_to_host(lua_State *L, int idx, void *dst, size_t nbytes) {
  ca_array *a = ca_check(L, idx);
  size_t want = (size_t)a->size * ca_itemsize(a->dtype);
  if (nbytes != want)
    luaL_error(L, "cuarray_copy_to_host: the array has %f bytes, the buffer %f", (double)want,
               (double)nbytes);
  ca_read_host(L, a, dst);
}

CUARRAY_API void cuarray_push_dlpack(lua_State *L, void *managed_tensor, int versioned) {
  open_core_p(L);
  import_dlpack(L, managed_tensor, versioned, 0);
}

CUARRAY_API void *cuarray_to_dlpack(lua_State *L, int idx, int versioned) {
  return export_dlpack(L, idx, versioned);
}

CUARRAY_API const char *cuarray_dtype_name(int dtype) {
  return dtype >= 0 && dtype < CA_NDTYPES ? ca_dtype_name(dtype) : NULL;
}

CUARRAY_API size_t cuarray_itemsize(int dtype) {
  return dtype >= 0 && dtype < CA_NDTYPES ? ca_itemsize(dtype) : 0;
}

/* ---- registration ----------------------------------------------------------------------- */

void ca_open_interop(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"from_pointer", l_from_pointer}, {"from_ffi", l_from_ffi}, {"from_dlpack", l_from_dlpack},
    {"save", l_save}, {"load", l_load}, {"savez", l_savez}, {"data_ptr", l_data_ptr},
    {"to_ffi", l_to_ffi}, {"to_dlpack", l_to_dlpack}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = {
    {"data_ptr", l_data_ptr}, {"to_ffi", l_to_ffi}, {"to_dlpack", l_to_dlpack}, {NULL, NULL}
  };
  if (luaL_newmetatable(L, FILE_MT)) {
    lua_pushcfunction(L, file_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  ca_register(L, funcs, methods);
}
