/* The Lua module cuarray.cuda: device probing, the CUDA backends (one per device, created on
 * first use), synchronisation, memory figures, events and streams.
 * State lives in a userdata in the registry (STATE_KEY), as the core's does, so that every
 * function and finalizer reaches it from the lua_State alone; its __gc hands each backend to
 * cu_backend_destroy, which waits for the backend's last allocation before tearing it down.
 * Loading works without a GPU: is_available() then says why not, and backend() raises. */
#include <stdio.h>
#include <string.h>
#include <cuda_runtime_api.h>
#include "compat.h"
#include "cuda_internal.h"

#define CU_MAXDEV 64
#define STATE_KEY "cuarray.cuda.state"
#define EVENT_MT "cuarray.cuda.Event"
#define STREAM_MT "cuarray.cuda.Stream"

typedef struct cu_state {
  ca_backend *be[CU_MAXDEV];
  int stream_ref[CU_MAXDEV];   /* registry ref of the Stream made current by with_stream */
} cu_state;

typedef struct cu_event {
  cudaEvent_t ev;
  int device;
} cu_event;

typedef struct cu_lstream {
  cudaStream_t s;
  int device;
  int owned;                   /* 0: a backend's own stream, not ours to destroy */
} cu_lstream;

CA_EXPORT int luaopen_cuarray_cuda(lua_State *L);

static cu_state *state_of(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, STATE_KEY);
  cu_state *st = (cu_state *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (!st) luaL_error(L, "cuda: the module's state is gone (the registry entry %s was removed)", STATE_KEY);
  return st;
}

static int cuda_error(lua_State *L, const char *call, cudaError_t err) {
  (void)cudaGetLastError();
  return luaL_error(L, "cuda: %s: %s", call, cudaGetErrorString(err));
}

static int opt_ordinal(lua_State *L, int i, int def) {
  if (lua_isnoneornil(L, i)) return def;
  lua_Number n = luaL_checknumber(L, i);
  if (!(n >= 0 && n < 1e9) || n != (lua_Number)(int)n)
    return luaL_argerror(L, i, "device ordinal must be an integer from 0");
  if (n >= CU_MAXDEV) return luaL_error(L, "cuda: device %d does not exist", (int)n);
  return (int)n;
}

/* The number of devices, or -1 with the reason pushed nowhere but in buf. */
static int count_devices(char *buf, size_t len) {
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    snprintf(buf, len, "cudaGetDeviceCount: %s", cudaGetErrorString(err));
    (void)cudaGetLastError();
    return -1;
  }
  if (n == 0) {
    snprintf(buf, len, "no CUDA device found");
    return -1;
  }
  return n;
}

static ca_backend *get_backend(lua_State *L, cu_state *st, int ordinal) {
  if (st->be[ordinal]) return st->be[ordinal];
  char why[256];
  int n = count_devices(why, sizeof why);
  if (n < 0) {
    luaL_error(L, "cuda: no CUDA device available (%s)", why);
    return NULL;
  }
  if (ordinal >= n) {
    luaL_error(L, "cuda: device %d does not exist (%d device%s)", ordinal, n, n == 1 ? "" : "s");
    return NULL;
  }
  char msg[512];
  ca_status s = cu_backend_open(ordinal, &st->be[ordinal], msg, sizeof msg);
  if (s != CA_OK) {
    st->be[ordinal] = NULL;
    luaL_error(L, "cuda: cannot initialise device %d: %s", ordinal, msg);
    return NULL;
  }
  return st->be[ordinal];
}

/* ---- module functions -------------------------------------------------------------------- */

