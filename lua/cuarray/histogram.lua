-- cu.histogram(a[, bins][, {range = {lo, hi}, density = false, weights =}]) -> counts, edges and
-- cu.histogram_bin_edges(a[, bins][, {range =, weights =}]) -> edges: NumPy's, on a's device.
-- bins is a count (default 10), the edges themselves (an array or a list, increasing), or the
-- name of an estimator of the bin width ("auto", "fd", "doane", "scott", "stone", "rice",
-- "sturges", "sqrt"), also accepted as the option `bins`. Every bin but the last is half-open
-- [e_k, e_k+1); the last includes its right edge; values outside the range and NaN are not
-- counted. counts is int64 (the weights' dtype with weights; float64 densities with
-- density = true); computed edges are float64 (float32 / float16 for such data, as NumPy's),
-- given edges keep their dtype; both on a's device.
local core = require "cuarray.core"
local options = require "cuarray.options"

local M = {}

local named = require "cuarray.named"

-- Raised without a position: the public functions are wrapped (lua/cuarray/named.lua) so that
-- their errors point at the caller's line.
local function fail(fmt, ...) error(fmt:format(...), 0) end

local function finite(v) return v - v == 0 end

-- A number as messages show it: NaN as "nan" on every Lua (some print "-nan").
local function show(v) return v ~= v and "nan" or tostring(v) end

-- NumPy's outer edges of the bins over the flat data: range's, else the data's minimum and
-- maximum (0 and 1 for no data), widened by 0.5 each way when they are equal. `what` names
-- the range in messages ("range", "range[2]").
function M.outer_edges(fname, flat, range, what)
  local lo, hi
  if range ~= nil and range ~= false then
    if type(range) ~= "table" or type(range[1]) ~= "number" or type(range[2]) ~= "number" then
      fail("%s: %s must be a table {lo, hi} of two numbers", fname, what)
    end
    lo, hi = range[1], range[2]
    if lo > hi then fail("%s: max must be larger than min in %s", fname, what) end
    if not (finite(lo) and finite(hi)) then
      fail("%s: supplied %s of [%s, %s] is not finite", fname, what, show(lo), show(hi))
    end
  elseif flat.size == 0 then
    lo, hi = 0, 1
  else
    -- as floats, as NumPy's edges are (a LuaJIT int64 or uint64 cdata beyond 2^53 included)
    lo, hi = tonumber(flat:min()), tonumber(flat:max())
    if not (finite(lo) and finite(hi)) then
      fail("%s: autodetected range of [%s, %s] is not finite", fname, show(lo), show(hi))
    end
  end
  if lo == hi then lo, hi = lo - 0.5, hi + 0.5 end
  return lo, hi
end

-- ---- bin-width estimators (NumPy's), over the non-empty data x trimmed to the range ---------

local function ptp(x) return x:max() - x:min() end
local function log2(v) return math.log(v) / math.log(2) end

local function sturges(x) return ptp(x) / (log2(x.size) + 1) end

local function fd(x)
  local q = require("cuarray.quantile").percentile(x:astype("float64"), {75, 25}):totable()
  return 2 * (q[1] - q[2]) * x.size ^ (-1 / 3)
end

local ESTIMATORS = {
  sqrt = function(x) return ptp(x) / math.sqrt(x.size) end,
  sturges = sturges,
  rice = function(x) return ptp(x) / (2 * x.size ^ (1 / 3)) end,
  scott = function(x)
    return (24 * math.sqrt(math.pi) / x.size) ^ (1 / 3) * x:astype("float64"):std()
  end,
  fd = fd,
  auto = function(x)
    local f, s = fd(x), sturges(x)
    if f ~= 0 then return math.min(f, s) end
    return s
  end,
  doane = function(x)
    local n = x.size
    if n <= 2 then return 0 end
    local xd = x:astype("float64")
    local sg1 = math.sqrt(6 * (n - 2) / ((n + 1) * (n + 3)))
    local sigma = xd:std()
    if sigma <= 0 then return 0 end -- the data lie in a finite range: sigma is not NaN
    local g1 = core.power(core.divide(core.subtract(xd, xd:mean()), sigma), 3):mean()
    return ptp(x) / (1 + log2(n) + log2(1 + math.abs(g1) / sg1))
  end,
  -- the count of equal bins, 1 .. max(100, sqrt(n)), that minimizes the cross-validated
  -- integrated squared error (the first such count). The data are sorted once; each count's
  -- histogram is then the differences of where its edges fall in them (the last bin closed).
  stone = function(x, lo, hi)
    local n, w = x.size, ptp(x)
    if n <= 1 or w == 0 then return 0 end
    local upper = math.max(100, math.floor(math.sqrt(n)))
    local sorted = core.sort(x)
    local dtype = (x.dtype == "float32" or x.dtype == "float16") and x.dtype or "float64"
    local best, best_j
    for nb = 1, upper do
      local edges = core.linspace(lo, hi, nb + 1, {dtype = dtype, device = x.device})
      local at = core._searchsorted(sorted, edges, {side = "left"})
      at[{nb + 1}] = core._searchsorted(sorted, edges[{{nb + 1}}], {side = "right"})
      local p = core.divide(core.subtract(at[{{2, nb + 1}}], at[{{1, nb}}]), n)
      local j = (2 - (n + 1) * core.sum(core.multiply(p, p))) / (w / nb)
      if best_j == nil or j < best_j then best, best_j = nb, j end
    end
    return w / best
  end,
}

local ESTIMATOR_NAMES = '"auto", "fd", "doane", "scott", "stone", "rice", "sturges" or "sqrt"'

-- The count of equal bins a named estimator gives for flat (weights are not supported).
local function estimated_count(fname, flat, name, range, weighted, lo, hi)
  if not ESTIMATORS[name] then
    fail("%s: bins must be a count, edges or one of %s, got %q", fname, ESTIMATOR_NAMES, name)
  end
  if weighted then
    fail("%s: estimating the number of bins (bins = %q) is not supported with weights",
         fname, name)
  end
  local x = flat
  if range ~= nil and x.size > 0 then
    local keep = core.logical_and(core.greater_equal(x, lo), core.less_equal(x, hi))
    if not core.all(keep) then x = x[keep] end
  end
  if x.size == 0 then return 1 end
  local width = ESTIMATORS[name](x, lo, hi)
  if width ~= 0 and width == width then return math.ceil((hi - lo) / width) end
  return 1
end

-- The edges as given (a list or an array, copied to dev), checked: 1-D, at least one edge,
-- increasing (what names them in messages).
function M.given_edges(fname, bins, dev, what)
  local ok, edges = pcall(core.asarray, bins)
  if not ok then fail("%s: %s must be a count or a list of edges", fname, what) end
  edges = edges:to(dev)
  if edges.ndim ~= 1 then
    fail("%s: %s must be 1-D edges, got %d dimensions", fname, what, edges.ndim)
  end
  if edges.size == 0 then fail("%s: %s must hold at least one edge", fname, what) end
  if edges.dtype == "bool" then fail("%s: %s must be numbers, got bool", fname, what) end
  local n = edges.size
  if n > 1 and (core.any(core.less(edges[{{2, n}}], edges[{{1, n - 1}}]))
                or core.any(core.isnan(edges))) then
    fail("%s: %s must increase monotonically", fname, what)
  end
  return edges
end

-- A bin count, checked: a positive integer (what names it in messages).
function M.bin_count(fname, n, what)
  if type(n) ~= "number" or n < 1 or n % 1 ~= 0 or n ~= n then
    fail("%s: %s must be a positive integer, got %s", fname, what,
         type(n) == "number" and show(n) or type(n))
  end
  if n >= 2 ^ 53 then fail("%s: %s is too large (%s)", fname, what, tostring(n)) end
  return n
end

-- The edges of the bins for the flat data, and for equal bins the outer edges.
local function bin_edges(fname, flat, bins, opts)
  local dtype = (flat.dtype == "float32" or flat.dtype == "float16") and flat.dtype or "float64"
  if bins == nil or type(bins) == "number" or type(bins) == "string" then
    local lo, hi = M.outer_edges(fname, flat, opts.range, "range")
    local n
    if type(bins) == "string" then
      n = estimated_count(fname, flat, bins, opts.range, opts.weights ~= nil, lo, hi)
    else
      n = M.bin_count(fname, bins or 10, "bins")
    end
    return core.linspace(lo, hi, n + 1, {dtype = dtype, device = flat.device}), lo, hi
  end
  return M.given_edges(fname, bins, flat.device, "bins")
end

local OPTIONS = {bins = true, range = true, density = true, weights = true}

-- The data, bins and options of histogram-like calls: flat data, edges, flat weights or nil,
-- the options, and for equal bins the outer edges.
local function prepare(fname, a, bins, opts)
  if not core.is_array(a) then
    local ok, arr = pcall(core.asarray, a)
    if not ok then fail("%s: a must be an array or a list of numbers", fname) end
    a = arr
  end
  if opts == nil and options.is_options(bins, false) then bins, opts = nil, bins end
  opts = options.check(opts, fname, OPTIONS)
  if bins == nil then bins = opts.bins end
  local w = opts.weights
  if w ~= nil then
    if not core.is_array(w) then fail("%s: weights must be an array", fname) end
    if table.concat(w.shape, ",") ~= table.concat(a.shape, ",") then
      fail("%s: weights must have the shape of a (%s), got (%s)", fname,
           table.concat(a.shape, ","), table.concat(w.shape, ","))
    end
    w = w:to(a.device):ravel()
  end
  local flat = a:ravel()
  -- as NumPy: booleans as uint8, which subtract
  if flat.dtype == "bool" then flat = flat:astype("uint8") end
  local edges, lo, hi = bin_edges(fname, flat, bins, opts)
  return flat, edges, w, opts, lo, hi
end

-- Data and weights NumPy counts into equal bins by arithmetic, as cu._histogram does (float16
-- data compute in float16, complex weights sum in parts: those take the general path).
local function arithmetic_bins(flat, w)
  return flat.dtype ~= "float16" and flat.dtype ~= "bfloat16"
         and not (w and (w.dtype == "complex64" or w.dtype == "complex128"))
end

-- histogram in the name of fname (the function the user called). The counting is one pass:
-- for equal bins, each value's bin by NumPy's arithmetic (cu._histogram); for given edges, by
-- a binary search over them (cu._searchsorted), then cu.bincount (atomics on the GPU), with
-- the weights when given.
function M.compute(fname, a, bins, opts)
  local flat, edges, w, lo, hi
  flat, edges, w, opts, lo, hi = prepare(fname, a, bins, opts)
  local nb = edges.size - 1
  local counts
  if lo and arithmetic_bins(flat, w) then
    -- NumPy's outer edges are float32 scalars for float32 data without a range
    local norm32 = opts.range == nil or opts.range == false
    counts = core._histogram(flat, edges, lo, hi, norm32,
                             {weights = w and w:astype("float64")}, fname)
    if w and w.dtype ~= "float64" then counts = counts:astype(w.dtype) end
  else
    local first, last = edges[{1}], edges[{edges.size}]
    if nb > 0 and flat.size > 0 then
      local keep = core.logical_and(core.greater_equal(flat, first), core.less_equal(flat, last))
      if not core.all(keep) then
        flat = flat[keep]
        if w then w = w[keep] end
      end
    end
    if flat.size == 0 or nb == 0 then
      counts = core.zeros(nb, {dtype = w and w.dtype or "int64", device = edges.device})
    else
      -- the bin of x: the edges <= x, less one (1-based insertion point less 2, 0-based); x
      -- at the last edge goes in the last bin
      local pos = core._searchsorted(edges, flat, {side = "right"}, fname)
      local bin = core.minimum(core.subtract(pos, 2), nb - 1)
      counts = core.bincount(bin, {minlength = nb, weights = w and w:astype("float64")})
      if w and w.dtype ~= "float64" then counts = counts:astype(w.dtype) end
    end
  end
  if opts.density then -- NumPy's n / widths / n.sum()
    local widths = core.subtract(edges[{{2, nb + 1}}], edges[{{1, nb}}]):astype("float64")
    return core.divide(core.divide(counts, widths), core.sum(counts)), edges
  end
  return counts, edges
end

M.histogram = named.wrap("histogram", function(a, bins, opts)
  return M.compute("histogram", a, bins, opts)
end)

-- cu.histogram_bin_edges(a[, bins][, {range =, weights =}]): the edges histogram would use.
M.histogram_bin_edges = named.wrap("histogram_bin_edges", function(a, bins, opts)
  if opts == nil and options.is_options(bins, false) then bins, opts = nil, bins end
  opts = options.check(opts, "histogram_bin_edges", {bins = true, range = true, weights = true})
  local _, edges = prepare("histogram_bin_edges", a, bins, opts)
  return edges
end)

return M
