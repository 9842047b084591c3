-- cu.histogram(a[, bins][, {range = {lo, hi}, density = false}]) -> counts, edges: NumPy's
-- histogram, composed from comparisons that run on a's device. bins is a count (default 10)
-- or the edges themselves (an array or a list, increasing). Every bin but the last is
-- half-open [e_k, e_k+1); the last includes its right edge; values outside the range and NaN
-- are not counted. counts is int64 (float64 densities with density = true), edges float64
-- (float32 / float16 for such data, as NumPy's), both on a's device.
local M = {}

function M.attach(cu)
  local function number(x)
    if type(x) == "number" then return x end
    return x:item()
  end

  local known = {range = true, density = true}

  function cu.histogram(a, bins, opts)
    local fname = "histogram"
    if not cu.is_array(a) then a = cu.asarray(a) end
    if type(bins) == "table" and not cu.is_array(bins) and (next(bins) == nil or #bins == 0) then
      bins, opts = nil, bins
    end
    opts = opts or {}
    if type(opts) ~= "table" then error(fname .. ": options must be a table", 2) end
    for k in pairs(opts) do
      if not known[k] then error(("%s: unknown option '%s'"):format(fname, tostring(k)), 2) end
    end
    local flat = a:ravel()
    local edge_dtype = (a.dtype == "float32" or a.dtype == "float16") and a.dtype or "float64"
    local edges
    if bins == nil or type(bins) == "number" then
      local n = bins or 10
      if n < 1 or n % 1 ~= 0 then error(fname .. ": bins must be a positive integer", 2) end
      local lo, hi
      if opts.range ~= nil then
        if type(opts.range) ~= "table" or type(opts.range[1]) ~= "number" or
           type(opts.range[2]) ~= "number" then
          error(fname .. ": range must be a table {lo, hi} of two numbers", 2)
        end
        lo, hi = opts.range[1], opts.range[2]
        if lo > hi then error(fname .. ": max must be larger than min in range", 2) end
      elseif flat.size == 0 then
        lo, hi = 0, 1
      else
        lo, hi = number(flat:min()), number(flat:max())
      end
      if lo - lo ~= 0 or hi - hi ~= 0 then
        error(("%s: autodetected range of [%s, %s] is not finite"):format(fname, lo, hi), 2)
      end
      if lo == hi then lo, hi = lo - 0.5, hi + 0.5 end
      edges = cu.linspace(lo, hi, n + 1, {dtype = edge_dtype, device = a.device})
    else
      edges = cu.array(bins, {dtype = edge_dtype, device = a.device})
      if edges.ndim ~= 1 or edges.size < 2 then
        error(fname .. ": bins must be a count or at least two edges", 2)
      end
      local e = edges:totable()
      for i = 2, #e do
        if e[i] < e[i - 1] or e[i] ~= e[i] then
          error(fname .. ": bins must increase monotonically", 2)
        end
      end
    end
    local e = edges:totable()
    -- below[k]: how many values lie below edge k (at or below, for the last edge)
    local below = {}
    for k = 1, #e do
      local cmp = k < #e and cu.less(flat, e[k]) or cu.less_equal(flat, e[k])
      below[k] = number(cmp:sum())
    end
    local counts = {}
    for k = 1, #e - 1 do counts[k] = below[k + 1] - below[k] end
    if opts.density then
      local total = below[#e] - below[1]
      for k = 1, #counts do
        counts[k] = counts[k] / (total * (e[k + 1] - e[k]))
      end
      return cu.array(counts, {dtype = "float64", device = a.device}), edges
    end
    return cu.array(counts, {dtype = "int64", device = a.device}), edges
  end
end

return M