static int l_is_available(lua_State *L) {
  char why[256];
  if (count_devices(why, sizeof why) < 0) {
    lua_pushboolean(L, 0);
    lua_pushstring(L, why);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int l_device_count(lua_State *L) {
  char why[256];
  int n = count_devices(why, sizeof why);
  lua_pushinteger(L, n < 0 ? 0 : n);
  return 1;
}

static int l_backend(lua_State *L) {
  cu_state *st = state_of(L);
  lua_pushlightuserdata(L, get_backend(L, st, opt_ordinal(L, 1, 0)));
  return 1;
}

static int l_synchronize(lua_State *L) {
  cu_state *st = state_of(L);
  for (int d = 0; d < CU_MAXDEV; d++) {
    ca_backend *be = st->be[d];
    if (!be) continue;
    if (be->synchronize(be) != CA_OK) return luaL_error(L, "cuda: synchronize: %s", be->errmsg);
    cudaError_t err = cudaDeviceSynchronize();
    if (err != cudaSuccess) return cuda_error(L, "cudaDeviceSynchronize", err);
  }
  return 0;
}

static int l_memory_info(lua_State *L) {
  cu_state *st = state_of(L);
  ca_backend *be = get_backend(L, st, opt_ordinal(L, 1, 0));
  size_t used = 0, cached = 0, fr = 0, total = 0;
  if (be->mem_info(be, &used, &cached, &fr) != CA_OK) return luaL_error(L, "cuda: memory_info: %s", be->errmsg);
  cudaError_t err = cudaMemGetInfo(&fr, &total);
  if (err != cudaSuccess) return cuda_error(L, "cudaMemGetInfo", err);
  lua_createtable(L, 0, 4);
  lua_pushnumber(L, (lua_Number)used);
  lua_setfield(L, -2, "used");
  lua_pushnumber(L, (lua_Number)cached);
  lua_setfield(L, -2, "cached");
  lua_pushnumber(L, (lua_Number)fr);
  lua_setfield(L, -2, "free");
  lua_pushnumber(L, (lua_Number)total);
  lua_setfield(L, -2, "total");
  return 1;
}

static int l_empty_cache(lua_State *L) {
  cu_state *st = state_of(L);
  for (int d = 0; d < CU_MAXDEV; d++)
    if (st->be[d]) st->be[d]->trim(st->be[d]);
  return 0;
}

/* ---- streams ----------------------------------------------------------------------------- */

static cu_lstream *check_stream(lua_State *L, int i) {
  cu_lstream *s = (cu_lstream *)luaL_checkudata(L, i, STREAM_MT);
  if (!s->s && s->owned) luaL_argerror(L, i, "stream was destroyed");
  return s;
}

static cu_lstream *push_stream(lua_State *L) {
  cu_lstream *s = (cu_lstream *)ca_newuserdata(L, sizeof *s);
  s->s = NULL;
  s->device = 0;
  s->owned = 0;
  luaL_getmetatable(L, STREAM_MT);
  lua_setmetatable(L, -2);
  return s;
}

static int l_Stream(lua_State *L) {
  int dev = opt_ordinal(L, 1, 0);
  get_backend(L, state_of(L), dev); /* raises when there is no such device */
  cu_lstream *s = push_stream(L);
  s->device = dev;
  cudaError_t err = cudaSetDevice(dev);
  if (err != cudaSuccess) return cuda_error(L, "cudaSetDevice", err);
  if ((err = cudaStreamCreateWithFlags(&s->s, cudaStreamNonBlocking)) != cudaSuccess) {
    s->s = NULL;
    return cuda_error(L, "cudaStreamCreateWithFlags", err);
  }
  s->owned = 1;
  return 1;
}

static int stream_gc(lua_State *L) {
  cu_lstream *s = (cu_lstream *)luaL_checkudata(L, 1, STREAM_MT);
  if (s->s && s->owned) {
    cudaStreamDestroy(s->s);
    (void)cudaGetLastError();
  }
  s->s = NULL;
  return 0;
}

static int stream_synchronize(lua_State *L) {
  cu_lstream *s = check_stream(L, 1);
  cudaError_t err = cudaStreamSynchronize(s->s);
  if (err != cudaSuccess) return cuda_error(L, "cudaStreamSynchronize", err);
  return 0;
}

static int stream_query(lua_State *L) {
  cu_lstream *s = check_stream(L, 1);
  cudaError_t err = cudaStreamQuery(s->s);
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();
    lua_pushboolean(L, 0);
    return 1;
  }
  if (err != cudaSuccess) return cuda_error(L, "cudaStreamQuery", err);
  lua_pushboolean(L, 1);
  return 1;
}

static int stream_tostring(lua_State *L) {
  cu_lstream *s = (cu_lstream *)luaL_checkudata(L, 1, STREAM_MT);
  lua_pushfstring(L, "cuda.Stream(cuda:%d, %p%s)", s->device, (void *)s->s, s->owned ? "" : ", default");
  return 1;
}

/* with_stream(stream, fn, ...): fn(...) with `stream` current on its device; the previous
 * stream is restored even when fn raises (the error is raised again afterwards). */
static int l_with_stream(lua_State *L) {
  cu_state *st = state_of(L);
  cu_lstream *s = check_stream(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  ca_backend *be = get_backend(L, st, s->device);
  cudaStream_t old = cu_get_stream(be);
  if (cu_set_stream(be, s->s) != CA_OK) return luaL_error(L, "cuda: with_stream: %s", be->errmsg);
  int old_ref = st->stream_ref[s->device];
  lua_pushvalue(L, 1);
  st->stream_ref[s->device] = luaL_ref(L, LUA_REGISTRYINDEX);
  int base = 2, nargs = lua_gettop(L) - 2;
  int rc = lua_pcall(L, nargs, LUA_MULTRET, 0);
  luaL_unref(L, LUA_REGISTRYINDEX, st->stream_ref[s->device]);
  st->stream_ref[s->device] = old_ref;
  ca_status rs = cu_set_stream(be, old);
  if (rc != 0) return lua_error(L);
  if (rs != CA_OK) return luaL_error(L, "cuda: with_stream: %s", be->errmsg);
  return lua_gettop(L) - base + 1; /* fn's results replaced fn and its arguments at index 2 */
}

static int l_current_stream(lua_State *L) {
  cu_state *st = state_of(L);
  int dev = opt_ordinal(L, 1, 0);
  ca_backend *be = get_backend(L, st, dev);
  if (st->stream_ref[dev] != LUA_NOREF && st->stream_ref[dev] != LUA_REFNIL) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, st->stream_ref[dev]);
    return 1;
  }
  cu_lstream *s = push_stream(L);
  s->device = dev;
  s->s = cu_default_stream(be);
  return 1;
}

