/* The status-returning forms of the public C API (src/cuarray.h's cuarray_try_*): each runs
 * the raising form (src/c_api.c) under a protected call and turns a Lua error into a status
 * and a message, so that a host program's C code never takes a longjmp.
 *
 * Nothing is allocated outside the protected call. Lua 5.2+ push a C function without
 * allocating; PUC Lua 5.1 and LuaJIT make a closure, so there the one trampoline every call
 * goes through is made once, under lua_cpcall, and kept in the registry. */
#include <stdio.h>
#include <string.h>
#include "cuarray.h"
#include "dlpack.h"
#include "core.h"

#ifndef LUA_OK
#define LUA_OK 0
#endif

/* One call: the raising form's body (run with the call at 1 and the Lua value it takes, if
 * any, at 2) and its arguments. */
typedef struct call {
  lua_CFunction body;
  int entered;        /* the body ran: it owns what it was given from then on */
  int i;              /* a device, a count, a flag */
  const void *p;      /* a pointer argument */
  void *q;            /* an out argument */
  size_t n;
} call;

static int trampoline(lua_State *L) {
  call *c = (call *)lua_touserdata(L, 1);
  c->entered = 1;
  return c->body(L);
}

#if LUA_VERSION_NUM == 501
static const char trampoline_key = 0; /* its address names the registry slot */

static int store_trampoline(lua_State *L) {
  lua_pushlightuserdata(L, (void *)&trampoline_key);
  lua_pushcfunction(L, trampoline);
  lua_rawset(L, LUA_REGISTRYINDEX);
  return 0;
}

