-- cu.unique and NumPy 2's array-API set functions (unique_values, unique_counts,
-- unique_inverse, unique_all): compositions of the core's stable sort, take and masks.
-- Positions are 1-based and axes count from 1, as everywhere in cuarray.
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"
local named = require "cuarray.named"

local M = {}

local function fail(fmt, ...) error(fmt:format(...), 3) end

local COMPLEX = {complex64 = true, complex128 = true}
local NAN_KINDS = {float16 = true, float32 = true, float64 = true, complex64 = true,
                   complex128 = true, bfloat16 = true}

-- Where each element of the sorted s (along its first axis: elements of a 1-D s, rows of a
-- 2-D one) starts a new value; the first always does. Rows are equal when every element is;
-- NaN equals NaN when equal_nan is set (NumPy's equal_nan).
local function run_starts(s, equal_nan)
  local n = s.shape[1]
  local head = core.ones(1, {dtype = "bool", device = s.device})
  if n == 1 then return head end
  local b, a = s[{{1, n - 1}}], s[{{2, n}}]
  local ne = core.not_equal(a, b)
  if equal_nan and NAN_KINDS[s.dtype] then
    ne = core.logical_and(ne, core.logical_not(core.logical_and(core.isnan(a), core.isnan(b))))
  end
  if s.ndim == 2 then ne = core.any(ne, 2) end
  return core.concatenate({head, ne})
end

-- The 1-based positions that sort the rows of the 2-D `rows` lexicographically, the first
-- column first, stably: a stable sort by each column, from the last column to the first.
local function lexsort_rows(rows)
  local n, m = rows.shape[1], rows.shape[2]
  if m == 0 then return core.arange(1, n + 1, {dtype = "int64", device = rows.device}) end
  local perm = core.argsort(rows[{{}, m}])
  for k = m - 1, 1, -1 do
    perm = core.take(perm, core.argsort(core.take(rows[{{}, k}], perm)))
  end
  return perm
end

-- a with axis ax (1-based) first and the other axes flattened after it: a contiguous 2-D array.
local function slices_as_rows(a, ax)
  local perm = {ax}
  for d = 1, a.ndim do if d ~= ax then perm[#perm + 1] = d end end
  local moved = a:transpose(perm)
  local n = a.shape[ax]
  return moved:copy():reshape(n, n == 0 and 0 or math.floor(a.size / n)), moved.shape
end

-- The values and what the options ask for, from the sorted s (rows or elements), the positions
-- perm that sorted them (nil when not needed) and the count n; inverse_shape shapes the inverse.
-- Real elements go through the backend's runs (cu._unique_sorted: one pass, one small read).
local function results(s, perm, n, opts, equal_nan, device, inverse_shape)
  local values, starts, mask
  if n == 0 then
    values = s
    starts = core.empty(0, {dtype = "int64", device = device})
  elseif s.ndim == 1 and not COMPLEX[s.dtype] then
    values, starts = core._unique_sorted(s, equal_nan)
    if opts.return_inverse then
      mask = core.zeros(n, {dtype = "bool", device = device})
      mask[starts] = true
    end
  else
    mask = run_starts(s, equal_nan)
    values = s[mask]
    starts = core.flatnonzero(mask)
  end
  local out = {values, values = values}
  if opts.return_index then
    out.index = n == 0 and starts or core.take(perm, starts)
    out[#out + 1] = out.index
  end
  if opts.return_inverse then
    local inv = core.empty(n, {dtype = "int64", device = device})
    if n > 0 then inv[perm] = core.cumsum(mask) end
    out.inverse = inv:reshape(inverse_shape)
    out[#out + 1] = out.inverse
  end
  if opts.return_counts then
    local m = starts.size
    if m == 0 then
      out.counts = starts
    else
      local ends = core.concatenate({starts, core.full(1, n + 1, {dtype = "int64",
                                                                  device = device})})
      out.counts = core.subtract(ends[{{2, m + 1}}], starts)
    end
    out[#out + 1] = out.counts
  end
  return out
end

local UNIQUE_OPTS = {return_index = true, return_inverse = true, return_counts = true,
                     axis = true, sorted = true, equal_nan = true}

local function check_bool(opts, key, fname)
  local v = opts[key]
  if v ~= nil and type(v) ~= "boolean" then
    fail("%s: %s must be a boolean, got %s", fname, key, type(v))
  end
end

-- unique in the name of fname; returns the table of results (values first).
local function unique(a, opts, fname)
  core._check_array(a, fname)
  for k in pairs(UNIQUE_OPTS) do if k ~= "axis" then check_bool(opts, k, fname) end end
  local equal_nan = opts.equal_nan ~= false
  local want_pos = opts.return_index or opts.return_inverse
  if opts.axis == nil then
    local f = a:ravel()
    local s, perm
    if want_pos then s, perm = core._sort(f, 1, false, fname) else s = core.sort(f) end
    return results(s, perm, f.size, opts, equal_nan, a.device, a.shape)
  end
  local ax = args.axis(fname, opts.axis, a.ndim)
  local rows, moved_shape = slices_as_rows(a, ax)
  local n = rows.shape[1]
  local perm = n > 0 and lexsort_rows(rows) or core.empty(0, {dtype = "int64", device = a.device})
  local out = results(core.take(rows, perm, 1), perm, n, opts, equal_nan, a.device, {n})
  -- the unique rows back in a's layout, axis ax holding them
  local shape = {out.values.shape[1]}
  for d = 2, #moved_shape do shape[d] = moved_shape[d] end
  local back = {}
  for d = 2, ax do back[d - 1] = d end
  back[ax] = 1
  for d = ax + 1, a.ndim do back[d] = d end
  local values = out.values:reshape(shape):transpose(back)
  out.values, out[1] = values, values
  return out
end

-- cu.unique(a[, {axis =, return_index =, return_inverse =, return_counts =, equal_nan = true,
-- sorted = true}]): the sorted distinct elements of the flattened array, or with axis the
-- distinct slices along it in lexicographic order. With any return_* option, a Lua table of
-- results in NumPy's order (values, index, inverse, counts), also under those names.
M.unique = named.wrap("unique", function(a, opts)
  opts = options.check(opts, "unique", UNIQUE_OPTS)
  local out = unique(a, opts, "unique")
  if not (opts.return_index or opts.return_inverse or opts.return_counts) then return out[1] end
  return out
end)

-- NumPy 2's array-API forms: NaNs stay distinct (equal_nan = false), the inverse has x's
-- shape, and the results are named as the array API names them.
local function api(fname, want)
  return named.wrap(fname, function(x)
    local out = unique(x, {return_index = want.indices, return_inverse = want.inverse_indices,
                           return_counts = want.counts, equal_nan = false}, fname)
    if not (want.indices or want.inverse_indices or want.counts) then return out.values end
    local r = {out.values, values = out.values}
    for _, k in ipairs({"indices", "inverse_indices", "counts"}) do
      if want[k] then
        local v = out[k == "indices" and "index" or k == "inverse_indices" and "inverse" or k]
        r[#r + 1], r[k] = v, v
      end
    end
    return r
  end)
end

-- cu.unique_values(x): the distinct elements; cu.unique_counts(x): {values, counts};
-- cu.unique_inverse(x): {values, inverse_indices}; cu.unique_all(x): {values, indices,
-- inverse_indices, counts}. Indices are 1-based.
M.unique_values = api("unique_values", {})
M.unique_counts = api("unique_counts", {counts = true})
M.unique_inverse = api("unique_inverse", {inverse_indices = true})
M.unique_all = api("unique_all", {indices = true, inverse_indices = true, counts = true})

return M
