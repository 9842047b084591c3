-- Shapes and index arrays: broadcast_shapes, broadcast_arrays, block, fliplr, flipud, ix_, the
-- diag_ and tri_indices families, ndim, shape, size, isscalar, putmask, fabs. Index arrays are
-- 1-based int64 arrays, returned as several values so that a[{cu.tril_indices(3)}] indexes.
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local M = {}

local function shape_text(s)
  return "(" .. table.concat(s, ",") .. ")"
end

local function mismatch(fname, shapes, i, j)
  error(("%s: shapes %s (argument %d) and %s (argument %d) cannot be broadcast together")
        :format(fname, shape_text(shapes[i]), i, shape_text(shapes[j]), j), 3)
end

-- cu.broadcast_shapes(shape, ...): the shape (a Lua table) the shapes broadcast to; a shape is
-- a table of sizes or a number (a 1-d shape).
function M.broadcast_shapes(...)
  local fname = "broadcast_shapes"
  local shapes = {}
  for i = 1, select("#", ...) do
    local s = select(i, ...)
    if type(s) == "number" then s = {s} end
    if type(s) ~= "table" or core.is_array(s) then
      error(("broadcast_shapes: argument %d must be a shape (a table of sizes), got %s")
            :format(i, core.is_array(s) and "an array" or type(s)), 2)
    end
    s = args.raw_list(s)
    for k, n in ipairs(s) do
      if type(n) ~= "number" or n ~= math.floor(n) or n < 0 then
        error(("broadcast_shapes: argument %d: size %d must be a non-negative integer, got %s")
              :format(i, k, tostring(n)), 2)
      end
    end
    shapes[i] = s
  end
  local out, i, j = args.broadcast_shapes(shapes)
  if not out then mismatch(fname, shapes, i, j) end
  return out
end

