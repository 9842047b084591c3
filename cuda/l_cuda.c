/* The Lua module cuarray.cuda: device probing, synchronisation, memory figures, events and
 * streams; the backends and the device arguments are cuda/l_device.c's, the NCCL binding
 * cuda/l_nccl.c's.
 * State lives in a userdata in the registry (CU_STATE_KEY), as the core's does, so that every
 * function and finalizer reaches it from the lua_State alone; its __gc hands each backend to
 * cu_backend_destroy, which waits for the backend's last allocation before tearing it down.
 * Loading works without a GPU: is_available() then says why not, and backend() raises. */
#include <stdio.h>
#include <string.h>
#include <cuda_runtime_api.h>
#include "compat.h"
#include "l_cuda.h"

#define EVENT_MT "cuarray.cuda.Event"
#define STREAM_MT "cuarray.cuda.Stream"

typedef struct cu_event {
  cudaEvent_t ev;
  int device;
} cu_event;

typedef struct cu_lstream {
  cudaStream_t s;
  int device;
  int owned;                   /* 0: a backend's own stream, not ours to destroy */
  int external;                /* a host program's stream (cuarray_set_stream) */
} cu_lstream;

CA_EXPORT int luaopen_cuarray_cuda(lua_State *L);

static int cuda_error(lua_State *L, const char *call, cudaError_t err) {
  (void)cudaGetLastError();
  return luaL_error(L, "cuda: %s: %s", call, cudaGetErrorString(err));
}

/* ---- module functions -------------------------------------------------------------------- */

