/* Shared by the Lua binding files of cuarray.cuda (cuda/l_cuda.c, cuda/l_nccl.c). */
#ifndef CA_L_CUDA_H
#define CA_L_CUDA_H

#include <lua.h>
#include "cuda_internal.h"

/* The backend of device `ordinal` in this lua_State, created on first use; raises when there
 * is no such device. */
ca_backend *cu_lua_backend(lua_State *L, int ordinal);

/* A device argument at idx: an ordinal N (CUDA's numbering, from 0), "cuda:N", or "cuda" and
 * nil for the device "cuda" names in the core (the default device when it is a CUDA device,
 * else 0). Raises naming fname for anything else. */
int cu_lua_device(lua_State *L, int idx, const char *fname);

/* Adds the NCCL binding (cuda/l_nccl.c) to the module table at the top of the stack, as the
 * field `_nccl` (lua/cuarray/nccl.lua makes cu.nccl of it). */
void cu_open_nccl(lua_State *L);

#endif
