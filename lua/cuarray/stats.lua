-- Statistics that are compositions of the core's reductions and matmul: average, cov and
-- corrcoef, with NumPy's semantics (NumPy 2's dtypes; axes from 1, as everywhere).
local core = require "cuarray.core"
local options = require "cuarray.options"
local named = require "cuarray.named"

local M = {}

-- NumPy's result_type of two dtypes (the core's promotion, through 0-d arrays).
local function promote(d1, d2)
  return core.multiply(core.zeros({}, {dtype = d1, device = "cpu"}),
    core.zeros({}, {dtype = d2, device = "cpu"})).dtype
end

local function is_float(dt)
  return dt == "float16" or dt == "float32" or dt == "float64" or dt == "bfloat16"
end

local function as_array(v, fname, what, device)
  if core.is_array(v) then return core._check_array(v, fname) end
  if type(v) == "table" or type(v) == "number" then return core.array(v, {device = device}) end
  error(("%s: %s must be an array, a table or a number, got %s"):format(fname, what, type(v)), 3)
end

-- One axis (1-based, negative from the end) of an array of `ndim` dims, checked.
local function one_axis(fname, axis, ndim)
  if type(axis) ~= "number" or axis ~= math.floor(axis) then
    error(("%s: axis must be an integer when the weights' shape differs from the array's, got %s")
      :format(fname, type(axis) == "number" and tostring(axis) or type(axis)), 3)
  end
  local ax = axis < 0 and ndim + axis + 1 or axis
  if ax < 1 or ax > ndim then
    error(("%s: axis %d is out of range for %d dimensions"):format(fname, axis, ndim), 3)
  end
  return ax
end

local function same_shape(a, b)
  if a.ndim ~= b.ndim then return false end
  for i = 1, a.ndim do if a.shape[i] ~= b.shape[i] then return false end end
  return true
end

-- The number of elements a reduction of `a` over `axis` (nil: all, a number, or a table of
-- axes) averages.
local function reduced_count(a, axis)
  if axis == nil then return a.size end
  local axes = type(axis) == "table" and axis or {axis}
  local n = 1
  for _, ax in ipairs(axes) do
    n = n * a.shape[ax < 0 and a.ndim + ax + 1 or ax]
  end
  return n
end

local AVERAGE_OPTIONS = {weights = true, returned = true, keepdims = true, axis = true}

-- cu.average(a[, axis][, {weights =, returned =, keepdims =}]): the (weighted) mean over
-- axis (nil: all; a number or a table of axes; also accepted as the option axis =). Weights
-- of a's shape, or 1-d along the one axis; with returned = true, also the sum of the
-- weights, broadcast to the result's shape.
function M.average(a, axis, opts)
  local fname = "average"
  if opts == nil and options.is_options(axis, false) then axis, opts = nil, axis end
  opts = options.check(opts, fname, AVERAGE_OPTIONS)
  a = as_array(a, fname, "a")
  if axis == nil then axis = opts.axis end
  local keep = opts.keepdims and true or false
  local ropts = {keepdims = keep, array = true}
  local avg, scl
  if opts.weights == nil then
    avg = core.mean(a, axis, ropts)
    if opts.returned then
      scl = core.full(avg.shape, reduced_count(a, axis), {dtype = avg.dtype, device = avg.device})
    end
  else
    local w = as_array(opts.weights, fname, "weights", a.device)
    local rdt = promote(a.dtype, w.dtype)
    if not is_float(a.dtype) then rdt = promote(rdt, "float64") end
    if not same_shape(a, w) then
      if axis == nil then
        error(fname .. ": axis must be given when the weights' shape differs from the array's", 2)
      end
      if w.ndim ~= 1 then
        error(("%s: 1-d weights expected when the shapes differ, got %d dimensions")
          :format(fname, w.ndim), 2)
      end
      local ax = one_axis(fname, axis, a.ndim)
      if w.shape[1] ~= a.shape[ax] then
        error(("%s: the weights' length (%d) differs from axis %d's (%d)")
          :format(fname, w.shape[1], axis, a.shape[ax]), 2)
      end
      local shape = {}
      for i = 1, a.ndim do shape[i] = i == ax and a.shape[ax] or 1 end
      w = core.broadcast_to(w:reshape(shape), a.shape)
    end
    w = w:astype(rdt)
    scl = core.sum(w, axis, ropts)
    if core.any(core.eq(scl, 0)) then
      error(fname .. ": the weights sum to zero, so they cannot be normalized", 2)
    end
    avg = core.sum(core.multiply(a:astype(rdt), w), axis, ropts) / scl
    if opts.returned then scl = core.broadcast_to(scl, avg.shape):copy() end
  end
  -- one value: a Lua value, as the reductions give (house rule), unless keepdims
  if avg.ndim == 0 and not keep then
    local v = avg:item()
    if opts.returned then return v, scl:item() end
    return v
  end
  if opts.returned then return avg, scl end
  return avg
