/* The module cuarray.core: luaopen_cuarray_core builds the module table and the array methods
 * table and lets each binding file register into them, in the order of `openers` (the array
 * metatable first: the others add to it). */
#include "core.h"

static void (*const openers[])(lua_State *L) = {
  ca_open_array, ca_open_ops, ca_open_reduce, ca_open_lapack, ca_open_linalg, ca_open_fft,
  ca_open_index, ca_open_join, ca_open_create, ca_open_random, ca_open_print, ca_open_pointer, ca_open_dlpack,
  ca_open_npy, ca_open_config, ca_open_runtime, ca_open_bytes, ca_open_image, ca_open_views,
  ca_open_sort, ca_open_dtype,
};

CA_EXPORT int luaopen_cuarray_core(lua_State *L);
CA_EXPORT int luaopen_cuarray_core(lua_State *L) {
  ca_state_get(L);
  lua_newtable(L);                       /* module */
  lua_newtable(L);                       /* methods */
  for (size_t i = 0; i < sizeof openers / sizeof openers[0]; i++) openers[i](L);
  lua_setfield(L, -2, "_methods");       /* module._methods: for the Lua layer */
  return 1;
}
