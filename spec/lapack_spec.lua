-- cu.linalg's factorizations and what is composed from them: solve, inv, det, slogdet,
-- cholesky, qr, svd, svdvals, eigh, eigvalsh, lstsq, pinv, matrix_rank, matrix_power, cond,
-- norm's 2/-2/nuc, multi_dot, tensorsolve, tensorinv. Each checks NumPy's values on fixed
-- inputs (N below: NumPy 1.24's results, and NumPy 2's where the semantics differ, as for
-- solve with a 1-d b) and the defining identities (a @ x = b, q @ r = a, u s vh = a, ...) on
-- larger stacks, strided and transposed operands, both float dtypes and empty stacks.
local cu = require "cuarray"
local H = require "helper"

local INF = H.inf

-- The fixed inputs
local A = {{4, 1, 2}, {1, 5, 3}, {2, 3, 6}}                        -- symmetric positive definite
local G = {{2, -1, 0, 3}, {1, 4, -2, 0}, {0, 3, 5, 1}, {-2, 0, 1, 6}} -- general, det 484
local T = {{1, 2}, {3, 4}, {5, 6}}                                 -- tall
local R = {{1, 2, 3}, {2, 4, 6}, {1, 0, 1}}                        -- rank 2
-- Singular with an elimination exact in binary: R's LU divides by 3, and a GPU's fused
-- multiply-add leaves a pivot of 1e-16 there instead of 0 (as in CuPy and PyTorch)
local S = {{1, 2, 4}, {2, 4, 8}, {1, 0, 1}}
local function stackB() return cu.stack({cu.array(A), cu.array(A).T:matmul(cu.array(A)), cu.eye(3) * 2}) end
local TS = {}  -- tensorsolve's (6, 2, 3): 2 * eye(6) reshaped plus arange(36) / 10
for i = 0, 5 do
  TS[i + 1] = {}
  for j = 0, 1 do
    TS[i + 1][j + 1] = {}
    for k = 0, 2 do
      TS[i + 1][j + 1][k + 1] = (i == j * 3 + k and 2 or 0) + (i * 6 + j * 3 + k) / 10
    end
  end
end

