-- The direct paths of advanced indexing: a key whose only advanced entry is one boolean mask
-- (read by one compress pass after a count, assigned a scalar by one where pass), or one
-- integer array (read and written with the offsets computed on the way, the bounds checked
-- there), and the count and nonzero under every mask. Expected values are NumPy's (1.24),
-- with 1 added wherever an index is returned.
local cu = require "cuarray"
local H = require "helper"

local function ints(t, dtype) return cu.array(t, {dtype = dtype or "int64"}) end
local function bools(t) return cu.array(t, {dtype = "bool"}) end
-- 0 .. 23 as (2, 3, 4)
local function b234() return cu.arange(24):reshape(2, 3, 4) end

H.each_device("mask selection", function()
  it("selects the same elements whatever the item size", function()
    local m = bools{true, false, true, true, false}
    for _, dt in ipairs{"bool", "int8", "uint8", "int16", "float16", "bfloat16", "int32",
                        "float32", "int64", "float64", "complex64", "complex128"} do
      local a = cu.array({1, 0, 3, 4, 5}, {dtype = dt})
      local r = a[m]
      assert.are.equal(dt, r.dtype)
      if dt == "bool" then
        H.same(r, {true, true, true})
      elseif dt:match("^complex") then
        H.same(r.real, {1, 3, 4})
      else
        H.same(r, {1, 3, 4})
      end
    end
  end)

  it("keeps the dims a mask does not cover in their place", function()
    local b = b234()
    H.same(b[{{}, cu.equal(b[1] % 3, 0)}], {{0, 3, 6, 9}, {12, 15, 18, 21}})
    H.same(b[{2, cu.equal(b[1] % 3, 0)}], {12, 15, 18, 21})
    H.same(b[{"...", bools{true, false, true, true}}],
           {{{0, 2, 3}, {4, 6, 7}, {8, 10, 11}}, {{12, 14, 15}, {16, 18, 19}, {20, 22, 23}}})
    assert.are.same({2, 3, 3}, b[{"...", bools{true, false, true, true}}].shape)
  end)

  it("puts the mask's dim first when an integer is separated from it, as NumPy", function()
    local b = b234()
    local m = bools{true, false, true, true}
    H.same(b[{1, {}, m}], {{0, 4, 8}, {2, 6, 10}, {3, 7, 11}})
    H.same(b[{2, "...", m}], {{12, 16, 20}, {14, 18, 22}, {15, 19, 23}})
  end)

  it("reads strided, flipped and offset sources and masks", function()
    local c = cu.arange(12.0):reshape(3, 4)[{{nil, nil, -1}, {nil, nil, 2}}]
    H.same(c[bools{{true, false}, {false, true}, {true, true}}], {8, 6, 0, 2})
    H.same(cu.arange(10)[{{1, -1, 3}}][bools{true, false, true, true}], {0, 6, 9})
    local m = bools{false, true, false, true, true, false, true}
    H.same(cu.arange(6)[m[{{2, -1}}]], {0, 2, 3, 5})
    H.same(cu.arange(6)[m[{{6, 1, -1}}]], {1, 2, 4})
  end)

  it("gives empty results for no true element and for empty arrays", function()
    local a = cu.arange(5)
    local r = a[a:gt(10)]
    assert.are.same({0}, r.shape)
    assert.are.same({0}, cu.zeros(0)[cu.zeros(0, {dtype = "bool"})].shape)
    assert.are.same({2, 0}, b234()[{{}, cu.zeros({3, 4}, {dtype = "bool"})}].shape)
    assert.are.same({2, 0}, cu.zeros({2, 0})[{{}, cu.ones(0, {dtype = "bool"})}].shape)
  end)

  it("counts and selects long masks at every alignment", function()
    local n = 100003
    local a = cu.arange(n)
    for _, lead in ipairs{1, 2, 5, 16, 17} do
      local v = a[{{lead, -1}}]
      local m = cu.equal(v % 7, 3)
      local r = v[m]
      local first = 3
      while first < lead - 1 do first = first + 7 end
      local count = 0
      for x = first, n - 1, 7 do count = count + 1 end
      assert.are.equal(count, r.size)
      assert.are.equal(first, r[1])
      assert.are.equal(first + 7 * (count - 1), r[-1])
      assert.are.equal(count, cu.count_nonzero(m))
      local flat = cu.flatnonzero(m)
      assert.are.equal(count, flat.size)
      assert.are.equal(first - lead + 2, flat[1])
    end
  end)
end)

