-- cu.linalg's factorizations of complex matrices (complex64 and complex128): solve, inv, det,
-- slogdet, cholesky, eigh, eigvalsh, svd, svdvals, qr, and what is composed from them (norm's
-- 2/-2/nuc, cond, pinv, matrix_rank, lstsq). NumPy 1.24's values on fixed inputs (N below),
-- the defining identities (a @ x = b, L L^H = a, Q R = a with Q^H Q = I, u s vh = a,
-- a v = v w) on stacks, and NumPy's dtypes: complex in gives complex out, except singular
-- values, Hermitian eigenvalues and slogdet's log|det|, which are real.
local cu = require "cuarray"
local H = require "helper"

local Hre, Him = {{4, 1, 2}, {1, 5, 3}, {2, 3, 6}}, {{0, 1, 2}, {-1, 0, 0.5}, {-2, -0.5, 0}}
local Gre, Gim = {{2, -1, 0}, {1, 4, -2}, {0, 3, 5}}, {{1, 0, -1}, {2, -1, 0}, {0, 1, 3}}
local Tre, Tim = {{1, 2}, {3, 4}, {5, 6}}, {{0, 1}, {-1, 0}, {2, -2}}

local N = {
  solve_G = {re = {0.3539809406701506, 0.37580694743313864, 0.07039655702428524}, im = {-0.16154319090070707, -0.03950199815554877, 0.5063018751921303}},
  inv_G = {re = {{0.32677528435290504, 0.05072241008300032, 0.06163541346449432}, {-0.10943744236089764, 0.15893021826006765, 0.05979096218874885}, {0.07193359975407318, -0.08761143559790963, 0.120811558561328}}, im = {{-0.18690439594220723, -0.05441131263449125, 0.006609283738087914}, {-0.11896710728558257, 0.029511220411927455, -0.04595757762065786}, {0.050107592991085165, 0.0030740854595757774, -0.05687058100215185}}},
  det_G = {re = 55.00000000000001, im = 59.000000000000014},
  slogdet_G = {re = 0.6818764006481206, im = 0.7314674116043476}, logdet_G = 4.390240053516648,
  chol_H = {re = {{2.0, 0.0, 0.0}, {0.5, 2.1213203435596424, 0.0}, {1.0, 0.9428090415820635, 1.7480147469502525}}, im = {{0.0, 0.0, 0.0}, {-0.5, 0.0, 0.0}, {-1.0, -0.23570226039551587, 0.0}}},
  eigvalsh_H = {1.729854862043248, 3.137986198508902, 10.132158939447853},
  eigvalsh_G_U = {1.0809110024077395, 3.137805201613905, 6.781283795978355},
  eigvalsh_G_L = {-0.19825452994169632, 3.1232190596169267, 8.075035470324767},
  svdvals_G = {6.7464014084015576, 5.097548484715166, 2.3454354569451668},
  svdvals_T = {9.7577135389811, 2.4056239297082396},
  norm2_G = 6.7464014084015576, nuc_G = 14.18938535006189, normm2_G = 2.3454354569451668,
  cond_G = 2.8763961030880245, cond1_G = 5.526085144286397,
  pinv_T = {re = {{-0.0036297640653357444, 0.041742286751361095, 0.056261343012704135}, {0.07259528130671507, 0.10344827586206898, 0.01088929219600724}}, im = {{0.13430127041742293, 0.2341197822141561, -0.18148820326678766}, {-0.10344827586206902, -0.1651542649727768, 0.13611615245009073}}},
  lstsq_T_x = {re = {-0.1252268602540836, 0.2595281306715064}, im = {-0.18693284936479146, 0.2722323049001817}}, lstsq_T_resid = {1.5263157894736845},
  qr_T_r = {re = {{-6.324555320336759, -6.32455532033676}, {0.0, -3.7114687119791268}}, im = {{0.0, 2.6879360111431225}, {0.0, 0.0}}},
}

local TOL = {complex64 = 2e-5, complex128 = 1e-12}
local REAL = {complex64 = "float32", complex128 = "float64"}
local DTYPES = {"complex128", "complex64"}

local function cx(re, im, dt) return cu.complex(cu.array(re), cu.array(im)):astype(dt) end

-- x's real and imaginary parts against NumPy's {re =, im =}, relative to tol
local function same_c(x, want, tol)
  H.same(x.real, want.re, tol)
  H.same(x.imag, want.im, tol)
