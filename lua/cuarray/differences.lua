-- Differences along an axis (diff, ediff1d) and trim_zeros: compositions of slices, subtract
-- and concatenate.
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local M = {}

-- v (a Lua number or an array) as an array that joins a along axis: a scalar becomes a slab of
-- a's shape, one long on the axis.
local function slab(fname, v, a, axis)
  v = args.array(fname, v, a.device)
  if v.ndim > 0 then return v end
  local shape = a.shape
  shape[axis] = 1
  return v:broadcast_to(shape)
end

local DIFF_OPTIONS = {prepend = true, append = true}

-- cu.diff(a[, n = 1][, axis = -1][, {prepend =, append =}]): the n-th differences along axis
-- (a[i + 1] - a[i], repeated n times; for bool, a[i + 1] ~= a[i]), after joining prepend and
-- append to a along the axis.
function M.diff(a, ...)
  local fname = "diff"
  local pos, count, opts = options.split(...)
  if count > 2 then error(("diff: expected at most 3 arguments, got %d"):format(count + 1), 2) end
  opts = options.check(opts, fname, DIFF_OPTIONS)
  a = args.array(fname, a)
  local n = args.integer(fname, "n", pos[1], 1)
  if n < 0 then error(("diff: order must be non-negative, got %d"):format(n), 2) end
  if a.ndim == 0 then error("diff: needs at least a 1-d array, got a 0-d array", 2) end
  local axis = args.axis(fname, pos[2] == nil and -1 or pos[2], a.ndim)
  if opts.prepend ~= nil or opts.append ~= nil then
    local parts = {}
    if opts.prepend ~= nil then parts[#parts + 1] = slab(fname, opts.prepend, a, axis) end
    parts[#parts + 1] = a
    if opts.append ~= nil then parts[#parts + 1] = slab(fname, opts.append, a, axis) end
    a = core.concatenate(parts, axis)
  end
  if n == 0 then return a:copy() end
  local nd = a.ndim
  for _ = 1, n do
    local len = a.shape[axis]
    local hi = a[args.range_key(nd, axis, 2, len)]
    local lo = a[args.range_key(nd, axis, 1, len - 1)]
    if a.dtype == "bool" then a = core.not_equal(hi, lo) else a = core.subtract(hi, lo) end
    if len <= 1 then break end
  end
  return a
end

local EDIFF_OPTIONS = {to_begin = true, to_end = true}

-- cu.ediff1d(a[, {to_begin =, to_end =}]): the differences of the flattened a, with to_begin
-- before and to_end after them (in a's dtype).
function M.ediff1d(a, opts)
  local fname = "ediff1d"
  opts = options.check(opts, fname, EDIFF_OPTIONS)
  a = args.array(fname, a):ravel()
  local d = M.diff(a)
  if opts.to_begin == nil and opts.to_end == nil then return d end
  local parts = {}
  if opts.to_begin ~= nil then
    parts[#parts + 1] = args.array(fname, opts.to_begin, a.device):ravel()
  end
  parts[#parts + 1] = d
  if opts.to_end ~= nil then
    parts[#parts + 1] = args.array(fname, opts.to_end, a.device):ravel()
  end
  return core.concatenate(parts, 1, {dtype = a.dtype})
end

-- cu.trim_zeros(a[, trim = "fb"]): the view of the 1-d a without its leading ("f") and/or
-- trailing ("b") zeros.
function M.trim_zeros(a, trim)
  local fname = "trim_zeros"
  core._check_array(a, fname)
  if a.ndim ~= 1 then error(("trim_zeros: expected a 1-d array, got %d-d"):format(a.ndim), 2) end
  trim = trim == nil and "fb" or trim
  if type(trim) ~= "string" or trim:find("[^fbFB]") then
    error(("trim_zeros: trim must be a string of 'f' and 'b', got %s"):format(tostring(trim)), 2)
  end
  local nz = core.flatnonzero(a)
  local count = nz.size
  if count == 0 then return a[{{2, 1}}] end
  local first = trim:find("[fF]") and nz[1] or 1
  local last = trim:find("[bB]") and nz[count] or a.shape[1]
  return a[{{first, last}}]
end

return M
