-- Joining and splitting: the stack family, the split family, append and atleast_Nd, over the
-- core's concatenate and views.
--
-- One rule for several results: where NumPy returns a list (split and its forms) the result is
-- a Lua table; where it returns a tuple (atleast_Nd of several arrays) they are several values.
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local unpack = table.unpack or unpack

local M = {}

-- ---- at least N dimensions ----------------------------------------------------------------

-- The new shape of an array of shape s for atleast_<n>d, NumPy's placement of the new axes.
local AT_LEAST = {
  [1] = function(s) if #s == 0 then return {1} end end,
  [2] = function(s)
    if #s == 0 then return {1, 1} elseif #s == 1 then return {1, s[1]} end
  end,
  [3] = function(s)
    if #s == 0 then return {1, 1, 1} elseif #s == 1 then return {1, s[1], 1}
    elseif #s == 2 then return {s[1], s[2], 1} end
  end,
}

local function at_least(n, fname, a)
  a = args.array(fname, a)
  local shape = AT_LEAST[n](a.shape)
  if shape then return a:reshape(shape) end
  return a
end

for n = 1, 3 do
  local fname = ("atleast_%dd"):format(n)
  -- cu.atleast_<n>d(a, ...): each argument (an array or a Lua number) viewed with at least n
  -- dimensions; one result per argument.
  M[fname] = function(...)
    local out, count = args.list(...)
    if count == 0 then error(fname .. ": expected at least one array", 2) end
    for i = 1, count do out[i] = at_least(n, fname, out[i]) end
    return unpack(out, 1, count)
  end
end

-- ---- stacking ----------------------------------------------------------------------------

local STACK_OPTIONS = {dtype = true}

-- The arrays of a list argument, read raw.
local function check_list(fname, list)
  if type(list) ~= "table" or core.is_array(list) then
    error(("%s: expected a table of arrays, got %s"):format(fname,
      core.is_array(list) and "an array" or type(list)), 3)
  end
  list = args.raw_list(list)
  if #list == 0 then error(("%s: need at least one array to concatenate"):format(fname), 3) end
  return list
end

-- Concatenates the arrays of list, viewed with at least n dims, along the axis axis_of gives
-- for the first of them.
-- The list as one 1-d array when every entry is a Lua number (one array for them all, not one
-- per number), else nil.
local function all_numbers(list)
  for i = 1, #list do
    if type(list[i]) ~= "number" then return nil end
  end
  return core.asarray(list)
end

