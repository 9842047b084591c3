-- cu.random: the stream (seed, get_state, set_state) and the draws, with NumPy's positional
-- forms and a trailing options table ({dtype =, device =}). The core draws (random._draw)
-- and reads randint's bounds exactly (random._randint); this file reads the other arguments.
local core = require "cuarray.core"
local options = require "cuarray.options"

local draw, randint = core.random._draw, core.random._randint

local R = {seed = core.random.seed, get_state = core.random.get_state,
           set_state = core.random.set_state}

local function arity(fname, usage, n)
  error(("%s: expected %s, got %d arguments"):format(fname, usage, n), 3)
end

-- A finite number, or `default` for nil.
local function param(fname, what, v, default)
  if v == nil then return default end
  if type(v) ~= "number" then
    error(("%s: %s must be a number, got %s"):format(fname, what, type(v)), 3)
  end
  if v ~= v or v == math.huge or v == -math.huge then
    error(("%s: %s must be finite, got %s"):format(fname, what, tostring(v)), 3)
  end
  return v
end

-- cu.random.random([shape][, opts]): uniform in [0, 1); cu.random.standard_normal likewise
local function shape_only(fname, dist)
  return function(...)
    local a, n, opts = options.split(...)
    if n > 1 then arity(fname, "(shape[, opts])", n) end
    return draw(fname, dist, a[1], 0, 1, opts)
  end
end

R.random = shape_only("random.random", "uniform")
R.standard_normal = shape_only("random.standard_normal", "normal")

-- cu.random.uniform([lo = 0[, hi = 1[, shape]]][, opts]): uniform in [lo, hi);
-- cu.random.normal([mean = 0[, std = 1[, shape]]][, opts]), std non-negative
local function two_params(fname, dist, name1, name2)
  local usage = ("(%s, %s, shape[, opts])"):format(name1, name2)
  return function(...)
    local a, n, opts = options.split(...)
    if n > 3 then arity(fname, usage, n) end
    local p1, p2 = param(fname, name1, a[1], 0), param(fname, name2, a[2], 1)
    if dist == "normal" and p2 < 0 then
      error(("%s: %s must be non-negative, got %g"):format(fname, name2, p2), 2)
    end
    return draw(fname, dist, a[3], p1, p2, opts)
  end
end

R.uniform = two_params("random.uniform", "uniform", "lo", "hi")
R.normal = two_params("random.normal", "normal", "mean", "std")

-- cu.random.rand(d1, d2, ...[, opts]): uniform in [0, 1), the shape given dimension by dimension
function R.rand(...)
  local a, n, opts = options.split(...)
  for i = 1, n do
    local d = a[i]
    if type(d) ~= "number" or d ~= math.floor(d) then
      error(("random.rand: dimension %d must be an integer, got %s"):format(i,
        type(d) == "number" and tostring(d) or type(d)), 2)
    end
  end
  return draw("random.rand", "uniform", a, 0, 1, opts)
end

-- cu.random.randint(lo[, hi[, shape]][, opts]): integers in [lo, hi); randint(hi) is [0, hi)
function R.randint(...)
  local a, n, opts = options.split(...)
  if n < 1 or n > 3 then arity("random.randint", "(lo[, hi[, shape]])", n) end
  return randint(a[1], a[2], a[3], opts)
end

return R
