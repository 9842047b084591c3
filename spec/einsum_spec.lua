-- cu.einsum and the other contractions of the main namespace: tensordot, kron, cross, trace,
-- diagonal, diag. Expected values (N) computed with NumPy 1.24 on the operands below.
local cu = require "cuarray"
local H = require "helper"

local unpack = table.unpack or unpack

local function ops()
  return {
    a = cu.arange(6, {dtype = "float64"}):reshape(2, 3),
    b = cu.arange(12, {dtype = "float64"}):reshape(3, 4) - 5,
    c = cu.arange(4, {dtype = "float64"}) + 1,
    sq = cu.arange(9, {dtype = "float64"}):reshape(3, 3),
    t3 = cu.arange(24, {dtype = "float64"}):reshape(2, 3, 4),
    t4 = cu.arange(24, {dtype = "float64"}):reshape(4, 3, 2),
  }
end

local N = {
  e1 = {{5.0, 8.0, 11.0, 14.0}, {-4.0, 8.0, 20.0, 32.0}},
  e2 = {{5.0, 8.0, 11.0, 14.0}, {-4.0, 8.0, 20.0, 32.0}},
  e3 = {110.0, 200.0},
  e4 = 12.0,
  e5 = {0.0, 4.0, 8.0},
  e6 = {{0.0, 3.0}, {1.0, 4.0}, {2.0, 5.0}},
  e7 = {{0.0, 1.0, 2.0}, {3.0, 4.0, 5.0}},
  e8 = {{0.0, 3.0}, {1.0, 4.0}, {2.0, 5.0}},
  e9 = 15.0,
  e10 = 30.0,
  e11 = {{1.0, 2.0, 3.0, 4.0}, {2.0, 4.0, 6.0, 8.0}, {3.0, 6.0, 9.0, 12.0}, {4.0, 8.0, 12.0, 16.0}},
  e12 = {{20.0, 60.0, 100.0}, {140.0, 180.0, 220.0}},
  e13 = {{{70.0, 76.0, 82.0, 88.0, 94.0}, {190.0, 212.0, 234.0, 256.0, 278.0}, {310.0, 348.0, 386.0, 424.0, 462.0}}, {{1510.0, 1564.0, 1618.0, 1672.0, 1726.0}, {1950.0, 2020.0, 2090.0, 2160.0, 2230.0}, {2390.0, 2476.0, 2562.0, 2648.0, 2734.0}}},
  e14 = 3554.0,
  e15 = {{12.0, 14.0, 16.0, 18.0}, {20.0, 22.0, 24.0, 26.0}, {28.0, 30.0, 32.0, 34.0}},
  e16 = {{0.0, 4.0, 8.0}, {9.0, 13.0, 17.0}},
  e17 = 55.0,
  e18 = {5.0, 50.0},
  e19 = {{144.0, 182.0}, {288.0, 344.0}},
  e20 = 100.0,
  e21 = {{12.0, 20.0, 28.0}, {14.0, 22.0, 30.0}, {16.0, 24.0, 32.0}, {18.0, 26.0, 34.0}},
  e22 = {5.0, 14.0},
  e23 = {24.0, 27.0},
  td_default = {{1012.0, 1078.0}, {2596.0, 2806.0}},
  td_1 = {{5.0, 8.0, 11.0, 14.0}, {-4.0, 8.0, 20.0, 32.0}},
  td_0 = {{1.0, 2.0, 3.0}, {2.0, 4.0, 6.0}},
  td_pairs = {{200.0, 560.0, 920.0, 1280.0}, {215.0, 611.0, 1007.0, 1403.0}, {230.0, 662.0, 1094.0, 1526.0}, {245.0, 713.0, 1181.0, 1649.0}},
  kron1 = {{1, 10, 2, 20}, {100, 1000, 200, 2000}},
  kron2 = {{0, 1, 0, 2}, {1, 0, 2, 0}, {0, 3, 0, 4}, {3, 0, 4, 0}},
  cross3 = {-3.0, 6.0, -3.0},
  cross_batch = {{0.0, 2.0, -1.0}, {0.0, 5.0, -4.0}},
  cross_axis = {{-8.0, -12.0}, {16.0, 24.0}, {-8.0, -12.0}},
  trace = 12.0,
  trace_off = 18,
  trace_3d = {15.0, 51.0},
  diagonal = {4, 9},
  diagonal_3d = {{1.0, 6.0, 11.0}, {13.0, 18.0, 23.0}},
  diag_v = {{0, 1, 0, 0}, {0, 0, 2, 0}, {0, 0, 0, 3}, {0, 0, 0, 0}},
  diag_m = {2, 7},
}

