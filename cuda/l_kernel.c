/* The C side of user kernels and fusion, as private functions of cuarray.cuda (the Lua side is
 * lua/cuarray/kernel.lua and fuse.lua): compiling with NVRTC (cuda/jit.c), loading an image as
 * a CUDA library (cudaLibraryLoadData: context-independent, so one load serves every device),
 * and launching with arguments packed from Lua values by a signature string. Compiling needs
 * no GPU; loading and launching do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cuda_runtime_api.h>
#include "compat.h"
#include "convert.h"
#include "jit.h"
#include "l_cuda.h"

#define LIBRARY_MT "cuarray.cuda.Library"
#define STREAM_MT "cuarray.cuda.Stream" /* cuda/l_cuda.c; its userdata starts with the stream */
#define MAX_ARGS 64
#define ARENA_BYTES (MAX_ARGS * 8 * (2 * CA_MAXDIMS + 1))

typedef struct cu_library {
  cudaLibrary_t lib;
} cu_library;

/* cuda._jit_version() -> major, minor | nil, why */
static int l_version(lua_State *L) {
  int major = 0, minor = 0;
  char why[256];
  if (cu_jit_version(&major, &minor, why, sizeof why)) {
    lua_pushnil(L);
    lua_pushstring(L, why);
    return 2;
  }
  lua_pushinteger(L, major);
  lua_pushinteger(L, minor);
  return 2;
}

/* cuda._jit_compile(source, name, {options}) -> image | false, log | nil, why */
static int l_compile(lua_State *L) {
  const char *src = cu_check_lstring(L, 1, NULL, "_jit_compile");
  const char *name = cu_check_lstring(L, 2, NULL, "_jit_compile");
  cu_check_type(L, 3, LUA_TTABLE, "_jit_compile");
  int nopts = (int)ca_rawlen(L, 3);
  if (nopts > 256) return luaL_error(L, "_jit_compile: too many options (%d)", nopts);
  const char *opts[256];
  for (int i = 0; i < nopts; i++) {
    lua_rawgeti(L, 3, i + 1);
    opts[i] = lua_tostring(L, -1); /* anchored by the table */
    lua_pop(L, 1);
    if (!opts[i]) return luaL_error(L, "_jit_compile: option %d is not a string", i + 1);
  }
  char *image = NULL, *log = NULL, why[256];
  size_t size = 0;
  int r = cu_jit_compile(src, name, opts, nopts, &image, &size, &log, why, sizeof why);
  if (r == 0) {
    lua_pushlstring(L, image, size);
    free(image);
    return 1;
  }
  if (r == 1) {
    lua_pushboolean(L, 0);
    lua_pushstring(L, log);
    free(log);
    return 2;
  }
  lua_pushnil(L);
  lua_pushstring(L, why);
  return 2;
}

/* cuda._jit_hash(s, ...) -> 16 hex digits over every string, each preceded by its length */
static int l_hash(lua_State *L) {
  unsigned long long h = CU_HASH_SEED;
  for (int i = 1, n = lua_gettop(L); i <= n; i++) {
    size_t len = 0;
    const char *s = cu_check_lstring(L, i, &len, "_jit_hash");
    unsigned long long n64 = len;
    h = cu_hash(h, &n64, sizeof n64);
    h = cu_hash(h, s, len);
  }
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", h);
  lua_pushstring(L, hex);
  return 1;
}

/* cuda._jit_mkdirs(path) -> true | nil, why: each missing directory of path, mode 0700. */
static int l_mkdirs(lua_State *L) {
  size_t len = 0;
  const char *path = cu_check_lstring(L, 1, &len, "_jit_mkdirs");
  char *p = (char *)malloc(len + 1);
  if (!p) return luaL_error(L, "_jit_mkdirs: out of memory");
  memcpy(p, path, len + 1);
  int ok = 1;
  for (size_t i = 1; i <= len && ok; i++) {
    if (p[i] != '/' && p[i] != 0) continue;
    char c = p[i];
    p[i] = 0;
    if (mkdir(p, 0700) != 0 && errno != EEXIST) ok = 0;
    p[i] = c;
  }
  free(p);
  if (ok) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushnil(L);
  lua_pushfstring(L, "cannot create %s: %s", path, strerror(errno));
  return 2;
}

