/* Indexing and assignment: a[key], a[key] = value, take, nonzero, concatenate, stack.
 * (Being written; this stub keeps the link working.) */
#include "core.h"

int ca_index_get(lua_State *L) {
  return luaL_error(L, "indexing: not implemented yet");
}

int ca_index_set(lua_State *L) {
  return luaL_error(L, "index assignment: not implemented yet");
}

void ca_open_index(lua_State *L) {
  ca_register(L, NULL, NULL);
}
