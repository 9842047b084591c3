-- cu.random: the stream (seed, get_state, set_state) and the draws, with NumPy's positional
-- forms and a trailing options table ({dtype =, device =}). The core draws (random._draw)
-- and reads randint's bounds exactly (random._randint); this file reads the other arguments.
local core = require "cuarray.core"
local options = require "cuarray.options"
local named = require "cuarray.named"

local draw, randint = core.random._draw, core.random._randint
local permute, rows = core.random._permutation, core.random._rows

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

-- ---- the distributions: NumPy's parameters in NumPy's order, then the shape, then options ----

-- Checks of a parameter's value: the words of the message and the test.
local CHECKS = {
  nonneg = {"non-negative", function(v) return v >= 0 end},
  positive = {"positive", function(v) return v > 0 end},
  prob = {"in [0, 1]", function(v) return v >= 0 and v <= 1 end},
  prob_open = {"in (0, 1]", function(v) return v > 0 and v <= 1 end},
  lam = {"non-negative and at most 1e18", function(v) return v >= 0 and v <= 1e18 end},
}

local function checked(fname, spec, v)
  local name, default, check = spec[1], spec[2], spec[3]
  if v == nil and default == nil then
    error(("%s: %s is required"):format(fname, name), 4)
  end
  v = param(fname, name, v, default)
  local c = CHECKS[check]
  if c and not c[2](v) then
    error(("%s: %s must be %s, got %s"):format(fname, name, c[1], tostring(v)), 4)
  end
  return v
end

