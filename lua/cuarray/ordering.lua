-- The sort of every dtype: the core's (cu.sort, cu.argsort, cu._sort: a radix sort of NumPy's
-- order, src/sort_keys.h) for real dtypes, and for complex ones NumPy's order composed of
-- stable sorts of real keys: by the real part, then the imaginary part, with the elements
-- holding a NaN after all others as [R + Rj, R + nanj, nan + Rj, nan + nanj]. Also
-- cu.sort_complex, and the 1-based axis check the sorting compositions share.
local core = require "cuarray.core"
local options = require "cuarray.options"
local picking = require "cuarray.picking"
local named = require "cuarray.named"

local M = {}

local function fail(fmt, ...) error(fmt:format(...), 3) end

-- A 1-based axis (negative from the end) of an array of ndim dims, checked.
function M.norm_axis(axis, ndim, fname)
  if type(axis) ~= "number" or axis ~= math.floor(axis) then
    fail("%s: axis must be an integer, got %s", fname, tostring(axis))
  end
  if axis >= 1 and axis <= ndim then return axis end
  if axis <= -1 and axis >= -ndim then return axis + ndim + 1 end
  fail("%s: axis %d is out of bounds for an array of dimension %d (axes run from 1, or from -1 "
    .. "at the end)", fname, axis, ndim)
end

local function is_complex(a) return a.dtype == "complex64" or a.dtype == "complex128" end

-- The 1-based positions that sort the complex a along axis ax stably (descending: the reverse
-- order, equal elements still in their order): stable sorts by the least significant key first.
local function complex_positions(a, ax, descending)
  local re, im = core.real(a), core.imag(a)
  -- 0: no NaN, 1: NaN imaginary part only, 2: NaN real part only, 3: both
  local class = core.add(core.multiply(core.isnan(re), 2), core.isnan(im))
  local o = {descending = descending}
  local perm = core.argsort(im, ax, o)
  for _, key in ipairs({re, class}) do
    perm = picking.take_along_axis(perm,
      core.argsort(picking.take_along_axis(key, perm, ax), ax, o), ax)
  end
  return perm
end

local SORT_OPTS = {descending = true, kind = true, stable = true}

-- The axis and options of cu.sort(a[, axis][, opts]) for the complex path, checked as the core
-- checks them.
local function complex_args(a, axis, opts, fname)
  if type(axis) == "table" then axis, opts = nil, axis end
  opts = options.check(opts, fname, SORT_OPTS)
  local kind = opts.kind
  if kind ~= nil and kind ~= "quicksort" and kind ~= "mergesort" and kind ~= "heapsort"
     and kind ~= "stable" then
    fail('%s: kind must be "quicksort", "mergesort", "heapsort" or "stable", got %s', fname,
      tostring(kind))
  end
  if opts.stable ~= nil and type(opts.stable) ~= "boolean" then
    fail("%s: stable must be a boolean, got %s", fname, type(opts.stable))
  end
  return M.norm_axis(axis == nil and -1 or axis, a.ndim, fname), opts.descending and true or false
end

-- cu.sort(a[, axis][, opts]) and cu.argsort: the core's, and NumPy's complex order for
-- complex arrays.
M.sort = named.wrap("sort", function(a, axis, opts)
  if not (core.is_array(a) and is_complex(a)) then return core.sort(a, axis, opts) end
  local ax, desc = complex_args(a, axis, opts, "sort")
  return picking.take_along_axis(a, complex_positions(a, ax, desc), ax)
end)

M.argsort = named.wrap("argsort", function(a, axis, opts)
  if not (core.is_array(a) and is_complex(a)) then return core.argsort(a, axis, opts) end
  local ax, desc = complex_args(a, axis, opts, "argsort")
  return complex_positions(a, ax, desc)
end)

-- cu._sort's form for the compositions: the sorted values and their positions along axis ax.
function M.sort_both(a, ax, descending, fname)
  if not is_complex(a) then return core._sort(a, ax, descending, fname) end
  local perm = complex_positions(a, ax, descending)
  return picking.take_along_axis(a, perm, ax), perm
end

-- NumPy's sort_complex's dtype for a sorted real array: complex64 for int8, uint8 and int16,
-- complex128 for every other.
local SMALL = {int8 = true, uint8 = true, int16 = true}

-- cu.sort_complex(a): a sorted along its last axis by the real part, then the imaginary part,
-- as a complex array.
M.sort_complex = named.wrap("sort_complex", function(a)
  core._check_array(a, "sort_complex")
  if a.ndim == 0 then fail("sort_complex: a must have at least one dimension") end
  local s = M.sort(a)
  if is_complex(s) then return s end
  return s:astype(SMALL[s.dtype] and "complex64" or "complex128")
end)

return M