/* cuda._jit_arch(ordinal) -> "sm_90": the architecture of a device */
static int l_arch(lua_State *L) {
  lua_Number n = cu_check_number(L, 1, "_jit_arch");
  if (!(n >= 0 && n < 1e9) || n != (lua_Number)(int)n)
    return luaL_error(L, "_jit_arch: a device ordinal is an integer from 0, got %s", lua_tostring(L, 1));
  int dev = (int)n, major = 0, minor = 0;
  cudaError_t e = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev);
  if (e == cudaSuccess) e = cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    return luaL_error(L, "_jit_arch: cudaDeviceGetAttribute: %s", cudaGetErrorString(e));
  }
  lua_pushfstring(L, "sm_%d%d", major, minor);
  return 1;
}

/* cuda._jit_load(image) -> Library (userdata first, then the load) */
static int l_load(lua_State *L) {
  size_t len = 0;
  const char *image = cu_check_lstring(L, 1, &len, "_jit_load");
  cu_library *m = (cu_library *)ca_newuserdata(L, sizeof *m);
  m->lib = NULL;
  luaL_getmetatable(L, LIBRARY_MT);
  lua_setmetatable(L, -2);
  /* PTX must end in a NUL, which a Lua string has past its length. */
  cudaError_t e = cudaLibraryLoadData(&m->lib, image, NULL, NULL, 0, NULL, NULL, 0);
  if (e != cudaSuccess) {
    m->lib = NULL;
    (void)cudaGetLastError();
    return luaL_error(L, "_jit_load: cudaLibraryLoadData: %s", cudaGetErrorString(e));
  }
  return 1;
}

static int library_gc(lua_State *L) {
  cu_library *m = (cu_library *)cu_check_udata(L, 1, LIBRARY_MT, "__gc");
  if (m->lib) {
    (void)cudaLibraryUnload(m->lib);
    (void)cudaGetLastError();
  }
  m->lib = NULL;
  return 0;
}

/* cuda._jit_get(library, name) -> the kernel as a light userdata (valid while the library
 * lives) | nil, why */
static int library_get(lua_State *L) {
  cu_library *m = (cu_library *)cu_check_udata(L, 1, LIBRARY_MT, "_jit_get");
  const char *name = cu_check_lstring(L, 2, NULL, "_jit_get");
  if (!m->lib) return luaL_error(L, "get_function: the module has been unloaded");
  cudaKernel_t k = NULL;
  cudaError_t e = cudaLibraryGetKernel(&k, m->lib, name);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    lua_pushnil(L);
    lua_pushstring(L, cudaGetErrorString(e));
    return 2;
  }
  lua_pushlightuserdata(L, (void *)k);
  return 1;
}

/* A device pointer: nil (NULL), a light userdata, or a `void *` cdata (a:data_ptr() under
 * LuaJIT), whose payload, which lua_topointer gives, is the pointer itself. */
static void *to_pointer(lua_State *L, int i) {
  switch (lua_type(L, i)) {
  case LUA_TNIL: return NULL;
  case LUA_TLIGHTUSERDATA: return lua_touserdata(L, i);
  default:
    if (strcmp(luaL_typename(L, i), "cdata") == 0) {
      void *const *slot = (void *const *)lua_topointer(L, i);
      return slot ? *slot : NULL;
    }
    luaL_error(L, "launch: argument %d must be a device pointer, got %s", i, luaL_typename(L, i));
    return NULL;
  }
}

static int64_t to_int(lua_State *L, int i) {
  int64_t v = 0;
  if (!ca_tointeger(L, i, &v)) {
    if (lua_type(L, i) == LUA_TNUMBER) return (int64_t)lua_tonumber(L, i);
    luaL_error(L, "launch: argument %d must be a number, got %s", i, luaL_typename(L, i));
  }
  return v;
}

static unsigned dim_of(lua_State *L, int i, const char *what) {
  lua_Number n = cu_check_number(L, i, "launch");
  if (!(n >= 1 && n <= 2147483647.0) || n != (lua_Number)(int64_t)n)
    luaL_error(L, "launch: %s must be a positive integer, got %s", what, lua_tostring(L, i));
  return (unsigned)n;
}

/* cuda._jit_launch(kernel, backend, gx, gy, gz, bx, by, bz, shared_mem, stream|nil, sig, ...)
 * sig has one letter per argument: p a pointer; v a view (a pointer, then a table of int64:
 * the struct { T *p; int64 v[] }); b B h H i I l L (int8 .. uint64), e (float16 bits),
 * f d (float32, float64), ? (bool). */