H.each_device("einsum", function()
  it("as NumPy, for explicit and implicit outputs, traces, '...' and three operands", function()
    local o = ops()
    local cases = {
      {"ij,jk->ik", o.a, o.b}, {"ij,jk", o.a, o.b}, {"ij,jk,k->i", o.a, o.b, o.c},
      {"ii", o.sq}, {"ii->i", o.sq}, {"ij->ji", o.a}, {"ij", o.a}, {"ji", o.a}, {"ij->", o.a},
      {"i,i", o.c, o.c}, {"i,j->ij", o.c, o.c}, {"...j,j->...", o.t3, o.c},
      {"bij,bjk->bik", o.t3, cu.arange(40, {dtype = "float64"}):reshape(2, 4, 5)},
      {"ijk,kji->", o.t3, o.t4}, {"i...->...", o.t3},
      {"...ii->...i", cu.arange(18, {dtype = "float64"}):reshape(2, 3, 3)},
      {"ij,ij->", o.a, o.a}, {"ij,ij->i", o.a, o.a},
      {"ab,bc,cd->ad", o.a, o.b, cu.arange(8, {dtype = "float64"}):reshape(4, 2)},
      {"i,i,i->", o.c, o.c, o.c}, {"ijk->kj", o.t3}, {"bi,i", o.a, cu.arange(3, {dtype = "float64"})},
      {"iij", cu.arange(18, {dtype = "float64"}):reshape(3, 3, 2)},
    }
    for i, c in ipairs(cases) do
      local got = cu.einsum(unpack(c))
      local ok, why = H.compare(got, N["e" .. i], 1e-12)
      assert(ok, c[1] .. ": " .. tostring(why))
    end
  end)
  it("keeps integer dtypes and promotes mixed ones", function()
    local x = cu.arange(6):reshape(2, 3)
    local r = cu.einsum("ij,kj->ik", x, x)
    assert.equal("int64", r.dtype)
    H.same(r, {{5, 14}, {14, 50}})
    local f = cu.einsum("ij,j->i", x, cu.array({1, 0.5, 0.25}, {dtype = "float32"}))
    assert.equal("float64", f.dtype)
    H.same(f, {1, 6.25})
  end)
  it("one value is a Lua value unless {array = true}", function()
    local o = ops()
    assert.equal(55, cu.einsum("ij,ij->", o.a, o.a))
    local z = cu.einsum("ij,ij->", o.a, o.a, {array = true})
    assert.is_true(cu.is_array(z))
    assert.same({}, z.shape)
  end)
  it("a batched contraction of strided and transposed operands", function()
    local p = cu.sin(cu.arange(2 * 5 * 6, {dtype = "float64"})):reshape(2, 5, 6)
    local q = cu.cos(cu.arange(2 * 6 * 4, {dtype = "float64"})):reshape(2, 4, 6)
    local r = cu.einsum("bij,bkj->bik", p, q)
    H.same(r, cu.matmul(p, cu.swapaxes(q, -1, -2)):totable(), 1e-12)
    local ps = p[{{}, {1, 5, 2}, {}}]
    H.same(cu.einsum("bij,bkj->bki", ps, q),
      cu.swapaxes(cu.matmul(ps, cu.swapaxes(q, -1, -2)), -1, -2):totable(), 1e-12)
  end)
  it("a repeated contraction gives the same as the first, for new values, layouts and shapes", function()
    local function rand(...)
      local n = 1
      for _, d in ipairs({...}) do n = n * d end
      return cu.sin(cu.arange(n, {dtype = "float64"}) * 0.7 + select("#", ...)):reshape(...)
    end
    local cases = {
      {"bij,bjk->bik", {3, 4, 5}, {3, 5, 2}, function(x, y) return cu.matmul(x, y) end},
      {"bij,bkj->bki", {2, 4, 5}, {2, 3, 5},
       function(x, y) return cu.swapaxes(cu.matmul(x, cu.swapaxes(y, -1, -2)), -1, -2) end},
      {"ij,jk", {4, 5}, {5, 3}, function(x, y) return cu.matmul(x, y) end},
      {"i,j->ji", {4}, {3}, function(x, y) return cu.outer(y, x) end},
      {"ijk,jkl->il", {2, 3, 4}, {3, 4, 5},
       function(x, y) return cu.matmul(x:reshape(2, 12), y:reshape(12, 5)) end},
    }
    for _, c in ipairs(cases) do
      local sub, sa, sb, ref = c[1], c[2], c[3], c[4]
      for round = 1, 3 do
        local x, y = rand(unpack(sa)), rand(unpack(sb)) * round
        if round == 3 then     -- the same shapes, other strides
          x, y = cu.asfortranarray(x), cu.asfortranarray(y)
          assert.is_false(x.ndim > 1 and x.flags.c_contiguous)
        end
        H.same(cu.einsum(sub, x, y), ref(x, y):totable(), 1e-12)
      end
    end
    local a, b = rand(3, 4), rand(3, 4)
    for _ = 1, 2 do
      assert.is_true(math.abs(cu.einsum("ij,ij->", a, b) - (a * b):sum()) < 1e-12)
      assert.is_true(cu.is_array(cu.einsum("ij,ij->", a, b, {array = true})))
    end
    -- the same subscripts on other shapes and dtypes
    H.same(cu.einsum("ij,jk", rand(2, 5), rand(5, 3)), cu.matmul(rand(2, 5), rand(5, 3)):totable(), 1e-12)
    local f = cu.einsum("ij,jk", rand(4, 5):astype("float32"), rand(5, 3))
    assert.equal("float64", f.dtype)
    H.same(f, cu.matmul(rand(4, 5):astype("float32"):astype("float64"), rand(5, 3)):totable(), 1e-12)
  end)
  it("broadcasts size-1 dims and '...' of different lengths", function()
    local x = cu.ones{1, 3}
    local y = cu.arange(6, {dtype = "float64"}):reshape(2, 3)
    H.same(cu.einsum("...j,...j->...", x, y), {3, 12})
    H.same(cu.einsum("...j,j->...", cu.ones{2, 2, 3}, cu.array{1, 2, 3}), {{6, 6}, {6, 6}})
  end)
  it("of empty operands: zeros where a summed label has size 0", function()
    H.same(cu.einsum("ij,jk->ik", cu.ones{2, 0}, cu.ones{0, 3}), {{0, 0, 0}, {0, 0, 0}})
    assert.same({0, 3}, cu.einsum("ij,jk->ik", cu.ones{0, 2}, cu.ones{2, 3}).shape)
  end)
  it("raises with NumPy's reasons", function()
    local o = ops()
    H.raises("einsum: ", cu.einsum, "ij,jk->ik", o.a)            -- too few operands
    H.raises("einsum: ", cu.einsum, "ij,jk->ik", o.a, o.a)       -- sizes differ for j
    H.raises("einsum: ", cu.einsum, "ij->k", o.a)                -- output label not in inputs
    H.raises("einsum: ", cu.einsum, "ij->ii", o.a)               -- repeated output label
    H.raises("einsum: ", cu.einsum, "ijk", o.a)                  -- too many labels
    H.raises("einsum: ", cu.einsum, "i1", o.a)                   -- not a letter
    H.raises("einsum: ", cu.einsum, 3, o.a)
  end)
end)

