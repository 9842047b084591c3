-- Coordinate grids: meshgrid, indices and fromfunction, from index ranges reshaped and
-- broadcast. Indices are 1-based, as everywhere in cuarray.
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local unpack = table.unpack or unpack

local M = {}


-- The shape of nd ones with n at axis i.
local function along(nd, i, n)
  local s = {}
  for k = 1, nd do s[k] = 1 end
  s[i] = n
  return s
end

local MESHGRID_OPTIONS = {indexing = true, sparse = true, copy = true}

-- cu.meshgrid(x1, x2, ...[, {indexing = "xy", sparse = false, copy = true}]): coordinate
-- arrays, one per input (several values): each input (flattened) spread along its own axis of
-- the grid; with "xy" indexing the first two axes are exchanged (the first input varies
-- along columns), with sparse each keeps length 1 on the other axes, without copy they are
-- read-only broadcast views.
function M.meshgrid(...)
  local fname = "meshgrid"
  local xs, n, opts = options.split(...)
  opts = options.check(opts, fname, MESHGRID_OPTIONS)
  local indexing = opts.indexing == nil and "xy" or opts.indexing
  if indexing ~= "xy" and indexing ~= "ij" then
    error(("meshgrid: indexing must be 'xy' or 'ij', got %s"):format(tostring(indexing)), 2)
  end
  if n == 0 then return end
  local flat, lens = {}, {}
  for i = 1, n do
    flat[i] = args.array(fname, xs[i]):ravel()
    lens[i] = flat[i].size
  end
  local axis_of = {}
  for i = 1, n do axis_of[i] = i end
  if indexing == "xy" and n >= 2 then axis_of[1], axis_of[2] = 2, 1 end
  local full = {}
  for i = 1, n do full[axis_of[i]] = lens[i] end
  local out = {}
  for i = 1, n do
    local g = flat[i]:reshape(along(n, axis_of[i], lens[i]))
    if not opts.sparse then
      g = g:broadcast_to(full)
      if opts.copy ~= false then g = g:copy() end
    elseif opts.copy ~= false then
      g = g:copy()
    end
    out[i] = g
  end
  return unpack(out, 1, n)
end

local INDICES_OPTIONS = {dtype = true, sparse = true, device = true}

-- cu.indices(dimensions[, {dtype = "int64", sparse = false, device =}]): the 1-based index grid
-- of shape (n, d1, ..., dn): element [k, i1, ..., in] is ik. With sparse, n arrays (several
-- values), the k-th of shape (1, .., dk, .., 1).
function M.indices(dimensions, opts)
  local fname = "indices"
  local dims = args.int_list(fname, "dimensions", dimensions)
  opts = options.check(opts, fname, INDICES_OPTIONS)
  local n = #dims
  args.check_ndim(fname, n)
  local make = {dtype = opts.dtype or "int64", device = opts.device}
  local parts = {}
  for k = 1, n do
    if dims[k] < 0 then error(("indices: negative dimension %d"):format(dims[k]), 2) end
    parts[k] = core.arange(1, dims[k] + 1, make):reshape(along(n, k, dims[k]))
  end
  if opts.sparse then return unpack(parts, 1, n) end
  if n == 0 then return core.zeros({0}, make) end
  for k = 1, n do parts[k] = parts[k]:broadcast_to(dims) end
  return core.stack(parts)
end

local FROMFUNCTION_OPTIONS = {dtype = true, device = true}

-- cu.fromfunction(f, shape[, {dtype = default float, device =}]): f called once with one
-- array of 1-based coordinates per axis (each of the full shape); what f returns.
function M.fromfunction(f, shape, opts)
  local fname = "fromfunction"
  if type(f) ~= "function" then
    local mt = getmetatable(f)
    if type(mt) ~= "table" or mt.__call == nil then
      error(("fromfunction: expected a function, got %s"):format(type(f)), 2)
    end
  end
  opts = options.check(opts, fname, FROMFUNCTION_OPTIONS)
  local dims = args.int_list(fname, "shape", shape)
  local coords = {M.indices(dims, {dtype = opts.dtype or core.get_default_dtype(),
    device = opts.device, sparse = true})}
  for k = 1, #dims do coords[k] = coords[k]:broadcast_to(dims) end
  return f(unpack(coords, 1, #dims))
end

-- The values of a range {start, stop[, step]}: start, start + step, ... up to stop included
-- (as Lua's numeric for), in dtype.
local function range_values(fname, r, i, dtype, device)
  if type(r) == "table" and not core.is_array(r) then r = args.raw_list(r) end
  if type(r) ~= "table" or core.is_array(r) or #r < 2 or #r > 3 then
    error(("%s: range %d must be {start, stop[, step]}"):format(fname, i), 3)
  end
  local start, stop, step = r[1], r[2], r[3] == nil and 1 or r[3]
  for _, v in ipairs({start, stop, step}) do
    if type(v) ~= "number" then
      error(("%s: range %d must hold numbers, got %s"):format(fname, i, type(v)), 3)
    end
  end
  if step == 0 then error(("%s: range %d: step cannot be zero"):format(fname, i), 3) end
  local n = math.floor((stop - start) / step + 1e-9) + 1
  if n < 0 then n = 0 end
  return core.arange(n, {dtype = dtype, device = device}) * step + start
end

local function grid(fname, sparse, ...)
  local ranges, n, opts = options.split(...)
  opts = options.check(opts, fname, {device = true})
  if n == 0 then error(fname .. ": expected at least one range", 2) end
  -- integers give int64 unless some range needs floats (then all are, as NumPy's)
  local dtype = "int64"
  for i = 1, n do
    local r = ranges[i]
    for _, v in ipairs(type(r) == "table" and not core.is_array(r) and args.raw_list(r) or {}) do
      if type(v) == "number" and v ~= math.floor(v) then dtype = core.get_default_dtype() end
    end
  end
  local out = {}
  for i = 1, n do
    out[i] = range_values(fname, ranges[i], i, dtype, opts.device)
    if n > 1 then out[i] = out[i]:reshape(along(n, i, -1)) end
  end
  if sparse or n == 1 then return unpack(out, 1, n) end
  local shape = {}
  for i = 1, n do shape[i] = out[i].size end
  for i = 1, n do out[i] = out[i]:broadcast_to(shape) end
  return core.stack(out)
end

-- cu.mgrid(r1, r2, ...[, {device =}]): NumPy's mgrid[...] with inclusive ranges {start, stop[,
-- step]}: one array of shape (n, len1, ..., lenn) whose k-th entry holds rk's values along
-- axis k (of one range, its values).
function M.mgrid(...) return grid("mgrid", false, ...) end

-- cu.ogrid(r1, r2, ...[, {device =}]): NumPy's ogrid[...]: each range's values along its own
-- axis, length 1 on the others (several values).
function M.ogrid(...) return grid("ogrid", true, ...) end

return M
