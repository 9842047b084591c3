rockspec_format = "3.0"
package = "cuarray"
version = "scm-1"
source = {
  url = "git+https://github.com/cuarray/cuarray.git",
  branch = "main",
}
description = {
  summary = "NumPy-style n-dimensional arrays for Lua and LuaJIT, on the CPU and NVIDIA GPUs",
  detailed = [[
cuarray ("CuPy for Lua") gives Lua 5.1-5.4 and LuaJIT scripts n-dimensional arrays with NumPy
semantics (broadcasting, NumPy 2 dtype promotion, views from slicing, reductions, matmul,
random numbers). The CPU backend is always built; the CUDA backend (cuarray.cuda) is built
when nvcc is found and used when a GPU is present.
]],
  license = "MIT",
  labels = { "array", "numpy", "cuda", "gpu" },
}
dependencies = {
  "lua >= 5.1",
}
-- CUDA is optional: the Makefile builds cuarray.cuda when it finds nvcc (CUDA_HOME,
-- /usr/local/cuda or PATH), so no external_dependencies entry that would make it mandatory.
build = {
  type = "make",
  build_target = "rock",
  build_variables = {
    CFLAGS = "$(CFLAGS)",
    LIBFLAG = "$(LIBFLAG)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    LUA = "$(LUA)",
  },
  install_variables = {
    LUA_INCDIR = "$(LUA_INCDIR)",
    PREFIX = "$(PREFIX)",
    LIBDIR = "$(LIBDIR)",
    LUADIR = "$(LUADIR)",
    BINDIR = "$(BINDIR)",
    LUA = "$(LUA)",
  },
}
-- The busted test type always tries to install busted as a rock, which fails offline with a
-- system busted; run the Makefile's suite instead.
test = {
  type = "command",
  command = "make test-run",
}
