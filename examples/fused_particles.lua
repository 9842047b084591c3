-- fused_particles.lua: a physics step fused into one kernel. Particles fall under gravity
-- with air drag and bounce off the floor; cu.fuse turns the whole step (a dozen elementwise
-- ops, the bounce a cu.where) into one GPU kernel, compiled on the first call and cached.
-- On the CPU the same fused function runs op by op: the script runs on either device.
--   luajit examples/fused_particles.lua [particles] [steps]   (defaults: 1000000, 200)
local cu = require "cuarray"

local n = math.floor(tonumber(arg and arg[1]) or 1000000)
local steps = math.floor(tonumber(arg and arg[2]) or 200)
local dt, g, drag, restitution = 1e-3, 9.81, 0.1, 0.8

-- Returns the new height and velocity. Scalars are Lua numbers; comparisons are cu.less etc.
local step = cu.fuse(function(y, v, h)
  local a = -g - drag * v * cu.abs(v)
  local v1 = v + a * h
  local y1 = y + v1 * h
  local below = cu.less(y1, 0)
  return cu.where(below, -y1, y1), cu.where(below, -restitution * v1, v1)
end, {name = "particle_step"})

cu.random.seed(1)
local y = cu.random.random({n}) * 10 + 1
local v = cu.zeros({n})
local function energy() return (g * y + 0.5 * v * v):sum() / n end
local e0 = energy()
for _ = 1, steps do y, v = step(y, v, dt) end
print(("%d particles, %d steps on %s: mean energy %.6f (from %.6f), lowest %.6f")
  :format(n, steps, cu.get_default_device(), energy(), e0, y:min()))
