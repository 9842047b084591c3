-- Linear algebra: matmul, dot, inner, outer, vdot, linalg.norm and the matmul precision.
-- Expected values computed with NumPy 1.24.
local cu = require "cuarray"
local H = require "helper"

local INF = H.inf
local TOL = 1e-12

local A = {{1, 2, 3}, {4, 5, 6}}            -- (2, 3)
local B = {{7, 8}, {9, 10}, {11, 12}}        -- (3, 2)

-- A plain-Lua matrix product of nested tables, for the larger random checks.
local function ref_matmul(x, y)
  local r = {}
  for i = 1, #x do
    r[i] = {}
    for j = 1, #y[1] do
      local s = 0
      for p = 1, #y do s = s + x[i][p] * y[p][j] end
      r[i][j] = s
    end
  end
  return r
end

H.each_device("matmul", function(dev)
  describe("2-d and 1-d operands", function()
    local cases = {
      -- {label, a, b, expected}
      {"(2,3) @ (3,2)", A, B, {{58, 64}, {139, 154}}},
      {"(3,2) @ (2,3)", B, A, {{39, 54, 69}, {49, 68, 87}, {59, 82, 105}}},
      {"(2,) @ (2,3)", {1, 2}, A, {9, 12, 15}},
      {"(2,3) @ (3,)", A, {1, 0, -1}, {-2, -2}},
      {"(3,) @ (3,)", {1, 2, 3}, {4, 5, 6}, 32},
      {"(1,3) @ (3,1)", {{1, 2, 3}}, {{4}, {5}, {6}}, {{32}}},
      {"(3,1) @ (1,2)", {{1}, {2}, {3}}, {{4, 5}}, {{4, 5}, {8, 10}, {12, 15}}},
    }
    for _, c in ipairs(cases) do
      for _, dtype in ipairs{"float64", "float32", "int64", "int32", "float16"} do
        it(c[1] .. " in " .. dtype, function()
          local a, b = cu.array(c[2], {dtype = dtype}), cu.array(c[3], {dtype = dtype})
          -- two vectors give one value: a Lua value, or with {array = true} a 0-d array
          local r = cu.matmul(a, b, {array = true})
          assert.are.equal(dtype, r.dtype)
          assert.are.equal(a.device, r.device)
          H.same(r, c[4])
          H.same(a:matmul(b), c[4])
          if a.ndim == 1 and b.ndim == 1 then assert.are.equal("number", type(cu.matmul(a, b))) end
        end)
      end
    end
  end)

  describe("transposed and strided operands", function()
    for _, dtype in ipairs{"float64", "float32", "int64"} do
      it("a.T, b.T and both (" .. dtype .. ")", function()
        local a, b = cu.array(A, {dtype = dtype}), cu.array(B, {dtype = dtype})
        H.same(cu.matmul(a.T, a), {{17, 22, 27}, {22, 29, 36}, {27, 36, 45}})
        H.same(cu.matmul(a, a.T), {{14, 32}, {32, 77}})
        H.same(cu.matmul(b.T, a.T), {{58, 139}, {64, 154}})
        H.same(cu.matmul(a.T, b.T), {{39, 49, 59}, {54, 68, 82}, {69, 87, 105}})
      end)

      it("flipped, broadcast and 1-d strided operands (" .. dtype .. ")", function()
        local a, b = cu.array(A, {dtype = dtype}), cu.array(B, {dtype = dtype})
        H.same(cu.matmul(a:flip(1), b), {{139, 154}, {58, 64}})
        H.same(cu.matmul(a:flip(), b), {{131, 146}, {50, 56}})
        H.same(cu.matmul(a, b:flip(2)), {{64, 58}, {154, 139}})
        -- a row broadcast to 3 rows (row stride 0)
        local row = cu.array({{1, 2}}, {dtype = dtype}):broadcast_to{3, 2}
        H.same(cu.matmul(row, cu.array({{1, 0}, {0, 1}}, {dtype = dtype})),
          {{1, 2}, {1, 2}, {1, 2}})
        -- every second element of a 1-d array
        local v = cu.array({1, 9, 0, 9, -1, 9}, {dtype = dtype}):reshape(3, 2).T[1]
        H.same(cu.matmul(a, v), {-2, -2})
        H.same(cu.matmul(v:flip(), b), {4, 4})
      end)
    end
  end)

  describe("batched", function()
    it("broadcasts the batch dims: (2,1,3,4) @ (5,4,2) -> (2,5,3,2)", function()
      local a = cu.arange(1, 25):reshape(2, 1, 3, 4) * 0.5
      local b = cu.arange(40):reshape(5, 4, 2) - 7
      local r = cu.matmul(a, b)
      assert.are.same({2, 5, 3, 2}, r.shape)
      H.same(r, {{{{-15, -10}, {-47, -34}, {-79, -58}}, {{25, 30}, {57, 70}, {89, 110}},
        {{65, 70}, {161, 174}, {257, 278}}, {{105, 110}, {265, 278}, {425, 446}},
        {{145, 150}, {369, 382}, {593, 614}}},
        {{{-111, -82}, {-143, -106}, {-175, -130}}, {{121, 150}, {153, 190}, {185, 230}},
        {{353, 382}, {449, 486}, {545, 590}}, {{585, 614}, {745, 782}, {905, 950}},
        {{817, 846}, {1041, 1078}, {1265, 1310}}}})
      -- the same in int32
      local ai = cu.arange(1, 25, {dtype = "int32"}):reshape(2, 1, 3, 4)
      local bi = cu.arange(40, {dtype = "int32"}):reshape(5, 4, 2) - 7
      H.same(cu.matmul(ai, bi):sum(), cu.matmul(ai:astype("float64"), bi:astype("float64")):sum())
    end)

    it("with a 2-d or 1-d operand against a stack", function()
      local s = cu.arange(12.0):reshape(2, 3, 2)
      H.same(cu.matmul(cu.array(A), s), {{{16, 22}, {34, 49}}, {{52, 58}, {124, 139}}})
      H.same(cu.matmul(s, cu.array{1, -1}), {{-1, -1, -1}, {-1, -1, -1}})
      H.same(cu.matmul(cu.array{1, 0, 1}, s), {{4, 6}, {16, 18}})
      H.same(cu.matmul(s:transpose(1, 3, 2), cu.array{1, 1, 1}), {{6, 9}, {24, 27}})
    end)

    it("batch dims that do not coalesce loop per block", function()
      local x = cu.arange(48.0):reshape(3, 2, 2, 4)
      local y = cu.arange(24.0):reshape(2, 3, 4, 1)
      local xt = x:transpose(2, 1, 3, 4) -- (2, 3, 2, 4), batch strides (16, 32)
      local r = cu.matmul(xt, y)
      assert.are.same({2, 3, 2, 1}, r.shape)
      local xh, yh = xt:totable(), y:totable()
      local want = {}
      for i = 1, 2 do
        want[i] = {}
        for j = 1, 3 do want[i][j] = ref_matmul(xh[i][j], yh[i][j]) end
      end
      H.same(r, want)
    end)

    it("size-0 batches, rows and columns give empty results", function()
      assert.are.same({0, 2, 2}, cu.matmul(cu.zeros{0, 2, 3}, cu.zeros{3, 2}).shape)
      assert.are.same({0, 2}, cu.matmul(cu.zeros{0, 3}, cu.zeros{3, 2}).shape)
      assert.are.same({2, 0}, cu.matmul(cu.zeros{2, 3}, cu.zeros{3, 0}).shape)
    end)
  end)

  describe("dtypes", function()
    it("k == 0 gives zeros", function()
      H.same(cu.matmul(cu.ones{2, 0}, cu.ones{0, 3}), {{0, 0, 0}, {0, 0, 0}})
      H.same(cu.matmul(cu.ones({0}, {dtype = "int32"}), cu.ones({0}, {dtype = "int32"})), 0)
      H.same(cu.matmul(cu.ones{2, 2, 0}, cu.ones{0, 1}), {{{0}, {0}}, {{0}, {0}}})
    end)

    it("integers wrap as NumPy's do; bool @ bool is bool", function()
      local r = cu.matmul(cu.array({{100}}, {dtype = "int8"}), cu.array({{2}}, {dtype = "int8"}))
      assert.are.equal("int8", r.dtype)
      H.same(r, {{-56}})
      local t = cu.matmul(cu.array{true, false}, cu.array{true, true}, {array = true})
      assert.are.equal("bool", t.dtype)
      H.same(t, true)
      assert.are.equal(true, cu.matmul(cu.array{true, false}, cu.array{true, true}))
      H.same(cu.matmul(cu.array{{true, false}, {false, false}}, cu.array{{false, true}, {true, true}}),
        {{false, true}, {false, false}})
      local u = cu.matmul(cu.array({{200, 1}}, {dtype = "uint8"}), cu.array({{1}, {100}},
        {dtype = "uint8"}))
      H.same(u, {{44}})
    end)

    it("promotes mixed operands", function()
      local r = cu.matmul(cu.ones({2, 2}, {dtype = "int32"}), cu.ones({2, 2}, {dtype = "float32"}))
      assert.are.equal("float64", r.dtype)
      H.same(r, {{2, 2}, {2, 2}})
      local s = cu.matmul(cu.array({1, 2}, {dtype = "int8"}), cu.array({3, 4}, {dtype = "int64"}),
                          {array = true})
      assert.are.equal("int64", s.dtype)
      H.same(s, 11)
      assert.are.equal("float32", cu.matmul(cu.ones({2, 2}, {dtype = "float16"}),
        cu.ones({2, 2}, {dtype = "float32"})).dtype)
    end)
  end)

  describe("out", function()
    it("writes the product into out", function()
      local o = cu.zeros{2, 2}
      assert.are.equal(o, cu.matmul(cu.array(A), cu.array(B), {out = o}))
      H.same(o, {{58, 64}, {139, 154}})
      local t = cu.zeros{2, 2}
      cu.matmul(cu.array(A), cu.array(B), {out = t.T})
      H.same(t, {{58, 139}, {64, 154}})
      local f = cu.zeros({2, 2}, {dtype = "float32"})
      cu.matmul(cu.array(A, {dtype = "int32"}), cu.array(B, {dtype = "int32"}), {out = f})
      H.same(f, {{58, 64}, {139, 154}})
    end)

    it("that is an operand", function()
      local a = cu.array{{1.0, 2.0}, {3.0, 4.0}}
      cu.matmul(a, a, {out = a})
      H.same(a, {{7, 10}, {15, 22}})
      local b = cu.array{{1.0, 2.0}, {3.0, 4.0}}
      cu.matmul(b, cu.array{{0.0, 1.0}, {1.0, 0.0}}, {out = b.T})
      H.same(b, {{2, 4}, {1, 3}})
    end)

    it("checks out", function()
      H.raises("matmul: out has shape (3, 3) but the result has shape (2, 2)", cu.matmul,
        cu.array(A), cu.array(B), {out = cu.zeros{3, 3}})
      H.raises("matmul: cannot cast the float64 result to out's dtype int64", cu.matmul,
        cu.array(A, {dtype = "float64"}), cu.array(B), {out = cu.zeros({2, 2}, {dtype = "int64"})})
    end)
  end)

  describe("errors", function()
    it("say which shapes do not align", function()
      H.raises("matmul: shapes (3,4) and (5,2) do not align (4 vs 5)", cu.matmul,
        cu.zeros{3, 4}, cu.zeros{5, 2})
      H.raises("matmul: shapes (3,) and (2,3) do not align (3 vs 2)", cu.matmul,
        cu.zeros{3}, cu.zeros{2, 3})
      H.raises("matmul: shapes (2,3) and (2,) do not align (3 vs 2)", cu.matmul,
        cu.zeros{2, 3}, cu.zeros{2})
      H.raises("matmul: the batch dims of shapes (2,3,4) and (5,4,2) cannot be broadcast (2 vs 5)",
        cu.matmul, cu.zeros{2, 3, 4}, cu.zeros{5, 4, 2})
    end)

    it("reject 0-d operands, non-arrays and unknown options", function()
      H.raises("matmul: operand 1 is 0-d", cu.matmul, cu.array(2), cu.zeros{2})
      H.raises("matmul: operand 2 is 0-d", cu.matmul, cu.zeros{2}, cu.array(2))
      H.raises("matmul: expected an array, got number", cu.matmul, cu.zeros{2}, 3)
      H.raises("matmul: expected an array, got table", cu.matmul, {1, 2}, cu.zeros{2})
      H.raises("matmul: unknown option 'outt'", cu.matmul, cu.zeros{2}, cu.zeros{2}, {outt = 1})
    end)
  end)

  describe("precision", function()
    after_each(function() cu.set_matmul_precision("highest") end)

    it("is highest by default and can allow TF32", function()
      assert.are.equal("highest", cu.get_matmul_precision())
      cu.set_matmul_precision("high")
      assert.are.equal("high", cu.get_matmul_precision())
      -- TF32 keeps about 10 bits of mantissa: close, not exact
      local a = cu.arange(1, 65, {dtype = "float32"}):reshape(8, 8) / 7
      local r = cu.matmul(a, a):sum()
      local exact = cu.matmul(a:astype("float64"), a:astype("float64")):sum()
      assert.is_true(math.abs(r - exact) <= 2e-3 * math.abs(exact))
      cu.set_matmul_precision("highest")
      assert.are.equal("highest", cu.get_matmul_precision())
      H.same(cu.matmul(a, a):sum(), exact, 1e-5)
    end)

    it("rejects other names", function()
      H.raises('set_matmul_precision: precision must be "highest" or "high", got medium',
        cu.set_matmul_precision, "medium")
      H.raises('set_matmul_precision: precision must be "highest" or "high", got no value',
        cu.set_matmul_precision)
    end)
  end)

  if dev == "cuda" then
    it("gives the CPU's answers on random operands", function()
      cu.random.seed(11)
      for _, case in ipairs{{{33, 17}, {17, 29}}, {{4, 65, 7}, {7, 3}}, {{2, 1, 8, 9}, {5, 9, 4}},
                            {{130}, {130, 7}}} do
        for _, dtype in ipairs{"float64", "float32"} do
          local a = cu.random.random(case[1], {dtype = dtype})
          local b = cu.random.random(case[2], {dtype = dtype})
          local want = cu.matmul(a:to("cpu"), b:to("cpu")):totable()
          H.same(cu.matmul(a, b), want, dtype == "float32" and 1e-5 or 1e-12)
          if a.ndim == 2 and b.ndim == 2 then
            H.same(cu.matmul(b.T, a.T), cu.matmul(b:to("cpu").T, a:to("cpu").T):totable(),
              dtype == "float32" and 1e-5 or 1e-12)
          end
        end
      end
    end)
  end
end)

