/* What this build of the core holds: cu._VERSION, and cu._build() for cu.show_config
 * (lua/cuarray/config.lua). Reading them starts nothing: no thread, no device. */
#include "core.h"
#include "cpu/cpu.h"
#include "cuarray.h"
#ifdef CA_HAVE_ZLIB
#include <zlib.h>
#endif

#if defined(__clang__)
#define CA_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define CA_COMPILER "gcc " __VERSION__
#else
#define CA_COMPILER "an unknown C compiler"
#endif

/* cu._build() -> {version =, api_version =, lua_version_num =, compiler =, blas = name or
 * false, zlib = version or false, threads =} */
static int l_build(lua_State *L) {
  lua_createtable(L, 0, 7);
  lua_pushliteral(L, CUARRAY_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushinteger(L, CUARRAY_API_VERSION);
  lua_setfield(L, -2, "api_version");
  lua_pushinteger(L, LUA_VERSION_NUM);
  lua_setfield(L, -2, "lua_version_num");
  lua_pushliteral(L, CA_COMPILER);
  lua_setfield(L, -2, "compiler");
  const char *blas = ca_cpu_blas();
  if (blas) lua_pushstring(L, blas);
  else lua_pushboolean(L, 0);
  lua_setfield(L, -2, "blas");
#ifdef CA_HAVE_ZLIB
  lua_pushstring(L, zlibVersion());
#else
  lua_pushboolean(L, 0);
#endif
  lua_setfield(L, -2, "zlib");
  lua_pushinteger(L, ca_cpu_threads());
  lua_setfield(L, -2, "threads");
  return 1;
}

void ca_open_config(lua_State *L) {
  /* module table at -2, methods table at -1 */
  lua_pushliteral(L, "cuarray " CUARRAY_VERSION);
  lua_setfield(L, -3, "_VERSION");
  lua_pushcfunction(L, l_build);
  lua_setfield(L, -3, "_build");
}
