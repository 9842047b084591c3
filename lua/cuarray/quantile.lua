-- Order statistics over a sort: median, quantile, percentile and their NaN-skipping forms,
-- with NumPy's interpolation (its _lerp, written the same way so that the roundings agree) and
-- result dtypes (a float input keeps its dtype, any other gives float64).
local core = require "cuarray.core"
local args = require "cuarray.args"
local options = require "cuarray.options"
local sorting = require "cuarray.sorting"

local M = {}

local slice, norm_axis = sorting._slice, sorting._norm_axis

local function fail(fmt, ...) error(fmt:format(...), 3) end

local function is_float(dt)
  return dt == "float16" or dt == "float32" or dt == "float64" or dt == "bfloat16"
end

local function is_complex(dt) return dt == "complex64" or dt == "complex128" end

-- Whether elements of dt may be NaN.
local function inexact(dt) return is_float(dt) or is_complex(dt) end

local METHODS = {linear = true, lower = true, higher = true, nearest = true, midpoint = true}

-- Round half to even, as np.around.
local function round_even(v)
  local f = math.floor(v)
  local d = v - f
  if d > 0.5 or (d == 0.5 and f % 2 == 1) then return f + 1 end
  return f
end

-- For q in [0, 1] over n sorted elements: the 0-based positions of the two neighbours and the
-- weight of the second (NumPy's virtual index and gamma for each method).
local function neighbours(q, n, method)
  local v = (n - 1) * q
  local lo = math.floor(v)
  if method == "lower" then return lo, lo, 0 end
  if method == "higher" then local c = math.ceil(v) return c, c, 0 end
  if method == "nearest" then local r = round_even(v) return r, r, 0 end
  local hi = math.min(lo + 1, n - 1)
  if method == "midpoint" then return lo, hi, v == lo and 0 or 0.5 end
  return lo, hi, v - lo
end

-- NumPy's _lerp: a + (b - a) * t, or b - (b - a) * (1 - t) where t >= 0.5. t is a number or an
-- array of the shape of a and b.
local function lerp(a, b, t)
  local d = core.subtract(b, a)
  if type(t) == "number" then
    if t >= 0.5 then return core.subtract(b, core.multiply(d, 1 - t)) end
    return core.add(a, core.multiply(d, t))
  end
  local high = core.subtract(b, core.multiply(d, core.subtract(1, t)))
  return core.where(core.greater_equal(t, 0.5), high, core.add(a, core.multiply(d, t)))
end

-- The quantiles q (a number, a Lua list, or a 1-D array; in [0, 1]) as a Lua list, and whether
-- q was a single number.
local function read_q(q, scale, fname)
  local list, single = {}, false
  if type(q) == "number" then
    list[1], single = q, true
  elseif core.is_array(q) then
    if q.ndim > 1 then fail("%s: q must be a number or 1-D, got %d dimensions", fname, q.ndim) end
    if q.ndim == 0 then list[1], single = q:item(), true else list = q:totable() end
  elseif type(q) == "table" then
    list = args.raw_list(q) -- read raw: q may have any metatable
  else
    fail("%s: q must be a number, a list or an array, got %s", fname, type(q))
  end
  for i, v in ipairs(list) do
    if type(v) ~= "number" then fail("%s: q must hold numbers, got %s", fname, type(v)) end
    local p = v / scale
    if not (p >= 0 and p <= 1) then
      fail("%s: q must be in [0, %s], got %s", fname, scale == 1 and "1" or "100", tostring(v))
    end
    list[i] = p
  end
  return list, single
end

-- The sorted data along ax (1-based) of a, or of the flattened a with axis nil, converted to
-- the result's dtype; and the axis. Complex data (sorted by real part, then imaginary part,
-- NaNs last) only where NumPy 2 takes it: median and nanmedian, not the quantiles.
local function prepare(a, axis, fname, complex_ok)
  core._check_array(a, fname)
  if is_complex(a.dtype) and not complex_ok then
    fail("%s: a must be an array of real numbers, got %s", fname, a.dtype)
  end
  local x, ax = a
  if axis == nil then
    x, ax = a:ravel(), 1
  else
    if a.ndim == 0 then
      fail("%s: axis %s is out of bounds for a 0-d array", fname, tostring(axis))
    end
    ax = norm_axis(axis, a.ndim, fname)
  end
  local rdt = inexact(a.dtype) and a.dtype or "float64"
  local s = core.sort(x, ax)
  if s.dtype ~= rdt then s = s:astype(rdt) end
  return s, ax, rdt
