-- cu.fft: NumPy's numpy.fft. The sample frequencies and the shifts are compositions over
-- arange, slices and concatenate; clear_plan_cache empties every CUDA device's cuFFT plan cache
-- (cuda/fft.cu).
local core = require "cuarray.core"

local fft = {}

local floor = math.floor

local function is_integer(v)
  return type(v) == "number" and v == floor(v) and v > -math.huge and v < math.huge
end

-- The 0-based axes named by `axes` (nil: all of them; a number; a list), checked: Lua's
-- 1-based axes, negative from the end, no axis twice.
local function axes_of(fname, ndim, axes)
  if axes == nil then
    local all = {}
    for k = 1, ndim do all[k] = k - 1 end
    return all
  end
  local list = type(axes) == "table" and axes or {axes}
  if type(axes) ~= "table" and type(axes) ~= "number" then
    error(fname .. ": axes must be an axis or a list of axes, not a " .. type(axes), 3)
  end
  local out, seen = {}, {}
  for i, ax in ipairs(list) do
    if not is_integer(ax) or ax == 0 then
      error(fname .. ": axis " .. tostring(ax)
            .. " is not an axis (axes count from 1, or from -1 at the end)", 3)
    end
    local k = ax > 0 and ax - 1 or ndim + ax
    if k < 0 or k >= ndim then
      error(fname .. ": axis " .. ax .. " is out of range for an array of " .. ndim .. " dimension"
            .. (ndim == 1 and "" or "s"), 3)
    end
    if seen[k] then
      error(fname .. ": axis " .. (k + 1) .. " is repeated"
            .. (ax == k + 1 and "" or " (given as " .. ax .. ")"), 3)
    end
    seen[k] = true
    out[i] = k
  end
  return out
end

-- level: the caller's level (error's), 3 when called from the function the user called
local function check_length(fname, n, level)
  if not is_integer(n) or n < 1 then
    error(fname .. ": n must be a positive integer, not " .. tostring(n), level or 3)
  end
end

local function check_spacing(fname, d, level)
  if type(d) ~= "number" then
    error(fname .. ": d (the sample spacing) must be a number, not a " .. type(d), level or 3)
  end
end

-- The device option of the freq functions (nil: the default device).
local function device_opt(fname, opts)
  if opts == nil then return nil end
  if type(opts) ~= "table" then
    error(fname .. ": options must be a table, not a " .. type(opts), 4)
  end
  for k in pairs(opts) do
    if k ~= "device" then error(fname .. ": unknown option '" .. tostring(k) .. "'", 4) end
  end
  return opts.device
end

-- ---- the arguments of the transforms --------------------------------------------------------

-- The scale of a transform of N points: "backward" (the default) scales the inverse by 1/N,
-- "forward" the forward one, "ortho" both by 1/sqrt(N).
local function scale_of(fname, norm, inverse, N)
  if norm == nil or norm == "backward" then return inverse and 1 / N or 1 end
  if norm == "forward" then return inverse and 1 or 1 / N end
  if norm == "ortho" then return 1 / math.sqrt(N) end
  error(fname .. ": norm must be \"backward\", \"ortho\" or \"forward\", not " .. tostring(norm), 3)
end

-- x with length `len` along 0-based axis k: a view of its first len elements, or a copy
-- padded with zeros.
local function resize(x, k, len)
  local n = x.shape[k + 1]
  if n == len then return x end
  local idx = {}
  for j = 1, x.ndim do idx[j] = {} end
  if len < n then
    idx[k + 1] = {1, len}
    return x[idx]
  end
  local shape = {}
  for j = 1, x.ndim do shape[j] = x.shape[j] end
  shape[k + 1] = len
  local z = core.zeros(shape, {dtype = x.dtype, device = x.device})
  if n > 0 then
    idx[k + 1] = {1, n}
    z[idx] = x
  end
  return z
end

