-- Picking and placing elements by index, mask or condition: take_along_axis, put_along_axis,
-- put, place, compress, extract, select, choose. Compositions of advanced indexing, take and
-- where; indices are 1-based (negative from the end where NumPy allows negatives).
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"
local rearrange = require "cuarray.rearrange"
local positions = require "cuarray.positions"

local M = {}

-- Integer indices as an array (a number too) on device.
local function integer_indices(fname, what, ind, device)
  if type(ind) == "number" then ind = {ind} end
  return args.integers(fname, what, ind, device)
end

-- The advanced-index key that reads arr along axis at indices (of arr's ndim): a range of
-- positions on every other axis, broadcast against indices.
local function along_key(fname, arr, indices, axis)
  local nd = arr.ndim
  if indices.ndim ~= nd then
    error(("%s: indices and arr must have the same number of dimensions (%d and %d)")
      :format(fname, indices.ndim, nd), 3)
  end
  local key = {}
  for d = 1, nd do
    if d == axis then
      key[d] = indices
    else
      local shape = {}
      for k = 1, nd do shape[k] = 1 end
      shape[d] = arr.shape[d]
      key[d] = core.arange(1, arr.shape[d] + 1, args.like(arr, "int64")):reshape(shape)
    end
  end
  return key
end

-- cu.take_along_axis(arr, indices, axis): arr's elements at indices (1-based, of arr's ndim)
-- along axis, matched with the other axes position by position (as after argsort); with a nil
-- axis, of the flattened arr.
function M.take_along_axis(arr, indices, axis)
  local fname = "take_along_axis"
  core._check_array(arr, fname)
  indices = integer_indices(fname, "indices", indices, arr.device)
  if axis == nil then
    if indices.ndim ~= 1 then error(fname .. ": with no axis, indices must be 1-d", 2) end
    return core.take(arr:ravel(), indices)
  end
  axis = args.axis(fname, axis, arr.ndim)
  return arr[along_key(fname, arr, indices, axis)]
end

-- cu.put_along_axis(arr, indices, values, axis): writes values into arr at indices along axis
-- (the positions take_along_axis reads); returns nothing.
function M.put_along_axis(arr, indices, values, axis)
  local fname = "put_along_axis"
  core._check_array(arr, fname)
  indices = integer_indices(fname, "indices", indices, arr.device)
  values = args.array(fname, values, arr.device)
  if axis == nil then
    if indices.ndim ~= 1 then error(fname .. ": with no axis, indices must be 1-d", 2) end
    M.put(arr, indices, values)
    return
  end
  axis = args.axis(fname, axis, arr.ndim)
  arr[along_key(fname, arr, indices, axis)] = values
end

-- values flattened and repeated cyclically (or cut) to n elements.
local function cycled(values, n)
  local flat = values:ravel()
  if flat.size == n then return flat end
  return rearrange.resize(flat, n)
end

local PUT_OPTIONS = {mode = true}

-- cu.put(a, positions, values[, {mode = "raise"}]): writes values (repeated as needed) at the
-- 1-based flat positions of a (negative from the end); "wrap" and "clip" bring positions
-- outside 1 .. a.size back in.
function M.put(a, ind, values, opts)
  local fname = "put"
  core._check_array(a, fname)
  opts = options.check(opts, fname, PUT_OPTIONS)
  local mode = opts.mode == nil and "raise" or opts.mode
  if mode ~= "raise" and mode ~= "wrap" and mode ~= "clip" then
    error(("put: mode must be 'raise', 'wrap' or 'clip', got %s"):format(tostring(mode)), 2)
  end
  ind = integer_indices(fname, "positions", ind, a.device):ravel()
  values = args.array(fname, values, a.device)
  if ind.size == 0 then return end
  if values.size == 0 then error("put: cannot place an empty set of values", 2) end
  local n = a.size
  if n == 0 then error("put: cannot put into an empty array", 2) end
  if mode == "wrap" then ind = core.remainder(ind - 1, n) + 1
  elseif mode == "clip" then ind = core.clip(ind, 1, n)
  else
    if core.any(core.logical_or(core.less(ind, -n), core.equal(ind, 0))) or
       core.any(core.greater(ind, n)) then
      error(("put: a position is out of bounds for an array of size %d (positions run from 1, "
        .. "or from -1 at the end)"):format(n), 2)
    end
    ind = core.where(core.less(ind, 0), ind + (n + 1), ind)
  end
  local coords = {positions.unravel_index(ind, a.shape)}
  if a.ndim == 0 then a[{"..."}] = cycled(values, ind.size)[-1]; return end
  a[coords] = cycled(values, ind.size)
end

