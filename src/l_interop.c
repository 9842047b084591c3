/* Interop: the public C API (cuarray.h), pointers and LuaJIT FFI, DLPack, .npy / .npz files. */
#include <string.h>
#include "core.h"

void ca_open_interop(lua_State *L) {
  static const luaL_Reg funcs[] = {{NULL, NULL}};
  static const luaL_Reg methods[] = {{NULL, NULL}};
  ca_register(L, funcs, methods);
}
