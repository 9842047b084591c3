/* The part of cuarray.cuda's Lua binding that every binding file of the module uses (l_cuda.c,
 * l_nccl.c): the module state in the registry, each device's backend (made on first use), the
 * one parser of device arguments, and the making of the module's userdata types. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cuda_runtime_api.h>
#include "compat.h"
#include "l_cuda.h"

cu_state *cu_lua_state(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, CU_STATE_KEY);
  cu_state *st = (cu_state *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (!st) luaL_error(L, "cuda: the module's state is gone (the registry entry %s was removed)", CU_STATE_KEY);
  return st;
}

int cu_count_devices(char *buf, size_t len) {
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

ca_backend *cu_lua_backend(lua_State *L, int ordinal) {
  cu_state *st = cu_lua_state(L);
  if (st->be[ordinal]) return st->be[ordinal];
  char why[256];
  int n = cu_count_devices(why, sizeof why);
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

/* The ordinal "cuda" names: asks the core (when loaded) for its default device. */
static int default_ordinal(lua_State *L) {
  int n = 0;
  lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "cuarray.core");
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "get_default_device");
      if (lua_isfunction(L, -1) && lua_pcall(L, 0, 1, 0) == 0) {
        const char *d = lua_tostring(L, -1);
        if (d && strncmp(d, "cuda:", 5) == 0) n = atoi(d + 5);
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return n;
}

/* ordinal, when that device exists; else raises naming fname. */
static int existing(lua_State *L, int ordinal, const char *fname) {
  char why[256];
  int n = cu_count_devices(why, sizeof why);
  if (n >= 0 && ordinal >= n)
    return luaL_error(L, "%s: device %d does not exist (%d device%s)", fname, ordinal, n, n == 1 ? "" : "s");
  if (ordinal >= CU_MAXDEV) return luaL_error(L, "%s: device %d does not exist", fname, ordinal);
  return ordinal;
}

int cu_lua_device(lua_State *L, int i, const char *fname) {
  if (lua_isnoneornil(L, i)) return default_ordinal(L);
  if (lua_type(L, i) == LUA_TNUMBER) {
    lua_Number n = lua_tonumber(L, i);
    if (!(n >= 0 && n < 1e9) || n != (lua_Number)(int)n)
      return luaL_error(L, "%s: a device number is CUDA's ordinal, an integer from 0 (got %s)", fname,
                        lua_tostring(L, i));
    return existing(L, (int)(n < 1000000 ? n : 1000000), fname);
  }
  const char *s = lua_type(L, i) == LUA_TSTRING ? lua_tostring(L, i) : NULL;
  if (s && strcmp(s, "cuda") == 0) return default_ordinal(L);
  if (s && strncmp(s, "cuda:", 5) == 0 && s[5] >= '0' && s[5] <= '9' && strspn(s + 5, "0123456789") == strlen(s + 5)) {
    long n = strtol(s + 5, NULL, 10);
    return existing(L, (int)(n < 1000000 ? n : 1000000), fname);
  }
  return luaL_error(L, "%s: device must be \"cuda:N\", \"cuda\" or the ordinal N (from 0), got %s", fname,
                    s ? s : luaL_typename(L, i));
}

static int bad_argument(lua_State *L, int i, const char *what, const char *fname) {
  return luaL_error(L, "%s: argument #%d must be a %s, got %s", fname, i, what, luaL_typename(L, i));
}

void *cu_check_udata(lua_State *L, int i, const char *tname, const char *fname) {
  void *p = ca_testudata(L, i, tname);
  if (!p) bad_argument(L, i, tname, fname);
  return p;
}

const char *cu_check_lstring(lua_State *L, int i, size_t *len, const char *fname) {
  if (!lua_isstring(L, i)) bad_argument(L, i, "string", fname);
  return lua_tolstring(L, i, len);
}

lua_Number cu_check_number(lua_State *L, int i, const char *fname) {
  if (lua_type(L, i) != LUA_TNUMBER) bad_argument(L, i, "number", fname);
  return lua_tonumber(L, i);
}

void cu_check_type(lua_State *L, int i, int t, const char *fname) {
  if (lua_type(L, i) != t) bad_argument(L, i, lua_typename(L, t), fname);
}

void cu_lua_new_type(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc,
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

void *cu_lua_registry_state(lua_State *L, const char *key, size_t size, lua_CFunction gc, int *created) {
  lua_getfield(L, LUA_REGISTRYINDEX, key);
  void *p = lua_touserdata(L, -1);
  lua_pop(L, 1);
  *created = p == NULL;
  if (p) return p;
  p = ca_newuserdata(L, size);
  memset(p, 0, size);
  lua_newtable(L);
  lua_pushcfunction(L, gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, key);
  return p;
}
