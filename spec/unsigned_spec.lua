-- uint16 and uint32: arithmetic that wraps at the dtype's width, unsigned division, shifts,
-- comparisons, conversions both ways, weak scalars, reductions, sorting, matmul, random
-- integers and printing, on every device. Expected values are NumPy's (NEP 50).
local cu = require "cuarray"
local H = require "helper"

-- x and y for each dtype (M - 1 is the largest value), and NumPy's results of op(x, y)
local M = {uint16 = 65536, uint32 = 4294967296}
local function cases(m)
  return {
    x = {m - 1, 7, 0, 5, 300},
    y = {2, 3, 0, 0, m - 2},
    binary = {
      add = {1, 10, 0, 5, 298},
      subtract = {m - 3, 4, 0, 5, 302},
      floor_divide = {m / 2 - 1, 2, 0, 0, 0},
      mod = {1, 1, 0, 0, 300},
      fmod = {1, 1, 0, 0, 300},
      maximum = {m - 1, 7, 0, 5, m - 2},
      minimum = {2, 3, 0, 0, 300},
      bitwise_and = {2, 3, 0, 0, 300},
      bitwise_or = {m - 1, 7, 0, 5, m - 2},
      bitwise_xor = {m - 3, 4, 0, 5, m - 302},
      less = {false, false, false, false, true},
      greater_equal = {true, true, true, true, false},
      gcd = {1, 1, 0, 5, 2},
    },
    unary = {
      negative = {1, m - 7, 0, m - 5, m - 300},
      abs = {m - 1, 7, 0, 5, 300},
      sign = {1, 1, 0, 1, 1},
      invert = {0, m - 8, m - 1, m - 6, m - 301},
      reciprocal = {0, 0, 0, 0, 0},
      logical_not = {false, false, true, false, false},
    },
  }
end

H.each_device("unsigned arithmetic", function(dev)
  for _, dt in ipairs({"uint16", "uint32"}) do
    local m, c = M[dt], cases(M[dt])
    local x, y = cu.array(c.x, {dtype = dt, device = dev}), cu.array(c.y, {dtype = dt, device = dev})
    for f, want in pairs(c.binary) do
      it(dt .. " " .. f, function()
        local r = cu[f](x, y)
        assert.are.equal(type(want[1]) == "boolean" and "bool" or dt, r.dtype)
        H.same(r, want)
      end)
    end
    for f, want in pairs(c.unary) do
      it(dt .. " " .. f, function()
        local r = cu[f](x)
        assert.are.equal(type(want[1]) == "boolean" and "bool" or dt, r.dtype)
        H.same(r, want)
      end)
    end

    it(dt .. " multiplies, squares and raises to powers modulo 2^width", function()
      local want = dt == "uint16" and {65534, 21, 0, 0, 64936} or {4294967294, 21, 0, 0, 4294966696}
      H.same(x * y, want)
      local sq = dt == "uint16" and {1, 49, 0, 25, 24464} or {1, 49, 0, 25, 90000}
      H.same(cu.square(x), sq)
      local p = cu.power(cu.array({3, 2, 0}, {dtype = dt}), cu.array({20, 40, 0}, {dtype = dt}))
      H.same(p, dt == "uint16" and {7057, 0, 1} or {3486784401, 0, 1})
    end)

    it(dt .. " shifts by counts below, at and beyond the width", function()
      local v = cu.array({m / 2, 7, 0, 5, 300}, {dtype = dt})
      H.same(cu.right_shift(v, 3), {m / 16, 0, 0, 0, 37})
      H.same(cu.left_shift(x, 3), {m - 8, 56, 0, 40, 2400})
      H.same(cu.right_shift(x, cu.full(5, 40, {dtype = dt})), {0, 0, 0, 0, 0})
      H.same(cu.left_shift(x, cu.full(5, 40, {dtype = dt})), {0, 0, 0, 0, 0})
    end)

    it(dt .. " takes Lua numbers as weak scalars that must fit", function()
      H.same(x + 1, {0, 8, 1, 6, 301})
      H.same(x - 1, {m - 2, 6, m - 1, 4, 299})
      H.same(2 * x, {m - 2, 14, 0, 10, 600})
      assert.are.equal(dt, (x + 1).dtype)
      assert.are.equal("float64", (x + 0.5).dtype)
      assert.are.equal(dt, (x + true).dtype)
      H.raises("add: Lua integer -1 is out of bounds for " .. dt, function() return x + -1 end)
      H.raises("out of bounds for " .. dt, function() return x * m end)
      -- NumPy 2 compares out-of-range Python integers exactly
      H.same(x:lt(-1), {false, false, false, false, false})
      H.same(x:lt(m), {true, true, true, true, true})
      H.same(x:eq(m - 1), {true, false, false, false, false})
    end)

    it(dt .. " divides into float64 and takes math functions in " ..
       (dt == "uint16" and "float32" or "float64"), function()
      local q = x / cu.full(5, 2, {dtype = dt})
      assert.are.equal("float64", q.dtype)
      H.same(q, {(m - 1) / 2, 3.5, 0, 2.5, 150})
      local s = cu.sqrt(x)
      assert.are.equal(dt == "uint16" and "float32" or "float64", s.dtype)
      H.same(s, {math.sqrt(m - 1), math.sqrt(7), 0, math.sqrt(5), math.sqrt(300)}, 1e-6)
    end)

    it(dt .. " promotes as NumPy 2 with the other integers", function()
      assert.are.equal(dt == "uint16" and "int32" or "int64", (x + cu.ones(5, {dtype = "int8"})).dtype)
      assert.are.equal(dt, (x + cu.ones(5, {dtype = "uint8"})).dtype)
      assert.are.equal(dt == "uint16" and "float32" or "float64",
        (x + cu.ones(5, {dtype = "float16"})).dtype)
      H.same(x + cu.full(5, -1, {dtype = "int8"}), {m - 2, 6, -1, 4, 299})
    end)
  end
end)

