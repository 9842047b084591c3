/* Raw pointers and the LuaJIT FFI: cu.from_pointer (wrapping memory without a copy, with an
 * owner kept alive), a:data_ptr(), cu.from_ffi and a:to_ffi() (copies), and the pointer
 * helpers the DLPack binding shares (src/interop.h).
 *
 * Owners. cu.from_pointer(ptr, shape, {owner = v}) must keep `v` alive as long as the memory
 * is used, by the array or any view of it, and views share the storage, not the userdata. So
 * the owner is held by a registry reference that the storage's release callback drops. That
 * callback has no lua_State; it gets a small context holding a private thread of the state
 * (made once, anchored in the registry, never resumed) on which it runs luaL_unref. It never
 * touches the running thread's stack, so it is safe in any finalizer, and during lua_close
 * (finalizers run before the registry and threads are freed). */
#include <stdlib.h>
#include <string.h>
#include "interop.h"

#define ANCHOR_KEY "cuarray.interop.thread"

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

/* lua_topointer of a cdata gives the address of its payload, which for a pointer cdata is
 * where the pointer is stored, so cdata go through ffi.cast("void *", v) first. */
void *ca_to_address(lua_State *L, int idx, const char *fname, const char *what) {
  idx = ca_absindex(L, idx);
  switch (lua_type(L, idx)) {
  case LUA_TLIGHTUSERDATA:
    return lua_touserdata(L, idx);
  case LUA_TNUMBER: {
    int64_t v = 0;
    if (!ca_tointeger(L, idx, &v) || v < 0)
      ca_raisef(L, "%s: %s must be a pointer (a cdata, a light userdata or a non-negative "
                "integer address), got %s", fname, what, lua_tostring(L, idx));
    return (void *)(uintptr_t)v;
  }
  default:
    if (is_cdata(L, idx) && push_ffi(L, 1)) {
      lua_getfield(L, -1, "cast");
      lua_pushliteral(L, "void *");
      lua_pushvalue(L, idx);
      if (lua_pcall(L, 2, 1, 0) != 0)
        ca_raisef(L, "%s: %s: cannot convert this cdata to a pointer (%s)", fname, what,
                  lua_tostring(L, -1));
      void *const *slot = (void *const *)lua_topointer(L, -1);
      void *p = slot ? *slot : NULL;
      lua_pop(L, 2);
      return p;
    }
    ca_raisef(L, "%s: %s must be a pointer (a cdata, a light userdata or an integer "
              "address), got %s", fname, what, luaL_typename(L, idx));
    return NULL;
  }
}

int ca_pointer_prepare(lua_State *L) {
  if (!push_ffi(L, 0)) return 0;
  lua_getfield(L, -1, "cast");
  lua_remove(L, -2);
  lua_pushliteral(L, "void *");
  return 2;
}

void ca_pointer_push(lua_State *L, int prepared, void *p) {
  if (prepared) {
    lua_pushlightuserdata(L, p);
    if (lua_pcall(L, 2, 1, 0) == 0) return;
    lua_pop(L, 1); /* the message: fall back to a light userdata */
  }
  lua_pushlightuserdata(L, p);
}

/* ---- owners: a registry reference dropped by the release callback --------------------- */

