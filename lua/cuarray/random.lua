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

-- cu.random.random([shape][, opts]): uniform in [0, 1)
function R.random(...)
  local a, n, opts = options.split(...)
  if n > 1 then arity("random.random", "(shape[, opts])", n) end
  return draw("random.random", "uniform", a[1], 0, 1, opts)
end

-- cu.random.rand(d1, d2, ...[, opts]): uniform in [0, 1), the shape given dimension by dimension
function R.rand(...)
  local a, n, opts = options.split(...)
  for i = 1, n do
    if type(a[i]) ~= "number" then
      error(("random.rand: dimension %d must be an integer, got %s"):format(i, type(a[i])), 2)
    end
  end
  return draw("random.rand", "uniform", a, 0, 1, opts)
end

-- cu.random.uniform([lo = 0[, hi = 1[, shape]]][, opts]): uniform in [lo, hi)
function R.uniform(...)
  local a, n, opts = options.split(...)
  if n > 3 then arity("random.uniform", "(lo, hi, shape[, opts])", n) end
  local lo = param("random.uniform", "lo", a[1], 0)
  local hi = param("random.uniform", "hi", a[2], 1)
  return draw("random.uniform", "uniform", a[3], lo, hi, opts)
end

-- cu.random.standard_normal([shape][, opts])
function R.standard_normal(...)
  local a, n, opts = options.split(...)
  if n > 1 then arity("random.standard_normal", "(shape[, opts])", n) end
  return draw("random.standard_normal", "normal", a[1], 0, 1, opts)
end

-- cu.random.normal([mean = 0[, std = 1[, shape]]][, opts])
function R.normal(...)
  local a, n, opts = options.split(...)
  if n > 3 then arity("random.normal", "(mean, std, shape[, opts])", n) end
  local mean = param("random.normal", "mean", a[1], 0)
  local sd = param("random.normal", "std", a[2], 1)
  if sd < 0 then error(("random.normal: std must be non-negative, got %g"):format(sd), 2) end
  return draw("random.normal", "normal", a[3], mean, sd, opts)
end

-- cu.random.randint(lo[, hi[, shape]][, opts]): integers in [lo, hi); randint(hi) is [0, hi)
function R.randint(...)
  local a, n, opts = options.split(...)
  if n < 1 or n > 3 then arity("random.randint", "(lo[, hi[, shape]])", n) end
  return randint(a[1], a[2], a[3], opts)
end

return R