H.each_device("unsigned conversions", function()
  it("converts to and from the other dtypes as NumPy's astype", function()
    local u16 = cu.array({65535, 32768}, {dtype = "uint16"})
    H.same(u16:astype("int16"), {-1, -32768})
    H.same(u16:astype("int64"), {65535, 32768})
    H.same(u16:astype("float16"), {H.inf, 32768})
    H.same(u16:astype("uint8"), {255, 0})
    H.same(cu.array({-1, 3.7, 70000}):astype("uint16"), {65535, 3, 4464})
    H.same(cu.array({-1, 70000}):astype("uint16"), {65535, 4464})
    local u32 = cu.array({4294967295, 16777217}, {dtype = "uint32"})
    H.same(u32:astype("float32"), {4294967296, 16777216})
    H.same(u32:astype("int32"), {-1, 16777217})
    H.same(u32:astype("float64"), {4294967295, 16777217})
    H.same(cu.array({-1, 4294967296 + 5}):astype("uint32"), {4294967295, 5})
    H.same(cu.array({true, false}):astype("uint32"), {1, 0})
    H.same(u32:astype("bool"), {true, true})
    H.same(u32:astype("uint16"), {65535, 1})
  end)

  it("gives exact Lua values for elements, items and tables", function()
    local a = cu.array({{4294967295, 1}}, {dtype = "uint32"})
    assert.are.equal(4294967295, a[{1, 1}])
    assert.are.equal(4294967295, a[{{1}, {1}}]:item())
    assert.are.same({{4294967295, 1}}, a:totable())
    assert.are.equal(4294967296, a:sum())
    assert.are.equal(65535, cu.array({65535}, {dtype = "uint16"}):item())
  end)

  it("wraps at the dtype's width before casting into an out of another dtype", function()
    local o = cu.zeros(2)
    local a = cu.array({65535, 7}, {dtype = "uint16"})
    cu.add(a, cu.ones(2, {dtype = "uint16"}), {out = o})
    H.same(o, {0, 8})
    local w = cu.zeros(1, {dtype = "int64"})
    cu.multiply(cu.array({4294967295}, {dtype = "uint32"}), 2, {out = w})
    H.same(w, {4294967294})
  end)

  it("assigns numbers, which must fit", function()
    local a = cu.zeros(3, {dtype = "uint32"})
    a[1] = 4294967295
    a[{{2, 3}}] = 7
    H.same(a, {4294967295, 7, 7})
    local b = cu.full(2, 65535, {dtype = "uint16"})
    H.same(b, {65535, 65535})
  end)

  it("prints as NumPy", function()
    assert.are.equal("array([    1,     2, 65535], dtype=uint16)",
      H.printed(cu.array({1, 2, 65535}, {dtype = "uint16"})))
    assert.are.equal("array([         0, 4294967295], dtype=uint32)",
      H.printed(cu.array({0, 4294967295}, {dtype = "uint32"})))
    assert.are.equal("array(7, dtype=uint32)", H.printed(cu.full({}, 7, {dtype = "uint32"})))
  end)
end)