end

-- Shapes the per-q results (arrays keeping the reduced axis, size 1) as NumPy does: the q axis
-- first unless q was a number, the reduced axis kept (keepdims) or dropped; a single value over
-- all elements becomes a Lua value unless {array = true}.
local function finish(fname, a, results, single, axis, ax, opts)
  local r
  if single then r = results[1] else r = core.stack(results) end
  local qax = single and 0 or 1
  if opts.keepdims then
    if axis == nil then
      local shape = single and {} or {#results}
      for _ = 1, a.ndim do shape[#shape + 1] = 1 end
      r = r:reshape(shape)
    end
  else
    r = r:squeeze(ax + qax)
  end
  if r.ndim == 0 and not opts.keepdims and axis == nil and not opts.array and not opts.out then
    return r:item()
  end
  if opts.out then return core._write_out(r, opts.out, fname) end
  return r
end

-- The slice's NaN (sorted last) where it held one, as NumPy 2 copies it, for the forms that
-- do not skip NaN.
local function propagate_nan(s, ax, r)
  if not inexact(s.dtype) then return r end
  local n = s.shape[ax]
  local last = slice(s, ax, n, n)
  return core.where(core.isnan(last), last, r)
end

local QOPTS = {method = true, keepdims = true, out = true, array = true, interpolation = true}

local function method_of(opts, fname)
  local m = opts.method or "linear"
  if not METHODS[m] then
    fail("%s: method must be \"linear\", \"lower\", \"higher\", \"nearest\" or \"midpoint\", "
      .. "got %s", fname, tostring(m))
  end
  return m
end

local function quantile_of(fname, scale)
  return function(a, q, axis, opts)
    if options.is_options(axis, false) then axis, opts = nil, axis end
    opts = options.check(opts, fname, QOPTS)
    local method = method_of(opts, fname)
    local qs, single = read_q(q, scale, fname)
    local s, ax = prepare(a, axis, fname)
    local n = s.shape[ax]
    if n == 0 then fail("%s: cannot take a quantile over an empty axis", fname) end
    local results = {}
    for i, p in ipairs(qs) do
      local lo, hi, t = neighbours(p, n, method)
      local A = slice(s, ax, lo + 1, lo + 1)
      local r = A
      if hi ~= lo or t ~= 0 then r = lerp(A, slice(s, ax, hi + 1, hi + 1), t) end
      results[i] = propagate_nan(s, ax, r)
    end
    return finish(fname, a, results, single, axis, ax, opts)
  end
end

-- cu.quantile(a, q[, axis][, {method = "linear", keepdims =, out =, array =}]): the q-th
-- quantiles (q in [0, 1]: a number, a list or a 1-D array) along axis, or of all elements.
M.quantile = quantile_of("quantile", 1)
-- cu.percentile(a, q[, axis][, opts]): the same with q in [0, 100].
M.percentile = quantile_of("percentile", 100)

local MOPTS = {keepdims = true, out = true, array = true}

-- cu.median(a[, axis][, {keepdims =, out =, array =}]): the middle element, or the mean of
-- the two middle ones, along axis or of all elements; NaN where the data holds NaN. Complex
-- data are ordered by real part, then imaginary part.
function M.median(a, axis, opts)
  if options.is_options(axis, false) then axis, opts = nil, axis end
  opts = options.check(opts, "median", MOPTS)
  local s, ax, rdt = prepare(a, axis, "median", true)
  local n = s.shape[ax]
  local r
  if n == 0 then
    local shape = s.shape
    shape[ax] = 1
    r = core.full(shape, 0 / 0, {dtype = rdt, device = s.device})
  else
    local lo, hi = math.floor((n - 1) / 2), math.ceil((n - 1) / 2)
    r = core.mean(slice(s, ax, lo + 1, hi + 1), ax, {keepdims = true})
    r = propagate_nan(s, ax, r)
  end
  return finish("median", a, {r}, true, axis, ax, opts)
end

-- ---- the NaN-skipping forms ----------------------------------------------------------------

-- The elements of the contiguous sorted s (axis ax) at 0-based positions `pos` (an int64 array
-- of s's shape with ax of size 1), NumPy's take_along_axis.
local function gather(s, ax, pos)
  local shape = s.shape
  local inner = 1
  for d = ax + 1, #shape do inner = inner * shape[d] end
  local all = core.arange(s.size, {dtype = "int64", device = s.device}):reshape(shape)
  local base = slice(all, ax, 1, 1)
  local flat = core.add(core.add(base, core.multiply(pos, inner)), 1)
  return core.take(s:ravel(), flat)
end

-- Sorted data (NaN last), the count of non-NaN elements per slice (int64, keeping the axis).
local function valid_count(a, s, ax)
  if not inexact(a.dtype) then
    local shape = s.shape
    shape[ax] = 1
    return core.full(shape, s.shape[ax], {dtype = "int64", device = s.device})
  end
  return core.sum(core.logical_not(core.isnan(s)), ax, {keepdims = true})
end

local function nan_quantile_of(fname, scale)
  return function(a, q, axis, opts)
    if options.is_options(axis, false) then axis, opts = nil, axis end
    opts = options.check(opts, fname, QOPTS)
    local method = method_of(opts, fname)
    local qs, single = read_q(q, scale, fname)
    local s, ax = prepare(a, axis, fname)
    local n = s.shape[ax]
    if n == 0 then fail("%s: cannot take a quantile over an empty axis", fname) end
    local cnt = valid_count(a, s, ax)
    local last = core.maximum(core.subtract(cnt, 1), 0)
    local v0 = last:astype("float64")
    local results = {}
    for i, p in ipairs(qs) do
      local v = core.multiply(v0, p)
      local lo, hi, t
      if method == "lower" then
        lo = core.floor(v); hi = lo; t = 0
      elseif method == "higher" then
        lo = core.ceil(v); hi = lo; t = 0
      elseif method == "nearest" then
        lo = core.round(v); hi = lo; t = 0
      else
        lo = core.floor(v)
        hi = core.minimum(core.add(lo, 1), v0)
        t = core.subtract(v, lo)
        if method == "midpoint" then t = core.where(core.equal(t, 0), 0, 0.5) end
      end
      lo, hi = lo:astype("int64"), hi:astype("int64")
      local A = gather(s, ax, lo)
      local r = A
      if method == "linear" or method == "midpoint" then
        r = lerp(A, gather(s, ax, hi), t:astype(s.dtype))
      end
      results[i] = core.where(core.equal(cnt, 0), 0 / 0, r)
    end
    return finish(fname, a, results, single, axis, ax, opts)
  end
end

-- cu.nanquantile / cu.nanpercentile: as quantile and percentile, over the non-NaN elements
-- (NaN for a slice of NaNs only).
M.nanquantile = nan_quantile_of("nanquantile", 1)
M.nanpercentile = nan_quantile_of("nanpercentile", 100)

-- cu.nanmedian(a[, axis][, opts]): the median of the non-NaN elements.
function M.nanmedian(a, axis, opts)
  if options.is_options(axis, false) then axis, opts = nil, axis end
  opts = options.check(opts, "nanmedian", MOPTS)
  local s, ax, rdt = prepare(a, axis, "nanmedian", true)
  local n = s.shape[ax]
  local r
  if n == 0 then
    local shape = s.shape
    shape[ax] = 1
    r = core.full(shape, 0 / 0, {dtype = rdt, device = s.device})
  else
    local cnt = valid_count(a, s, ax)
    local last = core.maximum(core.subtract(cnt, 1), 0)
    local lo = core.floor_divide(last, 2)
    local hi = core.subtract(last, lo)
    local pair = core.concatenate({gather(s, ax, lo), gather(s, ax, hi)}, ax)
    -- a slice of NaNs only gives its last NaN, as NumPy's
    r = core.where(core.equal(cnt, 0), slice(s, ax, n, n), core.mean(pair, ax, {keepdims = true}))
  end
  return finish("nanmedian", a, {r}, true, axis, ax, opts)
end

return M
