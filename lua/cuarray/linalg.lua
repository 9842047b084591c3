-- cu.linalg: the core's functions (norm, solve, inv, cholesky) and the compositions over its
-- factorization primitives (_lu, _qr, _svd, _eigh, _eig, in src/l_lapack.c): det, slogdet, qr,
-- svd, svdvals, eigh, eigvalsh, eig, eigvals, lstsq, pinv, matrix_rank, matrix_power, cond,
-- multi_dot, tensorsolve, tensorinv.
--
-- NumPy 2's semantics: stacks of matrices (..., M, N) wherever NumPy takes them; one value
-- (det of a matrix, cond, matrix_rank) is a Lua value unless {array = true}, as reductions
-- give. float32 computes in float32 (NumPy computes in float64 and rounds), so tolerances that
-- NumPy takes from the computing precision (lstsq's rcond, matrix_rank's) use float32's.
local core = require "cuarray.core"
local options = require "cuarray.options"
local diagonal = require "cuarray.diagonal"
local picking = require "cuarray.picking"
local complex = require "cuarray.complex"
local int_list = require("cuarray.args").int_list

local la = core.linalg
local M = {}
for k, v in pairs(la) do M[k] = v end

local EPS = {float32 = 2 ^ -23, float64 = 2 ^ -52}
local REAL_OF = {float32 = "float32", float64 = "float64", complex64 = "float32",
  complex128 = "float64"}

local function value_or_array(x, opts)
  if x.ndim == 0 and not (opts and opts.array) then return x:item() end
  return x
end

local COMPLEX = {complex64 = true, complex128 = true}

-- The dtype linalg computes in for x (float32, complex64 and complex128 stay, others float64;
-- float16 and bfloat16 raise in the primitives).
local function la_dtype(x)
  if x.dtype == "float32" or COMPLEX[x.dtype] then return x.dtype end
  return "float64"
end

-- The conjugate transposes of a stack's matrices (the transposes of real ones, as views).
local function adjoint(x)
  local t = x:swapaxes(-1, -2)
  return COMPLEX[x.dtype] and core.conj(t) or t
end

local function check_stack(fname, a, square)
  core._check_array(a, fname)
  if a.ndim < 2 then
    error(("%s: %d-dimensional array given. Array must be at least two-dimensional"):format(
      fname, a.ndim), 3)
  end
  if square and a.shape[a.ndim] ~= a.shape[a.ndim - 1] then
    error(("%s: last 2 dimensions of the array must be square, got shape (%s)"):format(fname,
      table.concat(a.shape, ", ")), 3)
  end
end

-- The upper triangle (k = 0) of the last two axes of x: a new array.
local function triu(x)
  local nd = x.ndim
  local m, n = x.shape[nd - 1], x.shape[nd]
  local dev = {device = x.device}
  local rows = core.arange(m, dev):reshape(m, 1)
  return core.where(rows:le(core.arange(n, dev)), x, 0)
end

-- ---- determinants -----------------------------------------------------------------------------

-- sign and log|det| of a stack, from the LU factors of A^T (det(A^T) = det(A), complex too):
-- the sign flips once per row interchange and per negative pivot (a complex pivot d turns it
-- by d / |d|); a zero pivot (singular) gives 0 and -inf, as NumPy. log|det| is real.
local function slog(fname, a)
  local lu, piv = la._lu(fname, a)
  local n = lu.shape[lu.ndim]
  local d = diagonal.diagonal(lu, 0, -2, -1)
  local swaps = piv:ne(core.arange(1, n + 1, {dtype = "int64", device = a.device})):sum(-1)
  local singular = d:eq(0):any(-1)
  local absd = core.abs(d)
  local sign
  if COMPLEX[lu.dtype] then
    -- the product of the d / |d| (complex products have no reduction): exp(i sum(angle(d)))
    local turn = core.angle(d):sum(-1):astype(lu.dtype) * complex.new(0, 1)
    turn = core.exp(turn) * (1 - 2 * (swaps % 2))
    sign = core.where(singular, 0, turn):astype(lu.dtype)
  else
    local flips = (swaps + d:lt(0):sum(-1)) % 2
    sign = core.where(singular, 0, 1 - 2 * flips):astype(lu.dtype)
  end
  local logdet = core.where(singular, -math.huge, core.log(absd):sum(-1))
  return sign, logdet
end