static int push_trampoline(lua_State *L) {
  for (int tries = 0; tries < 2; tries++) {
    lua_pushlightuserdata(L, (void *)&trampoline_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (lua_isfunction(L, -1)) return LUA_OK;
    lua_pop(L, 1);
    int st = lua_cpcall(L, store_trampoline, NULL);
    if (st != LUA_OK) return st;
  }
  lua_pushliteral(L, "cuarray: cannot keep the C API's trampoline in the registry");
  return LUA_ERRRUN;
}
#else
static int push_trampoline(lua_State *L) {
  lua_pushcfunction(L, trampoline);
  return LUA_OK;
}
#endif

static cuarray_status fail(char *err, size_t errlen, cuarray_status st, const char *msg) {
  if (err && errlen) snprintf(err, errlen, "%s", msg);
  return st;
}

/* Runs c->body with the value at `value` (0: none), leaving its nres results on success and
 * nothing on failure. */
static cuarray_status protect(lua_State *L, call *c, int value, int nres, char *err, size_t errlen) {
  if (err && errlen) err[0] = 0;
  if (value) value = ca_absindex(L, value);
#if LUA_VERSION_NUM >= 502
  if (!lua_checkstack(L, 3 + nres)) return fail(err, errlen, CUARRAY_ERRMEM, "the Lua stack is full");
#endif
  int st = push_trampoline(L);
  if (st == LUA_OK) {
    lua_pushlightuserdata(L, c);
    if (value) lua_pushvalue(L, value);
    st = lua_pcall(L, value ? 2 : 1, nres, 0);
  }
  if (st == LUA_OK) return CUARRAY_OK;
  const char *msg = lua_tostring(L, -1);
  char what[64];
  if (!msg) {
    snprintf(what, sizeof what, "(error object is a %s value)", luaL_typename(L, -1));
    msg = what;
  }
  cuarray_status r = fail(err, errlen, st == LUA_ERRMEM ? CUARRAY_ERRMEM : CUARRAY_ERROR, msg);
  lua_pop(L, 1);
  return r;
}

static call *the_call(lua_State *L) { return (call *)lua_touserdata(L, 1); }

/* ---- the forms ------------------------------------------------------------------------ */

static int preload_body(lua_State *L) {
  cuarray_preload(L);
  return 0;
}

CUARRAY_API cuarray_status cuarray_try_preload(lua_State *L, char *err, size_t errlen) {
  call c = {preload_body, 0, 0, NULL, NULL, 0};
  return protect(L, &c, 0, 0, err, errlen);
}

static int push_wrapped_body(lua_State *L) {
  cuarray_push_wrapped(L, (const cuarray_desc *)the_call(L)->p);
  return 1;
}

CUARRAY_API cuarray_status cuarray_try_push_wrapped(lua_State *L, const cuarray_desc *d,
                                                    char *err, size_t errlen) {
  if (!d) return fail(err, errlen, CUARRAY_ERROR, "cuarray_try_push_wrapped: no descriptor (NULL)");
  call c = {push_wrapped_body, 0, 0, d, NULL, 0};
  cuarray_status st = protect(L, &c, 0, 1, err, errlen);
  if (st != CUARRAY_OK && !c.entered && d->release) d->release(d->release_ctx, d->data);
  return st;
}

static int check_body(lua_State *L) {
  cuarray_check(L, 2, (cuarray_desc *)the_call(L)->q);
  return 0;
}

CUARRAY_API cuarray_status cuarray_try_check(lua_State *L, int idx, cuarray_desc *out,
                                             char *err, size_t errlen) {
  call c = {check_body, 0, 0, NULL, out, 0};
  return protect(L, &c, idx, 0, err, errlen);
}

static int synchronize_body(lua_State *L) {
  cuarray_synchronize(L, 2);
  return 0;
}

CUARRAY_API cuarray_status cuarray_try_synchronize(lua_State *L, int idx, char *err, size_t errlen) {
  call c = {synchronize_body, 0, 0, NULL, NULL, 0};
  return protect(L, &c, idx, 0, err, errlen);
}

static int copy_to_host_body(lua_State *L) {
  call *c = the_call(L);
  cuarray_copy_to_host(L, 2, c->q, c->n);
  return 0;
}

CUARRAY_API cuarray_status cuarray_try_copy_to_host(lua_State *L, int idx, void *dst, size_t nbytes,
                                                    char *err, size_t errlen) {
  call c = {copy_to_host_body, 0, 0, NULL, dst, nbytes};
  return protect(L, &c, idx, 0, err, errlen);
}

static int push_dlpack_body(lua_State *L) {
  call *c = the_call(L);
  cuarray_push_dlpack(L, c->q, c->i);
  return 1;
}

CUARRAY_API cuarray_status cuarray_try_push_dlpack(lua_State *L, void *managed_tensor, int versioned,
                                                   char *err, size_t errlen) {
  call c = {push_dlpack_body, 0, versioned, NULL, managed_tensor, 0};
  cuarray_status st = protect(L, &c, 0, 1, err, errlen);
  if (st != CUARRAY_OK && !c.entered && managed_tensor) {
    if (versioned) {
      DLManagedTensorVersioned *m = (DLManagedTensorVersioned *)managed_tensor;
      if (m->deleter) m->deleter(m);
    } else {
      DLManagedTensor *m = (DLManagedTensor *)managed_tensor;
      if (m->deleter) m->deleter(m);
    }
  }
  return st;
}

static int to_dlpack_body(lua_State *L) {
  call *c = the_call(L);
  *(void **)c->q = cuarray_to_dlpack(L, 2, c->i);
  return 0;
}

CUARRAY_API cuarray_status cuarray_try_to_dlpack(lua_State *L, int idx, int versioned, void **out,
                                                 char *err, size_t errlen) {
  call c = {to_dlpack_body, 0, versioned, NULL, out, 0};
  if (!out) return fail(err, errlen, CUARRAY_ERROR, "cuarray_try_to_dlpack: out is NULL");
  *out = NULL;
  return protect(L, &c, idx, 0, err, errlen);
}

static int set_stream_body(lua_State *L) {
  call *c = the_call(L);
  cuarray_set_stream(L, c->i, c->q);
  return 0;
}

CUARRAY_API cuarray_status cuarray_try_set_stream(lua_State *L, int device, void *stream,
                                                  char *err, size_t errlen) {
  call c = {set_stream_body, 0, device, NULL, stream, 0};
  return protect(L, &c, 0, 0, err, errlen);
}

static int set_allocator_body(lua_State *L) {
  call *c = the_call(L);
  cuarray_set_allocator(L, c->i, (const cuarray_allocator *)c->p);
  return 0;
}

CUARRAY_API cuarray_status cuarray_try_set_allocator(lua_State *L, int device,
                                                     const cuarray_allocator *a,
                                                     char *err, size_t errlen) {
  call c = {set_allocator_body, 0, device, a, NULL, 0};
  return protect(L, &c, 0, 0, err, errlen);
}

static int set_num_threads_body(lua_State *L) {
  cuarray_set_num_threads(L, the_call(L)->i);
  return 0;
}

CUARRAY_API cuarray_status cuarray_try_set_num_threads(lua_State *L, int n, char *err, size_t errlen) {
  call c = {set_num_threads_body, 0, n, NULL, NULL, 0};
  return protect(L, &c, 0, 0, err, errlen);
}

static int set_gc_threshold_body(lua_State *L) {
  cuarray_set_gc_threshold(L, the_call(L)->n);
  return 0;
}

CUARRAY_API cuarray_status cuarray_try_set_gc_threshold(lua_State *L, size_t bytes, char *err,
                                                        size_t errlen) {
  call c = {set_gc_threshold_body, 0, 0, NULL, NULL, bytes};
  return protect(L, &c, 0, 0, err, errlen);
}
