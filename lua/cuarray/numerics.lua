-- Numerical helpers composed of elementwise ops, scans and searchsorted: geomspace, the window
-- functions (bartlett, blackman, hamming, hanning, kaiser), trapezoid, nancumsum, nancumprod,
-- interp, unwrap and gradient, NumPy's formulas step by step so that the results agree with
-- NumPy's to the rounding of each step.
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local M = {}

local unpack = table.unpack or unpack

local function real_float(fname, a)
  if a.dtype:find("complex") then
    error(("%s: complex arrays are not supported, got %s"):format(fname, a.dtype), 3)
  end
  if a.dtype:find("float") then return a end
  return a:astype("float64")
end

-- cu.geomspace(start, stop[, num = 50][, {endpoint =, dtype =, device =}]): num numbers
-- spaced evenly on a log scale from start to stop (real, non-zero, of one sign), the ends exact.
function M.geomspace(start, stop, num, opts)
  local fname = "geomspace"
  if options.is_options(num, false) then num, opts = nil, num end
  opts = options.check(opts, fname, {endpoint = true, dtype = true, device = true})
  if type(start) ~= "number" or type(stop) ~= "number" then
    error(("geomspace: start and stop must be numbers, got %s and %s")
          :format(type(start), type(stop)), 2)
  end
  num = args.integer(fname, "num", num, 50)
  if num < 0 then error(("geomspace: num must be non-negative, got %d"):format(num), 2) end
  if start == 0 or stop == 0 then
    error("geomspace: a geometric sequence cannot include zero", 2)
  end
  local endpoint = opts.endpoint ~= false
  local sign = start < 0 and -1 or 1
  start, stop = start / sign, stop / sign
  local log10 = function(v) return core.log10(core.asarray(v, {device = "cpu"})):item() end
  local r = core.logspace(log10(start), log10(stop), num,
                          {endpoint = endpoint, device = opts.device})
  if num > 0 then
    r[1] = start
    if num > 1 and endpoint then r[num] = stop end
  end
  if sign < 0 then r = r * -1 end
  if opts.dtype ~= nil then r = r:astype(opts.dtype) end
  return r
end

-- The window of M points: M < 1 gives an empty array, M = 1 a one; else f(n, M) with n the
-- float64 points 1 - M, 3 - M, ..., M - 1.
local function window(fname, m, opts, f)
  opts = options.check(opts, fname, {device = true})
  m = args.integer(fname, "M", m)
  if m < 1 then return core.zeros(0, {device = opts.device}) end
  if m == 1 then return core.ones(1, {device = opts.device}) end
  local n = core.arange(1 - m, m, 2, {device = opts.device, dtype = "float64"})
  return f(n, m)
end

-- cu.bartlett(M), cu.blackman(M), cu.hamming(M), cu.hanning(M): NumPy's windows of M points.
function M.bartlett(m, opts)
  return window("bartlett", m, opts, function(n)
    local r = n / (m - 1)
    return core.where(n:le(0), 1 + r, 1 - r)
  end)
end

function M.blackman(m, opts)
  return window("blackman", m, opts, function(n)
    return 0.42 + core.cos(math.pi * n / (m - 1)) * 0.5
                + core.cos(2.0 * math.pi * n / (m - 1)) * 0.08
  end)
end

function M.hamming(m, opts)
  return window("hamming", m, opts, function(n)
    return 0.54 + core.cos(math.pi * n / (m - 1)) * 0.46
  end)
end

function M.hanning(m, opts)
  return window("hanning", m, opts, function(n)
    return 0.5 + core.cos(math.pi * n / (m - 1)) * 0.5
  end)
end

-- cu.kaiser(M, beta): the Kaiser window, i0(beta sqrt(1 - ((n - alpha) / alpha)^2)) / i0(beta).
function M.kaiser(m, beta, opts)
  local fname = "kaiser"
  if type(beta) ~= "number" then
    error(("kaiser: beta must be a number, got %s"):format(type(beta)), 2)
  end
  return window(fname, m, opts, function(_)
    local n = core.arange(0, m, {device = opts and opts.device, dtype = "float64"})
    local alpha = (m - 1) / 2.0
    local t = (n - alpha) / alpha
    local i0 = core.i0
    return i0(beta * core.sqrt(1 - t * t)) / i0(core.asarray(beta, {device = n.device})):item()
  end)
end

-- A key of nd whole axes with `entry` on axis `axis`.
local function key_on(nd, axis, entry)
  local key = {}
  for i = 1, nd do key[i] = {} end
  key[axis] = entry
  return key