end

-- The observations of cov/corrcoef as a 2-d array of variables by rows.
local function variables(fname, x, rowvar, what)
  x = as_array(x, fname, what)
  if x.ndim > 2 then
    error(("%s: %s must have 1 or 2 dimensions, got %d"):format(fname, what, x.ndim), 3)
  end
  if x.ndim == 0 then x = x:reshape({1, 1})
  elseif x.ndim == 1 then x = x:reshape({1, x.shape[1]})
  elseif not rowvar and x.shape[1] ~= 1 then x = x:transpose() end
  return x
end

local function weight_vector(fname, w, what, n, integer)
  w = as_array(w, fname, what)
  if w.ndim ~= 1 then
    error(("%s: %s must be 1-dimensional, got %d dimensions"):format(fname, what, w.ndim), 3)
  end
  if w.shape[1] ~= n then
    error(("%s: %s has %d entries for %d observations"):format(fname, what, w.shape[1], n), 3)
  end
  if integer and is_float(w.dtype) and not core.all(core.eq(core.floor(w), w)) then
    error(fname .. ": fweights must be integers", 3)
  end
  if core.any(core.lt(w, 0)) then error(("%s: %s must be non-negative"):format(fname, what), 3) end
  return w:astype("float64")
end

local COV_OPTIONS = {rowvar = true, bias = true, ddof = true, fweights = true, aweights = true,
  dtype = true}

-- cu.cov(m[, y][, {rowvar = true, bias = false, ddof =, fweights =, aweights =, dtype =}]):
-- the covariance matrix of the variables in m's rows (columns when rowvar = false), with y's
-- appended; float64 unless dtype says otherwise. A single variable gives a 0-d array.
function M.cov(m, y, opts)
  local fname = "cov"
  if opts == nil and options.is_options(y, false) then y, opts = nil, y end
  opts = options.check(opts, fname, COV_OPTIONS)
  local rowvar = opts.rowvar ~= false
  local dtype = opts.dtype or "float64"
  local x = variables(fname, m, rowvar, "m"):astype(dtype)
  if y ~= nil then
    local yv = variables(fname, y, rowvar, "y"):astype(dtype)
    if yv.shape[2] ~= x.shape[2] then
      error(("%s: m and y have different numbers of observations (%d and %d)")
        :format(fname, x.shape[2], yv.shape[2]), 2)
    end
    x = core.concatenate({x, yv}, 1)
  end
  local ddof = opts.ddof
  if ddof ~= nil and (type(ddof) ~= "number" or ddof ~= math.floor(ddof)) then
    error(("%s: ddof must be an integer, got %s"):format(fname, tostring(ddof)), 2)
  end
  if ddof == nil then ddof = opts.bias and 0 or 1 end
  local n = x.shape[2]
  local w
  if opts.fweights ~= nil then w = weight_vector(fname, opts.fweights, "fweights", n, true) end
  if opts.aweights ~= nil then
    local aw = weight_vector(fname, opts.aweights, "aweights", n, false)
    w = w and w * aw or aw
  end
  local avg, fact
  if w == nil then
    avg = core.mean(x, 2, {keepdims = true})
    fact = n - ddof
  else
    local v1 = core.sum(w)
    avg = M.average(x, 2, {weights = w:astype(dtype), keepdims = true})
    if opts.aweights == nil then fact = v1 - ddof
    elseif ddof == 0 then fact = v1
    else
      local aw = as_array(opts.aweights, fname, "aweights"):astype("float64")
      fact = v1 - ddof * core.sum(w * aw) / v1
    end
  end
  if fact <= 0 then fact = 0 end -- NumPy warns and divides by zero: inf and NaN
  local xc = x - avg
  local xw = w and xc * w:astype(dtype) or xc
  local c = core.matmul(xc, xw:transpose()) / fact
  if c.shape[1] == 1 then return c:reshape({}) end
  return c
end

-- cu.corrcoef(x[, y][, {rowvar = true, dtype =}]): Pearson's correlation coefficients, the
-- covariance normalised by the standard deviations and clipped to [-1, 1].
function M.corrcoef(x, y, opts)
  local fname = "corrcoef"
  if opts == nil and options.is_options(y, false) then y, opts = nil, y end
  opts = options.check(opts, fname, {rowvar = true, dtype = true})
  local c = M.cov(x, y, {rowvar = opts.rowvar, dtype = opts.dtype})
  if c.ndim == 0 then return c / c end
  local k = c.shape[1]
  local idx = core.arange(1, k + 1, {device = c.device})
  local sd = core.sqrt(c[{idx, idx}])
  c = c / sd:reshape({k, 1}) / sd:reshape({1, k})
  return core.clip(c, -1, 1)
end

-- raised in the caller's name, whatever composes them
for _, name in ipairs({"average", "cov", "corrcoef"}) do M[name] = named.wrap(name, M[name]) end

return M
