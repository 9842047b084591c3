-- cu.linalg.eig and eigvals: NumPy's values on fixed matrices (eigenvalues compared as sets,
-- eigenvectors up to a phase: geev fixes each column's phase by its largest component, which a
-- tie or another LAPACK may pick differently), the defining identity a @ v = v * w on larger
-- real and complex stacks, NumPy's dtypes (real results when every eigenvalue of a real input
-- is real), empty stacks, non-contiguous inputs and the errors.
local cu = require "cuarray"
local H = require "helper"

-- Fixed inputs and NumPy 1.24's results (the same under NumPy 2), complex values as {re, im}.
local G = {{2, -1, 0, 3}, {1, 4, -2, 0}, {0, 3, 5, 1}, {-2, 0, 1, 6}} -- two conjugate pairs
local C = {{1, 2, 0}, {-2, 1, 0}, {0, 0, 3}}                       -- 1 +- 2i and 3
local S = {{2, 1}, {1, 3}}                                         -- symmetric: real results
local I = {{1, 2}, {3, 4}}                                         -- int64 input
local Zre = {{1, 2, 0}, {0, 3, 1}, {1, 0, 2}}                       -- Z = Zre + i Zim
local Zim = {{1, 0, 0}, {0.5, -1, 0}, {0, -1, 0}}

local N = {
  G_w = {{3.9876183996199606, 2.6189458920499082}, {3.9876183996199606, -2.6189458920499082}, {4.512381600380035, 0.9506895512999378}, {4.512381600380035, -0.9506895512999378}},
  G_v = {{{0.5695560865126831, 0.0}, {0.5695560865126831, -0.0}, {-0.6750580002593116, 0.0}, {-0.6750580002593116, -0.0}}, {{-0.15137566657935017, -0.5061903892454925}, {-0.15137566657935017, 0.5061903892454925}, {0.26462851012695127, -0.0399334429485626}, {0.26462851012695127, 0.0399334429485626}}, {{-0.3790017135038968, 0.1950886165142267}, {-0.3790017135038968, -0.1950886165142267}, {-0.42430654337148865, -0.11555919907354723}, {-0.42430654337148865, 0.11555919907354723}}, {{0.32689483019626603, 0.3284820612729726}, {0.32689483019626603, -0.3284820612729726}, {-0.47712492963796027, -0.22723467677217313}, {-0.47712492963796027, 0.22723467677217313}}},
  C_w = {{1.0, 2.0000000000000004}, {1.0, -2.0000000000000004}, {3.0, 0.0}},
  C_v = {{{0.0, -0.7071067811865475}, {0.0, 0.7071067811865475}, {0.0, 0.0}}, {{0.7071067811865476, 0.0}, {0.7071067811865476, -0.0}, {0.0, 0.0}}, {{0.0, 0.0}, {0.0, -0.0}, {1.0, 0.0}}},
  Z_w = {{3.277168201888221, -0.8533144028184365}, {1.1466855971815644, 1.2771682018882218}, {1.5761462009302178, -0.4238537990697838}},
  Z_v = {{{0.402841246349511, 0.3278596123421225}, {0.7964809209030665, 0.0}, {0.6981318790485046, 0.0}}, {{0.7624821091261245, 0.0}, {0.05841613976319372, 0.11037959234248869}, {0.20111301493103437, -0.49701886411747004}}, {{0.37526560132948716, -0.08957547965733195}, {-0.35961637099988064, -0.469785172771292}, {6.106226635438361e-16, 0.4744867578688931}}},
  S_w = {{1.381966011250105, 0.0}, {3.618033988749895, 0.0}},
  S_v = {{{-0.8506508083520399, 0.0}, {-0.5257311121191335, 0.0}}, {{0.5257311121191335, 0.0}, {-0.8506508083520399, 0.0}}},
  I_w = {{-0.3722813232690143, 0.0}, {5.372281323269014, 0.0}},
  I_v = {{{-0.8245648401323938, 0.0}, {-0.4159735579192842, 0.0}}, {{0.5657674649689923, 0.0}, {-0.9093767091321241, 0.0}}},
}