H.each_device("tensordot, kron and cross", function()
  it("tensordot as NumPy for a count of axes and for lists of axes", function()
    local o = ops()
    H.same(cu.tensordot(o.t3, cu.arange(24, {dtype = "float64"}):reshape(3, 4, 2)), N.td_default)
    H.same(cu.tensordot(o.a, o.b, 1), N.td_1)
    H.same(cu.tensordot(cu.array{1, 2}, cu.array{1, 2, 3}, 0), N.td_0)
    H.same(cu.tensordot(o.t3, o.t4, {{1, 2}, {3, 2}}), N.td_pairs)
    H.same(cu.tensordot(o.a, o.b, {2, 1}), N.td_1)
    H.raises("tensordot: ", cu.tensordot, o.a, o.b, {{1}, {1}})
    H.raises("tensordot: ", cu.tensordot, o.a, o.b, -1)
  end)
  it("kron as NumPy", function()
    local k = cu.kron(cu.array{1, 2}, cu.array{{1, 10}, {100, 1000}})
    assert.equal("int64", k.dtype)
    H.same(k, N.kron1)
    H.same(cu.kron(cu.array{{1, 2}, {3, 4}}, cu.array{{0, 1}, {1, 0}}), N.kron2)
    assert.same({0, 2}, cu.kron(cu.ones{0, 1}, cu.ones{2, 2}).shape)
  end)
  it("cross as NumPy, broadcast and along an axis", function()
    H.same(cu.cross(cu.array{1., 2, 3}, cu.array{4., 5, 6}), N.cross3)
    H.same(cu.cross(cu.arange(6, {dtype = "float64"}):reshape(2, 3), cu.array{{1., 0, 0}}),
      N.cross_batch)
    local x = cu.arange(6, {dtype = "float64"}):reshape(3, 2)
    H.same(cu.cross(x, x[{{3, 1, -1}, {}}], {axis = 1}), N.cross_axis)
    H.raises("cross: ", cu.cross, cu.array{1, 2, 3, 4}, cu.array{1, 2, 3, 4})
  end)
end)

H.each_device("trace, diagonal and diag", function()
  it("as NumPy", function()
    local o = ops()
    assert.equal(N.trace, cu.trace(o.sq))
    assert.equal(N.trace_off, cu.trace(cu.arange(12):reshape(3, 4), 1))
    H.same(cu.trace(o.t3, 0, 2, 3), N.trace_3d)
    H.same(cu.diagonal(cu.arange(12):reshape(3, 4), -1), N.diagonal)
    H.same(cu.diagonal(o.t3, 1, 2, 3), N.diagonal_3d)
    H.same(cu.diag(cu.array{1, 2, 3}, 1), N.diag_v)
    H.same(cu.diag(cu.arange(12):reshape(3, 4), 2), N.diag_m)
    H.same(cu.diag(cu.array{1, 2}, -1), {{0, 0, 0}, {1, 0, 0}, {0, 2, 0}})
  end)
  it("raises on arrays with too few dims and equal axes", function()
    H.raises("diagonal: ", cu.diagonal, cu.arange(3))
    H.raises("diagonal: ", cu.diagonal, cu.ones{2, 2}, 0, 1, 1)
    H.raises("diag: ", cu.diag, cu.ones{2, 2, 2})
  end)
end)