H.each_device("dot, inner, outer, vdot", function()
  it("dot of 1-d and 2-d operands is matmul", function()
    H.same(cu.dot(cu.array{1, 2, 3}, cu.array{4, 5, 6}), 32)
    H.same(cu.dot(cu.array(A), cu.array(B)), {{58, 64}, {139, 154}})
    H.same(cu.array(A):dot(cu.array{1, 0, -1}), {-2, -2})
    H.same(cu.dot(cu.array{1, 2}, cu.array(A)), {9, 12, 15})
  end)

  it("dot of n-d operands sums over a's last and b's second-to-last axis", function()
    local x, y = cu.arange(24):reshape(2, 3, 4), cu.arange(40):reshape(2, 4, 5)
    local r = cu.dot(x, y)
    assert.are.same({2, 3, 2, 5}, r.shape)
    H.same(r, {{{{70, 76, 82, 88, 94}, {190, 196, 202, 208, 214}},
      {{190, 212, 234, 256, 278}, {630, 652, 674, 696, 718}},
      {{310, 348, 386, 424, 462}, {1070, 1108, 1146, 1184, 1222}}},
      {{{430, 484, 538, 592, 646}, {1510, 1564, 1618, 1672, 1726}},
      {{550, 620, 690, 760, 830}, {1950, 2020, 2090, 2160, 2230}},
      {{670, 756, 842, 928, 1014}, {2390, 2476, 2562, 2648, 2734}}}})
    H.same(cu.dot(x, cu.array{1, 0, 2, -1}), {{1, 9, 17}, {25, 33, 41}})
    H.same(cu.dot(cu.array(A), cu.arange(12.0):reshape(2, 3, 2)),
      {{{16, 22}, {52, 58}}, {{34, 49}, {124, 139}}})
    H.same(cu.dot(x:transpose(1, 3, 2), cu.arange(6):reshape(3, 2)):sum(), 1636)
  end)

  it("dot with a scalar multiplies", function()
    H.same(cu.dot(cu.array{1, 2}, 3), {3, 6})
    H.same(cu.dot(cu.array(2.5), cu.array{1, 2}), {2.5, 5})
  end)

  it("inner sums over the last axes", function()
    H.same(cu.inner(cu.array{1, 2, 3}, cu.array{4, 5, 6}), 32)
    H.same(cu.inner(cu.arange(6):reshape(2, 3), cu.arange(12):reshape(4, 3)),
      {{5, 14, 23, 32}, {14, 50, 86, 122}})
    H.same(cu.inner(cu.arange(12):reshape(2, 2, 3), cu.array{1, 2, 3}), {{8, 26}, {44, 62}})
    H.same(cu.inner(cu.array(A).T, cu.array(B)), {{39, 49, 59}, {54, 68, 82}, {69, 87, 105}})
    H.same(cu.inner(cu.array{1, 2}, 2), {2, 4})
  end)

  it("outer flattens both", function()
    H.same(cu.outer(cu.array{1, 2, 3}, cu.array{4, 5}), {{4, 5}, {8, 10}, {12, 15}})
    H.same(cu.outer(cu.array{{1, 2}, {3, 4}}, cu.array{1, -1}),
      {{1, -1}, {2, -2}, {3, -3}, {4, -4}})
    H.same(cu.outer(cu.array{{1, 2}, {3, 4}}.T, cu.array{1}), {{1}, {3}, {2}, {4}})
    assert.are.equal("float64", cu.outer(cu.array({1}, {dtype = "int32"}), cu.array{1.5}).dtype)
    assert.are.same({0, 2}, cu.outer(cu.zeros{0}, cu.zeros{2}).shape)
  end)

  it("vdot flattens both", function()
    H.same(cu.vdot(cu.array(A), cu.array(A)), 91)
    H.same(cu.vdot(cu.array(A).T, cu.array(B)), 1 * 7 + 4 * 8 + 2 * 9 + 5 * 10 + 3 * 11 + 6 * 12)
  end)

  it("products of two vectors are Lua values; {array = true} keeps the 0-d array", function()
    local u, v = cu.array{1.0, 2, 3}, cu.array{4.0, 5, 6}
    for _, f in ipairs({cu.dot, cu.inner, cu.vdot, cu.matmul}) do
      assert.are.equal(32, f(u, v))
      local r = f(u, v, {array = true})
      assert.is_true(cu.is_array(r))
      assert.are.equal(0, r.ndim)
      assert.are.equal(u.device, r.device)
      H.same(r, 32)
    end
    assert.are.equal(32, u:dot(v))
    assert.is_true(cu.dot(u, v) > 31)
    assert.are.equal(5, cu.linalg.norm(cu.array{3.0, 4}))
    assert.are.equal(5, cu.linalg.norm(cu.array{{3.0}, {4}}, "fro"))
    assert.is_true(cu.is_array(cu.linalg.norm(cu.array{3.0, 4}, {array = true})))
    assert.is_true(cu.is_array(cu.linalg.norm(cu.array{3.0, 4}, 2, 1)))
    assert.is_true(cu.is_array(cu.linalg.norm(cu.array{3.0, 4}, {keepdims = true})))
    assert.is_true(cu.is_array(cu.dot(cu.array(A), v:astype("float64"))))
  end)

  it("errors", function()
    H.raises("dot: shapes (2,3) and (2,3) do not align (3 vs 2)", cu.dot, cu.array(A), cu.array(A))
    H.raises("dot: shapes (2,3,4) and (2,3,5) do not align (4 vs 3)", cu.dot,
      cu.zeros{2, 3, 4}, cu.zeros{2, 3, 5})
    H.raises("inner: shapes (2,3) and (3,2) do not align on the last axis (3 vs 2)", cu.inner,
      cu.array(A), cu.array(B))
    H.raises("vdot: the arrays have different sizes (6 vs 3)", cu.vdot, cu.array(A),
      cu.array{1, 2, 3})
    H.raises("outer: expected an array, got string", cu.outer, "x", cu.zeros{2})
    H.raises("dot: expected an array, got table", cu.dot, {1}, cu.zeros{1})
    H.raises("dot: unknown option 'out'", cu.dot, cu.zeros{1}, cu.zeros{1}, {out = cu.zeros{}})
  end)
end)

