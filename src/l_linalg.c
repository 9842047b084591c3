/* Linear algebra: matmul, dot, inner, outer, linalg.norm, matmul precision. */
#include <string.h>
#include "core.h"

void ca_open_linalg(lua_State *L) {
  (void)L;
}