local N = {
  solve_A_vec = {-6.938893903907228e-18, 0.14285714285714282, 0.4285714285714286},
  solve_G_mat = {{-0.11570247933884309, -0.3388429752066117}, {0.5909090909090909, 0.1590909090909091}, {0.12396694214876032, -0.3512396694214876}, {0.6074380165289257, 0.2789256198347108}},
  solve_B_vec = {{-6.938893903907228e-18, 0.14285714285714282, 0.4285714285714286}, {-0.042857142857142816, -0.02040816326530608, 0.09591836734693873}, {0.5, 1.0, 1.5}},
  inv_A = {{0.3, 0.0, -0.1}, {0.0, 0.2857142857142857, -0.14285714285714282}, {-0.1, -0.14285714285714285, 0.2714285714285714}},
  inv_G = {{0.3140495867768595, 0.04132231404958678, 0.04958677685950414, -0.16528925619834714}, {-0.06818181818181819, 0.18181818181818182, 0.06818181818181819, 0.022727272727272728}, {0.02066115702479339, -0.11570247933884298, 0.16115702479338845, -0.03719008264462811}, {0.1012396694214876, 0.03305785123966942, -0.010330578512396696, 0.11776859504132232}},
  det_G = 484.0000000000002,
  det_B = {69.99999999999996, 4900.000000000004, 7.999999999999998},
  slogdet_G = {1.0, 6.182084906716632},
  det_perm = -1.0,
  slogdet_neg = {-1.0, 1.9459101490553135},
  chol_A = {{2.0, 0.0, 0.0}, {0.5, 2.179449471770337, 0.0}, {1.0, 1.1470786693528088, 1.9194297398747862}},
  chol_B = {{{2.0, 0.0, 0.0}, {0.5, 2.179449471770337, 0.0}, {1.0, 1.1470786693528088, 1.9194297398747862}}, {{4.58257569495584, 0.0, 0.0}, {3.2732683535398857, 4.928053803045811, 0.0}, {5.019011475427825, 3.7685117317409143, 3.0996520993903336}}, {{1.4142135623730951, 0.0, 0.0}, {0.0, 1.4142135623730951, 0.0}, {0.0, 0.0, 1.4142135623730951}}},
  qr_G_r = {{-3.0, -0.6666666666666667, 1.3333333333333335, 2.0000000000000004}, {0.0, -5.055250296034367, -1.5605337870366964, -0.26375218935831496}, {0.0, 0.0, -5.078085911220795, -1.5599852521066073}, {0.0, 0.0, 0.0, 6.2846543895283995}},
  qr_T_r = {{-5.916079783099616, -7.437357441610946}, {0.0, 0.828078671210825}},
  qr_T_q = {{-0.16903085094570325, 0.8970852271450607}, {-0.50709255283711, 0.27602622373694136}, {-0.8451542547285166, -0.34503277967117696}},
  qr_T_qc = {{-0.16903085094570325, 0.8970852271450607, 0.4082482904638627}, {-0.50709255283711, 0.27602622373694136, -0.8164965809277263}, {-0.8451542547285166, -0.34503277967117696, 0.40824829046386313}},
  qr_W_r = {{-2.23606797749979, -4.919349550499537, -7.602631123499284}, {0.0, -0.8944271909999149, -1.7888543819998306}},
  svd_G_s = {7.2862202223075405, 5.597896174601239, 4.389263534189135, 2.7035012331898316},
  svd_T_s = {9.525518091565107, 0.5143005806586443},
  svd_B_s = {{9.418832675970041, 3.3867701566075485, 2.1943971674224083}, {88.71440897792101, 11.470212093687518, 4.81537892839149}, {2.0, 2.0, 2.0}},
  eigh_A_w = {2.1943971674224096, 3.3867701566075494, 9.418832675970037},
  eigh_Glow_w = {0.7225507521321388, 1.6365107942681112, 6.763148210782484, 7.877790242817267},
  eigh_Gup_w = {-0.007212778742481829, 2.8281984920569263, 5.9761747144759205, 8.202839572209639},
  lstsq_x = {0.6666666666666664, 0.08333333333333352},
  lstsq_res = {0.1666666666666668},
  lstsq_rank = 2,
  lstsq_s = {9.525518091565107, 0.5143005806586444},
  lstsq2_x = {{0.6666666666666664, 2.999999999999999}, {0.08333333333333352, -1.7499999999999996}},
  lstsq2_res = {0.1666666666666668, 1.500000000000002},
  lstsq_under_x = {0.8333333333333321, 0.3333333333333328, -0.16666666666666596},
  lstsq_under_res = {},
  lstsq_under_rank = 2,
  lstsq_def_x = {2.3333333333333353, -1.6666666666666663, 0.6666666666666665},
  lstsq_def_res = {},
  lstsq_def_rank = 2,
  lstsq_def_s = {8.435448515787048, 0.9182637624920782, 5.299674564334575e-16},
  pinv_T = {{-1.3333333333333337, -0.33333333333333287, 0.6666666666666665}, {1.0833333333333335, 0.3333333333333329, -0.4166666666666665}},
  pinv_R = {{-0.03333333333333385, -0.06666666666666661, 0.8333333333333339}, {0.0666666666666671, 0.13333333333333325, -0.666666666666667}, {0.033333333333333236, 0.06666666666666664, 0.16666666666666682}},
  rank_R = 2,
  rank_B = {2, 3, 0},
  mpow_G3 = {{-60.0, -6.0, 61.0, 140.0}, {19.0, -24.0, -107.0, 6.0}, {7.0, 167.0, 57.0, 89.0}, {-89.0, 69.0, 76.0, 149.0}},
  mpow_Gm2 = {{0.08010040297793866, 0.009288982992964958, 0.028088928351888538, -0.07227989891400863}, {-0.030099549211119465, 0.023102930127723516, 0.019768970698722767, 0.015542824943651393}, {0.013942012157639506, -0.0400587391571614, 0.01949149648248071, -0.01641793593333789}, {0.04124974386995424, 0.015282426063793458, 0.004392630284816611, -0.001728877808892836}},
  mpow_I5 = {{1069, 1558}, {2337, 3406}},
  cond_G_None = 2.6951051964975834,
  cond_G_2 = 2.6951051964975834,
  cond_G_m2 = 0.37104303063922967,
  cond_G_fro = 5.155725857551935,
  cond_G_nuc = 18.250944118998667,
  cond_G_1 = 5.041322314049586,
  cond_G_m1 = 1.4462809917355375,
  cond_G_inf = 5.132231404958679,
  cond_G_minf = 1.5743801652892562,
  norm_G_2 = 7.2862202223075405,
  norm_G_m2 = 2.7035012331898316,
  norm_G_nuc = 19.976881164287747,
  multi_dot = {{435.0}, {993.0}, {1551.0}},
  tensorsolve = {{-0.2941176470588232, -0.10695187165775404, 0.08021390374331547}, {0.26737967914438493, 0.4545454545454546, 0.641711229946524}},
  tensorinv = {{{{0.588235294117647, 0.0588235294117645, 0.02941176470588225}, {-4.625929269271485e-18, -0.02941176470588247, -0.05882352941176443}}, {{0.032085561497326213, 0.5122994652406416, -0.0074866310160427735}, {-0.027272727272727275, -0.04705882352941175, -0.06684491978609626}}, {{-0.024064171122994627, -0.03422459893048126, 0.45561497326203226}, {-0.05454545454545452, -0.06470588235294121, -0.07486631016042786}}}, {{{-0.0802139037433155, -0.08074866310160425, -0.0812834224598931}, {0.41818181818181827, -0.08235294117647066, -0.08288770053475936}}, {{-0.13636363636363633, -0.1272727272727272, -0.11818181818181814}, {-0.10909090909090917, 0.4, -0.09090909090909094}}, {{-0.19251336898395724, -0.1737967914438502, -0.15508021390374335}, {-0.13636363636363633, -0.11764705882352933, 0.4010695187165774}}}},
}

local TOL = {float64 = 1e-10, float32 = 2e-4}