H.each_device("nonzero coordinates", function()
  it("writes the coordinates of 1 to 5 dims in C order", function()
    local b = b234()
    H.same(cu.argwhere(cu.equal(b % 5, 1)), {{1, 1, 2}, {1, 2, 3}, {1, 3, 4}, {2, 2, 1}, {2, 3, 2}})
    local a = cu.arange(72):reshape(2, 3, 2, 2, 3)
    H.same(cu.argwhere(cu.equal(a % 7, 2)),
           {{1, 1, 1, 1, 3}, {1, 1, 2, 2, 1}, {1, 2, 1, 2, 2}, {1, 2, 2, 2, 3}, {1, 3, 2, 1, 1},
            {2, 1, 1, 1, 2}, {2, 1, 2, 1, 3}, {2, 2, 1, 2, 1}, {2, 2, 2, 2, 2}, {2, 3, 1, 2, 3}})
    local rows = cu.nonzero(cu.equal(a % 7, 2))
    assert.are.equal(5, #rows)
    H.same(rows[5], {3, 1, 2, 3, 1, 2, 3, 1, 2, 3})
    H.same(cu.flatnonzero(cu.array{0, 2, 0, 0, 5}), {2, 5})
  end)

  it("selects through a 5-d mask that does not cover a trailing dim", function()
    local a = cu.arange(144):reshape(2, 3, 2, 2, 3, 2)
    local m = cu.equal(cu.arange(72):reshape(2, 3, 2, 2, 3) % 7, 2)
    local r = a[m]
    assert.are.same({10, 2}, r.shape)
    H.same(r[1], {4, 5})
    H.same(r[-1], {130, 131})
  end)
end)

H.each_device("mask assignment of a scalar", function()
  it("sets the true elements, the mask broadcast over the dims it does not cover", function()
    local z = cu.arange(12):reshape(3, 4)
    z[{{}, bools{true, false, false, true}}] = -1
    H.same(z, {{-1, 1, 2, -1}, {-1, 5, 6, -1}, {-1, 9, 10, -1}})
    local w = cu.arange(6):astype("float64"):reshape(2, 3)
    w[w:gt(2)] = 0 / 0
    H.same(w, {{0, 1, 2}, {H.nan, H.nan, H.nan}})
    local t = cu.arange(8):reshape(2, 4).T
    t[cu.equal(t % 3, 0)] = 100
    H.same(t, {{100, 4}, {1, 5}, {2, 100}, {100, 7}})
  end)

  it("reads a mask that lies in the target before writing", function()
    local b = bools{true, false, true, false, true}
    b[b] = false
    H.same(b, {false, false, false, false, false})
    local c = bools{true, false, false, false, false}
    c[{{2, -1}}][c[{{1, -2}}]] = true
    H.same(c, {true, true, false, false, false})
    local d = cu.zeros(2000, {dtype = "bool"}) -- a shift longer than any buffer of the CPU's
    d[1] = true
    d[{{601, -1}}][d[{{1, -601}}]] = true
    assert.are.equal(2, cu.count_nonzero(d))
    assert.is_true(d[601])
  end)

  it("converts the scalar as NumPy 2 does, and refuses what does not fit", function()
    local u = cu.zeros(3, {dtype = "uint8"})
    u[bools{true, false, true}] = 255
    H.same(u, {255, 0, 255})
    H.raises("index assignment: Lua integer 256 is out of bounds for uint8",
             function() u[bools{true, false, true}] = 256 end)
    H.raises("index assignment: cannot convert float NaN to integer (uint8)",
             function() u[bools{true, false, true}] = 0 / 0 end)
    local h = cu.zeros(2, {dtype = "float16"})
    h[bools{false, true}] = 1 / 3
    assert.are.equal(0.333251953125, h[2])
    local x = cu.zeros(2, {dtype = "complex128"})
    x[bools{true, false}] = 2.5
    H.same(x.real, {2.5, 0})
  end)
end)

H.each_device("one integer index array", function()
  it("gathers with every index dtype, negative indices included", function()
    local a = cu.arange(10, 20)
    for _, dt in ipairs{"int8", "uint8", "int16", "uint16", "int32", "uint32", "int64"} do
      H.same(a[ints({1, 10, 3, 3}, dt)], {10, 19, 12, 12})
    end
    H.same(a[ints{-1, -10, 2}], {19, 10, 11})
    H.same(a[ints{{1, 2}, {-1, -2}}], {{10, 11}, {19, 18}})
  end)

  it("gathers along any axis of strided arrays, with strided indices", function()
    local b = b234()
    H.same(b[{{}, {}, ints{4, 1}}], {{{3, 0}, {7, 4}, {11, 8}}, {{15, 12}, {19, 16}, {23, 20}}})
    H.same(b.T[{ints{2}}], {{{1, 13}, {5, 17}, {9, 21}}})
    local idx = ints{3, 9, 1, 9, 2}[{{1, -1, 2}}]
    H.same(cu.arange(3)[idx], {2, 0, 1})
    H.same(cu.arange(5)[{{nil, nil, -1}}][ints{1, 2}], {4, 3})
  end)

  it("names the offending index, and checks it even when nothing is selected", function()
    local a = cu.arange(5)
    H.raises("index 6 is out of bounds for axis 1 with size 5", function() return a[ints{1, 6}] end)
    H.raises("index -6 is out of bounds for axis 1 with size 5", function() return a[ints{-6}] end)
    H.raises("index 0 is invalid: indices start at 1 (axis 1)", function() return a[ints{0}] end)
    local e = cu.zeros({0, 3})
    H.raises("index 4 is out of bounds for axis 2 with size 3",
             function() return e[{{}, ints{4}}] end)
    assert.are.same({0, 1}, e[{{}, ints{3}}].shape)
    assert.are.same({0}, a[ints({}, "int64")].shape)
  end)

  it("scatters with conversion, and writes nothing when an index is out of range", function()
    local z = cu.zeros(5, {dtype = "int32"})
    z[ints{1, -1}] = cu.array{2.7, -3.5}
    H.same(z, {2, 0, 0, 0, -3})
    H.raises("index 10 is out of bounds for axis 1 with size 5",
             function() z[ints{2, 3, 10, 4}] = 7 end)
    H.same(z, {2, 0, 0, 0, -3})
    H.raises("index 0 is invalid: indices start at 1 (axis 1)",
             function() z[ints{2, 0}] = cu.array{1, 1} end)
    H.same(z, {2, 0, 0, 0, -3})
    local m = cu.zeros({2, 3})
    m[{{}, ints{3, 1}}] = cu.array{{1, 2}, {3, 4}}
    H.same(m, {{2, 0, 1}, {4, 0, 3}})
  end)

  it("takes through the same path", function()
    local a = cu.arange(12):reshape(3, 4)
    H.same(cu.take(a, ints{12, 1}), {11, 0})
    H.raises("take: index 13 is out of bounds for axis 1 with size 12",
             function() return cu.take(a, ints{13}) end)
  end)
end)
