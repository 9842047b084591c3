-- monte_carlo_pi.lua: estimate pi from N random points in the unit square, counting those
-- inside the quarter circle, with array ops only (no Lua loop over points).
--   luajit examples/monte_carlo_pi.lua [N]      (N defaults to 10^8, drawn in batches)
local cu = require "cuarray"

local total = math.floor(tonumber(arg and arg[1]) or 1e8)
local batch = math.min(total, 2 ^ 24)

cu.random.seed(2024)
local inside, done = 0, 0
while done < total do
  local m = math.min(batch, total - done)
  local x = cu.random.random({m}, {dtype = "float32"})
  local y = cu.random.random({m}, {dtype = "float32"})
  -- x*x + y*y <= 1 is a bool array: a comparison is a method, since Lua's <= must return a
  -- boolean; its sum counts the true values, a Lua number.
  inside = inside + (x * x + y * y):le(1):sum()
  done = done + m
  x:free(); y:free()                      -- give the memory back now rather than at GC
end

local estimate = 4 * inside / total
print(("pi ~ %.6f from %d points (error %.2e)")
  :format(estimate, total, math.abs(estimate - math.pi)))