-- cu.broadcast_arrays(a, ...): every argument viewed with the shape they broadcast to, as
-- several values (NumPy's tuple).
function M.broadcast_arrays(...)
  local fname = "broadcast_arrays"
  local n = select("#", ...)
  local arrays, shapes = {}, {}
  for i = 1, n do
    arrays[i] = args.array(fname, (select(i, ...)))
    shapes[i] = arrays[i].shape
    if i > 1 and arrays[i].device ~= arrays[1].device then
      error(("broadcast_arrays: arrays on different devices (%s and %s)")
            :format(arrays[1].device, arrays[i].device), 2)
    end
  end
  local out, i, j = args.broadcast_shapes(shapes)
  if not out then mismatch(fname, shapes, i, j) end
  for k = 1, n do arrays[k] = arrays[k]:broadcast_to(out) end
  return (table.unpack or unpack)(arrays, 1, n)
end

-- The depth of the nested list t (a leaf: 0) and, through `leaves`, the largest ndim of its
-- leaves; raises for empty lists and leaves at different depths. `where` names t's position.
local function block_depth(t, where, state)
  if core.is_array(t) or type(t) ~= "table" then
    if type(t) ~= "number" and type(t) ~= "boolean" and not core.is_array(t) then
      error(("block: %s must be an array, a number or a list, got %s"):format(where, type(t)), 0)
    end
    local nd = core.is_array(t) and t.ndim or 0
    state.ndim = math.max(state.ndim, nd)
    return 0
  end
  local list = args.raw_list(t)
  if #list == 0 then error(("block: the list at %s cannot be empty"):format(where), 0) end
  -- a result has at most 32 dimensions, so deeper lists (a table holding itself) are refused
  state.level = (state.level or 0) + 1
  if state.level > 32 then error("block: lists are nested deeper than 32 levels", 0) end
  local depth
  for i, v in ipairs(list) do
    local d = block_depth(v, where .. "[" .. i .. "]", state)
    if depth and d ~= depth then
      error(("block: list depths are mismatched: %s[1] is at depth %d, %s[%d] at depth %d")
            :format(where, depth + 1, where, i, d + 1), 0)
    end
    depth = d
  end
  state.level = state.level - 1
  return depth + 1
end

-- The arrays of list t joined: the innermost lists along the last axis, the next along the one
-- before, and so on; leaves get leading axes of length 1 up to nd.
local function block_join(t, level, depth, nd, device)
  if core.is_array(t) or type(t) ~= "table" then
    local a = args.array("block", t, device)
    local shape = a.shape
    while #shape < nd do table.insert(shape, 1, 1) end
    return a:reshape(shape)
  end
  local parts = {}
  for i, v in ipairs(args.raw_list(t)) do parts[i] = block_join(v, level + 1, depth, nd, device) end
  return core.concatenate(parts, nd - depth + level)
end

-- cu.block(nested): NumPy's block assembly of a nested list of arrays (and numbers).
function M.block(nested)
  local state = {ndim = 0}
  local ok, depth = pcall(block_depth, nested, "arrays", state)
  if not ok then error(depth, 2) end
  local device
  local function find_device(t)
    if core.is_array(t) then device = device or t.device
    elseif type(t) == "table" then for _, v in ipairs(t) do find_device(v) end end
  end
  find_device(nested)
  local nd = math.max(depth, state.ndim)
  local ok2, r = pcall(block_join, nested, 1, depth, nd, device)
  if not ok2 then
    local why = tostring(r):gsub("^[^\n]-%.lua:%d+: ", ""):gsub("^[%w_]+: ", "")
    error("block: " .. why, 2)
  end
  if depth == 0 then return r:copy() end
  return r
end

-- cu.fliplr(a), cu.flipud(a): views reversed along axis 2 and axis 1.
function M.fliplr(a)
  core._check_array(a, "fliplr")
  if a.ndim < 2 then error(("fliplr: expected an array of at least 2 dimensions, got %d-d")
                           :format(a.ndim), 2) end
  return a:flip(2)
end

function M.flipud(a)
  core._check_array(a, "flipud")
  if a.ndim < 1 then error("flipud: expected an array of at least 1 dimension, got 0-d", 2) end
  return a:flip(1)
end

-- cu.ix_(seq, ...): an open mesh of the 1-d sequences (1-based positions, or bool masks taken
-- as the positions where they are true): argument k shaped (1, ..., n, ..., 1) with n on axis
-- k, as several values.
function M.ix_(...)
  local fname = "ix_"
  local n = select("#", ...)
  local out = {}
  for k = 1, n do
    local v = select(k, ...)
    if type(v) == "table" and not core.is_array(v) and #args.raw_list(v) == 0 then
      v = core.zeros(0, {dtype = "int64"})
    else
      v = args.array(fname, v, out[1] and out[1].device)
    end
    if v.ndim ~= 1 then
      error(("ix_: argument %d must be 1-d, got %d-d"):format(k, v.ndim), 2)
    end
    if v.dtype == "bool" then
      v = core.flatnonzero(v)
    elseif v.dtype:find("float") or v.dtype:find("complex") then
      error(("ix_: argument %d must be integers or bools, got %s"):format(k, v.dtype), 2)
    end
    local shape = {}
    for i = 1, n do shape[i] = 1 end
    shape[k] = v.shape[1]
    out[k] = v:reshape(shape)
  end
  return (table.unpack or unpack)(out, 1, n)
end

-- cu.diag_indices(n[, ndim = 2]): the indices of the main diagonal of an n x ... x n array,
-- ndim copies of 1..n.
function M.diag_indices(n, ndim, opts)
  local fname = "diag_indices"
  if options.is_options(ndim) then ndim, opts = nil, ndim end
  opts = options.check(opts, fname, {device = true})
  n = args.integer(fname, "n", n)
  ndim = args.integer(fname, "ndim", ndim, 2)
  if n < 0 then error(("diag_indices: n must be non-negative, got %d"):format(n), 2) end
  if ndim < 1 or ndim > 32 then
    error(("diag_indices: ndim must be from 1 to 32 (the most axes an array has), got %d")
          :format(ndim), 2)
  end
  local idx = core.arange(1, n + 1, {dtype = "int64", device = opts.device})
  local out = {}
  for i = 1, ndim do out[i] = idx end
  return (table.unpack or unpack)(out, 1, ndim)
end

-- cu.diag_indices_from(a): the diagonal indices of a, whose axes have one length.
function M.diag_indices_from(a)
  core._check_array(a, "diag_indices_from")
  if a.ndim < 2 then
    error(("diag_indices_from: expected at least 2 dimensions, got %d-d"):format(a.ndim), 2)
  end
  local shape = a.shape
  for i = 2, #shape do
    if shape[i] ~= shape[1] then
      error(("diag_indices_from: all dimensions must have equal length, got %s")
            :format(shape_text(shape)), 2)
    end
  end
  return M.diag_indices(shape[1], a.ndim, {device = a.device})
end

local function tri_indices(fname, upper, n, k, m, opts)
  opts = options.check(opts, fname, {device = true})
  n = args.integer(fname, "n", n)
  k = args.integer(fname, "k", k, 0)
  m = args.integer(fname, "m", m, n)
  if n < 0 or m < 0 then
    error(("%s: n and m must be non-negative, got %d and %d"):format(fname, n, m), 3)
  end
  local mask = require("cuarray.triangles").tri(n, m, upper and k - 1 or k,
                                                {dtype = "bool", device = opts.device})
  if upper then mask = core.logical_not(mask) end
  local pos = core.nonzero(mask)
  return pos[1], pos[2]
end

local function trailing(fname, ...)
  local pos, count, opts = options.split(...)
  if count > 3 then error(("%s: expected at most 3 arguments, got %d"):format(fname, count), 3) end
  return pos[1], pos[2], pos[3], opts
end

-- cu.tril_indices(n[, k = 0[, m = n]]), cu.triu_indices(...): the row and column indices of
-- the lower (upper) triangle of an n x m array from the k-th diagonal, in C order.
function M.tril_indices(...)
  local n, k, m, opts = trailing("tril_indices", ...)
  return tri_indices("tril_indices", false, n, k, m, opts)
end

function M.triu_indices(...)
  local n, k, m, opts = trailing("triu_indices", ...)
  return tri_indices("triu_indices", true, n, k, m, opts)
end

local function tri_indices_from(fname, upper, a, k)
  core._check_array(a, fname)
  if a.ndim ~= 2 then error(("%s: expected a 2-d array, got %d-d"):format(fname, a.ndim), 3) end
  local shape = a.shape
  return tri_indices(fname, upper, shape[1], k, shape[2], {device = a.device})
end

-- cu.tril_indices_from(a[, k]), cu.triu_indices_from(a[, k]): the same for a 2-d array a.
function M.tril_indices_from(a, k) return tri_indices_from("tril_indices_from", false, a, k) end
function M.triu_indices_from(a, k) return tri_indices_from("triu_indices_from", true, a, k) end

-- cu.ndim(a), cu.shape(a), cu.size(a[, axis]): of an array, or of what cu.asarray makes of a
-- number or a nested list.
function M.ndim(a) return args.array("ndim", a, "cpu").ndim end
function M.shape(a) return args.array("shape", a, "cpu").shape end

function M.size(a, axis)
  a = core.is_array(a) and core._check_array(a, "size") or args.array("size", a, "cpu")
  if axis == nil then return a.size end
  if a.ndim == 0 then error("size: a 0-d array has no axis " .. tostring(axis), 2) end
  return a.shape[args.axis("size", axis, a.ndim)]
end

-- cu.isscalar(v): true for a number, a string, a boolean or a complex value; false for arrays
-- (0-d too), tables and anything else.
function M.isscalar(v)
  local t = type(v)
  if t == "number" or t == "string" or t == "boolean" then return true end
  local complex = require "cuarray.complex"
  return complex.is_complex(v) == true
end

-- cu.putmask(a, mask, values): a.flat[i] = values.flat[i % #values] wherever mask.flat[i]
-- (NumPy's cycling: the value at the same flat position, values repeated as needed).
function M.putmask(a, mask, values)
  local fname = "putmask"
  core._check_array(a, fname)
  mask = args.array(fname, mask, a.device)
  if mask.dtype ~= "bool" then mask = mask:astype("bool") end
  if mask.size ~= a.size then
    error(("putmask: mask and data must be the same size (%d vs %d)"):format(mask.size, a.size), 2)
  end
  values = args.array(fname, values, a.device)
  if values.device ~= a.device then
    error(("putmask: values are on %s, the array on %s"):format(values.device, a.device), 2)
  end
  if values.size == 0 or a.size == 0 then return end
  local flat = values:ravel()
  if flat.size ~= a.size then
    flat = require("cuarray.rearrange").tile(flat, math.ceil(a.size / flat.size))[{{1, a.size}}]
  end
  require("cuarray.layout").copyto(a, flat:reshape(a.shape),
    {where = mask:reshape(a.shape), casting = "unsafe"})
end

-- cu.fabs(x): the absolute values of real x as floats (integers and bools become the float
-- dtype NumPy's float functions give); complex x is an error, as in NumPy.
function M.fabs(x)
  x = args.array("fabs", x)
  if x.dtype:find("complex") then
    error(("fabs: not supported for %s (use cu.abs)"):format(x.dtype), 2)
  end
  if not x.dtype:find("float") then
    x = x:astype(core.sqrt(core.zeros(0, {dtype = x.dtype, device = x.device})).dtype)
  end
  return core.abs(x)
end

-- Errors raised below a function (by the ops it calls) in the name of the function called.
return require("cuarray.named").wrap_all(M)