static int l_launch(lua_State *L) {
  void *kernel = lua_touserdata(L, 1);
  ca_backend *be = (ca_backend *)lua_touserdata(L, 2);
  if (!kernel || !be) return luaL_error(L, "launch: no kernel or no device");
  dim3 grid = {dim_of(L, 3, "grid x"), dim_of(L, 4, "grid y"), dim_of(L, 5, "grid z")};
  dim3 block = {dim_of(L, 6, "block x"), dim_of(L, 7, "block y"), dim_of(L, 8, "block z")};
  lua_Number shm = cu_check_number(L, 9, "launch");
  if (!(shm >= 0 && shm < 4294967296.0)) return luaL_error(L, "launch: bad shared_mem size");
  cudaStream_t stream = cu_stream(be); /* also makes the device current */
  if (!lua_isnoneornil(L, 10)) stream = *(cudaStream_t *)cu_check_udata(L, 10, STREAM_MT, "launch");
  size_t nsig = 0;
  const char *sig = cu_check_lstring(L, 11, &nsig, "launch");
  if (nsig > MAX_ARGS) return luaL_error(L, "launch: more than %d arguments", MAX_ARGS);
  if (lua_gettop(L) - 11 != (int)nsig)
    return luaL_error(L, "launch: %d values for %d arguments", lua_gettop(L) - 11, (int)nsig);
  /* Each argument's bytes, 8-aligned, in one arena; params[i] points at argument i. */
  uint64_t arena[ARENA_BYTES / 8];
  void *params[MAX_ARGS];
  size_t used = 0;
  for (size_t a = 0; a < nsig; a++) {
    int i = 12 + (int)a;
    unsigned char *slot = (unsigned char *)(arena + used);
    params[a] = slot;
    size_t words = 1;
    switch (sig[a]) {
    case 'p': { void *p = to_pointer(L, i); memcpy(slot, &p, sizeof p); break; }
    case 'v': {
      cu_check_type(L, i, LUA_TTABLE, "launch");
      lua_rawgeti(L, i, 1);
      void *p = to_pointer(L, lua_gettop(L));
      lua_pop(L, 1);
      memcpy(slot, &p, sizeof p);
      int n = (int)ca_rawlen(L, i);
      if (n - 1 > 2 * CA_MAXDIMS) return luaL_error(L, "launch: a view of %d values", n - 1);
      for (int k = 2; k <= n; k++) {
        lua_rawgeti(L, i, k);
        int64_t v = to_int(L, lua_gettop(L));
        lua_pop(L, 1);
        memcpy(slot + 8 * (k - 1), &v, 8);
      }
      words = (size_t)(n > 1 ? n : 1);
      break;
    }
#define INT_ARG(c, T) case c: { T v = (T)to_int(L, i); memcpy(slot, &v, sizeof v); break; }
    INT_ARG('b', int8_t) INT_ARG('B', uint8_t) INT_ARG('h', int16_t) INT_ARG('H', uint16_t)
    INT_ARG('i', int32_t) INT_ARG('I', uint32_t) INT_ARG('l', int64_t) INT_ARG('L', uint64_t)
#undef INT_ARG
    case '?': { uint8_t v = (uint8_t)lua_toboolean(L, i); if (lua_type(L, i) == LUA_TNUMBER) v = lua_tonumber(L, i) != 0; memcpy(slot, &v, 1); break; }
    case 'e': { uint16_t v = ca_double_to_half(cu_check_number(L, i, "launch")); memcpy(slot, &v, 2); break; }
    case 'f': { float v = (float)cu_check_number(L, i, "launch"); memcpy(slot, &v, 4); break; }
    case 'd': { double v = cu_check_number(L, i, "launch"); memcpy(slot, &v, 8); break; }
    default: return luaL_error(L, "launch: unknown argument type '%c'", sig[a]);
    }
    used += words;
  }
  cudaError_t e = cudaLaunchKernel(kernel, grid, block, params, (size_t)shm, stream);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    lua_pushnil(L);
    lua_pushstring(L, cudaGetErrorString(e));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static const luaL_Reg kernel_fns[] = {
  {"_jit_version", l_version}, {"_jit_compile", l_compile}, {"_jit_hash", l_hash},
  {"_jit_mkdirs", l_mkdirs},   {"_jit_arch", l_arch},       {"_jit_load", l_load},
  {"_jit_launch", l_launch},   {"_jit_get", library_get},   {NULL, NULL}
};

void cu_open_kernel(lua_State *L) {
  luaL_newmetatable(L, LIBRARY_MT);
  lua_pushcfunction(L, library_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  ca_setfuncs(L, kernel_fns);
}
