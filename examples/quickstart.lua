-- quickstart.lua: CuPy's first example in Lua. A random n x n matrix, its matrix product with
-- itself on the default device (the GPU when there is one), the result back on the host.
--   luajit examples/quickstart.lua [n]          (n defaults to 1000)
--   CUARRAY_DEVICE=cpu luajit examples/quickstart.lua 200
local cu = require "cuarray"

local n = math.floor(tonumber(arg and arg[1]) or 1000)

cu.random.seed(42)                         -- same seed, same numbers on the CPU and the GPU
local x = cu.random.random({n, n})         -- float64, uniform in [0, 1)
local y = cu.matmul(x, x)                  -- on x's device; returns without waiting on a GPU
local host = y:get()                       -- to the host (this is where the GPU is waited on)

print(("device %s, dtype %s, shape (%d, %d)"):format(y.device, y.dtype, y.shape[1], y.shape[2]))
print(host)
-- Each element sums n products of two uniforms, so the mean is about n / 4. A reduction over
-- all elements returns a Lua number.
print(("mean %.4f (expected about %.1f)"):format(host:mean(), n / 4))