local TOL = {float32 = 2e-5, float64 = 1e-12, complex64 = 2e-5, complex128 = 1e-12}

local function Z(dtype) return cu.complex(cu.array(Zre), cu.array(Zim)):astype(dtype) end

-- The {re, im} pairs of an array's elements, nested as the array.
local function pairs_of(x)
  local re = x.dtype:match("^complex") and x.real or x
  local im = x.dtype:match("^complex") and x.imag or cu.zeros_like(x)
  local r, i = re:totable(), im:totable()
  local function zip(a, b)
    if type(a) ~= "table" then return {a, b} end
    local out = {}
    for k = 1, #a do out[k] = zip(a[k], b[k]) end
    return out
  end
  return zip(r, i)
end

local function near(p, q, tol)
  return math.abs(p[1] - q[1]) <= tol * math.max(1, math.abs(q[1])) and
         math.abs(p[2] - q[2]) <= tol * math.max(1, math.abs(q[2]))
end

-- For each expected eigenvalue, the column of `got` holding it (each used once).
local function match(got, expected, tol)
  assert.are.equal(#expected, #got)
  local used, cols = {}, {}
  for k, e in ipairs(expected) do
    for j, g in ipairs(got) do
      if not used[j] and near(g, e, tol) then
        used[j], cols[k] = true, j
        break
      end
    end
    if not cols[k] then
      error(("eigenvalue %d (%g%+gj) not found"):format(k, e[1], e[2]), 2)
    end
  end
  return cols
end

-- |<expected column k, got column cols[k]>| = 1: the same unit vector up to a phase.
local function same_vectors(got, expected, cols, tol)
  local n = #expected
  for k = 1, n do
    local j, re, im, norm = cols[k], 0, 0, 0
    for i = 1, n do
      local e, g = expected[i][k], got[i][j]
      re = re + e[1] * g[1] + e[2] * g[2]
      im = im + e[1] * g[2] - e[2] * g[1]
      norm = norm + g[1] * g[1] + g[2] * g[2]
    end
    assert.is_true(math.abs(norm - 1) <= tol, ("column %d: norm^2 %g"):format(j, norm))
    local overlap = math.sqrt(re * re + im * im)
    assert.is_true(math.abs(overlap - 1) <= tol, ("column %d: overlap %g"):format(j, overlap))
  end
end

local function check_fixed(a, key, wdtype, tol)
  local w, v = cu.linalg.eig(a)
  assert.are.equal(wdtype, w.dtype)
  assert.are.equal(wdtype, v.dtype)
  local cols = match(pairs_of(w), N[key .. "_w"], tol)
  same_vectors(pairs_of(v), N[key .. "_v"], cols, tol)
  local w2 = cu.linalg.eigvals(a)
  assert.are.equal(wdtype, w2.dtype)
  match(pairs_of(w2), N[key .. "_w"], tol)
end

-- Deterministic stacks: sin(0.0137 i^2 + 0.5 i) for element i (complex: cos for the
-- imaginary parts).
local function matrices(shape, dtype)
  local size = 1
  for _, d in ipairs(shape) do size = size * d end
  local i = cu.arange(size, {dtype = "float64"})
  local x = cu.sin(i * i * 0.0137 + i * 0.5):reshape(shape)
  if dtype:match("^complex") then
    x = cu.complex(x, cu.cos(i * i * 0.0311 + i * 0.3):reshape(shape))
  end
  return x:astype(dtype)
end

-- max |a @ v - v * w| relative to max |a|, over a stack.
local function residual(a, w, v)
  local ws = cu.expand_dims(w, -2)
  local r = cu.matmul(a, v) - v * ws
  return cu.max(cu.abs(r)) / math.max(1, cu.max(cu.abs(a)))
end

H.each_device("linalg.eig on NumPy's fixed matrices", function()
  it("a real matrix with two conjugate pairs", function()
    check_fixed(cu.array(G), "G", "complex128", TOL.float64)
    check_fixed(cu.array(G):astype("float32"), "G", "complex64", TOL.float32)
  end)
  it("a real matrix with a pair and a real eigenvalue", function()
    check_fixed(cu.array(C), "C", "complex128", TOL.float64)
  end)
  it("a complex matrix", function()
    check_fixed(Z("complex128"), "Z", "complex128", TOL.complex128)
    check_fixed(Z("complex64"), "Z", "complex64", TOL.complex64)
  end)
  it("a real matrix whose eigenvalues are real gives real results, as NumPy", function()
    check_fixed(cu.array(S), "S", "float64", TOL.float64)
    check_fixed(cu.array(S):astype("float32"), "S", "float32", TOL.float32)
  end)
  it("integer input computes in float64", function()
    check_fixed(cu.array(I), "I", "float64", TOL.float64)
    check_fixed(cu.array(I):astype("int32"), "I", "float64", TOL.float64)
  end)
  it("a complex input stays complex even with real eigenvalues", function()
    local w = cu.linalg.eigvals(cu.array(S):astype("complex64"))
    assert.are.equal("complex64", w.dtype)
    match(pairs_of(w), N.S_w, TOL.complex64)
  end)
  it("a conjugate pair's eigenvectors are conjugates", function()
    local w, v = cu.linalg.eig(cu.array(C))
    local p = pairs_of(w)
    for j = 1, 2 do assert.is_true(p[j][2] ~= 0) end
    H.same(pairs_of(v[{{}, 1}]:conj()), pairs_of(v[{{}, 2}]), 0)
  end)
end)

H.each_device("linalg.eig on stacks", function()
  for _, dt in ipairs({"float64", "float32", "complex128", "complex64"}) do
    local tol = (dt == "float64" or dt == "complex128") and 1e-12 or 1e-4
    it("a @ v = v * w on a (3, 2, 9, 9) stack of " .. dt, function()
      local a = matrices({3, 2, 9, 9}, dt)
      local w, v = cu.linalg.eig(a)
      assert.are.same({3, 2, 9}, w.shape)
      assert.are.same({3, 2, 9, 9}, v.shape)
      assert.is_true(w.dtype:match("^complex") ~= nil)
      assert.is_true(residual(a:astype(w.dtype), w, v) < tol * 100)
      -- unit columns
      local norms = cu.sum(cu.abs(v) * cu.abs(v), -2)
      assert.is_true(cu.max(cu.abs(norms - 1)) < tol * 100)
      -- each matrix of the stack as it is alone
      local w1, v1 = cu.linalg.eig(a[{2, 1}])
      H.same(w[{2, 1}], w1:totable(), 0)
      H.same(v[{2, 1}], v1:totable(), 0)
      H.same(cu.linalg.eigvals(a), w:totable(), 0)
    end)
  end
  it("a larger matrix (64 x 64), float64 and complex128", function()
    for _, dt in ipairs({"float64", "complex128"}) do
      local a = matrices({64, 64}, dt)
      local w, v = cu.linalg.eig(a)
      assert.is_true(residual(a:astype(w.dtype), w, v) < 1e-11)
    end
  end)
  it("one matrix with complex eigenvalues makes the whole stack's results complex", function()
    local a = cu.stack({cu.array(S), cu.array({{0, -1}, {1, 0}})})
    local w, v = cu.linalg.eig(a)
    assert.are.equal("complex128", w.dtype)
    assert.are.equal("complex128", v.dtype)
    local ws, vs = cu.linalg.eig(cu.stack({cu.array(S), cu.array(S) * 2}))
    assert.are.equal("float64", ws.dtype)
    assert.are.equal("float64", vs.dtype)
    assert.is_true(residual(cu.stack({cu.array(S), cu.array(S) * 2}), ws, vs) < 1e-12)
  end)
  it("non-contiguous inputs: transposed, strided and broadcast", function()
    local base = matrices({2, 6, 6}, "float64")
    local t = cu.swapaxes(base, -1, -2)
    H.same(cu.linalg.eigvals(t), cu.linalg.eigvals(t:copy()):totable(), 0)
    local w, v = cu.linalg.eig(t)
    local w2, v2 = cu.linalg.eig(t:copy())
    H.same(w, w2:totable(), 0)
    H.same(v, v2:totable(), 0)
    local s = matrices({8, 8}, "complex128")[{{1, 8, 2}, {1, 8, 2}}]
    assert.is_false(s.is_contiguous)
    H.same(cu.linalg.eigvals(s), cu.linalg.eigvals(s:copy()):totable(), 0)
    local b = cu.broadcast_to(cu.array(G), {3, 4, 4})
    local wb = cu.linalg.eigvals(b)
    local w1 = cu.linalg.eigvals(cu.array(G))
    for k = 1, 3 do H.same(wb[k], w1:totable(), 0) end
  end)
  it("empty stacks and 0 x 0 matrices, with NumPy's dtypes", function()
    local w, v = cu.linalg.eig(cu.zeros({0, 3, 3}))
    assert.are.same({0, 3}, w.shape)
    assert.are.same({0, 3, 3}, v.shape)
    assert.are.equal("float64", w.dtype)
    w, v = cu.linalg.eig(cu.zeros({2, 0, 0}, {dtype = "float32"}))
    assert.are.same({2, 0}, w.shape)
    assert.are.same({2, 0, 0}, v.shape)
    assert.are.equal("float32", w.dtype)
    assert.are.equal("complex64", cu.linalg.eigvals(cu.zeros({0, 2, 2}, {dtype = "complex64"})).dtype)
    assert.are.equal("float64", cu.linalg.eigvals(cu.zeros({0, 0}, {dtype = "int32"})).dtype)
  end)
  it("a 1 x 1 matrix and a defective one", function()
    local w, v = cu.linalg.eig(cu.array({{-2.5}}))
    H.same(w, {-2.5}, 0)
    H.same(v, {{1}}, 0)
    -- a Jordan block: a double eigenvalue 1, geev's vectors (nearly) parallel
    w = cu.linalg.eigvals(cu.array({{1, 1}, {0, 1}}))
    H.same(w, {1, 1}, 0)
  end)
end)

H.each_device("linalg.eig's errors", function()
  it("non-square, 1-d, float16 and non-array inputs", function()
    H.raises("eig: last 2 dimensions of the array must be square, got shape (2, 3)",
      cu.linalg.eig, cu.ones({2, 3}))
    H.raises("eigvals: last 2 dimensions of the array must be square, got shape (4, 2, 3)",
      cu.linalg.eigvals, cu.ones({4, 2, 3}))
    H.raises("eig: 1-dimensional array given", cu.linalg.eig, cu.ones({3}))
    H.raises("eigvals: array type float16 is unsupported in linalg", cu.linalg.eigvals,
      cu.ones({2, 2}, {dtype = "float16"}))
    H.raises("eig: expected an array", cu.linalg.eig, 3)
  end)
  it("infinities and NaN raise as NumPy's LinAlgError", function()
    H.raises("eig: Array must not contain infs or NaNs", cu.linalg.eig,
      cu.array({{1, H.nan}, {3, 4}}))
    H.raises("eigvals: Array must not contain infs or NaNs", cu.linalg.eigvals,
      cu.array({{{1, 0}, {0, 1}}, {{1, H.inf}, {3, 4}}}))
    H.raises("eig: Array must not contain infs or NaNs", cu.linalg.eig,
      cu.complex(cu.ones({2, 2}), cu.array({{0, -H.inf}, {0, 0}})))
  end)
end)
