-- cu.histogramdd(sample[, bins][, {range =, density =, weights =}]) -> hist, edges and
-- cu.histogram2d(x, y[, bins][, opts]) -> hist, xedges, yedges: NumPy's multidimensional
-- histograms, on the sample's device. Each coordinate's bin comes from a binary search over its
-- edges (cu._searchsorted), the bins' flat numbers from those, and the counts from one
-- cu.bincount (atomics on the GPU) that also holds a bin for the points below and above each
-- dimension's edges, cut away afterwards.
local core = require "cuarray.core"
local options = require "cuarray.options"
local named = require "cuarray.named"
local histogram = require "cuarray.histogram"

local M = {}

local function fail(fmt, ...) error(fmt:format(...), 0) end

local OPTIONS = {bins = true, range = true, density = true, weights = true}

-- Boolean columns as uint8, as NumPy's histograms take them.
function M.numeric(cols)
  for i, c in ipairs(cols) do
    if c.dtype == "bool" then cols[i] = c:astype("uint8") end
  end
  return cols
end

-- The sample as a list of D 1-D columns of one length N, on one device: an (N, D) array, a 1-D
-- array (D = 1), or a Lua list of D 1-D arrays (NumPy's sequence form).
local function columns(fname, sample)
  local cols = {}
  if core.is_array(sample) then
    if sample.ndim == 1 then
      cols[1] = sample
    elseif sample.ndim == 2 then
      for i = 1, sample.shape[2] do cols[i] = sample[{{}, i}] end
    else
      fail("%s: sample must be an (N, D) array or a list of D 1-D arrays, got %d dimensions",
           fname, sample.ndim)
    end
    return M.numeric(cols), sample.shape[1], sample.device
  end
  if type(sample) ~= "table" or #sample == 0 then
    fail("%s: sample must be an (N, D) array or a list of D 1-D arrays", fname)
  end
  local dev
  for i, c in ipairs(sample) do
    if not core.is_array(c) then
      local ok, arr = pcall(core.asarray, c)
      if not ok then fail("%s: sample[%d] must be a 1-D array", fname, i) end
      c = arr
    end
    dev = dev or c.device
    if c.ndim ~= 1 then fail("%s: sample[%d] must be 1-D, got %d dimensions", fname, i, c.ndim) end
    if c.size ~= (cols[1] or c).size then
      fail("%s: the coordinates must have one length (sample[1] has %d, sample[%d] %d)", fname,
           cols[1].size, i, c.size)
    end
    cols[i] = c:to(dev)
  end
  return M.numeric(cols), cols[1].size, dev
end

-- The D edge arrays from bins (a count for all, or a list of D counts or edge lists) and range
-- (a list of D {lo, hi} tables, false for the data's range).
local function all_edges(fname, cols, bins, range)
  local d = #cols
  local per = bins
  if type(bins) ~= "table" or core.is_array(bins) then
    per = {}
    for i = 1, d do per[i] = bins end
  elseif #bins ~= d then
    fail("%s: bins must be a count or have one entry per dimension (%d), got %d", fname, d, #bins)
  end
  if range ~= nil then
    if type(range) ~= "table" then fail("%s: range must be a list of {lo, hi} tables", fname) end
    local n = 0
    for k in pairs(range) do
      if type(k) ~= "number" or k < 1 or k > d or k % 1 ~= 0 then n = -1 break end
      n = n + 1
    end
    if n < 0 or #range ~= d then
      fail("%s: range must have one entry per dimension (%d)", fname, d)
    end
  end
  local edges = {}
  for i = 1, d do
    local b = per[i]
    local what = ("bins[%d]"):format(i)
    if type(b) == "number" then
      histogram.bin_count(fname, b, what)
      local lo, hi = histogram.outer_edges(fname, cols[i], range and range[i],
                                           ("range[%d]"):format(i))
      -- NumPy 2's linspace of the column's extremes keeps a float16 / float32 dtype; Lua
      -- numbers (a range) give float64
      local dt = cols[i].dtype
      if (range and range[i]) or (dt ~= "float32" and dt ~= "float16") then dt = "float64" end
      edges[i] = core.linspace(lo, hi, b + 1, {dtype = dt, device = cols[i].device})
    elseif b == nil then
      fail("%s: %s must be a count or a list of edges", fname, what)
    else
      edges[i] = histogram.given_edges(fname, b, cols[i].device, what)
    end
  end
  return edges
end

local function histogramdd(fname, sample, bins, opts)
  if opts == nil and options.is_options(bins, false) then bins, opts = nil, bins end
  opts = options.check(opts, fname, OPTIONS)
  if bins == nil then bins = opts.bins end
  if bins == nil then bins = 10 end
  local cols, n, dev = columns(fname, sample)
  local d = #cols
  local edges = all_edges(fname, cols, bins, opts.range)
  local w = opts.weights
  if w ~= nil then
    if not core.is_array(w) then fail("%s: weights must be an array", fname) end
    if w.ndim ~= 1 or w.size ~= n then
      fail("%s: weights must be 1-D of the sample's length (%d), got shape (%s)", fname, n,
           table.concat(w.shape, ","))
    end
    w = w:to(dev):astype("float64")
  end
  -- dims with an outlier bin at each end: nbin[i] = #edges + 1
  local nbin, total = {}, 1
  for i = 1, d do
    nbin[i] = edges[i].size + 1
    total = total * nbin[i]
  end
  if total > 2 ^ 53 then fail("%s: too many bins (%.0f)", fname, total) end
  local flat = core.zeros(n, {dtype = "int64", device = dev})
  local stride = total
  for i = 1, d do
    stride = stride / nbin[i]
    if n > 0 then
      local e = edges[i]
      -- NumPy's searchsorted(edges, x, "right"), 0-based: the count of edges <= x; a point on
      -- the last edge goes in the last bin, not above it
      local k = core.subtract(core._searchsorted(e, cols[i], {side = "right"}), 1)
      k = core.subtract(k, core.equal(cols[i], e[{e.size}]))
      flat = core.add(flat, core.multiply(k, stride))
    end
  end
  local counts = core.bincount(flat, {minlength = total, weights = w})
  local key = {}
  for i = 1, d do key[i] = {2, nbin[i] - 1} end
  local hist = counts:reshape(nbin)[key]:astype("float64")
  if opts.density then
    local s = core.sum(hist)
    for i = 1, d do
      local e, m = edges[i], edges[i].size
      local shape = {}
      for j = 1, d do shape[j] = 1 end
      shape[i] = m - 1
      local widths = core.subtract(e[{{2, m}}], e[{{1, m - 1}}]):astype("float64")
      hist = core.divide(hist, widths:reshape(shape))
    end
    hist = core.divide(hist, s)
  end
  return hist, edges
end

-- cu.histogramdd(sample[, bins][, {bins =, range =, density =, weights =}]): the counts
-- (float64, of shape {#edges[1] - 1, ...}) and the list of D edge arrays.
M.histogramdd = named.wrap("histogramdd", function(sample, bins, opts)
  return histogramdd("histogramdd", sample, bins, opts)
end)

-- cu.histogram2d(x, y[, bins][, opts]): histogramdd of the points (x[i], y[i]); bins is a count,
-- edges for both, or {bins_x, bins_y}.
M.histogram2d = named.wrap("histogram2d", function(x, y, bins, opts)
  if opts == nil and options.is_options(bins, false) then bins, opts = nil, bins end
  opts = options.check(opts, "histogram2d", OPTIONS)
  if bins == nil then bins = opts.bins end
  for _, v in ipairs({{"x", x}, {"y", y}}) do
    if not core.is_array(v[2]) or v[2].ndim ~= 1 then
      fail("histogram2d: %s must be a 1-D array", v[1])
    end
  end
  if x.size ~= y.size then
    fail("histogram2d: x and y must have the same length (%d and %d)", x.size, y.size)
  end
  -- NumPy's rule: anything but a count or a pair is the edges of both dimensions
  local len = type(bins) == "table" and #bins or core.is_array(bins) and bins.size or 1
  if len ~= 1 and len ~= 2 then bins = {bins, bins} end
  if core.is_array(bins) and bins.size == 2 then bins = bins:totable() end
  local o = {range = opts.range, density = opts.density, weights = opts.weights}
  local hist, edges = histogramdd("histogram2d", {x, y}, bins == nil and 10 or bins, o)
  return hist, edges[1], edges[2]
end)

return M