/* ---- events ------------------------------------------------------------------------------ */

static cu_event *check_event(lua_State *L, int i) {
  cu_event *e = (cu_event *)luaL_checkudata(L, i, EVENT_MT);
  if (!e->ev) luaL_argerror(L, i, "event was destroyed");
  return e;
}

static int l_Event(lua_State *L) {
  int dev = opt_ordinal(L, 1, 0);
  get_backend(L, state_of(L), dev);
  cu_event *e = (cu_event *)ca_newuserdata(L, sizeof *e);
  e->ev = NULL;
  e->device = dev;
  luaL_getmetatable(L, EVENT_MT);
  lua_setmetatable(L, -2);
  cudaError_t err = cudaSetDevice(dev);
  if (err != cudaSuccess) return cuda_error(L, "cudaSetDevice", err);
  if ((err = cudaEventCreate(&e->ev)) != cudaSuccess) {
    e->ev = NULL;
    return cuda_error(L, "cudaEventCreate", err);
  }
  return 1;
}

static int event_gc(lua_State *L) {
  cu_event *e = (cu_event *)luaL_checkudata(L, 1, EVENT_MT);
  if (e->ev) {
    cudaEventDestroy(e->ev);
    (void)cudaGetLastError();
  }
  e->ev = NULL;
  return 0;
}

