-- Inserting and deleting along an axis: cu.insert and cu.delete, gathers over positions
-- worked out on the host. Positions are 1-based, negative from the end.
local core = require "cuarray.core"
local args = require "cuarray.args"
local rearrange = require "cuarray.rearrange"

local M = {}

-- The array, the axis and its length: a flattened when axis is nil.
local function target(fname, arr, axis)
  arr = args.array(fname, arr)
  if axis == nil then return arr:ravel(), 1 end
  if arr.ndim == 0 then error(fname .. ": an axis was given for a 0-d array", 3) end
  return arr, args.axis(fname, axis, arr.ndim)
end

-- cu.delete(arr, obj[, axis]): a copy of arr without the positions obj (a position, a list,
-- an integer array, or a bool mask of the axis's length) along axis, or of the flattened arr.
function M.delete(arr, obj, axis)
  local fname = "delete"
  local a, ax = target(fname, arr, axis)
  local n = a.shape[ax]
  local drop = {}
  if core.is_array(obj) and obj.dtype == "bool" then
    if obj.ndim ~= 1 or obj.size ~= n then
      error(("delete: a bool mask must be 1-d of the axis's length %d"):format(n), 2)
    end
    local mask = obj:totable()
    for i = 1, n do drop[i] = mask[i] end
  else
    for _, p in ipairs(args.int_list(fname, "obj", obj)) do
      if p < -n or p > n or p == 0 then
        error(("delete: position %s is out of bounds for axis %d with size %d")
              :format(tostring(p), ax, n), 2)
      end
      drop[p < 0 and p + n + 1 or p] = true
    end
  end
  local keep = {}
  for i = 1, n do if not drop[i] then keep[#keep + 1] = i end end
  if #keep == 0 then return a[args.range_key(a.ndim, ax, 2, 1)]:copy() end
  return core.take(a, core.array(keep, args.like(a, "int64")), ax)
end

-- values seen through `shape` as insert places them, or an error in insert's name (level 3:
-- insert's caller) where NumPy's broadcast fails.
local function values_as(v, shape)
  local vs = v.shape
  local fits = #vs <= #shape
  for i = 1, fits and #vs or 0 do
    local d, t = vs[#vs - i + 1], shape[#shape - i + 1]
    if d ~= 1 and d ~= t then fits = false end
  end
  if not fits then
    local function str(s) return "(" .. table.concat(s, ", ") .. (#s == 1 and ",)" or ")") end
    error(("insert: values of shape %s cannot be broadcast to the inserted shape %s")
          :format(str(vs), str(shape)), 3)
  end
  return v:broadcast_to(shape)
end

-- cu.insert(arr, obj, values[, axis]): a copy of arr with values inserted before position obj
-- (1 .. n + 1; negative from the end, -1 before the last) along axis, or of the flattened
-- arr. With one position, values (as many as they are along the axis) go in as a block; with
-- a list of positions, one slice of values before each.
function M.insert(arr, obj, values, axis)
  local fname = "insert"
  local a, ax = target(fname, arr, axis)
  local n, nd = a.shape[ax], a.ndim
  local function position(p)
    if p < -n or p > n + 1 or p == 0 then
      error(("insert: position %d is out of bounds for axis %d with size %d"):format(p, ax, n), 3)
    end
    return p < 0 and p + n + 1 or p
  end
  local v = args.array(fname, values, a.device)
  if v.dtype ~= a.dtype then v = v:astype(a.dtype) end -- NumPy casts values into arr's dtype
  local single = type(obj) == "number"
  local list = args.int_list(fname, "obj", obj)
  if single then
    local p = position(list[1])
    -- values with at least nd dims, their first axis moved to the insertion axis
    while v.ndim < nd do v = v:expand_dims(1) end
    if nd > 0 then v = rearrange.moveaxis(v, 1, ax) end
    local slab = a.shape
    slab[ax] = v.shape[ax]
    local parts = {a[args.range_key(nd, ax, 1, p - 1)], values_as(v, slab),
      a[args.range_key(nd, ax, p, n)]}
    return core.concatenate(parts, ax)
  end
  local k = #list
  local slab = a.shape
  slab[ax] = k
  local block = values_as(v, slab)
  -- positions stable-sorted, each inserted slice before its original element
  local order = {}
  for i = 1, k do order[i] = {position(list[i]), i} end
  table.sort(order, function(x, y) return x[1] < y[1] or (x[1] == y[1] and x[2] < y[2]) end)
  local index, j = {}, 1
  for i = 1, n + 1 do
    while j <= k and order[j][1] == i do
      index[#index + 1] = n + order[j][2]
      j = j + 1
    end
    if i <= n then index[#index + 1] = i end
  end
  local both = core.concatenate({a, block}, ax)
  return core.take(both, core.array(index, args.like(a, "int64")), ax)
end

return M