-- all_shape gives the result's shape when every entry is a Lua number (then one array holds
-- them all: no array per number).
local function join(fname, list, opts, n, axis_of, all_shape)
  list = check_list(fname, list)
  opts = options.check(opts, fname, STACK_OPTIONS)
  local all = all_numbers(list)
  if all then return all:reshape(all_shape(#list)):astype(opts.dtype or all.dtype) end
  local parts = {}
  for i = 1, #list do parts[i] = at_least(n, fname, list[i]) end
  return core.concatenate(parts, axis_of(parts[1]), {dtype = opts.dtype})
end

-- cu.vstack(list[, {dtype =}]): rows on top of one another (1-d arrays become rows).
function M.vstack(list, opts)
  return join("vstack", list, opts, 2, function() return 1 end, function(k) return {k, 1} end)
end

-- cu.hstack(list[, {dtype =}]): side by side: along axis 1 for 1-d arrays, else axis 2.
function M.hstack(list, opts)
  return join("hstack", list, opts, 1, function(a) return a.ndim == 1 and 1 or 2 end,
    function(k) return {k} end)
end

-- cu.dstack(list[, {dtype =}]): along the third axis (as atleast_3d views them).
function M.dstack(list, opts)
  return join("dstack", list, opts, 3, function() return 3 end,
    function(k) return {1, 1, k} end)
end

-- cu.column_stack(list[, {dtype =}]): 1-d arrays as the columns of a 2-d array, 2-d arrays as
-- they are, side by side.
function M.column_stack(list, opts)
  list = check_list("column_stack", list)
  opts = options.check(opts, "column_stack", STACK_OPTIONS)
  local all = all_numbers(list)
  if all then return all:reshape(1, #list):astype(opts.dtype or all.dtype) end
  local parts = {}
  for i = 1, #list do
    local a = args.array("column_stack", list[i])
    if a.ndim < 2 then a = a:reshape(a.size, 1) end
    parts[i] = a
  end
  return core.concatenate(parts, 2, {dtype = opts.dtype})
end

-- cu.append(a, values[, axis]): a copy of a with values after its end (both flattened when no
-- axis is given).
function M.append(a, values, axis)
  a = args.array("append", a)
  values = args.array("append", values, a.device)
  if axis == nil then return core.concatenate({a:ravel(), values:ravel()}) end
  return core.concatenate({a, values}, args.axis("append", axis, a.ndim))
end

-- ---- splitting ---------------------------------------------------------------------------

-- The views of a along axis that end at each of the points (1-based, inclusive: the sections
-- a[{1, p1}], a[{p1 + 1, p2}], ..., a[{pk + 1, -1}]); a negative point counts from the end.
local function split_at(a, points, axis)
  local n, nd = a.shape[axis], a.ndim
  local out, first = {}, 1
  for i = 1, #points + 1 do
    local last = points[i]
    if last == nil then last = n
    elseif last < 0 then last = math.max(n + last + 1, 0)
    else last = math.min(last, n) end
    out[i] = a[args.range_key(nd, axis, first, last)]
    first = last + 1
  end
  return out
end

-- The points of `sections` equal parts (the first n % sections one longer when uneven).
local function section_points(fname, n, sections, even)
  if sections <= 0 then
    error(("%s: the number of sections must be larger than 0, got %d"):format(fname, sections), 3)
  end
  if even and n % sections ~= 0 then
    error(("%s: the array of length %d does not split into %d equal sections"):format(fname, n,
      sections), 3)
  end
  local base, extra = math.floor(n / sections), n % sections
  local points, at = {}, 0
  for i = 1, sections - 1 do
    at = at + base + (i <= extra and 1 or 0)
    points[i] = at
  end
  return points
end

local function split(fname, even, a, spec, axis, axis_default)
  core._check_array(a, fname)
  if a.ndim == 0 then error(fname .. ": cannot split a 0-d array", 3) end
  axis = args.axis(fname, axis == nil and axis_default or axis, a.ndim)
  local points
  if type(spec) == "number" then
    points = section_points(fname, a.shape[axis], args.integer(fname, "sections", spec), even)
  else
    points = args.int_list(fname, "indices_or_sections", spec)
  end
  return split_at(a, points, axis)
end

-- cu.split(a, sections_or_points[, axis = 1]): a table of views: `sections` equal parts, or
-- the parts ending at each point (1-based, inclusive).
function M.split(a, spec, axis) return split("split", true, a, spec, axis, 1) end

-- cu.array_split(a, sections_or_points[, axis = 1]): split, with sections that may be uneven.
function M.array_split(a, spec, axis) return split("array_split", false, a, spec, axis, 1) end

-- cu.hsplit(a, spec): split along axis 2 (axis 1 for 1-d arrays).
function M.hsplit(a, spec)
  core._check_array(a, "hsplit")
  return split("hsplit", true, a, spec, nil, a.ndim == 1 and 1 or 2)
end

local function split_min(fname, axis, min_nd)
  return function(a, spec)
    core._check_array(a, fname)
    if a.ndim < min_nd then
      error(("%s: only works on arrays of %d or more dimensions, got %d"):format(fname, min_nd,
        a.ndim), 2)
    end
    return split(fname, true, a, spec, axis, axis)
  end
end

-- cu.vsplit(a, spec): split along axis 1, of arrays of 2 or more dimensions.
M.vsplit = split_min("vsplit", 1, 2)
-- cu.dsplit(a, spec): split along axis 3, of arrays of 3 or more dimensions.
M.dsplit = split_min("dsplit", 3, 3)

return M
