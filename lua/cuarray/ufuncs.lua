-- Elementwise functions that are compositions of the core's ops, as NumPy writes them in
-- Python: comparisons with tolerances (isclose, allclose), whole-array equality (array_equal,
-- array_equiv), nan_to_num, round with decimals, positive and conj, and the real/complex
-- predicates. Each checks its arguments in its own name before the ops run.
local core = require "cuarray.core"
local args = require "cuarray.args"
local options = require "cuarray.options"

local M = {}

-- v as an operand of fname: a Lua number or boolean, or a live array.
local function operand(v, fname)
  local t = type(v)
  if t == "number" or t == "boolean" then return v end
  return core._check_array(v, fname)
end

local function is_float(dtype) return dtype:match("^float") ~= nil end
-- float or complex: the dtypes round scales and rounds in (complex rounds both parts)
local function is_inexact(dtype) return is_float(dtype) or dtype:match("^complex") ~= nil end

local function shape_of(v)
  return core.is_array(v) and v.shape or {}
end

-- ---- tolerances -------------------------------------------------------------------------

local CLOSE_OPTIONS = {rtol = true, atol = true, equal_nan = true}

-- NumPy 2's isclose: |a - b| <= atol + rtol * |b| where b is finite, or a == b; b is made a
-- float first (an integer array float64), and the tolerance is computed in b's dtype.
local function isclose(fname, a, b, opts)
  a, b = operand(a, fname), operand(b, fname)
  opts = options.check(opts, fname, CLOSE_OPTIONS)
  local rtol, atol = opts.rtol or 1e-5, opts.atol or 1e-8
  if type(rtol) ~= "number" or type(atol) ~= "number" then
    error(fname .. ": rtol and atol must be numbers", 3)
  end
  if core.is_array(b) and not is_float(b.dtype) then b = b:astype("float64") end
  -- NumPy makes an integer b a float; beside an integer array that difference is a float64 one
  -- (a Lua integer would be a weak integer of a's dtype, and may not fit it)
  if type(b) == "number" and core.is_array(a) and not is_inexact(a.dtype) then
    b = core.full({}, b, {dtype = "float64", device = a.device})
  end
  local within = core.less_equal(core.abs(core.subtract(a, b)),
    core.add(core.multiply(core.abs(b), rtol), atol))
  local r = core.logical_or(core.logical_and(within, core.isfinite(b)), core.equal(a, b))
  if opts.equal_nan then r = core.logical_or(r, core.logical_and(core.isnan(a), core.isnan(b))) end
  return r
end

-- cu.isclose(a, b[, {rtol = 1e-5, atol = 1e-8, equal_nan = false}]): a bool array.
function M.isclose(a, b, opts) return isclose("isclose", a, b, opts) end

-- cu.allclose(a, b[, opts]): whether isclose holds everywhere, a Lua boolean.
function M.allclose(a, b, opts) return isclose("allclose", a, b, opts):all() end

-- ---- equality of whole arrays -------------------------------------------------------------

local function same_shape(x, y)
  local sx, sy = shape_of(x), shape_of(y)
  if #sx ~= #sy then return false end
  for i = 1, #sx do
    if sx[i] ~= sy[i] then return false end
  end
  return true
end

local function broadcastable(x, y)
  local sx, sy = shape_of(x), shape_of(y)
  for i = 1, math.min(#sx, #sy) do
    local p, q = sx[#sx - i + 1], sy[#sy - i + 1]
    if p ~= q and p ~= 1 and q ~= 1 then return false end
  end
  return true
end

-- cu.array_equal(a, b[, {equal_nan = false}]): same shape and the same elements (NaN equal to
-- NaN with equal_nan), a Lua boolean.
function M.array_equal(a, b, opts)
  a, b = operand(a, "array_equal"), operand(b, "array_equal")
  opts = options.check(opts, "array_equal", {equal_nan = true})
  if not same_shape(a, b) then return false end
  if not opts.equal_nan then return core.equal(a, b):all() end
  local na, nb = core.isnan(a), core.isnan(b)
  if not core.equal(na, nb):all() then return false end
  return core.logical_or(core.equal(a, b), na):all()
end

-- cu.array_equiv(a, b): the same elements once broadcast to one shape, a Lua boolean (false
-- when the shapes do not broadcast).
function M.array_equiv(a, b)
  a, b = operand(a, "array_equiv"), operand(b, "array_equiv")
  if not broadcastable(a, b) then return false end
  return core.equal(a, b):all()
end

-- ---- nan_to_num -------------------------------------------------------------------------

local FLOAT_MAX = {float16 = 65504, float32 = 3.4028234663852886e38,
                   float64 = 1.7976931348623157e308, bfloat16 = 3.3895313892515355e38}

-- cu.nan_to_num(x[, {nan = 0, posinf =, neginf =, copy = true}]): NaN replaced by nan, the
-- infinities by posinf and neginf (by default the dtype's largest finite values). Integer and
-- bool arrays are returned as copies. copy = false writes into x and returns it.
function M.nan_to_num(x, opts)
  x = operand(x, "nan_to_num")
  opts = options.check(opts, "nan_to_num", {nan = true, posinf = true, neginf = true, copy = true})
  for _, k in ipairs({"nan", "posinf", "neginf"}) do
    if opts[k] ~= nil and type(opts[k]) ~= "number" then
      error(("nan_to_num: %s must be a number, got %s"):format(k, type(opts[k])), 2)
    end
  end
  if not core.is_array(x) then x = core.asarray(x) end
  local copy = opts.copy ~= false
  if not is_float(x.dtype) then return copy and x:copy() or x end
  local big = FLOAT_MAX[x.dtype]
  local r = core.where(core.isnan(x), opts.nan or 0, x)
  r = core.where(core.isposinf(r), opts.posinf or big, r)
  r = core.where(core.isneginf(r), opts.neginf or -big, r)
  if copy then return r end
  if not x.writeable then
    error("nan_to_num: x is read-only (a broadcast view); use copy = true", 2)
  end
  x[{}] = r
  return x
end

-- ---- round with decimals ----------------------------------------------------------------

-- NumPy's method: multiply by 10^decimals in the array's dtype, round half to even, divide
-- (for negative decimals divide, round, multiply); integers are returned unchanged for
-- decimals >= 0 and otherwise go through float64 and back.
local function round(fname, a, decimals, opts)
  if options.is_options(decimals, false) and opts == nil then decimals, opts = nil, decimals end
  opts = options.check(opts, fname, {out = true})
  if decimals == nil or decimals == 0 then return core.round(a, opts.out and {out = opts.out}) end
  if type(decimals) ~= "number" or decimals ~= math.floor(decimals) then
    error(("%s: decimals must be an integer, got %s"):format(fname, tostring(decimals)), 3)
  end
  a = operand(a, fname)
  if not core.is_array(a) then a = core.asarray(a) end
  if a.dtype == "bool" then error(fname .. ": decimals are not supported for bool arrays", 3) end
  local r
  if decimals > 0 and not is_inexact(a.dtype) then
    r = a:copy()
  else
    local x = is_inexact(a.dtype) and a or a:astype("float64")
    local f = 10.0 ^ math.abs(decimals)
    if decimals > 0 then
      r = core.divide(core.round(core.multiply(x, f)), f)
    else
      r = core.multiply(core.round(core.divide(x, f)), f)
    end
    if r.dtype ~= a.dtype then r = r:astype(a.dtype) end
  end
  if opts.out then return core._write_out(r, opts.out, fname) end
  return r
end

-- cu.round(a[, decimals][, {out =}]), cu.around: half to even at 10^-decimals.
function M.round(a, decimals, opts) return round("round", a, decimals, opts) end
function M.around(a, decimals, opts) return round("around", a, decimals, opts) end

-- ---- identities and the real/complex predicates --------------------------------------------

-- cu.positive(x): a copy (+x); NumPy refuses bool.
function M.positive(x)
  x = operand(x, "positive")
  if not core.is_array(x) then x = core.asarray(x) end
  if x.dtype == "bool" then error("positive: not supported for bool arrays", 2) end
  return args.call_as("positive", {"copy"}, x.copy, x)
end

-- Whether every |v| < bound (one value back from the device).
local function cu_abs_all_below(v, bound)
  return v.size == 0 or core.abs(v):max() < bound
end

local COMPLEX = {complex64 = "float32", complex128 = "float64"}

-- cu.conj(x), cu.conjugate: the complex conjugate (the core's op); for real dtypes a copy (bool
-- gives int8, as NumPy's loops have none for bool).
function M.conj(x, opts)
  x = operand(x, "conj")
  if not core.is_array(x) then x = core.asarray(x) end
  if x.dtype == "bool" then return x:astype("int8") end
  if COMPLEX[x.dtype] then return core.conj(x, opts) end
  return args.call_as("conj", {"copy"}, x.copy, x)
end
M.conjugate = M.conj

-- cu.isreal(x) / cu.iscomplex(x): whether each element has a zero / nonzero imaginary part;
-- every element of a real dtype is real.
function M.isreal(x)
  x = operand(x, "isreal")
  if not core.is_array(x) then x = core.asarray(x) end
  if COMPLEX[x.dtype] then return x.imag:eq(0) end
  return core._filled("isreal", "full", x.shape, true, {dtype = "bool", device = x.device})
end

function M.iscomplex(x)
  x = operand(x, "iscomplex")
  if not core.is_array(x) then x = core.asarray(x) end
  if COMPLEX[x.dtype] then return x.imag:ne(0) end
  return core._filled("iscomplex", "full", x.shape, false, {dtype = "bool", device = x.device})
end

-- cu.real_if_close(x[, tol]): the real part when every imaginary part is within tol (default
-- 100) machine epsilons of zero; otherwise, and for a real array, x as it is.
function M.real_if_close(x, tol)
  x = operand(x, "real_if_close")
  if tol ~= nil and type(tol) ~= "number" then
    error("real_if_close: tol must be a number, got " .. type(tol), 2)
  end
  if not core.is_array(x) then return x end -- a Lua number or boolean is real
  local real = COMPLEX[x.dtype]
  if not real then return x end
  local bound = tol or 100
  if bound > 1 then bound = bound * core.finfo(real).eps end
  if cu_abs_all_below(x.imag, bound) then return x.real:copy() end
  return x
end

-- Methods: a:isclose(b), a:round(2), ... (the functions whose first argument is an array).
M.methods = {"isclose", "allclose", "array_equal", "array_equiv", "nan_to_num", "round", "around",
             "positive", "conj", "conjugate", "isreal", "iscomplex"}

return M