H.each_device("linalg.norm", function()
  local norm = cu.linalg.norm
  local V = {3, -4, 12, 0}
  local M = {{1, -2, 3}, {-4, 5, -6}}

  describe("vectors", function()
    local cases = {
      {nil, 13}, {2, 13}, {1, 19}, {INF, 12}, {-INF, 0}, {0, 3}, {3, 12.207054953820636},
      {-1, 0}, {0.5, 51.78460969082653}, {"inf", 12}, {"-inf", 0},
    }
    for _, c in ipairs(cases) do
      it("ord " .. tostring(c[1]), function()
        H.same(norm(cu.array(V), c[1]), c[2], TOL)
        H.same(norm(cu.array(V), c[1], 1), c[2], TOL)
      end)
    end

    it("along an axis of a matrix", function()
      H.same(norm(cu.array(M), nil, 1), {4.123105625617661, 5.385164807134504, 6.708203932499369},
        TOL)
      H.same(norm(cu.array(M), nil, -1), {3.7416573867739413, 8.774964387392123}, TOL)
      H.same(norm(cu.array(M), 1, 2), {6, 15})
      H.same(norm(cu.array(M), INF, {1}), {4, 5, 6})
      H.same(norm(cu.array(M), nil, 2, {keepdims = true}),
        {{3.7416573867739413}, {8.774964387392123}}, TOL)
    end)
  end)

  describe("matrices", function()
    local cases = {{nil, 9.539392014169456}, {"fro", 9.539392014169456}, {1, 9}, {-1, 5},
      {INF, 15}, {-INF, 6}}
    for _, c in ipairs(cases) do
      it("ord " .. tostring(c[1]), function()
        H.same(norm(cu.array(M), c[1]), c[2], TOL)
        H.same(norm(cu.array(M), c[1], {1, 2}), c[2], TOL)
        H.same(norm(cu.array(M).T, c[1], {2, 1}), c[2], TOL)
      end)
    end

    it("over two axes of a stack", function()
      local t = cu.arange(24.0):reshape(2, 3, 4) - 10
      H.same(norm(t), 34.698703145794944, TOL)
      H.same(norm(t, nil, {2, 3}), {19.6468827043885, 28.600699292150182}, TOL)
      H.same(norm(t, 1, {1, 3}), {12, 12, 14})
      H.same(norm(t, -INF, {3, 2}), {11, 18})
      assert.are.same({2, 1, 1}, norm(t, nil, {2, 3}, {keepdims = true}).shape)
      assert.are.same({1, 1, 1}, norm(t, {keepdims = true}).shape)
      assert.are.same({1, 3, 1}, norm(t, 1, {1, 3}, {keepdims = true}).shape)
      H.same(norm(t, 1, {1, 3}, {keepdims = true}), {{{12}, {12}, {14}}})
    end)
  end)

  it("converts integers to float64 and keeps float32", function()
    local keep = {array = true}
    local r = norm(cu.array({3, 4}, {dtype = "int32"}), keep)
    assert.are.equal("float64", r.dtype)
    H.same(r, 5)
    assert.are.equal(5, norm(cu.array({3, 4}, {dtype = "int32"})))
    assert.are.equal("float32", norm(cu.array({3, 4}, {dtype = "float32"}), keep).dtype)
    assert.are.equal("float64", norm(cu.array({3, 0}, {dtype = "int8"}), 0, keep).dtype)
    H.same(norm(cu.array{true, false, true}, 1), 2)
  end)

  it("of empty arrays", function()
    H.same(norm(cu.zeros{0}), 0)
    H.same(norm(cu.zeros{0, 3}, 1), 0)
    H.raises("norm: zero-size array to reduction operation max which has no identity", norm,
      cu.zeros{0}, INF)
    H.raises("norm: zero-size array to reduction operation max which has no identity", norm,
      cu.zeros{3, 0}, 1)
  end)

  it("errors", function()
    H.raises("norm: invalid norm order 'fro' for vectors", norm, cu.array(V), "fro")
    H.raises("norm: array type float16 is unsupported in linalg", norm,
      cu.array(M, {dtype = "float16"}), 2)
    H.raises("norm: zero-size array to reduction operation max which has no identity", norm,
      cu.zeros{0, 0}, 2)
    H.raises("norm: invalid norm order 3 for matrices", norm, cu.array(M), 3)
    H.raises("norm: invalid norm order 'max'", norm, cu.array(M), "max")
    H.raises("norm: ord must be a number, 'fro', 'nuc', 'inf' or '-inf', got boolean", norm,
      cu.array(M), true)
    H.raises("norm: an ord without an axis needs a 1-d or 2-d array (got 3-d)", norm,
      cu.zeros{2, 2, 2}, 1)
    H.raises("norm: axis 3 is out of bounds for an array of dimension 2", norm, cu.array(M), nil, 3)
    H.raises("norm: duplicate axes given (1)", norm, cu.array(M), nil, {1, -2})
    H.raises("norm: axis must be one axis or a list of one or two axes (got 3)", norm,
      cu.zeros{2, 2, 2}, nil, {1, 2, 3})
    H.raises("norm: unknown option 'keepdim'", norm, cu.array(M), nil, nil, {keepdim = true})
    H.raises("norm: expected an array, got table", norm, {1, 2})
  end)
end)
