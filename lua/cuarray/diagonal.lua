-- Diagonals: cu.diagonal, cu.trace and cu.diag, compositions of the core's views, indexing and
-- reductions. Axes count from 1 (negative from the end), as everywhere in cuarray.
--
-- diagonal gives a view when the two axes can be read as one (a C-contiguous pair, the common
-- case: then the diagonal is every (n2 + 1)-th element of that run), else a copy gathered with
-- index arrays. NumPy's is always a read-only view; this one is writable when it is a view.
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

-- The diagonal of the last two axes of t (offset applied): a view or a gathered copy.
local function last_two(t, offset)
  local nd = t.ndim
  local n1, n2 = t.shape[nd - 1], t.shape[nd]
  local r0, c0 = 0, 0
  if offset >= 0 then c0 = offset else r0 = -offset end
  local len = math.max(0, math.min(n1 - r0, n2 - c0))
  local lead = {}
  for i = 1, nd - 2 do lead[i] = t.shape[i] end
  if len == 0 then
    lead[nd - 1] = 0
    return core.empty(lead, {dtype = t.dtype, device = t.device})
  end
  local s = t.strides
  if n1 == 1 or n2 == 1 or s[nd - 1] == n2 * s[nd] then
    -- one run of n1 * n2 elements: the diagonal is every (n2 + 1)-th from r0 * n2 + c0
    local flat = {}
    for i = 1, nd - 2 do flat[i] = lead[i] end
    flat[nd - 1] = n1 * n2
    local first = r0 * n2 + c0 + 1
    return t:reshape(flat)[{"...", {first, first + (len - 1) * (n2 + 1), n2 + 1}}]
  end
  local opts = {dtype = "int64", device = t.device}
  local rows = core.arange(r0 + 1, r0 + len + 1, opts)
  local cols = core.arange(c0 + 1, c0 + len + 1, opts)
  return t[{"...", rows, cols}]
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

return M
