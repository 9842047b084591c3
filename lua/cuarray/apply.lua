-- Lua functions applied over arrays: apply_along_axis (a function of 1-d slices, its results
-- stacked as NumPy's) and piecewise (functions or values chosen by conditions).
local core = require "cuarray.core"
local args = require "cuarray.args"

local M = {}

local function shape_text(s) return "(" .. table.concat(s, ",") .. ")" end

-- The next index of `shape` after `idx` in C order (idx changes in place); false after the last.
local function advance(idx, shape)
  for i = #shape, 1, -1 do
    idx[i] = idx[i] + 1
    if idx[i] <= shape[i] then return true end
    idx[i] = 1
  end
  return false
end

-- cu.apply_along_axis(fn, axis, a, ...): fn(slice, ...) for every 1-d slice of a along axis (in
-- C order of the other axes); the results (arrays of one shape, or numbers) are stacked so that
-- their axes take the place of axis, as NumPy's.
function M.apply_along_axis(fn, axis, a, ...)
  local fname = "apply_along_axis"
  if type(fn) ~= "function" and not (getmetatable(fn) or {}).__call then
    error(("apply_along_axis: fn must be a function, got %s"):format(type(fn)), 2)
  end
  a = args.array(fname, a)
  if a.ndim == 0 then error("apply_along_axis: a must have at least one dimension", 2) end
  axis = args.axis(fname, axis, a.ndim)
  local view = require("cuarray.rearrange").moveaxis(a, axis, -1)
  local outer = view.shape
  outer[#outer] = nil
  for _, n in ipairs(outer) do
    if n == 0 then
      error("apply_along_axis: cannot apply when an axis other than axis has length 0", 2)
    end
  end
  local idx = {}
  for i = 1, #outer do idx[i] = 1 end
  local function slice_key()
    local key = {}
    for i = 1, #idx do key[i] = idx[i] end
    key[#idx + 1] = {}
    return key
  end
  local buf, res_shape, count
  repeat
    local r = fn(view[slice_key()], ...)
    count = (count or 0) + 1
    if type(r) ~= "number" and type(r) ~= "boolean" and not core.is_array(r) and
        type(r) ~= "table" then
      error(("apply_along_axis: fn returned %s for slice %d (expected an array or a number)")
            :format(type(r), count), 2)
    end
    r = args.array(fname, r, a.device)
    if not buf then
      res_shape = r.shape
      local shape = {}
      for i = 1, #outer do shape[i] = outer[i] end
      for i = 1, #res_shape do shape[#outer + i] = res_shape[i] end
      buf = core.empty(shape, {dtype = r.dtype, device = a.device})
    elseif shape_text(r.shape) ~= shape_text(res_shape) then
      error(("apply_along_axis: fn returned shape %s for slice %d, but %s for the first")
            :format(shape_text(r.shape), count, shape_text(res_shape)), 2)
    end
    if #outer == 0 then
      buf[{"..."}] = r
    else
      local key = {}
      for i = 1, #idx do key[i] = idx[i] end
      key[#idx + 1] = "..."
      buf[key] = r
    end
  until not advance(idx, outer)
  -- the result's axes go where axis was: outer axes before it, its axes, the outer axes after
  local nres = #res_shape
  if nres == 0 or axis == a.ndim then return buf end
  local perm = {}
  for i = 1, axis - 1 do perm[#perm + 1] = i end
  for i = 1, nres do perm[#perm + 1] = #outer + i end
  for i = axis, #outer do perm[#perm + 1] = i end
  return buf:transpose(perm):copy()
end

-- cu.piecewise(x, condlist, funclist, ...): an array of x's shape and dtype that is, where
-- condlist[i] is true, funclist[i](x[cond], ...) (or the value funclist[i]); one more function
-- than conditions is the default where none holds; where none holds and there is no default, 0.
-- A single condition may stand without its list.
function M.piecewise(x, condlist, funclist, ...)
  local fname = "piecewise"
  x = args.array(fname, x)
  if type(funclist) ~= "table" or core.is_array(funclist) then
    error(("piecewise: funclist must be a list of functions and values, got %s")
          :format(core.is_array(funclist) and "an array" or type(funclist)), 2)
  end
  local funcs = args.raw_list(funclist)
  local conds = {}
  if core.is_array(condlist) or type(condlist) == "boolean" then
    conds[1] = condlist
  elseif type(condlist) == "table" then
    local list = args.raw_list(condlist)
    -- a list of conditions, unless its entries are booleans (one condition written as a list)
    if #list > 0 and type(list[1]) == "boolean" and x.ndim ~= 0 then
      conds[1] = condlist
    else
      conds = list
    end
  else
    error(("piecewise: condlist must be a list of conditions, got %s"):format(type(condlist)), 2)
  end
  local n = #conds
  if #funcs ~= n and #funcs ~= n + 1 then
    error(("piecewise: with %d condition(s), either %d or %d functions are expected, got %d")
          :format(n, n, n + 1, #funcs), 2)
  end
  for i, c in ipairs(conds) do
    c = args.array(fname, c, x.device)
    if c.dtype ~= "bool" then c = c:astype("bool") end
    if c.ndim == 0 and x.ndim > 0 then c = c:broadcast_to(x.shape) end
    if shape_text(c.shape) ~= shape_text(x.shape) then
      error(("piecewise: condition %d has shape %s, x %s"):format(i, shape_text(c.shape),
        shape_text(x.shape)), 2)
    end
    conds[i] = c
  end
  if #funcs == n + 1 then
    local any = core.zeros(x.shape, {dtype = "bool", device = x.device})
    for i = 1, n do any = core.logical_or(any, conds[i]) end
    conds[n + 1] = core.logical_not(any)
    n = n + 1
  end
  local y = core.zeros(x.shape, {dtype = x.dtype, device = x.device})
  local flat_y, flat_x = x.ndim == 0 and y:reshape({1}) or y, x.ndim == 0 and x:reshape({1}) or x
  for i = 1, n do
    local f, cond = funcs[i], x.ndim == 0 and conds[i]:reshape({1}) or conds[i]
    if type(f) == "function" or (getmetatable(f) or {}).__call then
      local vals = flat_x[cond]
      if vals.size > 0 then flat_y[cond] = f(vals, ...) end
    else
      flat_y[cond] = f
    end
  end
  return y
end

-- Errors raised below a function (by the ops it calls) in the name of the function called.
return require("cuarray.named").wrap_all(M)
