/* DLPack: cu.from_dlpack and a:to_dlpack() exchange DLManagedTensorVersioned (or legacy
 * DLManagedTensor) pointers, CPU and CUDA, deleters honoured; the same import and export
 * serve the C API (src/c_api.c). A tensor exported from a lua_State must be deleted before
 * that state closes: its deleter releases the storage through the state's backend and byte
 * counter, which lua_close frees. */
#include <stdio.h>
#include <stdlib.h>
#include "dlpack.h"
#include "interop.h"

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

void *ca_dlpack_export(lua_State *L, int idx, int versioned) {
  ca_array *a = ca_check(L, idx);
  DLDataType dt = {0, 0, 1};
  static const uint8_t codes[CA_NDTYPES] = {kDLBool, kDLInt, kDLUInt, kDLInt, kDLInt, kDLInt,
                                            kDLFloat, kDLFloat, kDLFloat, kDLComplex, kDLComplex,
                                            kDLUInt, kDLUInt, kDLBfloat, kDLUInt};
  dt.code = codes[a->dtype];
  dt.bits = (uint8_t)(8 * ca_itemsize(a->dtype));
  dl_export *e = (dl_export *)calloc(1, sizeof *e);
  if (!e) ca_raisef(L, "to_dlpack: out of host memory");
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
  case kDLUInt:
    return d.bits == 8 ? CA_UINT8 : d.bits == 16 ? CA_UINT16 : d.bits == 32 ? CA_UINT32
           : d.bits == 64 ? CA_UINT64 : -1;
  case kDLFloat: return d.bits == 16 ? CA_FLOAT16 : d.bits == 32 ? CA_FLOAT32 : d.bits == 64 ? CA_FLOAT64 : -1;
  case kDLBfloat: return d.bits == 16 ? CA_BFLOAT16 : -1;
  case kDLComplex: return d.bits == 64 ? CA_COMPLEX64 : d.bits == 128 ? CA_COMPLEX128 : -1;
  default: return -1;
  }
}

void ca_dlpack_import(lua_State *L, void *ptr, int versioned, int copy) {
  const char *fname = "from_dlpack";
  if (!ptr) ca_raisef(L, "%s: null pointer", fname);
  DLManagedTensorVersioned *mv = versioned ? (DLManagedTensorVersioned *)ptr : NULL;
  DLManagedTensor *mu = versioned ? NULL : (DLManagedTensor *)ptr;
  void (*release)(void *, void *) = versioned ? dl_release_v : dl_release_u;
  char msg[300];
  if (versioned && mv->version.major != DLPACK_MAJOR_VERSION) {
    snprintf(msg, sizeof msg, "%s: DLPack major version %u is not supported (cuarray reads %d.x)",
             fname, (unsigned)mv->version.major, DLPACK_MAJOR_VERSION);
    release(ptr, NULL);
    ca_raisef(L, "%s", msg);
  }
  dl_export *ours = NULL;
  if (versioned ? mv->deleter == dl_delete_v : mu->deleter == dl_delete_u) {
    ours = (dl_export *)(versioned ? mv->manager_ctx : mu->manager_ctx);
    if (ours->consumed) ca_raisef(L, "%s: this DLPack tensor was already consumed", fname);
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
    } else if (!(be = ca_try_backend(L, t->device.device_id))) {
      snprintf(msg, sizeof msg, "%s: %s", fname, lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  } else {
    snprintf(msg, sizeof msg, "%s: unsupported DLPack device type %d (cuarray reads CPU, "
             "CUDA, CUDA host and CUDA managed memory)", fname, (int)t->device.device_type);
  }
  ca_array *a = NULL;
  if (!msg[0] && !(a = ca_try_push_blank(L))) {
    snprintf(msg, sizeof msg, "%s: %s", fname, lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  if (msg[0]) {
    release(ptr, NULL);
    ca_raisef(L, "%s", msg);
  }
  char *elem0 = t->data ? (char *)t->data + t->byte_offset : NULL;
  if (ours) ours->consumed = 1;
  ca_wrap_or_release(L, a, be, elem0, dtype, t->ndim, t->shape, t->strides, release, ptr, fname);
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
  ca_dlpack_import(L, ca_to_address(L, 1, "from_dlpack", "the tensor"), versioned, copy);
  return 1;
}

/* a:to_dlpack([{versioned = true}]): a DLManagedTensorVersioned (or DLManagedTensor) pointer
 * sharing a's memory; the storage stays alive until its deleter is called. */
static int l_to_dlpack(lua_State *L) {
  int versioned = opt_versioned(L, 2, "to_dlpack");
  ca_check(L, 1);
  int prepared = ca_pointer_prepare(L);
  ca_pointer_push(L, prepared, ca_dlpack_export(L, 1, versioned)); /* nothing raises after export */
  return 1;
}

void ca_open_dlpack(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"from_dlpack", l_from_dlpack}, {"to_dlpack", l_to_dlpack}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = {{"to_dlpack", l_to_dlpack}, {NULL, NULL}};
  ca_register(L, funcs, methods);
}

/* ---- files ---------------------------------------------------------------------------- */

