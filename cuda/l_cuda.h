/* Shared by the Lua binding files of cuarray.cuda (cuda/l_cuda.c, cuda/l_device.c,
 * cuda/l_nccl.c). */
#ifndef CA_L_CUDA_H
#define CA_L_CUDA_H

#include <lua.h>
#include <lauxlib.h>
#include "cuda_internal.h"

#define CU_MAXDEV 64
#define CU_STATE_KEY "cuarray.cuda.state"

/* The module's state, a userdata in the registry under CU_STATE_KEY (made by
 * luaopen_cuarray_cuda, cuda/l_cuda.c). */
typedef struct cu_state {
  ca_backend *be[CU_MAXDEV];
  int stream_ref[CU_MAXDEV];   /* registry ref of the Stream made current by with_stream */
} cu_state;

/* ---- cuda/l_device.c ---- */

/* The state; raises when the registry entry is gone. */
cu_state *cu_lua_state(lua_State *L);

/* The number of devices, or -1 with the reason in buf. */
int cu_count_devices(char *buf, size_t len);

/* The backend of device `ordinal` in this lua_State, created on first use; raises when there
 * is no such device. */
ca_backend *cu_lua_backend(lua_State *L, int ordinal);

/* A device argument at idx: an ordinal N (CUDA's numbering, from 0), "cuda:N", or "cuda" and
 * nil for the device "cuda" names in the core (the default device when it is a CUDA device,
 * else 0). Raises naming fname for anything else. */
int cu_lua_device(lua_State *L, int idx, const char *fname);

/* The userdata of `size` bytes under `key` in the registry, made zeroed with the finalizer
 * `gc` when missing (*created says so): one state per lua_State, however often the module is
 * opened in it. */
void *cu_lua_registry_state(lua_State *L, const char *key, size_t size, lua_CFunction gc, int *created);

/* luaL's argument checks, with the function's name in the message ("fname: argument #2 must be
 * a string, got table"): luaL's own name the function only when the caller's debug information
 * does, and LuaJIT says '?' for a method or a field called through a table. */
void *cu_check_udata(lua_State *L, int i, const char *tname, const char *fname);
const char *cu_check_lstring(lua_State *L, int i, size_t *len, const char *fname);
lua_Number cu_check_number(lua_State *L, int i, const char *fname);
void cu_check_type(lua_State *L, int i, int t, const char *fname);

/* Registers the metatable `name` (__index = the methods, __gc, __tostring). */
void cu_lua_new_type(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc,
                     lua_CFunction tostr);

/* ---- cuda/l_nccl.c ---- */

/* Adds the NCCL binding to the module table at the top of the stack, as the field `_nccl`
 * (lua/cuarray/nccl.lua makes cu.nccl of it). */
void cu_open_nccl(lua_State *L);

/* ---- cuda/l_kernel.c ---- */

/* Adds the private functions of user kernels (_jit_*: NVRTC, loading, launching) to the
 * module table at the top of the stack (lua/cuarray/jit.lua uses them). */
void cu_open_kernel(lua_State *L);

#endif