local VALUE_OPTIONS = {array = true}

-- cu.linalg.det(a[, {array = false}]): sign * exp(log|det|), as NumPy computes it.
function M.det(a, opts)
  opts = options.check(opts, "det", VALUE_OPTIONS)
  local sign, logdet = slog("det", a)
  return value_or_array(sign * core.exp(logdet), opts)
end

-- cu.linalg.slogdet(a[, {array = false}]): sign, log|det|.
function M.slogdet(a, opts)
  opts = options.check(opts, "slogdet", VALUE_OPTIONS)
  local sign, logdet = slog("slogdet", a)
  return value_or_array(sign, opts), value_or_array(logdet, opts)
end

-- ---- decompositions ---------------------------------------------------------------------------

local QR_MODES = {reduced = true, complete = true, r = true, raw = true}

-- cu.linalg.qr(a[, mode][, {mode = "reduced"}]): q, r ("reduced": (..., M, K), (..., K, N);
-- "complete": (..., M, M), (..., M, N)), r alone ("r"), or h, tau ("raw", LAPACK's).
function M.qr(a, mode, opts)
  if type(mode) == "table" then mode, opts = nil, mode end
  opts = options.check(opts, "qr", {mode = true})
  mode = mode or opts.mode or "reduced"
  if not QR_MODES[mode] then
    error(("qr: unrecognized mode '%s' (reduced, complete, r or raw)"):format(tostring(mode)), 2)
  end
  local h, tau, q = la._qr("qr", a, (mode == "reduced" or mode == "complete") and mode or "none")
  if mode == "raw" then return h, tau end
  local m, n = a.shape[a.ndim - 1], a.shape[a.ndim]
  local rows = mode == "complete" and m or math.min(m, n)
  local r
  if rows == m then
    r = triu(h:swapaxes(-1, -2))
  elseif rows == 0 then   -- no columns: r is (..., 0, 0)
    local shape = a.shape
    shape[#shape - 1] = 0
    r = core.zeros(shape, {dtype = h.dtype, device = a.device})
  else
    r = triu(h:swapaxes(-1, -2)[{"...", {1, rows}, {}}])
  end
  if mode == "r" then return r end
  return q, r
end

local SVD_OPTIONS = {full_matrices = true, compute_uv = true, hermitian = true}

-- The SVD of symmetric matrices from eigh, as NumPy's svd(hermitian=True): s = |w| descending,
-- u the eigenvectors in that order, vh = (u * sign(w))^T.
local function svd_from_eigh(a, compute_uv)
  if not compute_uv then
    local s = core.abs(la._eigh("svd", a, false, false))
    return core.flip(core.sort(s, -1), -1)
  end
  local w, v = la._eigh("svd", a, false, true)
  local order = core.flip(core.argsort(core.abs(w), -1), -1)
  w = picking.take_along_axis(w, order, -1)
  local u = picking.take_along_axis(v, core.expand_dims(order, -2), -1)
  local sgn = core.expand_dims(core.sign(w), -2)      -- (..., 1, M): scales u's columns
  return u, core.abs(w), adjoint(u * sgn)
end

-- cu.linalg.svd(a[, {full_matrices = true, compute_uv = true, hermitian = false}]): u, s, vh
-- with a = u * s @ vh, s descending; or s alone without compute_uv. hermitian: a is symmetric
-- (its lower triangle is read) and the SVD comes from eigh.
-- A NaN raises NumPy's "SVD did not converge" (the primitive's report, on every device).
function M.svd(a, opts)
  opts = options.check(opts, "svd", SVD_OPTIONS)
  if opts.hermitian then return svd_from_eigh(a, opts.compute_uv ~= false) end
  if opts.compute_uv == false then return la._svd("svd", a, "none") end
  return la._svd("svd", a, opts.full_matrices == false and "reduced" or "full")
end

-- cu.linalg.svdvals(a): the singular values, descending (..., K).
function M.svdvals(a)
  return la._svd("svdvals", a, "none")
end

local function uplo_of(fname, uplo, opts)
  if type(uplo) == "table" then uplo, opts = nil, uplo end
  opts = options.check(opts, fname, {UPLO = true})
  uplo = uplo or opts.UPLO or "L"
  if type(uplo) ~= "string" or (uplo:upper() ~= "L" and uplo:upper() ~= "U") then
    error(("%s: UPLO argument must be 'L' or 'U', got %s"):format(fname, tostring(uplo)), 3)
  end
  return uplo:upper() == "U"
end

-- cu.linalg.eigh(a[, UPLO][, {UPLO = "L"}]): eigenvalues (ascending) and eigenvectors (columns)
-- of symmetric matrices, read from their lower ("L") or upper ("U") triangle.
function M.eigh(a, uplo, opts)
  return la._eigh("eigh", a, uplo_of("eigh", uplo, opts), true)
end

-- cu.linalg.eigvalsh(a[, UPLO][, {UPLO = "L"}]): the eigenvalues alone.
function M.eigvalsh(a, uplo, opts)
  return la._eigh("eigvalsh", a, uplo_of("eigvalsh", uplo, opts), false)
end

-- ---- general eigenproblems ------------------------------------------------------------------

-- NumPy's check before geev: a non-finite element raises (LAPACK would loop or return NaN);
-- it costs a reduction (on a GPU, one synchronization).
local function all_finite(a)
  return a.size == 0 or core.all(core.isfinite(a))
end
local NOT_FINITE = ": Array must not contain infs or NaNs"

-- The checks of eig and eigvals after check_stack's, raising at their caller's call.
local function eig_input(fname, a)
  if a.dtype == "float16" then
    error(fname .. ": array type float16 is unsupported in linalg", 3)
  end
  if not all_finite(a) then error(fname .. NOT_FINITE, 3) end
end

-- NumPy's rule: the results of a real input are real when every eigenvalue of the stack is.
local function real_if_real(a, w, v)
  if COMPLEX[a.dtype] or core.any(core.not_equal(w.imag, 0)) then return w, v end
  return w.real:copy(), v and v.real:copy()
end

-- cu.linalg.eig(a): the eigenvalues w (..., M) and right eigenvectors v (..., M, M) of general
-- square matrices, a @ v = v * w per column; each column of unit 2-norm with its largest
-- component real (LAPACK's geev). Complex (complex64 for float32 and complex64 input,
-- complex128 otherwise) unless the input is real and every eigenvalue is real.
function M.eig(a)
  check_stack("eig", a, true)
  eig_input("eig", a)
  local w, v = la._eig("eig", a, true)
  return real_if_real(a, w, v)
end

-- cu.linalg.eigvals(a): the eigenvalues alone.
function M.eigvals(a)
  check_stack("eigvals", a, true)
  eig_input("eigvals", a)
  return (real_if_real(a, la._eig("eigvals", a, false)))
end

-- ---- least squares and the pseudo-inverse --------------------------------------------------

local function number_opt(fname, what, v)
  if v ~= nil and type(v) ~= "number" then
    error(("%s: %s must be a number, got %s"):format(fname, what, type(v)), 3)
  end
  return v
end

-- cu.linalg.lstsq(a, b[, rcond][, {rcond =}]): x minimizing |b - a x|, the sums of squared
-- residuals (empty unless rank == N < M), the rank (a Lua number) and the singular values of
-- a (M, N). b is (M,) or (M, K). Singular values at most rcond * the largest count as zero
-- (default: the dtype's eps * max(M, N)). Computed from the SVD, as CuPy does.
function M.lstsq(a, b, rcond, opts)
  if type(rcond) == "table" then rcond, opts = nil, rcond end
  opts = options.check(opts, "lstsq", {rcond = true})
  rcond = number_opt("lstsq", "rcond", rcond or opts.rcond)
  core._check_array(a, "lstsq")
  core._check_array(b, "lstsq")
  if a.ndim ~= 2 or (b.ndim ~= 1 and b.ndim ~= 2) then
    error(("lstsq: a must be 2-d and b 1-d or 2-d, got %d-d and %d-d"):format(a.ndim, b.ndim), 2)
  end
  local m, n = a.shape[1], a.shape[2]
  if b.shape[1] ~= m then
    error(("lstsq: incompatible dimensions: a has %d rows and b %d"):format(m, b.shape[1]), 2)
  end
  local vec = b.ndim == 1
  local b2 = vec and b:reshape(m, 1) or b
  local dt = core.result_type(la_dtype(a), la_dtype(b))
  for _, x in ipairs({a, b}) do
    if x.dtype == "float16" or x.dtype == "bfloat16" then
      error(("lstsq: array type %s is unsupported in linalg"):format(x.dtype), 2)
    end
  end
  local k, nrhs = math.min(m, n), b2.shape[2]
  local rdt = REAL_OF[dt]
  rcond = rcond or EPS[rdt] * math.max(m, n)
  if rcond < 0 then rcond = EPS[rdt] end
  local x, s, rank
  if k == 0 then
    x = core.zeros({n, nrhs}, {dtype = dt, device = a.device})
    s = core.empty({0}, {dtype = rdt, device = a.device})
    rank = 0
  else
    local u, sv, vh = la._svd("lstsq", a:astype(dt), "reduced")
    s = sv
    local large = sv:gt(rcond * sv[{{1}}])
    rank = large:sum()
    local sinv = core.where(large, 1 / sv, 0):reshape(k, 1)
    x = core.matmul(adjoint(vh), sinv * core.matmul(adjoint(u), b2:astype(dt)))
  end
  local resid
  if rank == n and m > n then
    local r = core.abs(b2:astype(dt) - core.matmul(a:astype(dt), x))
    resid = (r * r):sum(1)
  else
    resid = core.empty({0}, {dtype = rdt, device = a.device})
  end
  if vec then x = x:reshape(n) end
  return x, resid, rank, s
end

-- The SVD of a stack as NumPy's svd(hermitian=True) gives it for pinv and matrix_rank, whose
-- results do not depend on the order: from eigh, s = |w|, u = v, vh = (v * sign(w))^T.
local function hermitian_svd(fname, a)
  local w, v = la._eigh(fname, a, false, true)
  local sgn = core.expand_dims(core.sign(w), -2)      -- (..., 1, M): scales v's columns
  return v, core.abs(w), adjoint(v * sgn)
end

-- cu.linalg.pinv(a[, rcond][, {rcond = 1e-15, rtol =, hermitian = false}]): the Moore-Penrose
-- pseudo-inverse (..., N, M), singular values at most rcond * the largest discarded.
function M.pinv(a, rcond, opts)
  if type(rcond) == "table" then rcond, opts = nil, rcond end
  opts = options.check(opts, "pinv", {rcond = true, rtol = true, hermitian = true})
  rcond = number_opt("pinv", "rcond", rcond or opts.rcond)
  local rtol = number_opt("pinv", "rtol", opts.rtol)
  if rcond and rtol then error("pinv: `rtol` and `rcond` can't be both set", 2) end
  rcond = rcond or rtol or 1e-15
  check_stack("pinv", a, opts.hermitian)
  local nd = a.ndim
  if a.shape[nd] * a.shape[nd - 1] == 0 then
    local shape = {}
    for i = 1, nd - 2 do shape[i] = a.shape[i] end
    shape[nd - 1], shape[nd] = a.shape[nd], a.shape[nd - 1]
    return core.empty(shape, {dtype = la_dtype(a), device = a.device})
  end
  local u, s, vh
  if opts.hermitian then
    u, s, vh = hermitian_svd("pinv", a)
  else
    u, s, vh = la._svd("pinv", a, "reduced")
  end
  local large = s:gt(s:max(-1, {keepdims = true}) * rcond)
  local sinv = core.where(large, 1 / s, 0)
  local shape = {}
  for i = 1, s.ndim do shape[i] = s.shape[i] end
  shape[#shape + 1] = 1
  return core.matmul(adjoint(vh), sinv:reshape(shape) * adjoint(u))
end

-- cu.linalg.matrix_rank(A[, tol][, {tol =, rtol =, hermitian = false}]): the number of
-- singular values above tol (default: the largest * max(M, N) * eps of the dtype, or
-- * rtol); a Lua value for one matrix. Of a vector or a number: 1 unless it is all zeros.
function M.matrix_rank(A, tol, opts)
  if type(tol) == "table" and not core.is_array(tol) then tol, opts = nil, tol end
  opts = options.check(opts, "matrix_rank",
    {tol = true, rtol = true, hermitian = true, array = true})
  tol = tol or opts.tol
  if tol ~= nil and opts.rtol ~= nil then
    error("matrix_rank: `tol` and `rtol` can't be both set", 2)
  end
  core._check_array(A, "matrix_rank")
  if A.ndim < 2 then return A:ne(0):any() and 1 or 0 end
  local S
  if opts.hermitian then
    S = core.abs(la._eigh("matrix_rank", A, false, false))
  else
    S = la._svd("matrix_rank", A, "none")
  end
  local bound
  if tol == nil then
    local rtol = opts.rtol or math.max(A.shape[A.ndim], A.shape[A.ndim - 1]) * EPS[S.dtype]
    bound = S:max(-1, {keepdims = true}) * rtol
  elseif core.is_array(tol) then
    bound = core.expand_dims(tol, -1)
  else
    bound = tol
  end
  return value_or_array(S:gt(bound):sum(-1), opts)
end

-- ---- powers and products --------------------------------------------------------------------

-- cu.linalg.matrix_power(a, n): a @ a @ ... (n times) by repeated squaring; n == 0 gives
-- identities of a's dtype, n < 0 powers of inv(a).
function M.matrix_power(a, n)
  check_stack("matrix_power", a, true)
  if type(n) ~= "number" or n ~= math.floor(n) or n ~= n then
    error(("matrix_power: exponent must be an integer, got %s"):format(
      type(n) == "number" and tostring(n) or type(n)), 2)
  end
  if n == 0 then
    local m = a.shape[a.ndim]
    return core.eye(m, m, {dtype = a.dtype, device = a.device}):broadcast_to(a.shape):copy()
  end
  if n < 0 then
    a = M.inv(a)
    n = -n
  end
  if n == 1 then return a end
  if n == 2 then return core.matmul(a, a) end
  if n == 3 then return core.matmul(core.matmul(a, a), a) end
  local z, result
  while n > 0 do
    z = z and core.matmul(z, z) or a
    local bit = n % 2
    n = (n - bit) / 2
    if bit == 1 then result = result and core.matmul(result, z) or z end
  end
  return result
end

-- The cheapest order of a chain of 2-d products (the classic dynamic program), as NumPy's
-- multi_dot: split[i][j] is where the product of matrices i..j splits.
local function chain_order(arrays)
  local n = #arrays
  local p = {arrays[1].shape[1]}
  for i = 1, n do p[i + 1] = arrays[i].shape[2] end
  local cost, split = {}, {}
  for i = 1, n do
    cost[i], split[i] = {[i] = 0}, {}
  end
  for len = 2, n do
    for i = 1, n - len + 1 do
      local j = i + len - 1
      cost[i][j] = math.huge
      for k = i, j - 1 do
        local c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
        if c < cost[i][j] then cost[i][j], split[i][j] = c, k end
      end
    end
  end
  local function product(i, j)
    if i == j then return arrays[i] end
    local k = split[i][j]
    return core.matmul(product(i, k), product(k + 1, j))
  end
  return product(1, n)
end

-- cu.linalg.multi_dot(arrays[, {array = false}]): the product of a list of 2-d arrays (the
-- first and the last may be 1-d) in the cheapest order.
function M.multi_dot(arrays, opts)
  if type(arrays) ~= "table" or core.is_array(arrays) then
    error("multi_dot: expected a list of arrays", 2)
  end
  opts = options.check(opts, "multi_dot", VALUE_OPTIONS)
  local n = #arrays
  if n < 2 then error("multi_dot: Expecting at least two arrays.", 2) end
  for i = 1, n do core._check_array(arrays[i], "multi_dot") end
  if n == 2 then return core.dot(arrays[1], arrays[2], opts) end
  local list = {}
  for i = 1, n do list[i] = arrays[i] end
  local first_1d, last_1d = list[1].ndim == 1, list[n].ndim == 1
  if first_1d then list[1] = list[1]:reshape(1, list[1].shape[1]) end
  if last_1d then list[n] = list[n]:reshape(list[n].shape[1], 1) end
  for i = 1, n do
    if list[i].ndim ~= 2 then
      error(("multi_dot: array %d is %d-dimensional; arrays must be two-dimensional (the first "
        .. "and the last may be 1-d)"):format(i, arrays[i].ndim), 2)
    end
    if i > 1 and list[i].shape[1] ~= list[i - 1].shape[2] then
      error(("multi_dot: shapes of arrays %d and %d do not align (%d vs %d)"):format(i - 1, i,
        list[i - 1].shape[2], list[i].shape[1]), 2)
    end
  end
  local r = chain_order(list)
  if first_1d and last_1d then return value_or_array(r:reshape({}), opts) end
  if first_1d or last_1d then return r:reshape(-1) end
  return r
end

-- ---- norms and condition numbers ------------------------------------------------------------

-- inv that gives NaN matrices for the singular ones instead of raising, as NumPy's cond.
local function inv_or_nan(x)
  local ok, r = pcall(la.inv, x)
  if ok then return r end
  if not tostring(r):find("Singular matrix", 1, true) then error(r, 0) end
  if x.ndim == 2 then return core.full(x.shape, 0 / 0, {dtype = la_dtype(x), device = x.device}) end
  local n = x.shape[x.ndim]
  local flat = x:reshape(-1, n, n)
  local out = core.empty(flat.shape, {dtype = la_dtype(x), device = x.device})
  for i = 1, flat.shape[1] do out[i] = inv_or_nan(flat[i]) end
  return out:reshape(x.shape)
end

-- cu.linalg.cond(x[, p]): the condition number in the norm p (nil, 2, -2: from the singular
-- values; 1, -1, inf, -inf, 'fro', 'nuc': norm(x) * norm(inv(x))). Infinite for singular
-- matrices (unless x has NaNs); a Lua value for one matrix.
function M.cond(x, p, opts)
  if type(p) == "table" then p, opts = nil, p end
  opts = options.check(opts, "cond", VALUE_OPTIONS)
  check_stack("cond", x, false)
  local nd = x.ndim
  if x.shape[nd] * x.shape[nd - 1] == 0 then
    error("cond: cond is not defined on empty arrays", 2)
  end
  local r
  if p == nil or p == 2 or p == -2 then
    local s = la._svd("cond", x, "none")
    local big, small = s[{"...", {1, 1}}], s[{"...", {-1, -1}}]
    if p == -2 then r = core.divide(small, big) else r = core.divide(big, small) end
    local shape = {}
    for i = 1, s.ndim - 1 do shape[i] = s.shape[i] end
    r = r:reshape(shape)
  else
    check_stack("cond", x, true)
    local invx = inv_or_nan(x)
    r = M.norm(x, p, {-2, -1}) * M.norm(invx, p, {-2, -1})
    r = r:astype(REAL_OF[la_dtype(x)])   -- real for complex input too, as NumPy >= 2.3
  end
  local nan = core.isnan(r)
  if nan:any() then
    local xnan = core.isnan(x):any({-2, -1})
    r = core.where(core.logical_and(nan, core.logical_not(xnan)), math.huge, r)
  end
  return value_or_array(r, opts)
end

-- ---- tensors --------------------------------------------------------------------------------

-- cu.linalg.tensorsolve(a, b[, axes]): x with tensordot(a, x, x.ndim) == b; `axes` (1-based)
-- are moved to the end of a first.
function M.tensorsolve(a, b, axes)
  core._check_array(a, "tensorsolve")
  core._check_array(b, "tensorsolve")
  local an = a.ndim
  if axes ~= nil then
    local all = {}
    for i = 1, an do all[i] = i end
    for _, k in ipairs(int_list("tensorsolve", "axes", axes)) do
      local kk = k < 0 and k + an + 1 or k
      for i, v in ipairs(all) do
        if v == kk then table.remove(all, i) break end
      end
      all[#all + 1] = kk
    end
    a = a:transpose(all)
  end
  local oldshape, prod = {}, 1
  for i = b.ndim + 1, an do
    oldshape[#oldshape + 1] = a.shape[i]
    prod = prod * a.shape[i]
  end
  if a.size ~= prod * prod then
    error("tensorsolve: Input arrays must satisfy the requirement "
      .. "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])", 2)
  end
  return M.solve(a:reshape(prod, prod), b:reshape(-1)):reshape(oldshape)
end

-- cu.linalg.tensorinv(a[, ind = 2]): the inverse of a seen as the matrix (prod of the first
-- ind axes) x (prod of the others), shaped a.shape[ind:] + a.shape[:ind].
function M.tensorinv(a, ind)
  core._check_array(a, "tensorinv")
  ind = ind or 2
  if type(ind) ~= "number" or ind <= 0 or ind ~= math.floor(ind) then
    error("tensorinv: Invalid ind argument.", 2)
  end
  local invshape, prod = {}, 1
  for i = ind + 1, a.ndim do
    invshape[#invshape + 1] = a.shape[i]
    prod = prod * a.shape[i]
  end
  for i = 1, math.min(ind, a.ndim) do invshape[#invshape + 1] = a.shape[i] end
  return M.inv(a:reshape(prod, -1)):reshape(invshape)
end

return M