static int event_record(lua_State *L) {
  cu_event *e = check_event(L, 1);
  cudaStream_t s;
  if (lua_isnoneornil(L, 2)) {
    ca_backend *be = get_backend(L, state_of(L), e->device);
    s = cu_stream(be);
  } else {
    s = check_stream(L, 2)->s;
  }
  cudaError_t err = cudaEventRecord(e->ev, s);
  if (err != cudaSuccess) return cuda_error(L, "cudaEventRecord", err);
  lua_settop(L, 1);
  return 1;
}

static int event_synchronize(lua_State *L) {
  cu_event *e = check_event(L, 1);
  cudaError_t err = cudaEventSynchronize(e->ev);
  if (err != cudaSuccess) return cuda_error(L, "cudaEventSynchronize", err);
  return 0;
}

static int event_elapsed(lua_State *L) {
  cu_event *a = check_event(L, 1), *b = check_event(L, 2);
  float ms = 0;
  cudaError_t err = cudaEventElapsedTime(&ms, a->ev, b->ev);
  if (err != cudaSuccess) return cuda_error(L, "cudaEventElapsedTime", err);
  lua_pushnumber(L, ms);
  return 1;
}

static int event_query(lua_State *L) {
  cu_event *e = check_event(L, 1);
  cudaError_t err = cudaEventQuery(e->ev);
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();
    lua_pushboolean(L, 0);
    return 1;
  }
  if (err != cudaSuccess) return cuda_error(L, "cudaEventQuery", err);
  lua_pushboolean(L, 1);
  return 1;
}

static int event_tostring(lua_State *L) {
  cu_event *e = (cu_event *)luaL_checkudata(L, 1, EVENT_MT);
  lua_pushfstring(L, "cuda.Event(cuda:%d, %p)", e->device, (void *)e->ev);
  return 1;
}

/* ---- module state and registration ------------------------------------------------------- */

static int state_gc(lua_State *L) {
  cu_state *st = (cu_state *)lua_touserdata(L, 1);
  for (int d = 0; d < CU_MAXDEV; d++) {
    if (st->be[d]) cu_backend_destroy(st->be[d]);
    st->be[d] = NULL;
  }
  return 0;
}

static const luaL_Reg module_fns[] = {
  {"is_available", l_is_available},
  {"device_count", l_device_count},
  {"backend", l_backend},
  {"synchronize", l_synchronize},
  {"memory_info", l_memory_info},
  {"empty_cache", l_empty_cache},
  {"Event", l_Event},
  {"Stream", l_Stream},
  {"with_stream", l_with_stream},
  {"current_stream", l_current_stream},
  {NULL, NULL}
};

static const luaL_Reg event_methods[] = {
  {"record", event_record},
  {"synchronize", event_synchronize},
  {"elapsed", event_elapsed},
  {"query", event_query},
  {NULL, NULL}
};

static const luaL_Reg stream_methods[] = {
  {"synchronize", stream_synchronize},
  {"query", stream_query},
  {NULL, NULL}
};

/* A metatable with __index = methods, __gc, __tostring. */
static void new_type(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc,
                     lua_CFunction tostr) {
  luaL_newmetatable(L, name);
  lua_newtable(L);
  ca_setfuncs(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, tostr);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
}

CA_EXPORT int luaopen_cuarray_cuda(lua_State *L) {
  /* One state per lua_State, shared by every require of the module in it. */
  lua_getfield(L, LUA_REGISTRYINDEX, STATE_KEY);
  if (lua_isnil(L, -1)) {
    cu_state *st = (cu_state *)ca_newuserdata(L, sizeof *st);
    memset(st, 0, sizeof *st);
    for (int d = 0; d < CU_MAXDEV; d++) st->stream_ref[d] = LUA_NOREF;
    lua_newtable(L);
    lua_pushcfunction(L, state_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, STATE_KEY);
  }
  lua_pop(L, 1);
  new_type(L, EVENT_MT, event_methods, event_gc, event_tostring);
  new_type(L, STREAM_MT, stream_methods, stream_gc, stream_tostring);
  lua_newtable(L);
  ca_setfuncs(L, module_fns);
  cu_open_kernel(L);
  return 1;
}