-- A distribution with parameters `specs` ({name, default or nil, check}) mapped to the core's
-- two by `map(v1, v2) -> p1, p2`.
local function distribution(fname, dist, specs, map)
  local usage = {}
  for i, s in ipairs(specs) do usage[i] = s[1] end
  usage[#usage + 1] = "shape"
  usage = "(" .. table.concat(usage, ", ") .. "[, opts])"
  local np = #specs
  return function(...)
    local a, n, opts = options.split(...)
    if n > np + 1 then arity(fname, usage, n) end
    local v = {}
    for i = 1, np do v[i] = checked(fname, specs[i], a[i]) end
    local p1, p2 = map(v[1], v[2])
    return draw(fname, dist, a[np + 1], p1, p2, opts)
  end
end

local function same(x, y) return x or 0, y or 0 end
local function second(x) return 0, x end

R.exponential = distribution("random.exponential", "exponential", {{"scale", 1, "nonneg"}}, same)
R.standard_exponential = distribution("random.standard_exponential", "exponential", {},
  function() return 1, 0 end)
for _, d in ipairs({"laplace", "logistic", "gumbel"}) do
  R[d] = distribution("random." .. d, d, {{"loc", 0}, {"scale", 1, "nonneg"}}, same)
end
R.lognormal = distribution("random.lognormal", "lognormal",
  {{"mean", 0}, {"sigma", 1, "nonneg"}}, same)
R.standard_cauchy = distribution("random.standard_cauchy", "standard_cauchy", {}, same)
R.gamma = distribution("random.gamma", "gamma", {{"shape", nil, "nonneg"}, {"scale", 1, "nonneg"}},
  same)
R.standard_gamma = distribution("random.standard_gamma", "gamma", {{"shape", nil, "nonneg"}},
  function(k) return k, 1 end)
R.beta = distribution("random.beta", "beta", {{"a", nil, "positive"}, {"b", nil, "positive"}}, same)
R.geometric = distribution("random.geometric", "geometric", {{"p", nil, "prob_open"}}, second)
R.poisson = distribution("random.poisson", "poisson", {{"lam", 1, "lam"}}, same)

-- cu.random.binomial(n, p[, shape][, opts]): n an exact non-negative integer
function R.binomial(...)
  local a, n, opts = options.split(...)
  if n < 2 or n > 3 then arity("random.binomial", "(n, p, shape[, opts])", n) end
  local p = checked("random.binomial", {"p", nil, "prob"}, a[2])
  return draw("random.binomial", "binomial", a[3], a[1], p, opts)
end

-- ---- sampling from populations ---------------------------------------------------------

local DD = {dtype = true, device = true}

local function device_of(opts)
  return opts and opts.device or nil
end

-- The values of a Lua table or a 1-d array as a Lua table of numbers, checked finite.
local function number_list(fname, what, v)
  local t
  if type(v) == "table" and not options.is_options(v, true) then
    t = v
  elseif type(v) == "userdata" then
    v = core._check_array(v, fname)
    if v.ndim ~= 1 then
      error(("%s: %s must be 1-dimensional, got %d dimensions"):format(fname, what, v.ndim), 3)
    end
    t = v:astype("float64"):totable()
  else
    error(("%s: %s must be an array or a table of numbers, got %s"):format(fname, what, type(v)), 3)
  end
  local out = {}
  for i = 1, #t do
    local x = t[i]
    if type(x) ~= "number" or x ~= x or x == math.huge or x == -math.huge then
      error(("%s: %s[%d] must be a finite number, got %s"):format(fname, what, i, tostring(x)), 3)
    end
    out[i] = x
  end
  return out
end

-- A float64 vector on `device` holding the numbers of `t`.
local function aux_vector(t, device)
  return core.array(t, {dtype = "float64", device = device})
end

-- The number of elements a shape (nil, a number, or a table of numbers) gives.
local function shape_count(fname, shape)
  if shape == nil then return 1 end
  if type(shape) == "number" then return shape end
  if type(shape) ~= "table" then
    error(("%s: size must be a number or a table of numbers, got %s"):format(fname, type(shape)), 3)
  end
  local m = 1
  for _, d in ipairs(shape) do m = m * d end
  return m
end

local function reshaped(x, shape)
  if shape == nil then return x:reshape({}) end
  return x:reshape(type(shape) == "number" and {shape} or shape)
end

-- The population of permutation and choice: a count (an exact integer) or an array's first
-- axis. Returns n, and the array or nil.
local function population(fname, x)
  if core.is_array(x) then
    local arr = core._check_array(x, fname)
    if arr.ndim < 1 then
      error(("%s: the array must have at least one dimension"):format(fname), 3)
    end
    return arr.shape[1], arr
  end
  if type(x) ~= "number" and type(x) ~= "cdata" then
    error(("%s: expected a count or an array, got %s"):format(fname, type(x)), 3)
  end
  return x, nil
end

-- cu.random.permutation(n or a[, opts]): a permutation of 0 .. n - 1 (int64), or a copy of
-- `a` with its first axis permuted. The values come from a Feistel network keyed by one block
-- of the stream (see DESIGN.md), so they are the same on every device.
function R.permutation(x, opts)
  local fname = "random.permutation"
  local n, arr = population(fname, x)
  if arr then
    options.check(opts, fname, {})
    local idx = permute(fname, n, n, {device = arr.device}) + 1
    return arr[idx]
  end
  options.check(opts, fname, DD)
  return permute(fname, n, n, opts)
end

-- cu.random.shuffle(a): permutes a's first axis in place (through a copy).
function R.shuffle(a, opts)
  local fname = "random.shuffle"
  if type(a) ~= "userdata" then
    error(("%s: expected an array, got %s"):format(fname, type(a)), 2)
  end
  local _, arr = population(fname, a)
  options.check(opts, fname, {})
  local idx = permute(fname, arr.shape[1], arr.shape[1], {device = arr.device}) + 1
  arr[{}] = arr[idx]
end

-- Indices 0 .. n - 1 drawn with replacement by the probabilities p (a checked list).
local function weighted(fname, n, p, size, device)
  local cdf, total, last = {}, 0, 0
  for i = 1, n do
    total = total + p[i]
    cdf[i] = total
    if p[i] > 0 then last = i end
  end
  for i = 1, n do cdf[i] = i >= last and 1 or cdf[i] / total end
  return rows(fname, "categorical", size, aux_vector(cdf, device), 0, {device = device})
end

-- Indices 0 .. n - 1 drawn without replacement by the probabilities p, one at a time with the
-- chosen weights removed (O(size n) on the host; the uniforms come from the stream).
local function weighted_distinct(fname, n, p, m, size, device)
  local nonzero = 0
  for i = 1, n do if p[i] > 0 then nonzero = nonzero + 1 end end
  if nonzero < m then
    error(("%s: fewer non-zero probabilities (%d) than samples (%d) without replacement")
      :format(fname, nonzero, m), 3)
  end
  local u = {}
  if m > 0 then
    u = draw(fname, "uniform", {m}, 0, 1, {dtype = "float64", device = "cpu"}):totable()
  end
  local w, picked = {}, {}
  for i = 1, n do w[i] = p[i] end
  for t = 1, m do
    local total = 0
    for i = 1, n do total = total + w[i] end
    local target, acc, j = u[t] * total, 0, nil
    for i = 1, n do
      if w[i] > 0 then
        acc = acc + w[i]
        j = i
        if target < acc then break end
      end
    end
    picked[t] = j - 1
    w[j] = 0
  end
  local out = core.array(m > 0 and picked or {}, {dtype = "int64", device = device})
  if m == 0 then out = core.zeros({0}, {dtype = "int64", device = device}) end
  return reshaped(out, size)
end

-- cu.random.choice(a or n[, size][, {replace = true, p =, dtype =, device =}]): samples of
-- 0 .. n - 1 (int64) or of a's first axis, with or without replacement, uniformly or by the
-- probabilities p (an array or a table summing to 1 within NumPy's tolerance).
function R.choice(x, size, opts)
  local fname = "random.choice"
  if opts == nil and options.is_options(size, false) then size, opts = nil, size end
  opts = options.check(opts, fname, {replace = true, p = true, dtype = true, device = true})
  local n, arr = population(fname, x)
  if arr and (opts.dtype or opts.device) then
    error(("%s: dtype and device apply to a count, not an array (the result follows it)")
      :format(fname), 2)
  end
  local device = arr and arr.device or device_of(opts)
  local replace = opts.replace
  if replace == nil then replace = true end
  local m = shape_count(fname, size)
  local ncount = tonumber(n)
  if ncount < 0 or ncount ~= math.floor(ncount) then
    error(("%s: the population must be a non-negative integer, got %s")
      :format(fname, tostring(n)), 2)
  end
  if ncount == 0 and m > 0 then
    error(("%s: cannot take a sample from an empty population"):format(fname), 2)
  end
  local idx
  if opts.p ~= nil then
    local p = number_list(fname, "p", opts.p)
    if #p ~= ncount then
      error(("%s: p must have one probability per element (%d), got %d")
        :format(fname, ncount, #p), 2)
    end
    local sum = 0
    for i = 1, #p do
      if p[i] < 0 then
        error(("%s: p[%d] must be non-negative, got %s"):format(fname, i, tostring(p[i])), 2)
      end
      sum = sum + p[i]
    end
    if math.abs(sum - 1) > 1.4901161193847656e-08 then
      error(("%s: p must sum to 1, got %.10g"):format(fname, sum), 2)
    end
    if replace then idx = weighted(fname, ncount, p, size, device)
    else idx = weighted_distinct(fname, ncount, p, m, size, device) end
  elseif replace then
    idx = randint(0, ncount, size, {device = device})
  else
    if m > ncount then
      error(("%s: cannot take a larger sample (%d) than the population (%d) without replacement")
        :format(fname, m, ncount), 2)
    end
    idx = reshaped(permute(fname, ncount, m, {device = device}), size)
  end
  if arr then return arr[idx + 1] end
  if opts.dtype and opts.dtype ~= "int64" then return idx:astype(opts.dtype) end
  return idx
end

-- cu.random.multinomial(n, pvals[, shape][, opts]): counts of n trials over #pvals categories,
-- shape followed by #pvals (int64); the last category takes what the others leave.
function R.multinomial(n, pvals, shape, opts)
  local fname = "random.multinomial"
  if opts == nil and options.is_options(shape, false) then shape, opts = nil, shape end
  local p = number_list(fname, "pvals", pvals)
  if #p == 0 then error(fname .. ": pvals must not be empty", 2) end
  local sum = 0
  for i = 1, #p do
    if p[i] < 0 or p[i] > 1 then
      error(("%s: pvals[%d] must be in [0, 1], got %s"):format(fname, i, tostring(p[i])), 2)
    end
    if i < #p then sum = sum + p[i] end
  end
  if sum > 1 + 1e-12 then
    error(("%s: the probabilities but the last sum to %.17g, more than 1"):format(fname, sum), 2)
  end
  opts = options.check(opts, fname, DD)
  return rows(fname, "multinomial", shape, aux_vector(p, device_of(opts)), n, opts)
end

-- cu.random.dirichlet(alpha[, shape][, opts]): rows of #alpha positive components summing to 1.
function R.dirichlet(alpha, shape, opts)
  local fname = "random.dirichlet"
  if opts == nil and options.is_options(shape, false) then shape, opts = nil, shape end
  local a = number_list(fname, "alpha", alpha)
  if #a == 0 then error(fname .. ": alpha must not be empty", 2) end
  for i = 1, #a do
    if a[i] <= 0 then
      error(("%s: alpha[%d] must be positive, got %s"):format(fname, i, tostring(a[i])), 2)
    end
  end
  opts = options.check(opts, fname, DD)
  return rows(fname, "dirichlet", shape, aux_vector(a, device_of(opts)), 0, opts)
end

-- the compositions raise in the caller's name, whatever they call
for _, name in ipairs({"permutation", "shuffle", "choice", "multinomial", "dirichlet"}) do
  R[name] = named.wrap("random." .. name, R[name])
end

-- ---- generators: streams of their own --------------------------------------------------

-- cu.random.default_rng([seed]): a generator with its own (seed, counter) and the draws of
-- cu.random as methods (g:normal(0, 1, {3}), g:integers(lo, hi, shape) for randint); drawing
-- from it leaves cu.random's stream where it was.
local Generator = {}
Generator.__index = Generator

local DRAWS = {"random", "rand", "uniform", "standard_normal", "normal", "randint", "exponential",
  "standard_exponential", "laplace", "logistic", "gumbel", "lognormal", "standard_cauchy",
  "gamma", "standard_gamma", "beta", "geometric", "poisson", "binomial", "permutation",
  "shuffle", "choice", "multinomial", "dirichlet"}

local function restore(seed, counter, ok, ...)
  R.set_state(seed, counter)
  if not ok then error(..., 0) end
  return ...
end

for _, name in ipairs(DRAWS) do
  local f = R[name]
  Generator[name] = function(g, ...)
    if getmetatable(g) ~= Generator then
      error(("Generator:%s: call it as a method (g:%s(...))"):format(name, name), 2)
    end
    local seed, counter = R.get_state()
    R.set_state(g.seed, g.counter)
    return (function(...)
      g.seed, g.counter = R.get_state()
      return restore(seed, counter, ...)
    end)(pcall(f, ...))
  end
end
Generator.integers = Generator.randint

function Generator:get_state() return self.seed, self.counter end

function R.default_rng(seed)
  local saved_seed, saved_counter = R.get_state()
  R.seed(seed)
  local g = setmetatable({}, Generator)
  g.seed, g.counter = R.get_state()
  R.set_state(saved_seed, saved_counter)
  return g
end

R.default_rng = named.wrap("random.default_rng", R.default_rng)

return R
