-- bench/kernels.lua: the costs of user kernels on the GPU, one JSON object per line on stdout
-- (as bench/bench.lua), a readable table on stderr:
--   kernel_compile_ms    first call of a new ElementwiseKernel: NVRTC compile + load + launch
--   kernel_disk_load_ms  the same kernel's first call in a fresh process, from the disk cache
--   kernel_launch_us     host time per call of a compiled ElementwiseKernel (1000 elements)
--   fused_launch_us      host time per call of a fused function (1000 elements)
--   raw_launch_us        host time per call of a RawKernel (1000 elements, 4 blocks)
--   core_add_us          host time per call of the core's x + y (the same sizes), for scale
--
--   luajit bench/kernels.lua            (needs a GPU; the child process is run with $CUARRAY_LUA)
local cu = require "cuarray"
local jit = require "cuarray.jit"

if not cu.cuda.is_available() then
  io.stderr:write("kernels.lua: needs a GPU (", tostring(select(2, cu.cuda.is_available())), ")\n")
  os.exit(1)
end

local ffi = require "ffi"
pcall(ffi.cdef, [[
  typedef struct { long tv_sec; long tv_nsec; } cuarray_kb_timespec;
  int clock_gettime(int clk_id, cuarray_kb_timespec *tp);
]])
local ts = ffi.new("cuarray_kb_timespec")
local function now()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local function emit(op, unit, value)
  io.stdout:write(('{"lib": "cuarray", "op": "%s", "%s": %.4f}\n'):format(op, unit, value))
  io.stderr:write(("%-22s %10.4f %s\n"):format(op, value, unit))
end

local child = arg and arg[1] == "--child"
local dir = child and arg[2] or os.tmpname()
if not child then os.remove(dir) end
cu.set_kernel_cache_dir(dir)

local x = cu.ones({1000}, {dtype = "float32", device = "cuda"})
local y = cu.ones({1000}, {dtype = "float32", device = "cuda"})
cu.cuda.synchronize()
-- a source no earlier run has compiled: the time is in the name
local name = ("bench_axpy_%d"):format(os.time())
local k = cu.ElementwiseKernel("T x, T y, T a", "T z", "z = a * x + y;", child and arg[3] or name)
local t0 = now()
k(x, y, 2)
cu.cuda.synchronize()
local first = (now() - t0) * 1e3

if child then
  emit("kernel_disk_load_ms", "ms", first)
  os.exit(jit.stats.compiles == 0 and 0 or 1)
end
emit("kernel_compile_ms", "ms", first)

local lua = os.getenv("CUARRAY_LUA") or "luajit"
local ok = os.execute(("%s bench/kernels.lua --child '%s' %s"):format(lua, dir, name))
if ok ~= true and ok ~= 0 then io.stderr:write("kernels.lua: the child process failed\n") end

local function per_call(fn)
  for _ = 1, 1000 do fn() end
  cu.cuda.synchronize()
  collectgarbage("collect")
  local n, t = 20000, now()
  for _ = 1, n do fn() end
  cu.cuda.synchronize()
  return (now() - t) / n * 1e6
end
local z = cu.empty({1000}, {dtype = "float32", device = "cuda"})
emit("kernel_launch_us", "us", per_call(function() k(x, y, 2, z) end))
local f = cu.fuse(function(a, b) return a * 2 + b end)
emit("fused_launch_us", "us", per_call(function() return f(x, y) end))
local raw = cu.RawKernel([[
extern "C" __global__ void bench_axpy_raw(const float *x, const float *y, float a, float *z,
                                          int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) z[i] = a * x[i] + y[i];
}]], "bench_axpy_raw", {signature = "float*, float*, float, float*, int"})
emit("raw_launch_us", "us", per_call(function() raw({4}, {256}, {x, y, 2, z, 1000}) end))
emit("core_add_us", "us", per_call(function() return x + y end))
os.execute("rm -rf '" .. dir .. "'")
