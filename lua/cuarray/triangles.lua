-- Triangles: cu.tri, cu.tril, cu.triu, from one comparison of index ranges and where.
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local M = {}

-- The bool (n, m) mask of the elements on and below the k-th diagonal (j <= i + k), on device.
local function lower_mask(n, m, k, device)
  local opts = {dtype = "int64", device = device}
  local rows = core.arange(n, opts):reshape(n, 1)
  return core.greater_equal(rows + k, core.arange(m, opts))
end

local TRI_OPTIONS = {dtype = true, device = true}

-- cu.tri(n[, m = n][, k = 0][, {dtype =, device =}]): the (n, m) array with ones on and below
-- the k-th diagonal, zeros elsewhere.
function M.tri(...)
  local fname = "tri"
  local pos, count, opts = options.split(...)
  if count > 3 then error(("tri: expected at most 3 arguments, got %d"):format(count), 2) end
  opts = options.check(opts, fname, TRI_OPTIONS)
  local n = args.integer(fname, "n", pos[1])
  local m = args.integer(fname, "m", pos[2], n)
  local k = args.integer(fname, "k", pos[3], 0)
  if n < 0 or m < 0 then
    error(("tri: negative dimension in shape (%d, %d)"):format(n, m), 2)
  end
  local mask = lower_mask(n, m, k, opts.device)
  return mask:astype(opts.dtype or core.get_default_dtype())
end

local function triangle(fname, keep_lower)
  return function(a, k)
    a = args.array(fname, a)
    k = args.integer(fname, "k", k, 0)
    if a.ndim == 0 then error(fname .. ": the array must have at least 1 dimension, got 0", 2) end
    local shape = a.shape
    local n, m = shape[#shape - 1] or shape[#shape], shape[#shape]
    local mask
    if keep_lower then mask = lower_mask(n, m, k, a.device)
    else mask = core.logical_not(lower_mask(n, m, k - 1, a.device)) end
    return core.where(mask, a, core.zeros({}, args.like(a)))
  end
end

-- cu.tril(a[, k = 0]): a copy of a with the elements above the k-th diagonal of its last two
-- axes zeroed (a 1-d a is taken as the rows of a square).
M.tril = triangle("tril", true)
-- cu.triu(a[, k = 0]): a copy of a with the elements below the k-th diagonal zeroed.
M.triu = triangle("triu", false)

return M
