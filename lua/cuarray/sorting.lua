-- Sorting, searching, sets and scatter-add that are compositions of the core's primitives
-- (cu.sort, cu.argsort, cu._sort: values and positions at once, cu._searchsorted, cu.bincount,
-- cu.take, masks). Positions are 1-based and axes count from 1, as everywhere in cuarray.
local core = require "cuarray.core"
local options = require "cuarray.options"
local named = require "cuarray.named"
local unique = require("cuarray.unique").unique
local raw_list = require("cuarray.args").raw_list

local M = {}

local function fail(fmt, ...) error(fmt:format(...), 3) end

local function check_array(a, fname) core._check_array(a, fname) return a end

-- A 1-based axis (negative from the end) of an array of ndim dims, checked.
local function norm_axis(axis, ndim, fname)
  if type(axis) ~= "number" or axis ~= math.floor(axis) then
    local t = type(axis)
    fail("%s: axis must be an integer, got %s", fname,
         (t == "number" or t == "string") and tostring(axis) or t)
  end
  if axis >= 1 and axis <= ndim then return axis end
  if axis <= -1 and axis >= -ndim then return axis + ndim + 1 end
  fail("%s: axis %d is out of bounds for an array of dimension %d (axes run from 1, or from -1 "
    .. "at the end)", fname, axis, ndim)
end
M._norm_axis = norm_axis

-- a[..., first:last, ...] along axis ax (1-based, inclusive), keeping the axis.
local function slice(a, ax, first, last)
  local key = {}
  for d = 1, ax - 1 do key[d] = {} end
  key[ax] = {first, last}
  return a[key]
end
M._slice = slice

local function int_arg(v, what, fname)
  if type(v) ~= "number" or v ~= math.floor(v) then
    fail("%s: %s must be an integer, got %s", fname, what, tostring(v))
  end
  return v
end

-- ---- searching ------------------------------------------------------------------------------