-- The arguments of a transform, checked and resolved as NumPy resolves them. `kind` is "c2c",
-- "r2c" or "c2r" (the last of the axes is the real one); `s` the lengths (nil: from x, for
-- c2r 2 (m - 1) on the last axis); `axes` the axes (nil: default_axes, or the last #s, or
-- all); `opts` the trailing options ({norm=}). Returns x padded or truncated to what the
-- transform reads (for c2r: s[last] // 2 + 1 on the last axis), the 0-based axes, the
-- lengths and the scale.
local function prepare(fname, x, kind, inverse, s, axes, default_axes, opts)
  x = core._check_array(x, fname)
  local norm
  if opts ~= nil then
    if type(opts) ~= "table" then
      error(fname .. ": options must be a table, not a " .. type(opts), 3)
    end
    for key in pairs(opts) do
      if key ~= "norm" then error(fname .. ": unknown option '" .. tostring(key) .. "'", 3) end
    end
    norm = opts.norm
  end
  if s ~= nil and type(s) ~= "table" then
    error(fname .. ": the lengths must be a list, not a " .. type(s), 3)
  end
  if axes == nil then
    if s ~= nil then
      axes = {}
      for j = 1, #s do axes[j] = j - #s - 1 end
    else
      axes = default_axes
    end
  end
  if x.ndim == 0 then error(fname .. ": x must have at least one dimension", 3) end
  local ks = axes_of(fname, x.ndim, axes)
  if #ks == 0 then error(fname .. ": no axes to transform", 3) end
  if s ~= nil and #s ~= #ks then
    error(fname .. ": " .. #s .. " lengths for " .. #ks .. " axes", 3)
  end
  local lengths, N = {}, 1
  for j, k in ipairs(ks) do
    local n = s and s[j]
    if n == nil then
      n = x.shape[k + 1]
      if kind == "c2r" and j == #ks then n = 2 * (n - 1) end
    end
    if not is_integer(n) or n < 1 then
      error(fname .. ": invalid number of data points (" .. tostring(n) .. ") along axis "
            .. (k + 1), 3)
    end
    lengths[j] = n
    N = N * n
    x = resize(x, k, (kind == "c2r" and j == #ks) and floor(n / 2) + 1 or n)
  end
  return x, ks, lengths, scale_of(fname, norm, inverse, N)
end

fft._prepare = prepare

-- ---- the transforms (when the core has complex dtypes) -----------------------------------------

-- The trailing arguments (s or n, axes or axis) and the options: a last table with a string
-- key is the options (the module's convention).
local function split_opts(a, b, c)
  local function is_opts(t)
    if type(t) ~= "table" then return false end
    for k in pairs(t) do
      if type(k) == "string" then return true end
    end
    return false
  end
  if c ~= nil then return a, b, c end
  if is_opts(b) then return a, nil, b end
  if b == nil and is_opts(a) then return nil, nil, a end
  return a, b, nil
end

local function has_complex()
  for _, name in ipairs(core.dtypes) do
    if name == "complex128" then return true end
  end
  return false
end

-- kind, direction of the scale, direction of a C2C transform, default axes, whether the
-- result is conjugated (ihfft) or the input (hfft)
local function transform(fname, kind, inverse, x, s, axes, default_axes, opts, conj_in, conj_out)
  if conj_in then x = core.conj(core._check_array(x, fname)) end
  local y, ks, lengths, scale = prepare(fname, x, kind, inverse, s, axes, default_axes, opts)
  local sign = (kind == "c2c" and inverse) and 1 or -1
  local r = core._fft(fname, y, kind, sign, ks, lengths, scale)
  if conj_out then r = core.conj(r) end
  return r
end

local function one_d(fname, kind, inverse, conj_in, conj_out)
  return function(x, n, axis, opts)
    n, axis, opts = split_opts(n, axis, opts)
    if n ~= nil then check_length(fname, n) end
    return transform(fname, kind, inverse, x, n and {n}, {axis == nil and -1 or axis}, nil, opts,
                     conj_in, conj_out)
  end
end

local function n_d(fname, kind, inverse, default_axes)
  return function(x, s, axes, opts)
    s, axes, opts = split_opts(s, axes, opts)
    if type(axes) == "number" then axes = {axes} end
    return transform(fname, kind, inverse, x, s, axes, default_axes, opts)
  end
end

if has_complex() and core._fft then
  --- cu.fft.fft(a[, n][, axis = -1][, {norm=}]): the one-dimensional DFT.
  fft.fft = one_d("fft", "c2c", false)
  fft.ifft = one_d("ifft", "c2c", true)
  fft.rfft = one_d("rfft", "r2c", false)
  fft.irfft = one_d("irfft", "c2r", true)
  -- hfft: the transform of a Hermitian signal given by its first half, a real result:
  -- irfft of the conjugate with the forward transform's scale; ihfft its inverse.
  if core.conj then
    fft.hfft = one_d("hfft", "c2r", false, true, false)
    fft.ihfft = one_d("ihfft", "r2c", true, false, true)
  end
  fft.fft2 = n_d("fft2", "c2c", false, {-2, -1})
  fft.ifft2 = n_d("ifft2", "c2c", true, {-2, -1})
  fft.rfft2 = n_d("rfft2", "r2c", false, {-2, -1})
  fft.irfft2 = n_d("irfft2", "c2r", true, {-2, -1})
  fft.fftn = n_d("fftn", "c2c", false)
  fft.ifftn = n_d("ifftn", "c2c", true)
  fft.rfftn = n_d("rfftn", "r2c", false)
  fft.irfftn = n_d("irfftn", "c2r", true)
end

-- n, d (default 1) and the options of arange for the freq functions, checked.
local function freq_args(fname, n, d, opts)
  if type(d) == "table" and opts == nil then d, opts = nil, d end
  check_length(fname, n, 4)
  d = d == nil and 1.0 or d
  check_spacing(fname, d, 4)
  return n, d, {dtype = "float64", device = device_opt(fname, opts)}
end

--- cu.fft.fftfreq(n[, d = 1][, {device=}]): the sample frequencies of an n-point transform
-- with sample spacing d, float64: 0, 1, ..., (n-1)//2, -(n//2), ..., -1, over n * d.
function fft.fftfreq(n, d, opts)
  local o
  n, d, o = freq_args("fftfreq", n, d, opts)
  local val = 1.0 / (n * d)
  local pos = core.arange(0, floor((n - 1) / 2) + 1, 1, o)
  local neg = core.arange(-floor(n / 2), 0, 1, o)
  return core.concatenate({pos, neg}) * val
end

--- cu.fft.rfftfreq(n[, d = 1][, {device=}]): the sample frequencies of rfft's n // 2 + 1
-- outputs, float64: 0, 1, ..., n // 2, over n * d.
function fft.rfftfreq(n, d, opts)
  local o
  n, d, o = freq_args("rfftfreq", n, d, opts)
  return core.arange(0, floor(n / 2) + 1, 1, o) * (1.0 / (n * d))
end

-- x rolled by `shift` places (0 <= shift < n) along 0-based axis k: element i moves to i + shift.
local function roll(x, k, shift)
  local n = x.shape[k + 1]
  local head, tail = {}, {}
  for j = 1, x.ndim do
    head[j], tail[j] = {}, {}
  end
  head[k + 1] = {n - shift + 1, n}
  tail[k + 1] = {1, n - shift}
  return core.concatenate({x[head], x[tail]}, k + 1)
end

local function shift(fname, x, axes, inverse)
  x = core._check_array(x, fname)
  local ks = axes_of(fname, x.ndim, axes)
  local moved = false
  for _, k in ipairs(ks) do
    local n = x.shape[k + 1]
    local s = floor(n / 2)
    if inverse then s = n - s end
    s = s % (n > 0 and n or 1)
    if s > 0 then
      x, moved = roll(x, k, s), true
    end
  end
  -- a new array always, as NumPy's roll gives
  return moved and x or core.copy(x)
end

--- cu.fft.fftshift(x[, axes]): the zero-frequency term moved to the centre: x rolled by
-- n // 2 along each of axes (default: every axis).
function fft.fftshift(x, axes) return shift("fftshift", x, axes, false) end

--- cu.fft.ifftshift(x[, axes]): fftshift undone: x rolled by -(n // 2) along each of axes.
function fft.ifftshift(x, axes) return shift("ifftshift", x, axes, true) end

--- cu.fft.clear_plan_cache(): destroys the cached cuFFT plans of every CUDA device in use
-- (and frees their workspaces). Nothing to do without CUDA.
function fft.clear_plan_cache()
  local ok, cuda = pcall(require, "cuarray.cuda")
  if ok and type(cuda) == "table" and cuda._fft_clear_plan_cache then
    cuda._fft_clear_plan_cache()
  end
end

return fft
