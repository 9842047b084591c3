-- heat_diffusion.lua: the 2-d heat equation, explicit finite differences on an n x n grid.
-- The five-point stencil reads four shifted views of the grid; the boundary stays at 0.
--   luajit examples/heat_diffusion.lua [n] [steps]   (defaults: 1024, 500)
local cu = require "cuarray"

local n = math.floor(tonumber(arg and arg[1]) or 1024)
local steps = math.floor(tonumber(arg and arg[2]) or 500)
local alpha = 0.2                          -- dt * k / dx^2; stable below 0.25

-- A hot square in the middle (slice assignment of a Lua number), cold everywhere else.
local u = cu.zeros({n, n})
local lo, hi = math.floor(n * 3 / 8) + 1, math.floor(n * 5 / 8)
u[{{lo, hi}, {lo, hi}}] = 100
local initial = u:sum()                    -- a reduction over everything: a Lua number

-- Views, 1-based and inclusive: the interior and its four neighbours.
local function step(g)
  local mid = g[{{2, -2}, {2, -2}}]
  local lap = g[{{1, -3}, {2, -2}}] + g[{{3, -1}, {2, -2}}]
            + g[{{2, -2}, {1, -3}}] + g[{{2, -2}, {3, -1}}] - mid * 4
  g[{{2, -2}, {2, -2}}] = mid + lap * alpha  -- the right side is a new array, so this is safe
end

for _ = 1, steps do step(u) end

-- The heat stays the same until it reaches the cold boundary; the checksum (sum of squares)
-- falls as the square spreads out.
local c = math.floor((n + 1) / 2)
print(("grid %dx%d, %d steps: total heat %.6f (initial %.6f), checksum %.6f, centre %.6f")
  :format(n, n, steps, u:sum(), initial, (u * u):sum(), u[{c, c}]))