end

-- cu.trapezoid(y[, x][, {dx = 1, axis = -1}]): the integral of y along axis by the trapezoidal
-- rule, with sample points x (1-d along the axis, or of y's shape) or the spacing dx.
function M.trapezoid(y, x, opts)
  local fname = "trapezoid"
  if opts == nil and options.is_options(x, false) then x, opts = nil, x end
  opts = options.check(opts, fname, {dx = true, axis = true})
  y = args.array(fname, y)
  if y.ndim == 0 then error("trapezoid: y must have at least one dimension", 2) end
  local axis = args.axis(fname, opts.axis == nil and -1 or opts.axis, y.ndim)
  local d
  if x == nil then
    d = opts.dx == nil and 1.0 or opts.dx
    if type(d) ~= "number" and not core.is_array(d) then
      error(("trapezoid: dx must be a number, got %s"):format(type(d)), 2)
    end
  else
    x = args.array(fname, x, y.device)
    if x.ndim == 1 then
      if x.size ~= y.shape[axis] then
        error(("trapezoid: x has %d points, y %d along axis %d"):format(x.size, y.shape[axis],
          axis), 2)
      end
      d = require("cuarray.differences").diff(x)
      local shape = {}
      for i = 1, y.ndim do shape[i] = 1 end
      shape[axis] = d.size
      d = d:reshape(shape)
    else
      d = require("cuarray.differences").diff(x, 1, axis)
    end
  end
  local len = y.shape[axis]
  local hi = y[args.range_key(y.ndim, axis, 2, len)]
  local lo = y[args.range_key(y.ndim, axis, 1, len - 1)]
  local ok, r = pcall(function() return (d * (hi + lo) / 2.0):sum(axis) end)
  if not ok then error("trapezoid: " .. tostring(r):gsub("^[^\n]-%.lua:%d+: ", ""), 2) end
  if r.ndim == 0 then return r:item() end
  return r
end

-- NumPy 1's name.
M.trapz = M.trapezoid

-- cu.nancumsum(a[, axis][, opts]), cu.nancumprod(...): the running sum (product) with NaN
-- counted as 0 (1), over the flattened a without an axis.
local function nan_scan(fname, scan, unit)
  return function(a, ...)
    a = args.array(fname, a)
    if a.dtype:find("float") or a.dtype:find("complex") then
      a = core.where(core.isnan(a), unit, a)
    end
    local ok, r = pcall(scan, a, ...)
    if not ok then error(fname .. ": " .. tostring(r):gsub("^[%w_]+: ", ""), 2) end
    return r
  end
end

M.nancumsum = nan_scan("nancumsum", core.cumsum, 0)
M.nancumprod = nan_scan("nancumprod", core.cumprod, 1)

-- cu.interp(x, xp, fp[, {left =, right =, period =}]): the piecewise-linear interpolant of the
-- points (xp, fp) at x, with xp increasing (or, with period, any order, taken modulo period);
-- left and right (default fp's ends) outside. NumPy's rules: x at a knot gives its value, a NaN
-- slope is tried from the other end.
function M.interp(x, xp, fp, opts)
  local fname = "interp"
  opts = options.check(opts, fname, {left = true, right = true, period = true})
  local number = type(x) == "number"
  xp = real_float(fname, args.array(fname, xp))
  x = real_float(fname, args.array(fname, x, xp.device)):astype("float64")
  fp = real_float(fname, args.array(fname, fp, xp.device)):astype("float64")
  xp = xp:astype("float64")
  if xp.ndim ~= 1 or fp.ndim ~= 1 then
    error("interp: the data points xp and fp must be 1-d", 2)
  end
  if xp.size ~= fp.size then
    error(("interp: fp and xp are not of the same length (%d and %d)"):format(fp.size, xp.size), 2)
  end
  if xp.size == 0 then error("interp: the array of sample points xp is empty", 2) end
  if x.device ~= xp.device then
    error(("interp: arguments on different devices (%s and %s)"):format(x.device, xp.device), 2)
  end
  local left, right = opts.left, opts.right
  if opts.period ~= nil then
    local period = opts.period
    if type(period) ~= "number" then
      error(("interp: period must be a number, got %s"):format(type(period)), 2)
    end
    if period == 0 then error("interp: period must be a non-zero value", 2) end
    period = math.abs(period)
    left, right = nil, nil
    x = core.mod(x, period)
    xp = core.mod(xp, period)
    local order = core.argsort(xp)
    xp, fp = xp[order], fp[order]
    local n = xp.size
    xp = core.concatenate({xp[{{n}}] - period, xp, xp[{{1}}] + period})
    fp = core.concatenate({fp[{{n}}], fp, fp[{{1}}]})
  end
  for _, v in ipairs({{"left", left}, {"right", right}}) do
    if v[2] ~= nil and type(v[2]) ~= "number" then
      error(("interp: %s must be a number, got %s"):format(v[1], type(v[2])), 2)
    end
  end
  local n, shape = xp.size, x.shape
  x = x:ravel()
  local first, last, f_first, f_last = xp[1], xp[n], fp[1], fp[n]
  local y
  if n == 1 then
    y = core.full(x.shape, f_first, {dtype = "float64", device = x.device})
  else
    local j = require("cuarray.sorting").searchsorted(xp, x, {side = "right"}) - 1
    j = core.clip(j, 1, n - 1)
    local xj, xj1 = core.take(xp, j), core.take(xp, j + 1)
    local fj, fj1 = core.take(fp, j), core.take(fp, j + 1)
    local slope = (fj1 - fj) / (xj1 - xj)
    y = slope * (x - xj) + fj
    y = core.where(core.isnan(y), slope * (x - xj1) + fj1, y)
    y = core.where(core.logical_and(core.isnan(y), fj:eq(fj1)), fj, y)
    y = core.where(x:eq(xj), fj, y)
  end
  y = core.where(x:eq(last), f_last, y)
  y = core.where(x:lt(first), left == nil and f_first or left, y)
  y = core.where(x:gt(last), right == nil and f_last or right, y)
  if number then return y:item() end
  return y:reshape(shape)
end

-- cu.unwrap(p[, {discont =, axis = -1, period = 2 pi}]): p with the jumps along axis larger
-- than discont (default period / 2) replaced by their complements modulo period.
function M.unwrap(p, opts)
  local fname = "unwrap"
  opts = options.check(opts, fname, {discont = true, axis = true, period = true})
  p = args.array(fname, p)
  if p.ndim == 0 then error("unwrap: p must have at least one dimension", 2) end
  local axis = args.axis(fname, opts.axis == nil and -1 or opts.axis, p.ndim)
  local period = opts.period == nil and 2 * math.pi or opts.period
  if type(period) ~= "number" then
    error(("unwrap: period must be a number, got %s"):format(type(period)), 2)
  end
  local discont = opts.discont == nil and period / 2 or opts.discont
  if type(discont) ~= "number" then
    error(("unwrap: discont must be a number, got %s"):format(type(discont)), 2)
  end
  local dd = require("cuarray.differences").diff(p, 1, axis)
  local dtype = core.result_type(dd, period)
  local high, ambiguous
  if dtype:find("int") then
    high, ambiguous = math.floor(period / 2), period % 2 == 0
  else
    high, ambiguous = period / 2, true
  end
  local low = -high
  local ddmod = core.mod(dd - low, period) + low
  if ambiguous then
    ddmod = core.where(core.logical_and(ddmod:eq(low), dd:gt(0)), high, ddmod)
  end
  local correct = core.where(core.abs(dd):lt(discont), 0, ddmod - dd)
  local up = p:astype(dtype)
  local len = p.shape[axis]
  if len > 1 then
    local key = args.range_key(p.ndim, axis, 2, len)
    up[key] = p[key] + core.cumsum(correct, axis)
  end
  return up
end

-- The spacing of gradient along one axis of length len: a number, or the differences of 1-d
-- coordinates (a number again when they are all equal).
local function spacing(fname, v, len, device)
  if type(v) == "number" then return v end
  v = args.array(fname, v, device)
  if v.ndim == 0 then return v:item() end
  if v.ndim ~= 1 then error(("%s: distances must be numbers or 1-d, got %d-d"):format(fname,
    v.ndim), 4) end
  if v.size ~= len then
    error(("%s: 1-d distances must match the length of their axis (%d), got %d")
          :format(fname, len, v.size), 4)
  end
  if not v.dtype:find("float") then v = v:astype("float64") end
  local d = require("cuarray.differences").diff(v)
  if d.size > 0 and d:eq(d[1]):all() then return d[1] end
  return d
end

-- The gradient of f along `axis` with spacing h (a number, or the 1-d differences), into out.
local function gradient_along(f, out, axis, h, edge_order)
  local nd, len = f.ndim, f.shape[axis]
  local function part(first, last) return f[args.range_key(nd, axis, first, last)] end
  local function along(v)    -- a 1-d array of coefficients, shaped to run along axis
    local shape = {}
    for i = 1, nd do shape[i] = 1 end
    shape[axis] = v.size
    return v:reshape(shape)
  end
  local uniform = type(h) == "number"
  local interior = args.range_key(nd, axis, 2, len - 1)
  if uniform then
    out[interior] = (part(3, len) - part(1, len - 2)) / (2.0 * h)
  else
    local dx1, dx2 = h[{{1, h.size - 1}}], h[{{2, h.size}}]
    local a = along(-dx2 / (dx1 * (dx1 + dx2)))
    local b = along((dx2 - dx1) / (dx1 * dx2))
    local c = along(dx1 / (dx2 * (dx1 + dx2)))
    out[interior] = a * part(1, len - 2) + b * part(2, len - 1) + c * part(3, len)
  end
  local first, last = key_on(nd, axis, {1}), key_on(nd, axis, {len})
  if edge_order == 1 then
    out[first] = (part(2, 2) - part(1, 1)) / (uniform and h or h[1])
    out[last] = (part(len, len) - part(len - 1, len - 1)) / (uniform and h or h[h.size])
    return
  end
  local a, b, c
  if uniform then
    a, b, c = -1.5 / h, 2.0 / h, -0.5 / h
  else
    local dx1, dx2 = h[1], h[2]
    a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
    b = (dx1 + dx2) / (dx1 * dx2)
    c = -dx1 / (dx2 * (dx1 + dx2))
  end
  out[first] = a * part(1, 1) + b * part(2, 2) + c * part(3, 3)
  if uniform then
    a, b, c = 0.5 / h, -2.0 / h, 1.5 / h
  else
    local dx1, dx2 = h[h.size - 1], h[h.size]
    a = dx2 / (dx1 * (dx1 + dx2))
    b = -(dx2 + dx1) / (dx1 * dx2)
    c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
  end
  out[last] = a * part(len - 2, len - 2) + b * part(len - 1, len - 1) + c * part(len, len)
end

-- cu.gradient(f[, spacing, ...][, {axis =, edge_order = 1}]): NumPy's gradient: second-order
-- central differences inside, first- or second-order one-sided ones at the ends, along every
-- axis (or the axes of `axis`). A spacing is a number (for every axis when it is the only
-- one) or 1-d coordinates along its axis. One axis gives an array; several give one array per
-- axis, as several values.
function M.gradient(f, ...)
  local fname = "gradient"
  local spacings, count, opts = options.split(...)
  opts = options.check(opts, fname, {axis = true, edge_order = true})
  f = args.array(fname, f)
  if f.dtype == "bool" then error("gradient: bool arrays are not supported", 2) end
  local axes = {}
  if opts.axis == nil then
    for i = 1, f.ndim do axes[i] = i end
  else
    for i, ax in ipairs(args.int_list(fname, "axis", opts.axis)) do
      axes[i] = args.axis(fname, ax, f.ndim)
    end
  end
  local h = {}
  if count == 0 then
    for i = 1, #axes do h[i] = 1.0 end
  elseif count == 1 and (type(spacings[1]) == "number"
      or (core.is_array(spacings[1]) and spacings[1].ndim == 0)) then
    local v = type(spacings[1]) == "number" and spacings[1] or spacings[1]:item()
    for i = 1, #axes do h[i] = v end
  elseif count == #axes then
    for i = 1, #axes do h[i] = spacing(fname, spacings[i], f.shape[axes[i]], f.device) end
  else
    error(("gradient: expected no spacing, one number, or one spacing per axis (%d), got %d")
          :format(#axes, count), 2)
  end
  local edge_order = args.integer(fname, "edge_order", opts.edge_order, 1)
  if edge_order ~= 1 and edge_order ~= 2 then
    error(("gradient: edge_order must be 1 or 2, got %d"):format(edge_order), 2)
  end
  local otype = f.dtype
  if not (otype:find("float") or otype:find("complex")) then
    otype = "float64"
    f = f:astype(otype)
  end
  local out = {}
  for i, axis in ipairs(axes) do
    if f.shape[axis] < edge_order + 1 then
      error(("gradient: the array is too small along axis %d to calculate a numerical gradient:"
        .. " at least edge_order + 1 (%d) elements are required"):format(axis, edge_order + 1), 2)
    end
    out[i] = core.empty(f.shape, {dtype = otype, device = f.device})
    gradient_along(f, out[i], axis, h[i], edge_order)
  end
  return unpack(out, 1, #axes)
end

-- Errors raised below a function (by the ops it calls) in the name of the function called.
return require("cuarray.named").wrap_all(M)
