-- NumPy's legacy polynomial functions (np.poly*), coefficients highest power first: polyval,
-- polyadd, polysub, polymul, polydiv, polyder, polyint, poly, roots, polyfit, and vander,
-- composed of elementwise ops, a sliding-window product, cu.linalg.lstsq and eigvals.
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local M = {}

-- p (an array, a Lua number or list) as a 1-d array on `device`.
local function coefficients(fname, p, device, what)
  p = args.array(fname, p, device)
  if p.ndim == 0 then p = p:reshape({1}) end
  if p.ndim ~= 1 then
    error(("%s: %s must be 1-d, got %d-d"):format(fname, what or "the coefficients", p.ndim), 3)
  end
  return p
end

local function same_device(fname, a, b)
  if a.device ~= b.device then
    error(("%s: arguments on different devices (%s and %s)"):format(fname, a.device, b.device), 3)
  end
end

-- The float dtype a computation of `dtype` values gives (NumPy's `+ 0.0`).
local function floating(dtype)
  if dtype:find("float") or dtype:find("complex") then return dtype end
  return "float64"
end

-- cu.polyval(p, x): p[1] * x^(n-1) + ... + p[n] at x, by Horner's rule, in the dtype x and p
-- promote to.
function M.polyval(p, x)
  local fname = "polyval"
  p = coefficients(fname, p)
  local xa = args.array(fname, x, p.device)
  same_device(fname, p, xa)
  local dtype = core.result_type(xa, p)
  local y = core.zeros(xa.shape, {dtype = dtype, device = p.device})
  local c = p:totable()
  for i = 1, #c do y = y * xa + c[i] end
  return y
end

-- Two polynomials as 1-d arrays on one device.
local function two(fname, a1, a2)
  a1 = coefficients(fname, a1)
  a2 = coefficients(fname, a2, a1.device)
  same_device(fname, a1, a2)
  return a1, a2
end

-- a1 and a2 with the shorter padded by leading zeros, then combined by op.
local function padded(fname, a1, a2, op)
  a1, a2 = two(fname, a1, a2)
  local d = a1.size - a2.size
  if d > 0 then
    a2 = core.concatenate({core.zeros(d, {dtype = a2.dtype, device = a2.device}), a2})
  elseif d < 0 then
    a1 = core.concatenate({core.zeros(-d, {dtype = a1.dtype, device = a1.device}), a1})
  end
  return op(a1, a2)
end

-- cu.polyadd(a1, a2), cu.polysub(a1, a2): the sum and difference of two polynomials.
function M.polyadd(a1, a2) return padded("polyadd", a1, a2, core.add) end
function M.polysub(a1, a2) return padded("polysub", a1, a2, core.subtract) end

-- p without its leading zeros; all zeros (or empty) give {0} (NumPy's poly1d).
local function trimmed(p)
  local nz = core.flatnonzero(p)
  if nz.size == 0 then return core.zeros(1, {dtype = p.dtype, device = p.device}) end
  local first = nz[1]
  return first == 1 and p or p[{{first, p.size}}]
end

-- Beyond this many products at once, convolve adds shifted copies instead (memory stays linear).
local WINDOW_PRODUCTS = 2 ^ 22

-- The full convolution of the 1-d a and b (a the shorter): row k of the windows of b padded by
-- #a - 1 zeros on each side, times a reversed, summed; or, for long a, b times a[i] added at
-- each shift i.
local function convolve(a, b)
  if a.size > b.size then a, b = b, a end
  local n, m = a.size, b.size
  if n * (n + m - 1) <= WINDOW_PRODUCTS then
    local pad = core.zeros(n - 1, {dtype = b.dtype, device = b.device})
    local bp = core.concatenate({pad, b, pad})
    local windows = require("cuarray.strided").sliding_window_view(bp, n)
    return (windows * a:flip()):sum(2)
  end
  local c = core.zeros(n + m - 1, {dtype = core.result_type(a, b), device = b.device})
  for i = 1, n do
    local part = c[{{i, i + m - 1}}]
    part[{}] = part + b * a[{{i}}]
  end
  return c
end

-- cu.polymul(a1, a2): the product of two polynomials (leading zeros of the factors dropped).
function M.polymul(a1, a2)
  a1, a2 = two("polymul", a1, a2)
  local product = convolve(trimmed(a1), trimmed(a2))
  local dtype = core.result_type(a1, a2)
  return product.dtype == dtype and product or product:astype(dtype)
end

-- cu.polydiv(u, v): the quotient and the remainder of u / v, as floats; the remainder's
-- leading entries close to zero (rtol 1e-14) are dropped.
function M.polydiv(u, v)
  u, v = two("polydiv", u, v)
  if u.size == 0 or v.size == 0 then error("polydiv: the polynomials must not be empty", 2) end
  local dtype = floating(core.result_type(u, v))
  u, v = u:astype(dtype), v:astype(dtype)
  local m, n = u.size - 1, v.size - 1
  local lead = v[1]
  if lead == 0 then error("polydiv: the divisor's leading coefficient is zero", 2) end
  local q = core.zeros(math.max(m - n + 1, 1), {dtype = dtype, device = u.device})
  local r = u:copy()
  for k = 1, m - n + 1 do
    local d = r[k] * (1 / lead)
    q[k] = d
    local part = r[{{k, k + n}}]
    part[{}] = part - v * d
  end
  -- NumPy drops the remainder's leading elements close to 0 one at a time, keeping the last;
  -- the first element that is not close is found in one pass
  local far = core.flatnonzero(core.logical_not(
    require("cuarray.ufuncs").isclose(r, 0, {rtol = 1e-14})))
  local first = far.size > 0 and far[1] or r.size
  if first > 1 then r = r[{{first, r.size}}] end
  return q, r
end

-- cu.polyder(p[, m = 1]): the m-th derivative.
function M.polyder(p, m)
  local fname = "polyder"
  p = coefficients(fname, p)
  m = args.integer(fname, "m", m, 1)
  if m < 0 then error(("polyder: the order must be non-negative, got %d"):format(m), 2) end
  -- after p.size derivatives p is empty, and stays so
  for _ = 1, math.min(m, p.size + 1) do
    local n = p.size - 1
    if n <= 0 then
      p = p[{{2, 1}}] * core.arange(0, {device = p.device})
    else
      p = p[{{1, n}}] * core.arange(n, 0, -1, {device = p.device})
    end
  end
  return p
end

-- cu.polyint(p[, m = 1][, k]): the m-th antiderivative; k the integration constants (a number
-- for all, or a list of m, the first for the first integration), default zeros.
function M.polyint(p, m, k)
  local fname = "polyint"
  p = coefficients(fname, p)
  m = args.integer(fname, "m", m, 1)
  if m < 0 then error(("polyint: the order must be non-negative, got %d"):format(m), 2) end
  if k == nil then k = 0 end
  local ks
  if type(k) == "number" then
    ks = {}
    for i = 1, m do ks[i] = k end
  else
    ks = coefficients(fname, k, p.device, "k"):totable()
    if #ks == 1 then
      for i = 2, m do ks[i] = ks[1] end
    elseif #ks < m then
      error(("polyint: k must be a number or a list of 1 or at least m (%d) constants, got %d")
            :format(m, #ks), 2)
    end
  end
  for i = 1, m do
    local n = p.size
    local scaled = p / core.arange(n, 0, -1, {device = p.device})
    local c = core.full({1}, ks[i], {dtype = scaled.dtype, device = p.device})
    p = core.concatenate({scaled, c})
  end
  return p
end

-- Whether the complex roots z (Lua complex values) pair up as conjugates.
local function conjugate_pairs(z)
  local key = function(v) return ("%.17g,%.17g"):format(v.real, math.abs(v.imag)) end
  local count = {}
  for _, v in ipairs(z) do
    local s = v.imag > 0 and 1 or (v.imag < 0 and -1 or 0)
    count[key(v)] = (count[key(v)] or 0) + s
  end
  for _, c in pairs(count) do if c ~= 0 then return false end end
  return true
end

-- cu.poly(roots): the coefficients of the monic polynomial with those roots (1-d); complex
-- roots in conjugate pairs give real coefficients.
function M.poly(roots)
  local fname = "poly"
  roots = args.array(fname, roots)
  if roots.ndim == 0 then roots = roots:reshape({1}) end
  if roots.ndim ~= 1 then
    error(("poly: expected a 1-d array of roots, got %d-d (the characteristic polynomial of a "
      .. "matrix needs eigenvalues: pass cu.linalg's eigenvalues)"):format(roots.ndim), 2)
  end
  -- NumPy's mintypecode: float32, complex64 and complex128 stay, every other dtype float64
  local dtype = roots.dtype
  if dtype ~= "float32" and not dtype:find("complex") then dtype = "float64" end
  roots = roots:astype(dtype)
  if roots.size == 0 then return 1.0 end
  -- a times (x - z) for each root z in turn: a[j] - z a[j - 1], the two terms NumPy's
  -- convolution with (1, -z) adds, so the rounding is the same
  local n = roots.size
  local a = core.zeros(n + 1, {dtype = dtype, device = roots.device})
  a[1] = 1
  for k = 1, n do
    local shifted = a[{{1, k}}] * -roots[{{k}}]
    local part = a[{{2, k + 1}}]
    part[{}] = part + shifted
  end
  if dtype:find("complex") and conjugate_pairs(roots:totable()) then a = a.real:copy() end
  return a
end

-- cu.roots(p): the roots of the polynomial with coefficients p (highest power first), as
-- NumPy's: the eigenvalues of the companion matrix of p without its leading and trailing zeros,
-- then a zero root for each trailing zero; real when every root is (cu.linalg.eigvals' rule).
function M.roots(p)
  local fname = "roots"
  p = coefficients(fname, p)
  local nonzero = core.flatnonzero(p):totable()
  if #nonzero == 0 then return core.zeros(0, {device = p.device}) end
  local first, last = nonzero[1], nonzero[#nonzero]
  local trailing = p.size - last
  p = p[{{first, last}}]:astype(floating(p.dtype))
  local n, r = p.size
  if n > 1 then
    local companion = require("cuarray.diagonal").diag(
      core.ones(n - 2, {dtype = p.dtype, device = p.device}), -1)
    companion[{1, {}}] = -p[{{2, n}}] / p[{{1}}]
    r = require("cuarray.linalg").eigvals(companion)
  else
    r = core.zeros(0, {dtype = p.dtype, device = p.device})
  end
  if trailing == 0 then return r end
  return core.concatenate({r, core.zeros(trailing, {dtype = r.dtype, device = r.device})})
end

-- cu.vander(x[, N][, {increasing = false}]): the Vandermonde matrix, columns x^(N-1) ... x^0
-- (or the other way with increasing), by cumulative products as NumPy's.
function M.vander(x, n, opts)
  local fname = "vander"
  if options.is_options(n, false) then n, opts = nil, n end
  opts = options.check(opts, fname, {increasing = true})
  x = args.array(fname, x)
  if x.ndim ~= 1 then error(("vander: x must be a 1-d array, got %d-d"):format(x.ndim), 2) end
  n = args.integer(fname, "N", n, x.size)
  if n < 0 then error(("vander: N must be non-negative, got %d"):format(n), 2) end
  local dtype = core.result_type(x, "int64")
  local v = core.empty({x.size, n}, {dtype = dtype, device = x.device})
  if n == 0 or x.size == 0 then return v end
  v[{{}, 1}] = 1
  if n > 1 then
    v[{{}, {2, n}}] = x:reshape({x.size, 1})
    v = core.cumprod(v, 2)
  end
  if not opts.increasing then v = v:flip(2):copy() end
  return v
end

local FIT_OPTIONS = {w = true, full = true, cov = true, rcond = true}

-- cu.polyfit(x, y, deg[, {w =, rcond =, full =, cov =}]): the least-squares polynomial of
-- degree deg through (x, y) (y 1-d, or 2-d with one fit per column), NumPy's scaled Vandermonde
-- system through cu.linalg.lstsq. full = true also returns the residuals, the rank, the singular
-- values and rcond; cov = true (or "unscaled") also returns the covariance matrix.
function M.polyfit(x, y, deg, opts)
  local fname = "polyfit"
  opts = options.check(opts, fname, FIT_OPTIONS)
  deg = args.integer(fname, "deg", deg)
  if deg < 0 then error(("polyfit: expected deg >= 0, got %d"):format(deg), 2) end
  local order = deg + 1
  x = args.array(fname, x)
  y = args.array(fname, y, x.device)
  same_device(fname, x, y)
  if x.ndim ~= 1 then error(("polyfit: expected a 1-d x, got %d-d"):format(x.ndim), 2) end
  if x.size == 0 then error("polyfit: expected a non-empty x", 2) end
  if y.ndim < 1 or y.ndim > 2 then
    error(("polyfit: expected a 1-d or 2-d y, got %d-d"):format(y.ndim), 2)
  end
  if x.shape[1] ~= y.shape[1] then
    error(("polyfit: expected x and y of the same length, got %d and %d")
          :format(x.shape[1], y.shape[1]), 2)
  end
  -- x keeps its float dtype for rcond's epsilon; the Vandermonde matrix is float64 or complex128
  x = x:astype(floating(x.dtype))
  local eps = core.finfo(x.dtype).eps
  local rcond = opts.rcond
  if rcond == nil then rcond = x.size * eps end
  if type(rcond) ~= "number" then
    error(("polyfit: rcond must be a number, got %s"):format(type(rcond)), 2)
  end
  local lhs = M.vander(x, order)
  local dtype = floating(core.result_type(lhs, y))
  lhs = lhs:astype(dtype)
  local rhs = y:astype(dtype)
  if opts.w ~= nil then
    local w = args.array(fname, opts.w, x.device):astype(dtype)
    if w.ndim ~= 1 then error(("polyfit: expected 1-d weights, got %d-d"):format(w.ndim), 2) end
    if w.shape[1] ~= y.shape[1] then
      error(("polyfit: expected w and y of the same length, got %d and %d")
            :format(w.shape[1], y.shape[1]), 2)
    end
    local col = w:reshape({w.size, 1})
    lhs = lhs * col
    rhs = rhs.ndim == 2 and rhs * col or rhs * w
  end
  local scale = (lhs * lhs):sum(1, {array = true}):sqrt()
  lhs = lhs / scale
  local c, resids, rank, s = require("cuarray.linalg").lstsq(lhs, rhs, rcond)
  if c.ndim == 2 then c = c / scale:reshape({order, 1}) else c = c / scale end
  if opts.full then return c, resids, rank, s, rcond end
  if opts.cov then
    if opts.cov ~= true and opts.cov ~= "unscaled" then
      error(("polyfit: cov must be true, false or \"unscaled\", got %s")
            :format(tostring(opts.cov)), 2)
    end
    local base = require("cuarray.linalg").inv(core.matmul(lhs.T, lhs))
    base = base / core.outer(scale, scale)
    local fac = 1
    if opts.cov ~= "unscaled" then
      if x.size <= order then
        error("polyfit: the number of data points must exceed the order to scale the covariance"
          .. " matrix", 2)
      end
      fac = resids / (x.size - order)
      if fac.size == 0 then
        error("polyfit: no residuals to scale the covariance matrix with (a rank-deficient fit)",
          2)
      end
    end
    if y.ndim == 1 then
      return c, base * fac
    end
    return c, base:reshape({order, order, 1}) * fac
  end
  return c
end

-- Errors raised below a function (by the ops it calls) in the name of the function called.
return require("cuarray.named").wrap_all(M)