static int l_is_available(lua_State *L) {
  char why[256];
  if (cu_count_devices(why, sizeof why) < 0) {
    lua_pushboolean(L, 0);
    lua_pushstring(L, why);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int l_device_count(lua_State *L) {
  char why[256];
  int n = cu_count_devices(why, sizeof why);
  lua_pushinteger(L, n < 0 ? 0 : n);
  return 1;
}

static int l_backend(lua_State *L) {
  lua_pushlightuserdata(L, cu_lua_backend(L, cu_lua_device(L, 1, "cuda.backend")));
  return 1;
}

/* synchronize([device]): waits for the work queued on that device, or on every device in use. */
static int l_synchronize(lua_State *L) {
  cu_state *st = cu_lua_state(L);
  int only = lua_isnoneornil(L, 1) ? -1 : cu_lua_device(L, 1, "cuda.synchronize");
  if (only >= 0) cu_lua_backend(L, only);
  for (int d = 0; d < CU_MAXDEV; d++) {
    ca_backend *be = st->be[d];
    if (!be || (only >= 0 && d != only)) continue;
    if (be->synchronize(be) != CA_OK) return luaL_error(L, "cuda: synchronize: %s", be->errmsg);
    int restore = cu_device_enter(be->device);
    cudaError_t err = cudaDeviceSynchronize();
    cu_device_leave(restore);
    if (err != cudaSuccess) return cuda_error(L, "cudaDeviceSynchronize", err);
  }
  return 0;
}

static int l_memory_info(lua_State *L) {
  ca_backend *be = cu_lua_backend(L, cu_lua_device(L, 1, "cuda.memory_info"));
  size_t used = 0, cached = 0, fr = 0, total = 0;
  if (be->mem_info(be, &used, &cached, &fr) != CA_OK) return luaL_error(L, "cuda: memory_info: %s", be->errmsg);
  int restore = cu_device_enter(be->device);
  cudaError_t err = cudaMemGetInfo(&fr, &total);
  cu_device_leave(restore);
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

/* can_access_peer(a, b): whether devices a and b reach each other's memory directly (then
 * copies between them go device to device, else through the host). */
static int l_can_access_peer(lua_State *L) {
  int a = cu_lua_device(L, 1, "cuda.can_access_peer"), b = cu_lua_device(L, 2, "cuda.can_access_peer");
  cu_lua_backend(L, a);
  cu_lua_backend(L, b);
  lua_pushboolean(L, cu_can_access_peer(a, b));
  return 1;
}

static int l_empty_cache(lua_State *L) {
  cu_state *st = cu_lua_state(L);
  for (int d = 0; d < CU_MAXDEV; d++)
    if (st->be[d]) st->be[d]->trim(st->be[d]);
  return 0;
}

/* cu.fft.clear_plan_cache() (through cuarray.cuda._fft_clear_plan_cache): every opened
 * device's cached cuFFT plans are destroyed, their workspaces freed. */
static int l_fft_clear_plan_cache(lua_State *L) {
  cu_state *st = cu_lua_state(L);
  for (int d = 0; d < CU_MAXDEV; d++) {
    if (!st->be[d]) continue;
    int restore = cu_device_enter(st->be[d]->device);
    cu_fft_clear(st->be[d]);
    cu_device_leave(restore);
  }
  return 0;
}

/* ---- versions and devices, without creating a context (cu.show_config reads them) -------- */

/* cu.cuda.runtime_version(), cu.cuda.driver_version(): 1000 * major + 10 * minor (13000 for
 * 13.0), as CUDA reports them; the driver's is 0 when no driver is installed. */
static int l_runtime_version(lua_State *L) {
  int v = 0;
  cudaError_t err = cudaRuntimeGetVersion(&v);
  if (err != cudaSuccess) return cuda_error(L, "cudaRuntimeGetVersion", err);
  lua_pushinteger(L, v);
  return 1;
}

static int l_driver_version(lua_State *L) {
  int v = 0;
  cudaError_t err = cudaDriverGetVersion(&v);
  if (err != cudaSuccess) return cuda_error(L, "cudaDriverGetVersion", err);
  lua_pushinteger(L, v);
  return 1;
}

/* cu.cuda.get_device_properties([device]): {name=, major=, minor=, total_memory=,
 * multi_processor_count=} (PyTorch's names). */
static int l_get_device_properties(lua_State *L) {
  int ordinal = cu_lua_device(L, 1, "cuda.get_device_properties");
  char why[256];
  int n = cu_count_devices(why, sizeof why);
  if (n < 0) return luaL_error(L, "cuda: get_device_properties: no CUDA device available (%s)", why);
  if (ordinal >= n)
    return luaL_error(L, "cuda: device %d does not exist (%d device%s)", ordinal, n, n == 1 ? "" : "s");
  struct cudaDeviceProp p;
  cudaError_t err = cudaGetDeviceProperties(&p, ordinal);
  if (err != cudaSuccess) return cuda_error(L, "cudaGetDeviceProperties", err);
  lua_createtable(L, 0, 5);
  lua_pushstring(L, p.name);
  lua_setfield(L, -2, "name");
  lua_pushinteger(L, p.major);
  lua_setfield(L, -2, "major");
  lua_pushinteger(L, p.minor);
  lua_setfield(L, -2, "minor");
  lua_pushnumber(L, (lua_Number)p.totalGlobalMem);
  lua_setfield(L, -2, "total_memory");
  lua_pushinteger(L, p.multiProcessorCount);
  lua_setfield(L, -2, "multi_processor_count");
  return 1;
}

/* cu.cuda.get_arch_list(): the GPU architectures this build holds code for, {"sm_80", ...}
 * (the Makefile's CUDA_ARCH). */
static int l_get_arch_list(lua_State *L) {
#ifdef CA_CUDA_ARCH
  const char *s = CA_CUDA_ARCH;
#else
  const char *s = "";
#endif
  lua_newtable(L);
  int n = 0;
  while (*s) {
    while (*s == ' ') s++;
    const char *e = s;
    while (*e && *e != ' ') e++;
    if (e > s) {
      lua_pushlstring(L, s, (size_t)(e - s));
      lua_rawseti(L, -2, ++n);
    }
    s = e;
  }
  return 1;
}

/* ---- streams ----------------------------------------------------------------------------- */

static cu_lstream *check_stream(lua_State *L, int i, const char *fname) {
  cu_lstream *s = (cu_lstream *)cu_check_udata(L, i, STREAM_MT, fname);
  if (!s->s && s->owned) luaL_error(L, "%s: argument #%d: the stream was destroyed", fname, i);
  return s;
}

static cu_lstream *push_stream(lua_State *L) {
  cu_lstream *s = (cu_lstream *)ca_newuserdata(L, sizeof *s);
  s->s = NULL;
  s->device = 0;
  s->owned = 0;
  s->external = 0;
  luaL_getmetatable(L, STREAM_MT);
  lua_setmetatable(L, -2);
  return s;
}

static int l_Stream(lua_State *L) {
  int dev = cu_lua_device(L, 1, "cuda.Stream");
  cu_lua_backend(L, dev); /* raises when there is no such device */
  cu_lstream *s = push_stream(L);
  s->device = dev;
  int restore = cu_device_enter(dev);
  cudaError_t err = cudaStreamCreateWithFlags(&s->s, cudaStreamNonBlocking);
  cu_device_leave(restore);
  if (err != cudaSuccess) {
    s->s = NULL;
    return cuda_error(L, "cudaStreamCreateWithFlags", err);
  }
  s->owned = 1;
  return 1;
}

static int stream_gc(lua_State *L) {
  cu_lstream *s = (cu_lstream *)cu_check_udata(L, 1, STREAM_MT, "__gc");
  if (s->s && s->owned) {
    cudaStreamDestroy(s->s);
    (void)cudaGetLastError();
  }
  s->s = NULL;
  return 0;
}

static int stream_synchronize(lua_State *L) {
  cu_lstream *s = check_stream(L, 1, "synchronize");
  cudaError_t err = cudaStreamSynchronize(s->s);
  if (err != cudaSuccess) return cuda_error(L, "cudaStreamSynchronize", err);
  return 0;
}

static int stream_query(lua_State *L) {
  cu_lstream *s = check_stream(L, 1, "query");
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
  cu_lstream *s = (cu_lstream *)cu_check_udata(L, 1, STREAM_MT, "__tostring");
  lua_pushfstring(L, "cuda.Stream(cuda:%d, %p%s)", s->device, (void *)s->s,
                  s->owned ? "" : s->external ? ", the host program's" : ", default");
  return 1;
}

/* with_stream(stream, fn, ...): fn(...) with `stream` current on its device; the previous
 * stream is restored even when fn raises (the error is raised again afterwards). */
static int l_with_stream(lua_State *L) {
  cu_state *st = cu_lua_state(L);
  cu_lstream *s = check_stream(L, 1, "cuda.with_stream");
  cu_check_type(L, 2, LUA_TFUNCTION, "cuda.with_stream");
  ca_backend *be = cu_lua_backend(L, s->device);
  cudaStream_t old = cu_get_stream(be);
  int restore = cu_device_enter(s->device);
  ca_status ss = cu_set_stream(be, s->s);
  cu_device_leave(restore);
  if (ss != CA_OK) return luaL_error(L, "cuda: with_stream: %s", be->errmsg);
  int old_ref = st->stream_ref[s->device];
  lua_pushvalue(L, 1);
  st->stream_ref[s->device] = luaL_ref(L, LUA_REGISTRYINDEX);
  int base = 2, nargs = lua_gettop(L) - 2;
  int rc = lua_pcall(L, nargs, LUA_MULTRET, 0);
  luaL_unref(L, LUA_REGISTRYINDEX, st->stream_ref[s->device]);
  st->stream_ref[s->device] = old_ref;
  restore = cu_device_enter(s->device);
  ca_status rs = cu_set_stream(be, old);
  cu_device_leave(restore);
  if (rc != 0) return lua_error(L);
  if (rs != CA_OK) return luaL_error(L, "cuda: with_stream: %s", be->errmsg);
  return lua_gettop(L) - base + 1; /* fn's results replaced fn and its arguments at index 2 */
}

static int l_current_stream(lua_State *L) {
  cu_state *st = cu_lua_state(L);
  int dev = cu_lua_device(L, 1, "cuda.current_stream");
  ca_backend *be = cu_lua_backend(L, dev);
  if (st->stream_ref[dev] != LUA_NOREF && st->stream_ref[dev] != LUA_REFNIL) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, st->stream_ref[dev]);
    return 1;
  }
  cu_lstream *s = push_stream(L);
  s->device = dev;
  s->s = cu_get_stream(be); /* the backend's own, or a host program's (cuarray_set_stream) */
  s->external = s->s != cu_default_stream(be);
  return 1;
}

/* ---- events ------------------------------------------------------------------------------ */

static cu_event *check_event(lua_State *L, int i, const char *fname) {
  cu_event *e = (cu_event *)cu_check_udata(L, i, EVENT_MT, fname);
  if (!e->ev) luaL_error(L, "%s: argument #%d: the event was destroyed", fname, i);
  return e;
}

static int l_Event(lua_State *L) {
  int dev = cu_lua_device(L, 1, "cuda.Event");
  cu_lua_backend(L, dev);
  cu_event *e = (cu_event *)ca_newuserdata(L, sizeof *e);
  e->ev = NULL;
  e->device = dev;
  luaL_getmetatable(L, EVENT_MT);
  lua_setmetatable(L, -2);
  int restore = cu_device_enter(dev);
  cudaError_t err = cudaEventCreate(&e->ev);
  cu_device_leave(restore);
  if (err != cudaSuccess) {
    e->ev = NULL;
    return cuda_error(L, "cudaEventCreate", err);
  }
  return 1;
}

static int event_gc(lua_State *L) {
  cu_event *e = (cu_event *)cu_check_udata(L, 1, EVENT_MT, "__gc");
  if (e->ev) {
    cudaEventDestroy(e->ev);
    (void)cudaGetLastError();
  }
  e->ev = NULL;
  return 0;
}

static int event_record(lua_State *L) {
  cu_event *e = check_event(L, 1, "record");
  cudaStream_t s;
  if (lua_isnoneornil(L, 2)) {
    s = cu_get_stream(cu_lua_backend(L, e->device));
  } else {
    s = check_stream(L, 2, "record")->s;
  }
  int restore = cu_device_enter(e->device);
  cudaError_t err = cudaEventRecord(e->ev, s);
  cu_device_leave(restore);
  if (err != cudaSuccess) return cuda_error(L, "cudaEventRecord", err);
  lua_settop(L, 1);
  return 1;
}

static int event_synchronize(lua_State *L) {
  cu_event *e = check_event(L, 1, "synchronize");
  cudaError_t err = cudaEventSynchronize(e->ev);
  if (err != cudaSuccess) return cuda_error(L, "cudaEventSynchronize", err);
  return 0;
}

static int event_elapsed(lua_State *L) {
  cu_event *a = check_event(L, 1, "elapsed"), *b = check_event(L, 2, "elapsed");
  float ms = 0;
  cudaError_t err = cudaEventElapsedTime(&ms, a->ev, b->ev);
  if (err != cudaSuccess) return cuda_error(L, "cudaEventElapsedTime", err);
  lua_pushnumber(L, ms);
  return 1;
}

static int event_query(lua_State *L) {
  cu_event *e = check_event(L, 1, "query");
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
  cu_event *e = (cu_event *)cu_check_udata(L, 1, EVENT_MT, "__tostring");
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
  {"_fft_clear_plan_cache", l_fft_clear_plan_cache},
  {"Event", l_Event},
  {"Stream", l_Stream},
  {"with_stream", l_with_stream},
  {"current_stream", l_current_stream},
  {"runtime_version", l_runtime_version},
  {"driver_version", l_driver_version},
  {"get_device_properties", l_get_device_properties},
  {"get_arch_list", l_get_arch_list},
  {"can_access_peer", l_can_access_peer},
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

CA_EXPORT int luaopen_cuarray_cuda(lua_State *L) {
  /* One state per lua_State, shared by every require of the module in it. */
  int fresh;
  cu_state *st = (cu_state *)cu_lua_registry_state(L, CU_STATE_KEY, sizeof *st, state_gc, &fresh);
  if (fresh)
    for (int d = 0; d < CU_MAXDEV; d++) st->stream_ref[d] = LUA_NOREF;
  cu_lua_new_type(L, EVENT_MT, event_methods, event_gc, event_tostring);
  cu_lua_new_type(L, STREAM_MT, stream_methods, stream_gc, stream_tostring);
  lua_newtable(L);
  ca_setfuncs(L, module_fns);
  cu_open_nccl(L);
  cu_open_kernel(L);
  return 1;
}