-- cu.searchsorted(a, v[, {side = "left"|"right", sorter =}]): where the values v would go in the
-- sorted 1-D array a, as 1-based insertion points: i means "insert before element i", #a + 1
-- at the end (NumPy's index plus one). sorter: 1-based positions that sort a (cu.argsort(a)).
function M.searchsorted(a, v, opts)
  check_array(a, "searchsorted")
  opts = options.check(opts, "searchsorted", {side = true, sorter = true})
  if opts.sorter ~= nil then
    check_array(opts.sorter, "searchsorted")
    if opts.sorter.ndim ~= 1 or opts.sorter.size ~= a.size then
      fail("searchsorted: sorter must be 1-D of the length of a (%d)", a.size)
    end
    a = core.take(a, opts.sorter)
  end
  return core._searchsorted(a, v, {side = opts.side}, "searchsorted")
end

-- cu.digitize(x, bins[, {right = false}]): NumPy's bin numbers 0..#bins (0 below the first
-- edge, #bins above the last); with 1-based bins, i means bins[i] <= x < bins[i + 1].
function M.digitize(x, bins, opts)
  opts = options.check(opts, "digitize", {right = true})
  check_array(bins, "digitize")
  if bins.ndim ~= 1 then fail("digitize: bins must be 1-D, got %d dimensions", bins.ndim) end
  local side = opts.right and "left" or "right"
  local n = bins.size
  if n >= 2 and bins[{n}] < bins[{1}] then -- decreasing edges
    local r = core._searchsorted(core.flip(bins), x, {side = side}, "digitize")
    return core.subtract(n + 1, r) -- n - (r - 1)
  end
  return core.subtract(core._searchsorted(bins, x, {side = side}, "digitize"), 1)
end

-- NumPy's sort_complex's dtype for a sorted real array: complex64 for int8, uint8 and int16,
-- complex128 for every other.
local SMALL = {int8 = true, uint8 = true, int16 = true}

-- cu.sort_complex(a): a sorted along its last axis (complex values by the real part, then the
-- imaginary part), as a complex array.
M.sort_complex = named.wrap("sort_complex", function(a)
  check_array(a, "sort_complex")
  if a.ndim == 0 then fail("sort_complex: a must have at least one dimension") end
  local s = core.sort(a)
  if s.dtype == "complex64" or s.dtype == "complex128" then return s end
  return s:astype(SMALL[s.dtype] and "complex64" or "complex128")
end)

-- ---- top-k, partition, lexsort --------------------------------------------------------------

-- cu.topk(a, k[, axis][, {largest = true, sorted = true}]): the k largest (or smallest) elements
-- along axis (the last by default) and their 1-based positions. NaN counts as the largest.
function M.topk(a, k, axis, opts)
  check_array(a, "topk")
  if options.is_options(axis, false) then axis, opts = nil, axis end
  opts = options.check(opts, "topk", {largest = true, sorted = true})
  if a.ndim == 0 then fail("topk: not supported for 0-d arrays") end
  local ax = norm_axis(axis or -1, a.ndim, "topk")
  int_arg(k, "k", "topk")
  local n = a.shape[ax]
  if k < 0 or k > n then
    fail("topk: k = %d is out of range for an axis of length %d", k, n)
  end
  return core._sort(a, ax, opts.largest ~= false, "topk", k)
end

-- kth for partition: a number or a list of them, 1-based (negative from the end), checked.
local function check_kth(kth, n, fname)
  local list = type(kth) == "table" and raw_list(kth) or {kth}
  for _, k in ipairs(list) do
    int_arg(k, "kth", fname)
    if k == 0 or k > n or k < -n then
      fail("%s: kth %d is out of range for an axis of length %d (kth runs from 1, or from -1 at "
        .. "the end)", fname, k, n)
    end
  end
end

local function partition(fname, arg)
  return function(a, kth, axis, opts)
    check_array(a, fname)
    if options.is_options(axis, false) then axis, opts = nil, axis end
    options.check(opts, fname, {kind = true})
    if a.ndim == 0 then fail("%s: not supported for 0-d arrays", fname) end
    local ax = norm_axis(axis or -1, a.ndim, fname)
    check_kth(kth, a.shape[ax], fname)
    -- A sorted axis is a partition around every kth at once.
    if arg then return core.argsort(a, ax) end
    return core.sort(a, ax)
  end
end

-- cu.partition(a, kth[, axis]) / cu.argpartition: element kth (1-based) in its sorted place,
-- the smaller ones before it and the others after, along axis (the last by default).
M.partition = partition("partition", false)
M.argpartition = partition("argpartition", true)

-- cu.lexsort(keys): the 1-based positions that sort by the last key, then the one before...
-- keys: a Lua list of 1-D arrays of one length, or a 2-D array whose rows are the keys.
function M.lexsort(keys, axis)
  local list = {}
  if core.is_array(keys) then
    if keys.ndim == 1 then
      list[1] = keys
    elseif keys.ndim == 2 then
      for i = 1, keys.shape[1] do list[i] = keys[i] end
    else
      fail("lexsort: keys must be a list of 1-D arrays or a 2-D array, got %d dimensions",
        keys.ndim)
    end
  elseif type(keys) == "table" then
    for i, k in ipairs(raw_list(keys)) do list[i] = check_array(k, "lexsort") end
  else
    fail("lexsort: keys must be a list of arrays or an array, got %s", type(keys))
  end
  if axis ~= nil and axis ~= -1 and axis ~= 1 then
    fail("lexsort: only 1-D keys are supported (axis %s)", tostring(axis))
  end
  if #list == 0 then fail("lexsort: need at least one key") end
  local n = list[1].size
  for i, k in ipairs(list) do
    if k.ndim ~= 1 or k.size ~= n then
      fail("lexsort: key %d has shape (%s), expected (%d)", i, table.concat(k.shape, ","), n)
    end
  end
  local perm = core.argsort(list[1])
  for i = 2, #list do
    local sub = core.argsort(core.take(list[i], perm))
    perm = core.take(perm, sub)
  end
  return perm
end

-- ---- unique and sets ------------------------------------------------------------------------

local function flat(a, fname) return check_array(a, fname):ravel() end

local function complex_dtype(dt) return dt == "complex64" or dt == "complex128" end

-- isin of complex values (no binary search orders them), NumPy's way: the distinct elements
-- and the distinct test values sorted together, stably; an element is found when the value
-- after it equals it (NaN never does). Both are in their common dtype.
local function isin_by_sort(element, s)
  local u = unique(element:ravel(), {return_inverse = true})
  local m = u.values.size
  local all = core.concatenate({u.values, unique(s)})
  local order = core.argsort(all)
  local sorted = core.take(all, order)
  local n = sorted.size
  local flag = core.zeros(n, {dtype = "bool", device = all.device})
  if n > 1 then flag[{{1, n - 1}}] = core.equal(sorted[{{2, n}}], sorted[{{1, n - 1}}]) end
  local hit = core.empty(n, {dtype = "bool", device = all.device})
  hit[order] = flag
  return core.take(hit[{{1, m}}], u.inverse):reshape(element.shape)
end

-- cu.isin(element, test_elements[, {invert = false}]): whether each element of `element` is
-- among test_elements (NaN is never found, as with ==), in element's shape.
function M.isin(element, test, opts)
  check_array(element, "isin")
  opts = options.check(opts, "isin", {invert = true, assume_unique = true})
  local s = flat(test, "isin")
  local n = s.size
  local found
  if n == 0 or element.size == 0 then
    found = core.zeros(element.shape, {dtype = "bool", device = element.device})
  elseif complex_dtype(element.dtype) or complex_dtype(s.dtype) then
    local dt = core.result_type(element, s)
    found = isin_by_sort(element:astype(dt), s:astype(dt))
  else
    s = core.sort(s)
    local pos = core._searchsorted(s, element, {side = "left"})
    local at = core.take(s, core.minimum(pos, n))
    found = core.logical_and(core.equal(at, element), core.less_equal(pos, n))
  end
  if opts.invert then found = core.logical_not(found) end
  return found
end

-- cu.intersect1d(a, b): the sorted values in both.
function M.intersect1d(a, b)
  local ua, ub = unique(flat(a, "intersect1d")), unique(flat(b, "intersect1d"))
  local s = core.sort(core.concatenate({ua, ub}))
  local n = s.size
  if n < 2 then return s[{{1, 0}}] end
  local lo = s[{{1, n - 1}}]
  return lo[core.equal(lo, s[{{2, n}}])]
end

-- cu.union1d(a, b): the sorted values in either.
function M.union1d(a, b)
  return unique(core.concatenate({flat(a, "union1d"), flat(b, "union1d")}))
end

-- cu.setdiff1d(a, b): the sorted distinct values of a not in b.
function M.setdiff1d(a, b)
  local ua = unique(flat(a, "setdiff1d"))
  return ua[M.isin(ua, flat(b, "setdiff1d"), {invert = true})]
end

-- cu.setxor1d(a, b): the sorted values in exactly one of them.
function M.setxor1d(a, b)
  local ua, ub = unique(flat(a, "setxor1d")), unique(flat(b, "setxor1d"))
  local s = core.sort(core.concatenate({ua, ub}))
  local n = s.size
  if n < 2 then return s end
  local t = core.ones(1, {dtype = "bool", device = s.device})
  local diff = core.not_equal(s[{{2, n}}], s[{{1, n - 1}}])
  local flag = core.concatenate({t, diff, t})
  return s[core.logical_and(flag[{{2, n + 1}}], flag[{{1, n}}])]
end

-- ---- scatter-add ----------------------------------------------------------------------------

-- The indices of add_at and index_add as an int64 array on dev: an integer array, a Lua list of
-- integers or an integer.
local function index_array(indices, dev, fname)
  if type(indices) == "number" then
    int_arg(indices, "an index", fname)
    return core.full({}, indices, {dtype = "int64", device = dev})
  elseif type(indices) == "table" then
    local list = raw_list(indices)
    for _, v in ipairs(list) do int_arg(v, "an index", fname) end
    return core.array(list, {dtype = "int64", device = dev})
  end
  check_array(indices, fname)
  if not indices.dtype:match("^u?int") then
    fail("%s: indices must be integers, got %s", fname, indices.dtype)
  end
  return indices:to(dev):astype("int64")
end

-- a[idx] += values along a's first axis, repeated indices adding up; an index out of range
-- raises naming axis `axis_no` of the caller's array.
local function scatter_add(a, idx, values, fname, axis_no)
  local dev, n = a.device, a.shape[1]
  local shape = idx.shape
  for d = 2, a.ndim do shape[#shape + 1] = a.shape[d] end
  if idx.size > 0 then
    local lo, hi, bad = core.min(idx), core.max(idx), nil
    if core.any(core.equal(idx, 0)) then bad = 0
    elseif lo < -n then bad = lo
    elseif hi > n then bad = hi end
    if bad then
      error(("%s: index %s is out of bounds for axis %d with size %d (indices run from 1, or "
        .. "from -1 at the end)"):format(fname, tostring(bad), axis_no, n), 4)
    end
  end
  -- element offsets from a's element 0: the index along axis 1, then the other dims
  local strides = a.strides
  local zero = core.where(core.less(idx, 0), core.add(idx, n), core.subtract(idx, 1))
  local offs = core.multiply(zero, strides[1])
  for d = 2, a.ndim do -- a new last dim each time: the offsets along dim d, broadcast
    local along = core.arange(a.shape[d], {dtype = "int64", device = dev})
    offs = core.add(core.expand_dims(offs, -1), core.multiply(along, strides[d]))
  end
  local vals
  if type(values) == "number" then
    vals = core.full(shape, values, {dtype = a.dtype, device = dev})
  else
    local ok, b = pcall(core.broadcast_to, values:to(dev), shape)
    if not ok then
      error(("%s: values of shape (%s) do not broadcast to (%s)"):format(fname,
        table.concat(values.shape, ","), table.concat(shape, ",")), 4)
    end
    vals = b:astype(a.dtype)
  end
  core._scatter_add(a, offs:ravel():copy(), vals:ravel():copy(), fname)
end

-- cu.add_at(a, indices, values): a[indices] += values where repeated indices add up (NumPy's
-- np.add.at(a, indices, values)), in place. indices: an integer array, a Lua list of integers or
-- an integer, 1-based (negative from the end), selecting along the first axis; values: a number
-- or an array broadcast to indices' shape followed by a's other dims. Atomics on the GPU.
function M.add_at(a, indices, values)
  check_array(a, "add_at")
  if a.ndim == 0 then fail("add_at: not supported for 0-d arrays") end
  if type(values) ~= "number" then check_array(values, "add_at") end
  scatter_add(a, index_array(indices, a.device, "add_at"), values, "add_at", 1)
end

-- a:index_add(axis, index, source[, {alpha =}]) / cu.index_add(a, ...): PyTorch's index_add_, in
-- place: the slice of a at position index[i] along axis gets alpha times source's slice i along
-- that axis (repeated positions add up). index: a 1-D integer array or a Lua list, 1-based;
-- source: a number or an array of a's dims, broadcast to a's shape with #index along axis.
-- Returns a.
function M.index_add(a, axis, index, source, opts)
  check_array(a, "index_add")
  opts = options.check(opts, "index_add", {alpha = true})
  if a.ndim == 0 then fail("index_add: not supported for 0-d arrays") end
  local ax = norm_axis(axis, a.ndim, "index_add")
  local idx = index_array(index, a.device, "index_add")
  if idx.ndim ~= 1 then fail("index_add: index must be 1-D, got %d dims", idx.ndim) end
  local alpha = opts.alpha == nil and 1 or opts.alpha
  if type(alpha) ~= "number" then fail("index_add: alpha must be a number, got %s", type(alpha)) end
  local vals = source
  if type(source) == "number" then
    vals = source * alpha
  else
    check_array(source, "index_add")
    local want = a.shape
    want[ax] = idx.size
    if source.ndim ~= a.ndim or not pcall(core.broadcast_to, source, want) then
      fail("index_add: source of shape (%s) does not broadcast to (%s), the array's shape with "
        .. "the index's length along axis %d", table.concat(source.shape, ","),
        table.concat(want, ","), ax)
    end
    if alpha ~= 1 then vals = core.multiply(source, alpha) end
    vals = vals:swapaxes(1, ax)
  end
  scatter_add(a:swapaxes(1, ax), idx, vals, "index_add", ax)
  return a
end

return M
