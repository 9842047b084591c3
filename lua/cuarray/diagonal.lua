-- Diagonals: cu.diagonal, cu.trace and cu.diag, compositions of the core's views, indexing and
-- reductions. Axes count from 1 (negative from the end), as everywhere in cuarray.
--
-- diagonal is always a view, as NumPy's, in any layout: the other axes keep their strides and
-- the diagonal steps both axes at once, a strided view the core checks against the array's
-- memory (cu._as_strided). It is writable when the array is (NumPy's is read-only for now).
local core = require "cuarray.core"
local options = require "cuarray.options"

local M = {}

-- `level`: error's level, 3 (the caller of the function calling this) unless given
local function integer(fname, what, v, default, level)
  if v == nil then return default end
  if type(v) ~= "number" or v ~= math.floor(v) or v ~= v then
    error(("%s: %s must be an integer, got %s"):format(fname, what,
      type(v) == "number" and tostring(v) or type(v)), level or 3)
  end
  return v
end

-- A 1-based axis (negative from the end) of an array of nd dims, checked.
local function axis_of(fname, what, ax, nd, level)
  local a = ax < 0 and ax + nd + 1 or ax
  if a < 1 or a > nd then
    error(("%s: %s %d is out of bounds for an array of dimension %d"):format(fname, what, ax,
      nd), level or 3)
  end
  return a
end

-- The diagonal of the last two axes of t (offset applied), as a view.
local function last_two(t, offset)
  local nd = t.ndim
  local shape, strides = t.shape, t.strides
  local n1, n2 = shape[nd - 1], shape[nd]
  local r0, c0 = 0, 0
  if offset >= 0 then c0 = offset else r0 = -offset end
  local len = math.max(0, math.min(n1 - r0, n2 - c0))
  local s1, s2 = strides[nd - 1], strides[nd]
  local out_shape, out_strides = {}, {}
  for i = 1, nd - 2 do out_shape[i], out_strides[i] = shape[i], strides[i] end
  out_shape[nd - 1], out_strides[nd - 1] = len, s1 + s2
  local start = len > 0 and r0 * s1 + c0 * s2 or 0
  return core._as_strided(t, out_shape, out_strides, start, "diagonal")
end

-- diagonal's work for diagonal and trace (fname), whose callers its errors point at.
local function diagonal_of(fname, a, offset, axis1, axis2)
  local nd = a.ndim
  if nd < 2 then
    error(("%s: the array must have at least two dimensions, got %d"):format(fname, nd), 3)
  end
  offset = integer(fname, "offset", offset, 0, 4)
  local ax1 = axis_of(fname, "axis1", integer(fname, "axis1", axis1, 1, 4), nd, 4)
  local ax2 = axis_of(fname, "axis2", integer(fname, "axis2", axis2, 2, 4), nd, 4)
  if ax1 == ax2 then error(fname .. ": axis1 and axis2 cannot be the same", 3) end
  local perm = {}
  for i = 1, nd do
    if i ~= ax1 and i ~= ax2 then perm[#perm + 1] = i end
  end
  perm[#perm + 1] = ax1
  perm[#perm + 1] = ax2
  return last_two(a:transpose(perm), offset)
end

-- cu.diagonal(a[, offset = 0[, axis1 = 1[, axis2 = 2]]]): the diagonal a[i, i + offset] over
-- axis1 and axis2, as the last axis of the result (the other axes keep their order).
function M.diagonal(a, offset, axis1, axis2)
  core._check_array(a, "diagonal")
  local d = diagonal_of("diagonal", a, offset, axis1, axis2)   -- no tail call: levels count it
  return d
end

local TRACE_OPTIONS = {dtype = true, array = true}

-- cu.trace(a[, offset[, axis1[, axis2]]][, {dtype =, array =}]): the sums along diagonals; of a
-- 2-d array one value, a Lua value unless {array = true}.
function M.trace(a, ...)
  local args, n, opts = options.split(...)
  if n > 3 then error(("trace: expected at most 4 arguments, got %d"):format(n + 1), 2) end
  opts = options.check(opts, "trace", TRACE_OPTIONS)
  core._check_array(a, "trace")
  local d = diagonal_of("trace", a, args[1], args[2], args[3])
  local s = d:sum(-1, {dtype = opts.dtype})
  if s.ndim == 0 and not opts.array then return s:item() end
  return s
end

-- cu.diag(v[, k = 0]): of a 1-d v, the 2-d array with v on its k-th diagonal (zeros elsewhere);
-- of a 2-d v, its k-th diagonal (cu.diagonal).
function M.diag(v, k)
  core._check_array(v, "diag")
  k = integer("diag", "k", k, 0)
  if v.ndim == 2 then return M.diagonal(v, k) end
  if v.ndim ~= 1 then
    error(("diag: the input must be 1-d or 2-d, got %d-d"):format(v.ndim), 2)
  end
  local len = v.shape[1]
  local n = len + math.abs(k)
  local res = core.zeros({n, n}, {dtype = v.dtype, device = v.device})
  if len > 0 then
    local first = (k >= 0 and k or -k * n) + 1
    res:reshape(n * n)[{{first, first + (len - 1) * (n + 1), n + 1}}] = v
  end
  return res
end

-- cu.diagflat(v[, k = 0]): the flattened v on the k-th diagonal of a new square array.
function M.diagflat(v, k)
  k = integer("diagflat", "k", k, 0)
  if not core.is_array(v) then
    local t = type(v)
    if t ~= "number" and t ~= "boolean" and t ~= "table" then
      error(("diagflat: expected an array, got %s"):format(t), 2)
    end
    v = core.asarray(v)
  end
  return M.diag(v:ravel(), k)
end

-- cu.fill_diagonal(a, value[, wrap = false]): writes value (repeated as needed) on the main
-- diagonal of a (2-d, or of equal dimensions), in place, as NumPy's: the flat positions 1,
-- 1 + step, ... with step = ncols + 1 (2-d; tall arrays stop after the first square unless
-- wrap), or 1 + the sum of the shape's running products. Returns nothing.
function M.fill_diagonal(a, value, wrap)
  core._check_array(a, "fill_diagonal")
  if not a.writeable then
    error("fill_diagonal: the array is read-only (a broadcast view or a view whose elements "
      .. "alias)", 2)
  end
  local shape, nd = a.shape, a.ndim
  if nd < 2 then
    error(("fill_diagonal: the array must have at least 2 dimensions, got %d"):format(nd), 2)
  end
  local step, last = 0, a.size
  if nd == 2 then
    step = shape[2] + 1
    if not wrap then last = math.min(last, shape[2] * shape[2]) end
  else
    local run = 1
    for i = 1, nd do
      if shape[i] ~= shape[1] then
        error("fill_diagonal: all dimensions of an array of more than 2 must be equal", 2)
      end
      if i < nd then run = run * shape[i]; step = step + run end
    end
    step = step + 1
  end
  if last == 0 then return end
  local count = math.floor((last - 1) / step) + 1
  local positions = core.arange(count, {dtype = "int64", device = a.device}) * step + 1
  require("cuarray.picking").put(a, positions, value)
end

return M