end

-- the largest |x - y| over the elements, relative to the largest |y| (at least 1)
local function close(x, y, tol)
  local scale = math.max(1, cu.abs(y):max())
  local err = cu.abs(x - y):max() / scale
  assert(err <= tol, ("off by %g (tolerance %g)"):format(err, tol))
end

local function adjoint(x) return cu.conj(x:swapaxes(-1, -2)) end

-- shape's batch dims followed by (r, c)
local function with_last(shape, r, c)
  local out = {}
  for i = 1, #shape - 2 do out[i] = shape[i] end
  out[#out + 1], out[#out + 2] = r, c
  return out
end

-- A deterministic complex stack: sin and cos of a quadratic in the element's index, plus
-- `diag` times the identity
local function stack(shape, diag, dt)
  local n = 1
  for _, d in ipairs(shape) do n = n * d end
  local i = cu.arange(n, {dtype = "float64"})
  local x = cu.complex(cu.sin(i * i * 0.0137 + i * 0.5), cu.cos(i * i * 0.0311 + i * 0.3))
  x = x:reshape(shape)
  if diag ~= 0 then x = x + cu.eye(shape[#shape]) * diag end
  return x:astype(dt)
end

-- Hermitian positive definite: x x^H + m I
local function hpd(shape, dt)
  local x = stack(shape, 0, "complex128")
  return (cu.matmul(x, adjoint(x)) + cu.eye(shape[#shape]) * shape[#shape]):astype(dt)
end

H.each_device("complex solve, inv, det and slogdet", function()
  for _, dt in ipairs(DTYPES) do
    local tol = TOL[dt]
    it("as NumPy in " .. dt, function()
      local g = cx(Gre, Gim, dt)
      local x = cu.linalg.solve(g, cu.complex(cu.array{1, 2, 0}, cu.array{0, -1, 3}):astype(dt))
      assert.equal(dt, x.dtype)
      same_c(x, N.solve_G, tol)
      local inv = cu.linalg.inv(g)
      assert.equal(dt, inv.dtype)
      same_c(inv, N.inv_G, tol)
      local d = cu.linalg.det(g, {array = true})
      assert.equal(dt, d.dtype)
      same_c(d, N.det_G, tol)
      local sign, logdet = cu.linalg.slogdet(g, {array = true})
      assert.equal(dt, sign.dtype)
      assert.equal(REAL[dt], logdet.dtype)
      same_c(sign, N.slogdet_G, tol)
      H.same(logdet, N.logdet_G, tol)
    end)
    it("a @ x = b and inv on a stack in " .. dt, function()
      local a, b = stack({6, 9, 9}, 6, dt), stack({6, 9, 2}, 0, dt)
      close(cu.matmul(a, cu.linalg.solve(a, b)), b, 50 * tol)
      close(cu.matmul(a, cu.linalg.inv(a)), cu.eye(9):astype(dt):broadcast_to(a.shape), 50 * tol)
      local d = cu.linalg.det(a)
      close(d[{{2}}], cu.linalg.det(a[2], {array = true}):reshape(1), tol)
    end)
  end
  it("promotes a complex64 matrix with a float64 right-hand side to complex128", function()
    assert.equal("complex128", cu.linalg.solve(cx(Gre, Gim, "complex64"), cu.array{1, 2, 3}).dtype)
  end)
  it("of a singular complex matrix: zero determinant, Singular matrix from solve", function()
    local s = cu.complex(cu.array{{1, 2}, {2, 4}}, cu.array{{1, 2}, {2, 4}})
    local sign, logdet = cu.linalg.slogdet(s, {array = true})
    assert.equal(0, cu.abs(sign):item())
    logdet = logdet:item()
    assert.equal(-math.huge, logdet)
    H.raises("inv: Singular matrix", cu.linalg.inv, s)
  end)
end)

H.each_device("complex cholesky", function()
  for _, dt in ipairs(DTYPES) do
    local tol = TOL[dt]
    it("L and U as NumPy in " .. dt, function()
      local h = cx(Hre, Him, dt)
      local l = cu.linalg.cholesky(h)
      assert.equal(dt, l.dtype)
      same_c(l, N.chol_H, tol)
      local u = cu.linalg.cholesky(h, {upper = true})
      same_c(u, {re = cu.array(N.chol_H.re).T:totable(), im = (-cu.array(N.chol_H.im).T):totable()}, tol)
    end)
    for _, n in ipairs({5, 40}) do
      it(("L L^H = a and U^H U = a on a stack of %d x %d in %s"):format(n, n, dt), function()
        local a = hpd({3, n, n}, dt)
        local l = cu.linalg.cholesky(a)
        close(cu.matmul(l, adjoint(l)), a, 20 * tol)
        assert.equal(0, cu.abs(cu.diagonal(l, 0, -2, -1).imag):max())
        local u = cu.linalg.cholesky(a, {upper = true})
        close(cu.matmul(adjoint(u), u), a, 20 * tol)
        close(u, adjoint(l), 20 * tol)
        local one = cu.linalg.cholesky(a[2])  -- one matrix: the looped route on a GPU
        close(one, l[2], 20 * tol)
      end)
    end
  end
  it("raises for a matrix that is not positive definite", function()
    H.raises("cholesky: Matrix is not positive definite", cu.linalg.cholesky,
      cu.complex(cu.array{{1, 2}, {2, 1}}, cu.array{{0, 1}, {-1, 0}}))
  end)
end)

H.each_device("complex eigh and eigvalsh", function()
  for _, dt in ipairs(DTYPES) do
    local tol = TOL[dt]
    it("real eigenvalues as NumPy, from either triangle, in " .. dt, function()
      local w = cu.linalg.eigvalsh(cx(Hre, Him, dt))
      assert.equal(REAL[dt], w.dtype)
      H.same(w, N.eigvalsh_H, tol)
      H.same(cu.linalg.eigvalsh(cx(Gre, Gim, dt)), N.eigvalsh_G_L, tol)
      H.same(cu.linalg.eigvalsh(cx(Gre, Gim, dt), "U"), N.eigvalsh_G_U, tol)
    end)
    for _, n in ipairs({4, 30}) do
      it(("a v = v w with unitary v on a stack of %d x %d in %s"):format(n, n, dt), function()
        local a = hpd({3, n, n}, dt)
        local w, v = cu.linalg.eigh(a)
        assert.equal(REAL[dt], w.dtype)
        assert.equal(dt, v.dtype)
        close(cu.matmul(a, v), v * cu.expand_dims(w, -2), 100 * tol)
        close(cu.matmul(adjoint(v), v), cu.eye(n):astype(dt):broadcast_to(a.shape), 100 * tol)
        close(cu.linalg.eigvalsh(a[3]), w[3], 100 * tol)
      end)
    end
  end
end)

H.each_device("complex svd, svdvals and their compositions", function()
  for _, dt in ipairs(DTYPES) do
    local tol = TOL[dt]
    it("real singular values as NumPy in " .. dt, function()
      local s = cu.linalg.svdvals(cx(Gre, Gim, dt))
      assert.equal(REAL[dt], s.dtype)
      H.same(s, N.svdvals_G, tol)
      H.same(cu.linalg.svdvals(cx(Tre, Tim, dt)), N.svdvals_T, tol)
      H.same(cu.linalg.svdvals(cx(Tre, Tim, dt).T), N.svdvals_T, tol)
      local g = cx(Gre, Gim, dt)
      H.same(cu.linalg.norm(g, 2), N.norm2_G, tol)
      H.same(cu.linalg.norm(g, -2), N.normm2_G, tol)
      H.same(cu.linalg.norm(g, "nuc"), N.nuc_G, tol)
      H.same(cu.linalg.cond(g), N.cond_G, 10 * tol)
      local c1 = cu.linalg.cond(g, 1, {array = true})
      assert.equal(REAL[dt], c1.dtype)  -- real, as NumPy 2.3's
      H.same(c1, N.cond1_G, 10 * tol)
      assert.equal(3, cu.linalg.matrix_rank(g))
      assert.equal(1, cu.linalg.matrix_rank(cu.complex(cu.array{{1, 2}, {2, 4}}, cu.array{{1, 2}, {2, 4}})))
    end)
    for _, shape in ipairs({{4, 7, 5}, {4, 5, 7}, {2, 40, 33}, {40, 33}}) do
      it(("u s vh = a on %s in %s"):format(table.concat(shape, "x"), dt), function()
        local a = stack(shape, 0, dt)
        for _, full in ipairs({false, true}) do
          local u, s, vh = cu.linalg.svd(a, {full_matrices = full})
          assert.equal(dt, u.dtype)
          assert.equal(REAL[dt], s.dtype)
          assert.equal(dt, vh.dtype)
          local k = s.shape[s.ndim]
          local uk = u[{"...", {}, {1, k}}]
          local vk = vh[{"...", {1, k}, {}}]
          close(cu.matmul(uk * cu.expand_dims(s, -2), vk), a, 100 * tol)
          local m = u.shape[u.ndim]
          close(cu.matmul(adjoint(u), u), cu.eye(m):astype(dt):broadcast_to(
            with_last(u.shape, m, m)), 100 * tol)
        end
      end)
    end
    it("pinv and lstsq as NumPy in " .. dt, function()
      local t = cx(Tre, Tim, dt)
      local p = cu.linalg.pinv(t)
      assert.equal(dt, p.dtype)
      same_c(p, N.pinv_T, 10 * tol)
      local x, resid, rank, s = cu.linalg.lstsq(t, cu.complex(cu.array{1, 0, 2}, cu.array{0, 1, 0}):astype(dt))
      assert.equal(dt, x.dtype)
      assert.equal(REAL[dt], resid.dtype)
      assert.equal(REAL[dt], s.dtype)
      same_c(x, N.lstsq_T_x, 10 * tol)
      H.same(resid, N.lstsq_T_resid, 10 * tol)
      assert.equal(2, rank)
      H.same(s, N.svdvals_T, tol)
    end)
    it("a NaN in either part does not converge, in " .. dt, function()
      local a = cu.complex(cu.array{{1, 2}, {3, 4}}, cu.array{{0, 0 / 0}, {0, 1}}):astype(dt)
      H.raises("svdvals: SVD did not converge", cu.linalg.svdvals, a)
      H.raises("svd: SVD did not converge", cu.linalg.svd, a:conj():swapaxes(-1, -2))
    end)
    it("of empty stacks in " .. dt .. ", with NumPy's dtypes", function()
      local w, v = cu.linalg.eigh(cu.zeros({2, 0, 0}, {dtype = dt}))
      assert.same({REAL[dt], dt}, {w.dtype, v.dtype})
      local sign, logdet = cu.linalg.slogdet(cu.zeros({2, 0, 0}, {dtype = dt}))
      assert.same({dt, REAL[dt]}, {sign.dtype, logdet.dtype})
      same_c(sign, {re = {1, 1}, im = {0, 0}}, 0)
      local u, s, vh = cu.linalg.svd(cu.zeros({3, 0}, {dtype = dt}))
      assert.same({dt, REAL[dt], dt}, {u.dtype, s.dtype, vh.dtype})
      assert.equal(dt, cu.linalg.inv(cu.zeros({0, 0}, {dtype = dt})).dtype)
    end)
    it("pinv of Hermitian matrices from eigh in " .. dt, function()
      local a = hpd({2, 5, 5}, dt)
      close(cu.linalg.pinv(a, {hermitian = true}), cu.linalg.inv(a), 100 * tol)
    end)
  end
end)

H.each_device("complex qr", function()
  for _, dt in ipairs(DTYPES) do
    local tol = TOL[dt]
    it("r as NumPy in " .. dt, function()
      local q, r = cu.linalg.qr(cx(Tre, Tim, dt))
      assert.equal(dt, q.dtype)
      assert.equal(dt, r.dtype)
      -- the reflectors' phases are LAPACK's own; |r| does not depend on them
      close(cu.abs(r), cu.abs(cu.complex(cu.array(N.qr_T_r.re), cu.array(N.qr_T_r.im))), tol)
    end)
    for _, shape in ipairs({{3, 7, 5}, {3, 5, 7}, {30, 20}}) do
      for _, mode in ipairs({"reduced", "complete"}) do
        it(("q r = a, q^H q = I on %s (%s) in %s"):format(table.concat(shape, "x"), mode, dt), function()
          local a = stack(shape, 0, dt)
          local q, r = cu.linalg.qr(a, mode)
          close(cu.matmul(q, r), a, 100 * tol)
          local k = q.shape[q.ndim]
          close(cu.matmul(adjoint(q), q), cu.eye(k):astype(dt):broadcast_to(
            with_last(q.shape, k, k)), 100 * tol)
        end)
      end
    end
  end
end)