typedef struct owner_ref {
  lua_State *T;   /* the anchored private thread */
  int ref;        /* LUA_NOREF until the storage owns this */
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

/* ---- Lua functions -------------------------------------------------------------------- */

/* cu.from_pointer(ptr, shape[, {dtype =, device =, owner =, strides =}]) */
static int l_from_pointer(lua_State *L) {
  static const char *const opts[] = {"dtype", "device", "owner", "strides", NULL};
  const char *fname = "from_pointer";
  void *p = ca_to_address(L, 1, fname, "the pointer");
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
        ca_raisef(L, "%s: strides must be a table of %d integers (in elements)", fname, nd);
      for (int i = 0; i < nd; i++) {
        lua_rawgeti(L, -1, i + 1);
        if (!ca_tointeger(L, -1, &strides[i]))
          ca_raisef(L, "%s: stride %d must be an integer (in elements)", fname, i + 1);
        lua_pop(L, 1);
      }
      has_strides = 1;
    }
    lua_pop(L, 1);
  }
  ca_backend *be = ca_backend_get(L, device);
  char why[256], *base;
  size_t nbytes;
  int64_t offset;
  /* The layout first: a misaligned or impossible pointer is wrong whatever memory it is. */
  if (ca_wrap_layout((char *)p, dtype, nd, shape, has_strides ? strides : NULL, &base, &nbytes,
                     &offset, why, sizeof why))
    ca_raisef(L, "%s: %s", fname, why);
  if (ca_pointer_mismatch(L, be, p, device, why, sizeof why)) ca_raisef(L, "%s: %s", fname, why);
  /* The owner: the option (false: none), else a cdata argument itself (whose memory the
   * array may be). */
  int owner = 0, owner_given = 0;
  if (has) {
    ca_opt_get(L, 3, "owner");
    owner_given = !lua_isnil(L, -1);
    if (lua_toboolean(L, -1)) owner = lua_gettop(L);
  }
  if (!owner_given && is_cdata(L, 1)) owner = 1;
  lua_State *T = owner ? anchor_thread(L) : NULL;
  ca_array *a = ca_push_blank(L);
  owner_ref *o = NULL;
  if (owner) {
    o = (owner_ref *)malloc(sizeof *o);
    if (!o) ca_raisef(L, "%s: out of host memory", fname);
    o->T = T;
    o->ref = LUA_NOREF;
  }
  ca_wrap_or_release(L, a, be, p, dtype, nd, shape, has_strides ? strides : NULL,
                     owner ? owner_release : NULL, o, fname);
  if (owner) { /* the storage owns o now: a failing luaL_ref leaves nothing behind */
    lua_pushvalue(L, owner);
    o->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  return 1;
}

/* a:data_ptr(): the address of element 0 (device memory for CUDA arrays). */
static int l_data_ptr(lua_State *L) {
  ca_array *a = ca_check(L, 1);
  ca_pointer_push(L, ca_pointer_prepare(L), ca_data(a));
  return 1;
}

/* cu.from_ffi(ptr, n[, dtype[, {device =}]]): a new 1-d array holding a copy of n elements. */
static int l_from_ffi(lua_State *L) {
  static const char *const opts[] = {"device", NULL};
  const char *fname = "from_ffi";
  void *p = ca_to_address(L, 1, fname, "the source");
  int64_t n;
  if (!ca_tointeger(L, 2, &n) || n < 0) ca_raisef(L, "%s: n must be a non-negative integer", fname);
  int dtype = lua_isnoneornil(L, 3) ? ca_state_get(L)->default_dtype : ca_check_dtype(L, 3, fname);
  ca_opt_check(L, 4, fname, opts);
  ca_backend *be = ca_backend_get(L, ca_opt_device(L, 4, ca_state_get(L)->default_device, fname));
  if (n > 0 && !p) ca_raisef(L, "%s: null pointer", fname);
  ca_array *a = ca_new(L, be, dtype, 1, &n);
  size_t nbytes = (size_t)a->size * ca_itemsize(dtype);
  if (nbytes) CA_CHECK(L, be, be->upload(be, ca_data(a), p, nbytes), fname);
  return 1;
}

static const char *ffi_ctype(int dtype) {
  static const char *const t[CA_NDTYPES] = {"bool", "int8_t", "uint8_t", "int16_t", "int32_t",
                                            "int64_t", "uint16_t", "float", "double",
                                            "complex float", "complex double", "uint16_t",
                                            "uint32_t", "uint16_t", "uint64_t"};
  return t[dtype];
}

/* a:to_ffi([dst]): copies the elements (C order) into dst, or into a new ffi array. */
static int l_to_ffi(lua_State *L) {
  const char *fname = "to_ffi";
  ca_array *a = ca_check(L, 1);
  if (lua_isnoneornil(L, 2)) {
    if (!push_ffi(L, 1)) ca_raisef(L, "%s: needs LuaJIT's ffi (or pass a destination pointer)", fname);
    lua_getfield(L, -1, "new");
    lua_pushfstring(L, "%s[?]", ffi_ctype(a->dtype));
    ca_pushinteger(L, a->size);
    lua_call(L, 2, 1);
    lua_replace(L, 2);
    lua_settop(L, 2);
  }
  void *p = ca_to_address(L, 2, fname, "the destination");
  if (a->size > 0 && !p) ca_raisef(L, "%s: null pointer", fname);
  ca_read_host(L, a, p);
  lua_settop(L, 2);
  return 1;
}

void ca_open_pointer(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"from_pointer", l_from_pointer}, {"from_ffi", l_from_ffi}, {"data_ptr", l_data_ptr},
    {"to_ffi", l_to_ffi}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = {
    {"data_ptr", l_data_ptr}, {"to_ffi", l_to_ffi}, {NULL, NULL}
  };
  ca_register(L, funcs, methods);
}
