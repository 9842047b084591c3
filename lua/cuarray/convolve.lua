-- cu.convolve(a, v[, {mode = "full"}]) and cu.correlate(a, v[, {mode = "valid"}]): NumPy's
-- discrete linear convolution and cross-correlation of two 1-D sequences, on their device.
-- Both are sums of products over sliding windows: each output element is the product of a
-- window of the padded longer sequence with the shorter one, as one matrix-vector product
-- per block of outputs (BLAS / cuBLAS for floats; exact wrapping arithmetic for integers, a
-- logical or of ands for bool, as NumPy's dot).
local core = require "cuarray.core"
local options = require "cuarray.options"
local named = require "cuarray.named"
local strided = require "cuarray.strided"

local M = {}

local function fail(fmt, ...) error(fmt:format(...), 0) end

-- The windows of a block are copied to a contiguous matrix by the product: this many elements
-- at most per block.
local BLOCK = 2 ^ 22

-- An operand, 1-D and not empty: an array or a Lua list (with zero_d_ok, also a number or a
-- 0-d array, which count as one element, as NumPy's convolve reads them).
local function operand(fname, what, x, zero_d_ok)
  if not core.is_array(x) then
    local ok, arr = pcall(core.asarray, x)
    if not ok then fail("%s: %s must be a 1-D array or a list of numbers", fname, what) end
    x = arr
  end
  if x.ndim == 0 and zero_d_ok then x = x:reshape(1) end
  if x.ndim ~= 1 then fail("%s: %s must be 1-D, got %d dimensions", fname, what, x.ndim) end
  if x.size == 0 then fail("%s: %s cannot be empty", fname, what) end
  return x
end

-- The pads before and after the longer sequence for a shorter one of length m (NumPy's).
local MODES = {
  full = function(m) return m - 1, m - 1 end,
  same = function(m)
    local left = math.floor(m / 2)
    return left, m - 1 - left
  end,
  valid = function() return 0, 0 end,
}

local function read_mode(fname, opts, default)
  opts = options.check(opts, fname, {mode = true})
  local mode = opts.mode == nil and default or opts.mode
  if type(mode) ~= "string" or not MODES[mode] then
    fail('%s: mode must be "valid", "same" or "full", got %s', fname,
      type(mode) == "string" and ("%q"):format(mode) or tostring(mode))
  end
  return mode
end

local function is_complex(dt) return dt == "complex64" or dt == "complex128" end

-- x with NumPy's sums' zero: a sum starts at +0, so one whose products are all -0 is +0 (a
-- product of one term through cuBLAS keeps its -0).
local function from_zero(x)
  return (x.dtype:find("float", 1, true) or is_complex(x.dtype)) and x + 0 or x
end

-- out[k] = sum_j p[k + j] * w[j] for the padded longer sequence a (length n >= #w = m) and w.
local function slide(a, w, mode)
  local n, m = a.size, w.size
  local left, right = MODES[mode](m)
  local p = a
  if left > 0 or right > 0 then
    p = core.zeros(n + left + right, {dtype = a.dtype, device = a.device})
    p[{{left + 1, left + n}}] = a
  end
  local len = p.size - m + 1
  local windows = strided.sliding_window_view(p, m)
  local rows = math.max(1, math.floor(BLOCK / m))
  if len <= rows then return from_zero(core.matmul(windows, w)) end
  local out = core.empty(len, {dtype = a.dtype, device = a.device})
  for first = 1, len, rows do
    local last = math.min(len, first + rows - 1)
    out[{{first, last}}] = core.matmul(windows[{{first, last}}], w)
  end
  return from_zero(out)
end

-- The two operands in their result dtype on one device (NumPy's common type of the two).
local function common(fname, a, v)
  if a.device ~= v.device then
    fail("%s: a and v are on different devices (%s and %s)", fname, a.device, v.device)
  end
  local dt = core.result_type(a, v)
  return a:astype(dt), v:astype(dt)
end

-- cu.convolve(a, v[, {mode = "full"|"same"|"valid"}]): (a * v)[k] = sum_j a[j] v[k - j]; full:
-- every overlap (#a + #v - 1 values), same: the longer one's length, centred, valid: the full
-- overlaps only. The longer sequence slides past the shorter (convolution commutes).
M.convolve = named.wrap("convolve", function(a, v, opts)
  local mode = read_mode("convolve", opts, "full")
  a, v = operand("convolve", "a", a, true), operand("convolve", "v", v, true)
  a, v = common("convolve", a, v)
  if v.size > a.size then a, v = v, a end
  return slide(a, core.flip(v), mode)
end)

-- cu.correlate(a, v[, {mode = "valid"|"same"|"full"}]): c[k] = sum_j a[j + k] conj(v[j]), k
-- over the overlaps the mode keeps, as NumPy's correlate (v conjugated for complex inputs).
M.correlate = named.wrap("correlate", function(a, v, opts)
  local mode = read_mode("correlate", opts, "valid")
  a, v = operand("correlate", "a", a, false), operand("correlate", "v", v, false)
  a, v = common("correlate", a, v)
  local cplx = is_complex(a.dtype)
  if v.size > a.size then
    -- c_av[k] = conj(c_va[-k]): v slides past conj(a), reversed and conjugated back
    local r = core.flip(slide(v, cplx and core.conj(a) or a, mode))
    return cplx and core.conj(r) or r:copy()
  end
  return slide(a, cplx and core.conj(v) or v, mode)
end)

return M