-- Deterministic (..., m, n) stacks of full rank: sin(0.0137 i^2 + 0.5 i) for element i, plus
-- `shift` on the diagonal.
local function matrices(shape, shift, dtype)
  local size = 1
  for _, d in ipairs(shape) do size = size * d end
  local i = cu.arange(size, {dtype = "float64"})
  local x = cu.sin(i * i * 0.0137 + i * 0.5):reshape(shape)
  if shift and shift ~= 0 then
    local n = shape[#shape]
    x = x + cu.eye(n) * shift
  end
  return x:astype(dtype or "float64")
end

-- max |x - y| over every element, as a Lua number
local function maxdiff(x, y) return cu.max(cu.abs(x:astype("float64") - y:astype("float64"))) end

local function swap_last(x) return cu.swapaxes(x, -1, -2) end

-- x @ y for stacks
local function mm(x, y) return cu.matmul(x, y) end

-- the largest |x| strictly below (k = -1) or above (k = 1) the diagonal of a stack
local function off_triangle(x, k)
  local m, n = x.shape[x.ndim - 1], x.shape[x.ndim]
  local rows = cu.arange(m):reshape(m, 1)
  local cols = cu.arange(n)
  local mask = k < 0 and rows:gt(cols) or rows:lt(cols)
  return cu.max(cu.abs(cu.where(mask, x, 0)))
end

local function identity_like(n, batch_shape)
  local shape = {}
  for i, d in ipairs(batch_shape or {}) do shape[i] = d end
  shape[#shape + 1] = n
  shape[#shape + 1] = n
  return cu.broadcast_to(cu.eye(n), shape)
end

H.each_device("linalg.solve and inv", function()
  it("solve a system with one right-hand side, as NumPy", function()
    H.same(cu.linalg.solve(cu.array(A), cu.array{1, 2, 3}), N.solve_A_vec, 1e-12)
  end)
  it("solve with a matrix of right-hand sides", function()
    H.same(cu.linalg.solve(cu.array(G), cu.array{{1, 0}, {2, 1}, {3, -1}, {4, 2}}),
      N.solve_G_mat, 1e-12)
  end)
  it("solve a stack with one 1-d b (NumPy 2: b is a vector for every matrix)", function()
    H.same(cu.linalg.solve(stackB(), cu.array{1, 2, 3}), N.solve_B_vec, 1e-12)
  end)
  for _, dt in ipairs{"float64", "float32"} do
    it("solve a stack of 50 matrices of 20 x 20 in " .. dt .. ": a @ x = b", function()
      local a = matrices({50, 20, 20}, 8, dt)
      local b = matrices({50, 20, 3}, 0, dt)
      local x = cu.linalg.solve(a, b)
      assert.equal(dt, x.dtype)
      assert.same({50, 20, 3}, x.shape)
      assert.is_true(maxdiff(mm(a, x), b) < TOL[dt] * 10)
    end)
    it("inv of a stack of 50 matrices of 20 x 20 in " .. dt .. ": a @ inv(a) = I", function()
      local a = matrices({50, 20, 20}, 8, dt)
      local x = cu.linalg.inv(a)
      assert.equal(dt, x.dtype)
      assert.is_true(maxdiff(mm(a, x), identity_like(20, {50})) < TOL[dt] * 10)
    end)
    it("solve a 300 x 300 matrix in " .. dt, function()
      local a = matrices({300, 300}, 20, dt)
      local b = matrices({300}, 0, dt)
      local x = cu.linalg.solve(a, b)
      assert.is_true(maxdiff(cu.matmul(a, x), b) < TOL[dt] * 100)
    end)
  end
  it("solve and inv of a stack of two 520 x 520 matrices (one factorization each)", function()
    local a = matrices({2, 520, 520}, 30)
    local b = matrices({2, 520, 2}, 0)
    assert.is_true(maxdiff(mm(a, cu.linalg.solve(a, b)), b) < 1e-10)
    assert.is_true(maxdiff(mm(a, cu.linalg.inv(a)), identity_like(520, {2})) < 1e-10)
    local sign, logdet = cu.linalg.slogdet(a)
    local sign1, logdet1 = cu.linalg.slogdet(a[1])
    local sign2, logdet2 = cu.linalg.slogdet(a[2])
    H.same(sign, {sign1, sign2})
    H.same(logdet, {logdet1, logdet2}, 1e-12)
  end)
  it("broadcasts the batch dims of a and b", function()
    local a = matrices({2, 1, 4, 4}, 5)
    local b = matrices({3, 4, 2}, 0)
    local x = cu.linalg.solve(a, b)
    assert.same({2, 3, 4, 2}, x.shape)
    assert.is_true(maxdiff(mm(a, x), cu.broadcast_to(b, {2, 3, 4, 2})) < 1e-12)
    -- one matrix for many right-hand sides
    local y = cu.linalg.solve(cu.array(G), matrices({5, 4, 3}, 0))
    assert.same({5, 4, 3}, y.shape)
    assert.is_true(maxdiff(mm(cu.array(G), y), matrices({5, 4, 3}, 0)) < 1e-12)
  end)
  it("takes transposed and strided operands", function()
    local big = matrices({8, 10}, 0) + cu.eye(8, 10) * 6
    local a = big[{{1, 8, 2}, {1, 8, 2}}]                       -- 4 x 4, strided
    local at = a.T
    local b = matrices({4, 6}, 0)[{{}, {1, 6, 2}}]              -- strided columns
    H.same(cu.linalg.solve(a, b), cu.linalg.solve(a:copy(), b:copy()):totable(), 1e-12)
    H.same(cu.linalg.solve(at, b), cu.linalg.solve(at:copy(), b:copy()):totable(), 1e-12)
    H.same(cu.linalg.inv(at), cu.linalg.inv(at:copy()):totable(), 1e-12)
    assert.is_true(maxdiff(mm(at, cu.linalg.inv(at)), cu.eye(4)) < 1e-12)
  end)
  it("inv as NumPy", function()
    H.same(cu.linalg.inv(cu.array(A)), N.inv_A, 1e-12)
    H.same(cu.linalg.inv(cu.array(G)), N.inv_G, 1e-12)
  end)
  it("computes integers and bools in float64 and keeps float32", function()
    assert.equal("float64", cu.linalg.inv(cu.array(A, {dtype = "int32"})).dtype)
    H.same(cu.linalg.inv(cu.array(A, {dtype = "int64"})), N.inv_A, 1e-12)
    assert.equal("float64", cu.linalg.solve(cu.array(A, {dtype = "int16"}), cu.array{1, 2, 3}).dtype)
    assert.equal("float64", cu.linalg.solve(cu.array(A, {dtype = "float32"}), cu.array{1, 2, 3}).dtype)
    local x = cu.linalg.solve(cu.array(A, {dtype = "float32"}), cu.array({1, 2, 3}, {dtype = "float32"}))
    assert.equal("float32", x.dtype)
    H.same(x, N.solve_A_vec, 1e-6)
    H.same(cu.linalg.inv(cu.eye(2, {dtype = "bool"})), {{1, 0}, {0, 1}})
  end)
  it("raises on float16, as NumPy", function()
    H.raises("inv: array type float16 is unsupported in linalg", cu.linalg.inv,
      cu.eye(2, {dtype = "float16"}))
  end)
  it("raises 'Singular matrix' for singular matrices", function()
    H.raises("solve: Singular matrix", cu.linalg.solve, cu.array(S), cu.array{1, 2, 3})
    H.raises("inv: Singular matrix", cu.linalg.inv, cu.array(S))
    H.raises("inv: Singular matrix", cu.linalg.inv, cu.zeros{3, 3})
    -- one singular matrix in a stack
    local s = cu.stack({cu.array(A), cu.array(S)})
    H.raises("inv: Singular matrix", cu.linalg.inv, s)
    H.raises("solve: Singular matrix", cu.linalg.solve, s, cu.array{1, 2, 3})
    H.raises("inv: Singular matrix", cu.linalg.inv, cu.zeros{40, 3, 3})
  end)
  it("raises with the shapes for non-square and misaligned operands", function()
    H.raises("inv: last 2 dimensions of the array must be square, got shape (2, 3)",
      cu.linalg.inv, cu.zeros{2, 3})
    H.raises("solve: last 2 dimensions of the array must be square, got shape (4, 3, 2)",
      cu.linalg.solve, cu.zeros{4, 3, 2}, cu.zeros{3})
    H.raises("inv: 1-dimensional array given. Array must be at least two-dimensional",
      cu.linalg.inv, cu.zeros{3})
    H.raises("solve: shapes (3, 3) and (4,) do not align", cu.linalg.solve, cu.eye(3), cu.zeros{4})
    H.raises("solve: the batch dims of shapes (2, 3, 3) and (4, 3, 1) cannot be broadcast",
      cu.linalg.solve, cu.zeros{2, 3, 3}, cu.zeros{4, 3, 1})
    H.raises("inv: expected an array", cu.linalg.inv, 3)
  end)
  it("gives NumPy's empty results", function()
    assert.same({0, 3, 3}, cu.linalg.inv(cu.zeros{0, 3, 3}).shape)
    assert.same({0, 0}, cu.linalg.inv(cu.zeros{0, 0}).shape)
    assert.same({0}, cu.linalg.solve(cu.zeros{0, 0}, cu.zeros{0}).shape)
    assert.same({0, 3}, cu.linalg.solve(cu.zeros{0, 3, 3}, cu.zeros{3}).shape)
    assert.same({3, 0}, cu.linalg.solve(cu.eye(3), cu.zeros{3, 0}).shape)
    assert.equal("float32", cu.linalg.inv(cu.zeros({0, 2, 2}, {dtype = "float32"})).dtype)
  end)
end)

H.each_device("linalg.det and slogdet", function()
  it("as NumPy", function()
    assert.is_true(H.close(cu.linalg.det(cu.array(G)), N.det_G, 1e-12))
    H.same(cu.linalg.det(stackB()), N.det_B, 1e-12)
    local sign, logdet = cu.linalg.slogdet(cu.array(G))
    assert.equal(N.slogdet_G[1], sign)
    assert.is_true(H.close(logdet, N.slogdet_G[2], 1e-12))
    assert.equal(N.det_perm, cu.linalg.det(cu.array{{0, 1}, {1, 0}}))
    sign, logdet = cu.linalg.slogdet(cu.array{{-2, 1}, {1, 3}})
    assert.equal(N.slogdet_neg[1], sign)
    assert.is_true(H.close(logdet, N.slogdet_neg[2], 1e-12))
  end)
  it("of singular matrices: 0, and sign 0 with log|det| -inf", function()
    assert.equal(0, cu.linalg.det(cu.zeros{3, 3}))
    local sign, logdet = cu.linalg.slogdet(cu.array{{1, 2}, {2, 4}})
    assert.equal(0, sign)
    assert.equal(-INF, logdet)
  end)
  it("of a stack is an array; {array = true} keeps one value an array", function()
    local s, l = cu.linalg.slogdet(cu.stack({cu.array(G), cu.zeros{4, 4}}))
    H.same(s, {1, 0})
    H.same(l, {N.slogdet_G[2], -INF}, 1e-12)
    local d = cu.linalg.det(cu.array(G), {array = true})
    assert.is_true(cu.is_array(d))
    assert.same({}, d.shape)
  end)
  it("of float32, integers and a transposed large matrix", function()
    local d32 = cu.linalg.det(cu.array(G, {dtype = "float32"}), {array = true})
    assert.equal("float32", d32.dtype)
    assert.is_true(H.close(d32:item(), N.det_G, 1e-5))
    assert.is_true(H.close(cu.linalg.det(cu.array(G, {dtype = "int8"})), N.det_G, 1e-12))
    local a = matrices({60, 60}, 3)
    local s1, l1 = cu.linalg.slogdet(a)
    local s2, l2 = cu.linalg.slogdet(a.T)
    assert.equal(s1, s2)
    assert.is_true(H.close(l1, l2, 1e-12))
  end)
  it("of empty stacks: det of 0 x 0 is 1", function()
    assert.equal(1, cu.linalg.det(cu.zeros{0, 0}))
    H.same(cu.linalg.det(cu.zeros{2, 0, 0}), {1, 1})
    assert.same({0}, cu.linalg.det(cu.zeros{0, 3, 3}).shape)
    local s, l = cu.linalg.slogdet(cu.zeros{0, 0})
    assert.equal(1, s)
    assert.equal(0, l)
  end)
  it("raises on non-square input", function()
    H.raises("det: last 2 dimensions of the array must be square, got shape (2, 3)",
      cu.linalg.det, cu.zeros{2, 3})
    H.raises("slogdet: 1-dimensional array given", cu.linalg.slogdet, cu.zeros{2})
  end)
end)

H.each_device("linalg.cholesky", function()
  it("lower, as NumPy, and upper = its transpose", function()
    H.same(cu.linalg.cholesky(cu.array(A)), N.chol_A, 1e-12)
    H.same(cu.linalg.cholesky(stackB()), N.chol_B, 1e-12)
    H.same(cu.linalg.cholesky(cu.array(A), {upper = true}), cu.array(N.chol_A).T:totable(), 1e-12)
  end)
  it("reads only the lower triangle, or the upper one with upper", function()
    local low = cu.array{{4, 99, 99}, {1, 5, 99}, {2, 3, 6}}
    H.same(cu.linalg.cholesky(low), N.chol_A, 1e-12)
    H.same(cu.linalg.cholesky(low.T, {upper = true}), cu.array(N.chol_A).T:totable(), 1e-12)
  end)
  for _, dt in ipairs{"float64", "float32"} do
    for _, n in ipairs{8, 300} do
      it(("of a stack of %d x %d in %s: l @ l^T = a"):format(n, n, dt), function()
        local batch = n == 8 and 40 or 2
        local x = matrices({batch, n, n}, 0, dt)
        local a = mm(x, swap_last(x)) + cu.eye(n, {dtype = dt}) * n
        local l = cu.linalg.cholesky(a)
        assert.equal(dt, l.dtype)
        assert.is_true(maxdiff(mm(l, swap_last(l)), a) < TOL[dt] * n * 10)
        assert.equal(0, off_triangle(l, 1))
        local u = cu.linalg.cholesky(a, {upper = true})
        assert.is_true(maxdiff(mm(swap_last(u), u), a) < TOL[dt] * n * 10)
        assert.equal(0, off_triangle(u, -1))
      end)
    end
  end
  it("raises 'Matrix is not positive definite'", function()
    H.raises("cholesky: Matrix is not positive definite", cu.linalg.cholesky,
      cu.array{{1, 2}, {2, 1}})
    H.raises("cholesky: Matrix is not positive definite", cu.linalg.cholesky,
      cu.stack({cu.array(A), -cu.array(A)}))
    H.raises("cholesky: Matrix is not positive definite", cu.linalg.cholesky,
      cu.broadcast_to(-cu.eye(3), {30, 3, 3}))
    H.raises("cholesky: last 2 dimensions of the array must be square, got shape (3, 2)",
      cu.linalg.cholesky, cu.array(T))
    H.raises("cholesky: unknown option", cu.linalg.cholesky, cu.array(A), {uper = true})
  end)
  it("empty and integer inputs", function()
    assert.same({0, 2, 2}, cu.linalg.cholesky(cu.zeros{0, 2, 2}).shape)
    assert.same({0, 0}, cu.linalg.cholesky(cu.zeros{0, 0}).shape)
    H.same(cu.linalg.cholesky(cu.array(A, {dtype = "int32"})), N.chol_A, 1e-12)
  end)
end)

-- |x| elementwise as nested tables (QR's and the SVD's signs are LAPACK's choice)
local function abs_of(t) return cu.abs(cu.array(t)):totable() end

H.each_device("linalg.qr", function()
  it("r as NumPy (up to the rows' signs) and q @ r = a", function()
    local q, r = cu.linalg.qr(cu.array(G))
    H.same(cu.abs(r), abs_of(N.qr_G_r), 1e-12)
    assert.is_true(maxdiff(mm(q, r), cu.array(G)) < 1e-12)
    q, r = cu.linalg.qr(cu.array(T))
    assert.same({3, 2}, q.shape)
    assert.same({2, 2}, r.shape)
    H.same(cu.abs(q), abs_of(N.qr_T_q), 1e-12)
    H.same(cu.abs(r), abs_of(N.qr_T_r), 1e-12)
  end)
  it("modes complete and r", function()
    local q, r = cu.linalg.qr(cu.array(T), "complete")
    assert.same({3, 3}, q.shape)
    assert.same({3, 2}, r.shape)
    H.same(cu.abs(q), abs_of(N.qr_T_qc), 1e-12)
    assert.is_true(maxdiff(mm(q, r), cu.array(T)) < 1e-12)
    assert.is_true(maxdiff(mm(q.T, q), cu.eye(3)) < 1e-12)
    local r2 = cu.linalg.qr(cu.array(T).T, {mode = "r"})
    H.same(cu.abs(r2), abs_of(N.qr_W_r), 1e-12)
  end)
  for _, dt in ipairs{"float64", "float32"} do
    for _, shape in ipairs{{7, 30, 12}, {7, 12, 30}, {2, 3, 64, 64}} do
      it(("of a stack %s in %s: q orthonormal, r upper, q @ r = a"):format(
        table.concat(shape, "x"), dt), function()
        local a = matrices(shape, 0, dt)
        for _, mode in ipairs{"reduced", "complete"} do
          local q, r = cu.linalg.qr(a, mode)
          assert.equal(dt, q.dtype)
          local k = q.shape[q.ndim]
          assert.is_true(maxdiff(mm(q, r), a) < TOL[dt] * 10)
          assert.is_true(maxdiff(mm(swap_last(q), q), cu.eye(k)) < TOL[dt] * 10)
          assert.equal(0, off_triangle(r, -1))
        end
      end)
    end
  end
  it("of transposed and strided input", function()
    local a = matrices({9, 12}, 0)[{{1, 9, 2}, {}}].T    -- 12 x 5, neither layout contiguous
    local q, r = cu.linalg.qr(a)
    assert.is_true(maxdiff(mm(q, r), a) < 1e-12)
  end)
  it("of empty stacks and matrices", function()
    local q, r = cu.linalg.qr(cu.zeros{0, 3, 2})
    assert.same({0, 3, 2}, q.shape)
    assert.same({0, 2, 2}, r.shape)
    q, r = cu.linalg.qr(cu.zeros{3, 0})
    assert.same({3, 0}, q.shape)
    assert.same({0, 0}, r.shape)
    q, r = cu.linalg.qr(cu.zeros{3, 0}, "complete")
    H.same(q, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})
    assert.same({3, 0}, r.shape)
  end)
  it("raises on a bad mode and 1-d input", function()
    H.raises("qr: ", cu.linalg.qr, cu.array(T), "economic")
    H.raises("qr: 1-dimensional array given", cu.linalg.qr, cu.zeros{3})
  end)
end)

H.each_device("linalg.svd and svdvals", function()
  it("singular values as NumPy, descending", function()
    H.same(cu.linalg.svdvals(cu.array(G)), N.svd_G_s, 1e-12)
    H.same(cu.linalg.svd(cu.array(T), {compute_uv = false}), N.svd_T_s, 1e-12)
    H.same(cu.linalg.svdvals(cu.array(T).T), N.svd_T_s, 1e-12)
    H.same(cu.linalg.svdvals(stackB()), N.svd_B_s, 1e-12)
  end)
  for _, dt in ipairs{"float64", "float32"} do
    for _, shape in ipairs{{40, 6, 4}, {40, 4, 6}, {5, 5}, {3, 70, 50}, {50, 70}} do
      it(("u diag(s) vh = a for %s in %s"):format(table.concat(shape, "x"), dt), function()
        local a = matrices(shape, 0, dt)
        local nd = #shape
        local m, n = shape[nd - 1], shape[nd]
        local k = math.min(m, n)
        for _, full in ipairs{false, true} do
          local u, s, vh = cu.linalg.svd(a, {full_matrices = full})
          assert.equal(dt, s.dtype)
          assert.equal(full and m or k, u.shape[nd])
          assert.equal(full and n or k, vh.shape[nd - 1])
          local uk = full and u[{"...", {1, k}}] or u
          local vk = full and vh[{"...", {1, k}, {}}] or vh
          assert.is_true(maxdiff(mm(uk * cu.expand_dims(s, -2), vk), a) < TOL[dt] * 20)
          assert.is_true(maxdiff(mm(swap_last(u), u), cu.eye(u.shape[nd])) < TOL[dt] * 20)
          assert.is_true(maxdiff(mm(vh, swap_last(vh)), cu.eye(vh.shape[nd - 1])) < TOL[dt] * 20)
          assert.is_true(cu.all(s[{"...", {1, k - 1}}]:ge(s[{"...", {2, k}}])))
        end
        H.same(cu.linalg.svdvals(a), cu.linalg.svd(a, {compute_uv = false}):totable(), TOL[dt])
      end)
    end
  end
  it("of a rank-deficient matrix: a zero singular value", function()
    local s = cu.linalg.svdvals(cu.array(R))
    assert.is_true(s[3] < 1e-14)
    H.same(s[{{1, 2}}], {N.lstsq_def_s[1], N.lstsq_def_s[2]}, 1e-12)
  end)
  it("of empty stacks and matrices", function()
    local u, s, vh = cu.linalg.svd(cu.zeros{0, 3, 2})
    assert.same({0, 3, 3}, u.shape)
    assert.same({0, 2}, s.shape)
    assert.same({0, 2, 2}, vh.shape)
    u, s, vh = cu.linalg.svd(cu.zeros{2, 0})
    H.same(u, {{1, 0}, {0, 1}})
    assert.same({0}, s.shape)
    assert.same({0, 0}, vh.shape)
    u, s, vh = cu.linalg.svd(cu.zeros{2, 0}, {full_matrices = false})
    assert.same({2, 0}, u.shape)
    assert.same({0}, s.shape)
    assert.same({0, 0}, vh.shape)
  end)
  it("raises on 1-d input and float16", function()
    H.raises("svd: 1-dimensional array given", cu.linalg.svd, cu.zeros{3})
    H.raises("svdvals: array type float16 is unsupported in linalg", cu.linalg.svdvals,
      cu.zeros({2, 2}, {dtype = "float16"}))
  end)
  it("gives NaN for an infinity, as LAPACK's gesdd under NumPy does", function()
    local a = cu.array({{1, 2}, {math.huge, 4}})
    local s = cu.linalg.svdvals(a):totable()
    assert.is_true(s[1] ~= s[1] and s[2] ~= s[2])
    local n = cu.linalg.norm(a, "nuc")
    assert.is_true(n ~= n)
  end)
  it("does not converge for a NaN, as NumPy says", function()
    for _, dt in ipairs({"float32", "float64"}) do
      local a = cu.array({{1, 2}, {3, 4}}):astype(dt)
      a[{2, 1}] = 0 / 0
      H.raises("svd: SVD did not converge", cu.linalg.svd, a)
      H.raises("svdvals: SVD did not converge", cu.linalg.svdvals, a)
    end
  end)
  it("of symmetric matrices from eigh with hermitian, as NumPy (s descending, a = u * s @ vh)", function()
    local a = cu.array({{2, 1}, {1, -3}}, {dtype = "float64"})
    local stack = cu.stack({a, a * -2})
    for _, x in ipairs({a, stack, stack:astype("float32")}) do
      local tol = x.dtype == "float32" and 1e-5 or 1e-12
      local u, sv, vh = cu.linalg.svd(x, {hermitian = true})
      H.same(sv[{"...", 1}], cu.linalg.svd(x, {compute_uv = false})[{"...", 1}]:totable(), tol * 10)
      H.same(cu.linalg.svd(x, {hermitian = true, compute_uv = false}), sv:totable(), tol)
      H.same(cu.matmul(u * cu.expand_dims(sv, -2), vh), x:totable(), tol * 10)
      H.same(cu.matmul(u:swapaxes(-1, -2), u), cu.broadcast_to(cu.eye(2), u.shape):totable(), tol)
    end
    local _, sv = cu.linalg.svd(a, {hermitian = true})
    H.same(sv, {3.1925824035672520, 2.1925824035672520}, 1e-12)    -- NumPy 1.24
    H.raises("svd: last 2 dimensions of the array must be square", cu.linalg.svd, cu.ones{2, 3},
      {hermitian = true})
  end)
  it("does not converge for a NaN in the compositions over the SVD, and in one of a stack", function()
    local a = cu.array({{1, 2}, {3, 4}}, {dtype = "float64"})
    a[{2, 1}] = 0 / 0
    H.raises("norm: SVD did not converge", cu.linalg.norm, a, "nuc")
    H.raises("norm: SVD did not converge", cu.linalg.norm, a, 2)
    H.raises("cond: SVD did not converge", cu.linalg.cond, a)
    H.raises("matrix_rank: SVD did not converge", cu.linalg.matrix_rank, a)
    H.raises("pinv: SVD did not converge", cu.linalg.pinv, a)
    local stack = cu.stack({cu.eye(2), a, cu.eye(2)})
    H.raises("svd: SVD did not converge", cu.linalg.svd, stack)
    H.raises("svdvals: SVD did not converge", cu.linalg.svdvals, stack:astype("float32"))
  end)
end)

H.each_device("linalg.eigh and eigvalsh", function()
  it("eigenvalues as NumPy, ascending, from the lower or the upper triangle", function()
    H.same(cu.linalg.eigvalsh(cu.array(A)), N.eigh_A_w, 1e-12)
    H.same(cu.linalg.eigvalsh(cu.array(G)), N.eigh_Glow_w, 1e-12)
    H.same(cu.linalg.eigvalsh(cu.array(G), "U"), N.eigh_Gup_w, 1e-12)
    H.same(cu.linalg.eigvalsh(cu.array(G), {UPLO = "U"}), N.eigh_Gup_w, 1e-12)
    local w = cu.linalg.eigh(cu.array(G), "U")
    H.same(w, N.eigh_Gup_w, 1e-12)
  end)
  for _, dt in ipairs{"float64", "float32"} do
    for _, shape in ipairs{{60, 8, 8}, {2, 100, 100}} do
      it(("a v = v diag(w) for %s in %s"):format(table.concat(shape, "x"), dt), function()
        local x = matrices(shape, 0, dt)
        local a = x + swap_last(x)
        local n = shape[#shape]
        local w, v = cu.linalg.eigh(a)
        assert.equal(dt, w.dtype)
        assert.is_true(maxdiff(mm(a, v), v * cu.expand_dims(w, -2)) < TOL[dt] * n * 4)
        assert.is_true(maxdiff(mm(swap_last(v), v), cu.eye(n)) < TOL[dt] * n * 4)
        H.same(cu.linalg.eigvalsh(a), w:totable(), TOL[dt] * n)
      end)
    end
  end
  it("of empty stacks", function()
    local w, v = cu.linalg.eigh(cu.zeros{0, 3, 3})
    assert.same({0, 3}, w.shape)
    assert.same({0, 3, 3}, v.shape)
    assert.same({0}, cu.linalg.eigvalsh(cu.zeros{0, 0}).shape)
  end)
  it("raises on a bad UPLO and non-square input", function()
    H.raises("eigh: ", cu.linalg.eigh, cu.array(A), "X")
    H.raises("eigvalsh: last 2 dimensions of the array must be square, got shape (3, 2)",
      cu.linalg.eigvalsh, cu.array(T))
  end)
end)

H.each_device("linalg.lstsq", function()
  it("overdetermined: x, residuals, rank and s as NumPy", function()
    local x, res, rank, s = cu.linalg.lstsq(cu.array(T), cu.array{1, 2, 4})
    H.same(x, N.lstsq_x, 1e-12)
    H.same(res, N.lstsq_res, 1e-12)
    assert.equal(N.lstsq_rank, rank)
    H.same(s, N.lstsq_s, 1e-12)
    x, res = cu.linalg.lstsq(cu.array(T), cu.array{{1, 0}, {2, 1}, {4, 5}})
    H.same(x, N.lstsq2_x, 1e-12)
    H.same(res, N.lstsq2_res, 1e-12)
  end)
  it("underdetermined and rank-deficient: the minimum-norm x, no residuals", function()
    local x, res, rank = cu.linalg.lstsq(cu.array(T).T, cu.array{1, 2})
    H.same(x, N.lstsq_under_x, 1e-12)
    assert.same({0}, res.shape)
    assert.equal(N.lstsq_under_rank, rank)
    local s
    x, res, rank, s = cu.linalg.lstsq(cu.array(R), cu.array{1, 2, 3})
    H.same(x, N.lstsq_def_x, 1e-12)
    assert.same({0}, res.shape)
    assert.equal(N.lstsq_def_rank, rank)
    H.same(s[{{1, 2}}], {N.lstsq_def_s[1], N.lstsq_def_s[2]}, 1e-12)
  end)
  it("in float32 keeps float32", function()
    local x, res = cu.linalg.lstsq(cu.array(T, {dtype = "float32"}),
      cu.array({1, 2, 4}, {dtype = "float32"}))
    assert.equal("float32", x.dtype)
    assert.equal("float32", res.dtype)
    H.same(x, N.lstsq_x, 1e-5)
  end)
  it("raises on misaligned and stacked operands", function()
    H.raises("lstsq: ", cu.linalg.lstsq, cu.array(T), cu.array{1, 2})
    H.raises("lstsq: ", cu.linalg.lstsq, cu.zeros{2, 3, 2}, cu.zeros{2, 3})
  end)
end)

H.each_device("linalg.pinv, matrix_rank and matrix_power", function()
  it("pinv as NumPy, and a pinv(a) a = a", function()
    H.same(cu.linalg.pinv(cu.array(T)), N.pinv_T, 1e-12)
    H.same(cu.linalg.pinv(cu.array(R)), N.pinv_R, 1e-12)
    local a = matrices({5, 7, 4}, 0)
    local p = cu.linalg.pinv(a)
    assert.same({5, 4, 7}, p.shape)
    assert.is_true(maxdiff(mm(mm(a, p), a), a) < 1e-12)
    H.same(cu.linalg.pinv(cu.array(A), {hermitian = true}), N.inv_A, 1e-12)
    assert.same({0, 3}, cu.linalg.pinv(cu.zeros{3, 0}).shape)
  end)
  it("matrix_rank as NumPy", function()
    assert.equal(N.rank_R, cu.linalg.matrix_rank(cu.array(R)))
    H.same(cu.linalg.matrix_rank(cu.stack({cu.array(R), cu.array(A), cu.zeros{3, 3}})), N.rank_B)
    assert.equal(1, cu.linalg.matrix_rank(cu.array{1, 0, 2}))
    assert.equal(0, cu.linalg.matrix_rank(cu.zeros{4}))
    assert.equal(3, cu.linalg.matrix_rank(cu.array(A), {hermitian = true}))
    assert.equal(1, cu.linalg.matrix_rank(cu.array(R), 1.0))
  end)
  it("matrix_power as NumPy, integers staying integers", function()
    H.same(cu.linalg.matrix_power(cu.array(G), 3), N.mpow_G3, 1e-12)
    H.same(cu.linalg.matrix_power(cu.array(G), -2), N.mpow_Gm2, 1e-12)
    local p = cu.linalg.matrix_power(cu.array{{1, 2}, {3, 4}}, 5)
    assert.equal("int64", p.dtype)
    H.same(p, N.mpow_I5)
    H.same(cu.linalg.matrix_power(cu.array(G), 0), cu.eye(4):totable())
    assert.equal("int64", cu.linalg.matrix_power(cu.array{{1, 2}, {3, 4}}, 0).dtype)
    assert.same({2, 4, 4}, cu.linalg.matrix_power(cu.stack({cu.array(G), cu.array(G)}), 2).shape)
    H.raises("matrix_power: ", cu.linalg.matrix_power, cu.array(T), 2)
    H.raises("matrix_power: ", cu.linalg.matrix_power, cu.array(G), 1.5)
    H.raises("Singular matrix", cu.linalg.matrix_power, cu.array(S), -1)
  end)
end)

H.each_device("linalg.cond, norm, multi_dot, tensorsolve and tensorinv", function()
  it("cond in every order, as NumPy", function()
    local g = cu.array(G)
    assert.is_true(H.close(cu.linalg.cond(g), N.cond_G_None, 1e-12))
    for _, p in ipairs{{2, N.cond_G_2}, {-2, N.cond_G_m2}, {"fro", N.cond_G_fro},
                       {"nuc", N.cond_G_nuc}, {1, N.cond_G_1}, {-1, N.cond_G_m1},
                       {INF, N.cond_G_inf}, {"inf", N.cond_G_inf}, {-INF, N.cond_G_minf}} do
      assert.is_true(H.close(cu.linalg.cond(g, p[1]), p[2], 1e-12), tostring(p[1]))
    end
    H.same(cu.linalg.cond(cu.stack({g, g})), {N.cond_G_None, N.cond_G_None}, 1e-12)
  end)
  it("cond of a singular matrix is inf (or huge) and not an error", function()
    assert.equal(INF, cu.linalg.cond(cu.array(S), 1))
    assert.is_true(cu.linalg.cond(cu.array(S)) > 1e15)
  end)
  it("norm 2, -2 and nuc from the singular values", function()
    local g = cu.array(G)
    assert.is_true(H.close(cu.linalg.norm(g, 2), N.norm_G_2, 1e-12))
    assert.is_true(H.close(cu.linalg.norm(g, -2), N.norm_G_m2, 1e-12))
    assert.is_true(H.close(cu.linalg.norm(g, "nuc"), N.norm_G_nuc, 1e-12))
  end)
  it("multi_dot as NumPy, with 1-d ends", function()
    H.same(cu.linalg.multi_dot({cu.array(T), cu.array(T).T, cu.array(T), cu.array{{1}, {2}}}),
      N.multi_dot, 1e-12)
    H.same(cu.linalg.multi_dot({cu.array{1, 2, 3}, cu.array(T), cu.array{1, 1}}),
      cu.array{1, 2, 3}:matmul(cu.array(T)):matmul(cu.array{1, 1}), 1e-12)
    H.raises("multi_dot: ", cu.linalg.multi_dot, {cu.array(T)})
  end)
  it("tensorsolve and tensorinv as NumPy", function()
    local a = cu.array(TS)
    H.same(cu.linalg.tensorsolve(a, cu.arange(6, {dtype = "float64"})), N.tensorsolve, 1e-12)
    H.same(cu.linalg.tensorinv(a:reshape(2, 3, 2, 3), 2), N.tensorinv, 1e-12)
    H.raises("tensorsolve: axes must be an integer or a list of integers, got string",
             cu.linalg.tensorsolve, a, cu.arange(6), "x")
  end)
end)