-- cu.place(a, mask, values): writes the first values (repeated as needed) into a where mask
-- (of a's size) is true, in C order; returns nothing.
function M.place(a, mask, values)
  local fname = "place"
  core._check_array(a, fname)
  mask = args.array(fname, mask, a.device)
  if mask.size ~= a.size then
    error(("place: mask and data must be the same size (%d and %d)"):format(mask.size, a.size), 2)
  end
  values = args.array(fname, values, a.device)
  local where = core.flatnonzero(mask)
  if where.size == 0 then return end
  if values.size == 0 then error("place: cannot place an empty set of values", 2) end
  M.put(a, where, cycled(values, where.size))
end

-- cu.compress(condition, a[, axis]): the slices of a along axis (or the elements of the
-- flattened a) where the 1-d condition is true; a shorter condition counts as false after
-- its end.
function M.compress(condition, a, axis)
  local fname = "compress"
  a = args.array(fname, a)
  condition = args.array(fname, condition, a.device)
  if condition.ndim ~= 1 then error("compress: condition must be a 1-d array", 2) end
  if axis == nil then a = a:ravel(); axis = 1 else axis = args.axis(fname, axis, a.ndim) end
  local where = core.flatnonzero(condition)
  local n = a.shape[axis]
  if where.size > 0 and where[-1] > n then
    error(("compress: condition is true at %d, past the end of the axis of length %d")
      :format(where[-1], n), 2)
  end
  return core.take(a, where, axis)
end

-- cu.extract(condition, a): the elements of the flattened a where the flattened condition is
-- nonzero.
function M.extract(condition, a)
  local fname = "extract"
  a = args.array(fname, a)
  condition = args.array(fname, condition, a.device)
  if condition.size ~= a.size then
    error(("extract: condition and a must be the same size (%d and %d)"):format(condition.size,
      a.size), 2)
  end
  return core.take(a:ravel(), core.flatnonzero(condition))
end

-- cu.select(condlist, choicelist[, default = 0]): where condlist[1] is true choicelist[1],
-- else where condlist[2] is true choicelist[2], ..., else default; all broadcast together.
function M.select(condlist, choicelist, default)
  local fname = "select"
  if type(condlist) ~= "table" or type(choicelist) ~= "table" or core.is_array(condlist)
     or core.is_array(choicelist) then
    error("select: condlist and choicelist must be tables of arrays", 2)
  end
  condlist, choicelist = args.raw_list(condlist), args.raw_list(choicelist)
  if #condlist ~= #choicelist then
    error(("select: condlist and choicelist must have the same length (%d and %d)")
      :format(#condlist, #choicelist), 2)
  end
  if #condlist == 0 then error("select: condlist must not be empty", 2) end
  local result = default == nil and 0 or default
  for i = #condlist, 1, -1 do
    local cond = args.array(fname, condlist[i])
    if cond.dtype ~= "bool" then
      error(("select: condlist entry %d must be a bool array, got %s"):format(i, cond.dtype), 2)
    end
    local choice = choicelist[i]
    if not core.is_array(choice) then choice = args.array(fname, choice, cond.device) end
    if not core.is_array(result) then result = args.array(fname, result, cond.device) end
    result = core.where(cond, choice, result)
  end
  return result
end

local CHOOSE_OPTIONS = {mode = true}

-- cu.choose(a, choices[, {mode = "raise"}]): where a is k, choices[k] (a table of arrays or
-- numbers, broadcast with a); a holds 1-based numbers, brought into 1 .. #choices by "wrap"
-- or "clip".
function M.choose(a, choices, opts)
  local fname = "choose"
  opts = options.check(opts, fname, CHOOSE_OPTIONS)
  a = integer_indices(fname, "a", a)
  if type(choices) == "table" and not core.is_array(choices) then
    choices = args.raw_list(choices)
  end
  if type(choices) ~= "table" or core.is_array(choices) or #choices == 0 then
    error("choose: choices must be a non-empty table of arrays", 2)
  end
  local n = #choices
  local mode = opts.mode == nil and "raise" or opts.mode
  if mode == "wrap" then a = core.remainder(a - 1, n) + 1
  elseif mode == "clip" then a = core.clip(a, 1, n)
  elseif mode ~= "raise" then
    error(("choose: mode must be 'raise', 'wrap' or 'clip', got %s"):format(tostring(mode)), 2)
  elseif a.size > 0 and core.any(core.logical_or(core.less(a, 1), core.greater(a, n))) then
    error(("choose: a holds a choice outside 1 .. %d"):format(n), 2)
  end
  local result = choices[n]
  if not core.is_array(result) then result = args.array(fname, result, a.device) end
  result = core.where(core.equal(a, n), result, result) -- broadcast with a
  for k = n - 1, 1, -1 do
    local c = choices[k]
    if not core.is_array(c) then c = args.array(fname, c, a.device) end
    result = core.where(core.equal(a, k), c, result)
  end
  return result
end

return M