H.each_device("unsigned reductions, sorting and products", function()
  for _, dt in ipairs({"uint16", "uint32"}) do
    local m = M[dt]
    local x = cu.array({m - 1, 7, 0, 5, 300}, {dtype = dt})

    it(dt .. " sums and multiplies in uint64, as NumPy", function()
      assert.are.equal(m + 311, x:sum())
      assert.are.equal("uint64", x:sum({array = true}).dtype)
      assert.are.equal("uint64", cu.cumsum(x).dtype)
      assert.are.equal("uint64", cu.cumprod(x).dtype)
      assert.are.equal(0, x:prod())
      H.same(cu.cumsum(x), {m - 1, m + 6, m + 6, m + 11, m + 311})
      assert.are.equal(dt, x:sum({dtype = dt, array = true}).dtype)
      H.same(x:sum(1, {dtype = dt, keepdims = true}), {311})
    end)

    it(dt .. " finds extremes, positions and means by unsigned value", function()
      assert.are.equal(m - 1, x:max())
      assert.are.equal(0, x:min())
      assert.are.equal(1, x:argmax())
      assert.are.equal(3, x:argmin())
      assert.are.equal(dt, x:max({array = true}).dtype)
      H.same(x:mean(), (m + 311) / 5, 1e-12)
      assert.are.equal(m - 1, x:ptp())
    end)

    it(dt .. " sorts, searches and counts by unsigned value", function()
      H.same(cu.sort(x), {0, 5, 7, 300, m - 1})
      H.same(cu.argsort(x), {3, 4, 2, 5, 1})
      H.same(cu.sort(x, {descending = true}), {m - 1, 300, 7, 5, 0})
      local s = cu.array({0, 5, m - 1}, {dtype = dt})
      H.same(cu.searchsorted(s, cu.array({m - 1, 6}, {dtype = dt})), {3, 3})
      local u = cu.unique(cu.array({3, m - 1, 3, 0}, {dtype = dt}), {return_counts = true})
      H.same(u.values, {0, 3, m - 1})
      H.same(u.counts, {1, 2, 1})
      H.same(cu.bincount(cu.array({0, 2, 2}, {dtype = dt})), {1, 0, 2})
    end)

    it(dt .. " multiplies matrices modulo 2^width", function()
      local a = cu.array({{1, 2}, {m - 1, 4}}, {dtype = dt})
      local p = cu.matmul(a, a)
      assert.are.equal(dt, p.dtype)
      H.same(p, {{m - 1, 10}, {m - 5, 14}})
    end)

    it(dt .. " draws random integers in range", function()
      local r = cu.random.randint(m - 10, m, {1000}, {dtype = dt})
      assert.are.equal(dt, r.dtype)
      assert.is_true(r:min() >= m - 10 and r:max() <= m - 1)
      H.raises("out of bounds for " .. dt, cu.random.randint, -1, 5, {3}, {dtype = dt})
    end)
  end
end)
