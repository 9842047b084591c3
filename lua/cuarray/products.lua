-- Products that are compositions of the core's: cu.tensordot (transposes and reshapes around
-- one matmul), cu.kron (a broadcast multiply of interleaved views) and cu.cross (the component
-- formulas over strided views). Axes count from 1 (negative from the end).
local core = require "cuarray.core"
local options = require "cuarray.options"

local M = {}

local function shape_str(shape)
  local parts = {}
  for i = 1, #shape do parts[i] = tostring(shape[i]) end
  return "(" .. table.concat(parts, ", ") .. (#shape == 1 and ",)" or ")")
end

local function axis_of(fname, ax, nd)
  if type(ax) ~= "number" or ax ~= math.floor(ax) then
    error(("%s: an axis must be an integer, got %s"):format(fname,
      type(ax) == "number" and tostring(ax) or type(ax)), 4)
  end
  local a = ax < 0 and ax + nd + 1 or ax
  if a < 1 or a > nd then
    error(("%s: axis %d is out of bounds for an array of dimension %d"):format(fname, ax, nd), 4)
  end
  return a
end

-- A list of axes: a number or a table of numbers, normalized.
local function axes_list(fname, v, nd)
  if type(v) == "number" then return {axis_of(fname, v, nd)} end
  if type(v) ~= "table" then
    error(("%s: axes must be an integer or a list of integers, got %s"):format(fname, type(v)),
      3)
  end
  local out = {}
  for i = 1, #v do out[i] = axis_of(fname, v[i], nd) end
  return out
end

-- cu.tensordot(a, b[, axes = 2]): sums the products over the last `axes` axes of a and the
-- first `axes` of b, or over the axes {{a's}, {b's}} (each a number or a list); the result has
-- a's free axes, then b's. A full contraction gives a 0-d array, as NumPy's.
function M.tensordot(a, b, axes)
  core._check_array(a, "tensordot")
  core._check_array(b, "tensordot")
  if axes == nil then axes = 2 end
  local na, nb = a.ndim, b.ndim
  local ax_a, ax_b
  if type(axes) == "number" then
    if axes ~= math.floor(axes) or axes < 0 then
      error(("tensordot: axes must be a non-negative integer, got %s"):format(tostring(axes)), 2)
    end
    if axes > na or axes > nb then
      error(("tensordot: cannot sum over %d axes of arrays of %d and %d dimensions"):format(
        axes, na, nb), 2)
    end
    ax_a, ax_b = {}, {}
    for i = 1, axes do
      ax_a[i] = na - axes + i
      ax_b[i] = i
    end
  elseif type(axes) == "table" and #axes == 2 then
    ax_a = axes_list("tensordot", axes[1], na)
    ax_b = axes_list("tensordot", axes[2], nb)
    if #ax_a ~= #ax_b then
      error(("tensordot: %d axes of a against %d axes of b"):format(#ax_a, #ax_b), 2)
    end
  else
    error("tensordot: axes must be an integer or a pair of axis lists {{a's}, {b's}}", 2)
  end
  local used_a, used_b, k = {}, {}, 1
  for i = 1, #ax_a do
    if used_a[ax_a[i]] or used_b[ax_b[i]] then error("tensordot: repeated axis in axes", 2) end
    used_a[ax_a[i]], used_b[ax_b[i]] = true, true
    if a.shape[ax_a[i]] ~= b.shape[ax_b[i]] then
      error(("tensordot: shape-mismatch for sum: axis %d of a %s has %d elements, axis %d of "
        .. "b %s has %d"):format(ax_a[i], shape_str(a.shape), a.shape[ax_a[i]], ax_b[i],
        shape_str(b.shape), b.shape[ax_b[i]]), 2)
    end
    k = k * a.shape[ax_a[i]]
  end
  local perm_a, perm_b, out_shape, m, n = {}, {}, {}, 1, 1
  for i = 1, na do
    if not used_a[i] then
      perm_a[#perm_a + 1] = i
      out_shape[#out_shape + 1] = a.shape[i]
      m = m * a.shape[i]
    end
  end
  for i = 1, #ax_a do perm_a[#perm_a + 1] = ax_a[i] end
  for i = 1, #ax_b do perm_b[#perm_b + 1] = ax_b[i] end
  for i = 1, nb do
    if not used_b[i] then
      perm_b[#perm_b + 1] = i
      out_shape[#out_shape + 1] = b.shape[i]
      n = n * b.shape[i]
    end
  end
  local am = a:transpose(perm_a):reshape(m, k)
  local bm = b:transpose(perm_b):reshape(k, n)
  return core.matmul(am, bm):reshape(out_shape)
end

-- cu.kron(a, b): the Kronecker product, blocks a[i, j] * b (the shorter shape padded with
-- leading 1s).
function M.kron(a, b)
  core._check_array(a, "kron")
  core._check_array(b, "kron")
  if a.ndim == 0 or b.ndim == 0 then return core.multiply(a, b) end
  local nd = math.max(a.ndim, b.ndim)
  local sa, sb, ia, ib, out = {}, {}, {}, {}, {}
  for i = 1, nd do
    sa[i] = a.shape[i - (nd - a.ndim)] or 1
    sb[i] = b.shape[i - (nd - b.ndim)] or 1
    ia[2 * i - 1], ia[2 * i] = sa[i], 1     -- a as (a1, 1, a2, 1, ...)
    ib[2 * i - 1], ib[2 * i] = 1, sb[i]     -- b as (1, b1, 1, b2, ...)
    out[i] = sa[i] * sb[i]
  end
  return core.multiply(a:reshape(ia), b:reshape(ib)):reshape(out)
end

local CROSS_OPTIONS = {axisa = true, axisb = true, axisc = true, axis = true}

-- cu.cross(a, b[, {axisa = -1, axisb = -1, axisc = -1, axis =}]): the cross products of the
-- 3-vectors (or 2-vectors, as NumPy still takes) along axisa of a and axisb of b, broadcast
-- over the other axes, placed along axisc. Two 2-vectors give the z component alone.
function M.cross(a, b, opts)
  core._check_array(a, "cross")
  core._check_array(b, "cross")
  opts = options.check(opts, "cross", CROSS_OPTIONS)
  local function move_last(x, ax, what)
    if x.ndim == 0 then error(("cross: %s must have at least one dimension"):format(what), 3) end
    local k = ax == nil and x.ndim or axis_of("cross", ax, x.ndim)
    local perm = {}
    for i = 1, x.ndim do if i ~= k then perm[#perm + 1] = i end end
    perm[#perm + 1] = k
    return x:transpose(perm)
  end
  a = move_last(a, opts.axis or opts.axisa, "a")
  b = move_last(b, opts.axis or opts.axisb, "b")
  local da, db = a.shape[a.ndim], b.shape[b.ndim]
  if (da ~= 2 and da ~= 3) or (db ~= 2 and db ~= 3) then
    error(("cross: incompatible dimensions for cross product (dimension must be 2 or 3, got %d "
      .. "and %d)"):format(da, db), 2)
  end
  local function c(x, i) return x[{"...", i}] end
  local mul, sub = core.multiply, core.subtract
  local a0, a1, b0, b1 = c(a, 1), c(a, 2), c(b, 1), c(b, 2)
  local z = sub(mul(a0, b1), mul(a1, b0))
  if da == 2 and db == 2 then return z end
  local x, y
  if da == 3 and db == 3 then
    local a2, b2 = c(a, 3), c(b, 3)
    x = sub(mul(a1, b2), mul(a2, b1))
    y = sub(mul(a2, b0), mul(a0, b2))
  elseif da == 2 then
    local b2 = c(b, 3)
    x = mul(a1, b2)
    y = core.negative(mul(a0, b2))
  else
    local a2 = c(a, 3)
    x = core.negative(mul(a2, b1))
    y = mul(a2, b0)
  end
  local r = core.stack({x, y, z}, -1)
  local ax = opts.axis or opts.axisc
  if ax == nil then return r end
  local k = axis_of("cross", ax, r.ndim)
  local perm = {}
  for i = 1, r.ndim - 1 do perm[#perm + 1] = i end
  table.insert(perm, k, r.ndim)
  return r:transpose(perm)
end

return M
