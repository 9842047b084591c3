-- cu.histogram(a[, bins][, {range = {lo, hi}, density = false, weights =}]) -> counts, edges:
-- NumPy's histogram, on a's device. bins is a count (default 10) or the edges themselves (an
-- array or a list, increasing), also accepted as the option `bins`. Every bin but the last is
-- half-open [e_k, e_k+1); the last includes its right edge; values outside the range and NaN
-- are not counted. counts is int64 (the weights' dtype with weights; float64 densities with
-- density = true), edges float64
-- (float32 / float16 for such data, as NumPy's), both on a's device.
local core = require "cuarray.core"
local options = require "cuarray.options"

local M = {}

local OPTIONS = {bins = true, range = true, density = true, weights = true}

-- The edges for `bins` bins (a count, nil: 10) over a's range or opts.range.
local function equal_edges(fname, flat, bins, opts, dtype)
  local n = bins or 10
  if type(n) ~= "number" or n < 1 or n % 1 ~= 0 then
    error(fname .. ": bins must be a positive integer", 4)
  end
  local lo, hi
  if opts.range ~= nil then
    local r = opts.range
    if type(r) ~= "table" or type(r[1]) ~= "number" or type(r[2]) ~= "number" then
      error(fname .. ": range must be a table {lo, hi} of two numbers", 4)
    end
    lo, hi = r[1], r[2]
    if lo > hi then error(fname .. ": max must be larger than min in range", 4) end
  elseif flat.size == 0 then
    lo, hi = 0, 1
  else
    lo, hi = flat:min(), flat:max()
  end
  if lo - lo ~= 0 or hi - hi ~= 0 then
    error(("%s: autodetected range of [%s, %s] is not finite"):format(fname, lo, hi), 4)
  end
  if lo == hi then lo, hi = lo - 0.5, hi + 0.5 end
  return core.linspace(lo, hi, n + 1, {dtype = dtype, device = flat.device})
end

-- histogram in the name of fname (the function the user called). The counting is one pass:
-- each value's bin by a binary search over the edges (cu._searchsorted), then cu.bincount
-- (atomics on the GPU), with the weights when given.
function M.compute(fname, a, bins, opts)
  if not core.is_array(a) then a = core.asarray(a) end
  if opts == nil and options.is_options(bins, false) then bins, opts = nil, bins end
  opts = options.check(opts, fname, OPTIONS)
  if bins == nil then bins = opts.bins end
  local flat = a:ravel()
  local dtype = (a.dtype == "float32" or a.dtype == "float16") and a.dtype or "float64"
  local edges
  if bins == nil or type(bins) == "number" then
    edges = equal_edges(fname, flat, bins, opts, dtype)
  else
    edges = core.array(bins, {dtype = dtype, device = a.device})
    if edges.ndim ~= 1 or edges.size < 2 then
      error(fname .. ": bins must be a count or at least two edges", 3)
    end
  end
  local e = edges:totable()
  for i = 2, #e do
    if e[i] < e[i - 1] or e[i] ~= e[i] then
      error(fname .. ": bins must increase monotonically", 3)
    end
  end
  local w = opts.weights
  if w ~= nil then
    if not core.is_array(w) then error(fname .. ": weights must be an array", 3) end
    if w.size ~= a.size then error(fname .. ": weights must have the shape of a", 3) end
    w = w:ravel()
  end
  local nb = #e - 1
  local keep = core.logical_and(core.greater_equal(flat, e[1]), core.less_equal(flat, e[#e]))
  if not core.all(keep) then
    flat = flat[keep]
    if w then w = w[keep] end
  end
  local counts
  if flat.size == 0 then
    counts = core.zeros(nb, {dtype = w and w.dtype or "int64", device = a.device})
  else
    -- the bin of x: the edges <= x, less one (1-based insertion point less 2, 0-based); x at
    -- the last edge goes in the last bin
    local pos = core._searchsorted(edges, flat, {side = "right"}, "histogram")
    local bin = core.minimum(core.subtract(pos, 2), nb - 1)
    counts = core.bincount(bin, {minlength = nb, weights = w and w:astype("float64")})
    if w and w.dtype ~= "float64" then counts = counts:astype(w.dtype) end
  end
  if opts.density then -- NumPy's n / widths / n.sum()
    local widths = core.subtract(edges[{{2, nb + 1}}], edges[{{1, nb}}]):astype("float64")
    return core.divide(core.divide(counts, widths), core.sum(counts)), edges
  end
  return counts, edges
end

function M.histogram(a, bins, opts) return M.compute("histogram", a, bins, opts) end

return M
