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
cuarray ("CuPy for Lua") gives LuaJIT, Lua 5.4 and Lua 5.1 scripts n-dimensional arrays with
NumPy's semantics and names (broadcasting, NumPy 2 dtype promotion, views from slicing,
reductions, matmul, random numbers, .npy files, DLPack) and Lua's conventions (1-based
indices, inclusive ranges, options in a trailing table).

The CPU backend is always built. The optional parts are found at build time, and
cu.show_config() reports what was found:
  - CUDA: the module cuarray.cuda is built when nvcc is found (CUDA_HOME, /usr/local/cuda or
    PATH) and used when a GPU is present. `luarocks make HAVE_CUDA=0` leaves it out,
    `CUDA_ARCH="sm_80 sm_90"` picks the GPU architectures.
  - BLAS: matmul on the CPU calls CBLAS (OpenBLAS preferred); without it, it runs a plain loop
    about 16 times slower, and the build says so.
  - zlib: reading compressed .npz entries.
]],
  homepage = "https://github.com/cuarray/cuarray",
  issues_url = "https://github.com/cuarray/cuarray/issues",
  license = "MIT",
  labels = { "array", "numpy", "cuda", "gpu" },
}
-- The build uses GNU make, gcc or clang extensions, sched_getaffinity and ldconfig.
supported_platforms = { "linux" }
dependencies = {
  "lua >= 5.1, < 5.5",
}
-- No external_dependencies: the Lua headers are checked by LuaRocks itself (LUA_INCDIR), and
-- CUDA, BLAS and zlib are optional and probed by the Makefile, so declaring them here would
-- make them mandatory.
build = {
  type = "make",
  build_target = "rock",
  build_variables = {
    CFLAGS = "$(CFLAGS)",
    LIBFLAG = "$(LIBFLAG)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    LUA = "$(LUA)",
    -- `luarocks make HAVE_CUDA=0 CUDA_ARCH=sm_90`. LuaRocks passes an empty string for a
    -- variable its command line does not set (and warns "unmatched variable"); under names of
    -- their own, empty means "not given" to the Makefile, which then keeps the environment's
    -- HAVE_CUDA / CUDA_ARCH or its own default (build CUDA when nvcc is found).
    CUARRAY_HAVE_CUDA = "$(HAVE_CUDA)",
    CUARRAY_CUDA_ARCH = "$(CUDA_ARCH)",
  },
  install_variables = {
    LUA_INCDIR = "$(LUA_INCDIR)",
    PREFIX = "$(PREFIX)",
    LIBDIR = "$(LIBDIR)",
    LUADIR = "$(LUADIR)",
    -- the C library for host programs (libcuarray, cuarray.h, cuarray.pc) stays in the rock's
    -- directory, under c/: LuaRocks would deploy what lies in LIBDIR as Lua modules
    CPREFIX = "$(PREFIX)/c",
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
