-- Reading through a[key]: integers, inclusive ranges, cu.newaxis, "...", integer and boolean
-- array indices; take, nonzero, flatnonzero, argwhere, concatenate, stack. Expected values
-- are NumPy's (1.24), with 1 added wherever an index is returned.
local cu = require "cuarray"
local H = require "helper"

-- [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
local function a34() return cu.arange(1, 13):reshape(3, 4) end
-- 0 .. 23 as (2, 3, 4)
local function b234() return cu.arange(24):reshape(2, 3, 4) end
local function ints(t, dtype) return cu.array(t, {dtype = dtype or "int64"}) end

H.each_device("integer indexing", function()
  it("a[i] on a 1-d array gives a Lua value, as a Lua table would", function()
    local v = cu.arange(10, 15)
    assert.are.equal(10, v[1])
    assert.are.equal(14, v[5])
    assert.are.equal(14, v[-1])
    assert.are.equal(10, v[-5])
    assert.are.equal("number", type(v[3]))
    assert.are.equal(2.5, cu.array{1.5, 2.5}[2])
    assert.are.equal(true, cu.array{false, true}[2])
    assert.are.equal(false, cu.array{false, true}[-2])
  end)

  it("a[i] on an n-d array is a view of one slice along the first axis", function()
    local a = a34()
    local r = a[2]
    H.same(r, {5, 6, 7, 8})
    H.same(a[-1], {9, 10, 11, 12})
    assert.are.equal(7, a[2][3])
    r[1] = 50
    assert.are.equal(50, a[{2, 1}])
    local b = b234()
    H.same(b[2], {{12, 13, 14, 15}, {16, 17, 18, 19}, {20, 21, 22, 23}})
    assert.are.same({3, 4}, b[2].shape)
  end)

  it("a[{i, j}] with every axis an integer gives a Lua value", function()
    local a = a34()
    assert.are.equal(7, a[{2, 3}])
    assert.are.equal(12, a[{-1, -1}])
    assert.are.equal(1, a[{-3, -4}])
    assert.are.equal(17, b234()[{2, 2, 2}])
    assert.are.equal(8, a:astype("float32")[{2, 4}])
  end)

  it("an empty key selects the whole array; a 0-d array gives its value", function()
    local a = a34()
    H.same(a[{}], a:totable())
    local z = cu.array(3.5)
    assert.are.equal(3.5, z[{}])
    local e = z[{"..."}]
    assert.is_true(cu.is_array(e))
    assert.are.equal(0, e.ndim)
    assert.are.equal(3.5, e:item())
  end)

  it("indexes non-contiguous and flipped views", function()
    local a = a34()
    H.same(a.T[2], {2, 6, 10})
    assert.are.equal(8, a.T[{4, 2}])
    local f = a:flip()
    H.same(f[1], {12, 11, 10, 9})
    assert.are.equal(1, f[{-1, -1}])
  end)
end)

H.each_device("ranges", function()
  -- Each {s, e, step} on 1 .. 10 against NumPy's v[start:stop:step].
  local cases = {
    {{2, 5}, {2, 3, 4, 5}},
    {{2, 5, 2}, {2, 4}},
    {{5, 1, -1}, {5, 4, 3, 2, 1}},
    {{-3, -1}, {8, 9, 10}},
    {{}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
    {{3}, {3}},
    {{-1}, {10}},
    {{nil, 4}, {1, 2, 3, 4}},
    {{7, nil, 1}, {7, 8, 9, 10}},
    {{nil, nil, -1}, {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
    {{nil, nil, 3}, {1, 4, 7, 10}},
    {{8, nil, -3}, {8, 5, 2}},
    {{1, 10, 4}, {1, 5, 9}},
    {{10, 1, -4}, {10, 6, 2}},
    {{nil, -8, -1}, {10, 9, 8, 7, 6, 5, 4, 3}},
    {{-1, -3, -1}, {10, 9, 8}},
    -- clipped as NumPy slices: past the end is empty, not an error
    {{11, 20}, {}},
    {{-20, 3}, {1, 2, 3}},
    {{-12, -9}, {1, 2}},
    {{20, 5, -1}, {10, 9, 8, 7, 6, 5}},
    {{4, 2}, {}},
    {{2, 4, -1}, {}},
    {{11}, {}},
  }
  for _, c in ipairs(cases) do
    local r, want = c[1], c[2]
    local name = ("{%s, %s, %s}"):format(tostring(r[1]), tostring(r[2]), tostring(r[3]))
    it("range " .. name, function()
      local v = cu.arange(1, 11)
      local got = v[{r}]
      assert.is_true(cu.is_array(got))
      assert.are.same({#want}, got.shape)
      H.same(got, want)
    end)
  end

  it("a bare range key is the first axis", function()
    local a = a34()
    H.same(a[{{2, 3}}], {{5, 6, 7, 8}, {9, 10, 11, 12}})
  end)

  it("mixes ranges and integers per axis; missing trailing entries are whole axes", function()
    local a = a34()
    H.same(a[{{}, {2, 3}}], {{2, 3}, {6, 7}, {10, 11}})
    H.same(a[{{3, 1, -1}, {4, 1, -2}}], {{12, 10}, {8, 6}, {4, 2}})
    H.same(a[{2, {2, 4}}], {6, 7, 8})
    H.same(a[{{2, 3}, -1}], {8, 12})
    H.same(a[{{2}}], {{5, 6, 7, 8}})
    assert.are.same({1, 4}, a[{{2}}].shape)
    local b = b234()
    H.same(b[{2, {nil, nil, 2}}], {{12, 13, 14, 15}, {20, 21, 22, 23}})
    assert.are.same({2, 1, 2}, b[{{}, {3}, {2, 3}}].shape)
    H.same(b[{{}, {3}, {2, 3}}], {{{9, 10}}, {{21, 22}}})
  end)

  it("gives views sharing memory: writing through a slice changes the base", function()
    local a = a34()
    local v = a[{{}, 2}]
    assert.are.same({3}, v.shape)
    v[1] = 100
    assert.are.equal(100, a[{1, 2}])
    local w = a[{{2, 3}, {2, 3}}]
    w[{2, 2}] = -7
    assert.are.equal(-7, a[{3, 3}])
    -- strides in elements: every other column of a row-major (3, 4)
    local s = a[{{}, {1, 4, 2}}]
    assert.are.same({4, 2}, s.strides)
    assert.is_false(s.is_contiguous)
  end)

  it("negative steps give flipped views", function()
    local a = a34()
    local r = a[{{3, 1, -1}}]
    assert.are.same({-4, 1}, r.strides)
    H.same(r, {{9, 10, 11, 12}, {5, 6, 7, 8}, {1, 2, 3, 4}})
    r[{1, 1}] = 0
    assert.are.equal(0, a[{3, 1}])
    H.same(a[{{}, {nil, nil, -1}}][2], {8, 7, 6, 5})
  end)

  it("empty ranges give empty views", function()
    local a = a34()
    local e = a[{{5, 9}}]
    assert.are.same({0, 4}, e.shape)
    assert.are.equal(0, e.size)
    assert.are.same({3, 0}, a[{{}, {3, 2}}].shape)
    assert.are.same({0}, a[{{4, 3}, 1}].shape)
    -- indexing an empty array with a range stays empty
    assert.are.same({0, 4}, e[{{1, 2}}].shape)
  end)
end)

H.each_device("newaxis and ellipsis", function()
  it("cu.newaxis inserts an axis of size 1", function()
    local a = a34()
    assert.are.same({1, 3, 4}, a[{cu.newaxis}].shape)
    assert.are.same({3, 1, 4}, a[{{}, cu.newaxis}].shape)
    assert.are.same({3, 4, 1}, a[{"...", cu.newaxis}].shape)
    assert.are.same({1, 3, 4}, a[cu.newaxis].shape)
    H.same(a[{2, cu.newaxis, {2, 3}}], {{6, 7}})
    assert.are.equal("cu.newaxis", tostring(cu.newaxis))
  end)

  it('"..." stands for as many whole axes as needed', function()
    local b = b234()
    assert.are.same({2, 3}, b[{"...", 1}].shape)
    H.same(b[{"...", 1}], {{0, 4, 8}, {12, 16, 20}})
    H.same(b[{1, "..."}], {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}})
    H.same(b[{2, "...", {3, 4}}], {{14, 15}, {18, 19}, {22, 23}})
    assert.are.same({2, 3, 4}, b[{"..."}].shape)
    local z = b[{1, 2, 3, "..."}]
    assert.is_true(cu.is_array(z))
    assert.are.equal(0, z.ndim)
    assert.are.equal(6, z:item())
    assert.are.same({2, 1, 3, 4}, b[{{}, cu.newaxis, "..."}].shape)
  end)

  it("views through newaxis and ellipsis share memory", function()
    local b = b234()
    local v = b[{"...", 2}]
    v[{2, 3}] = 99
    assert.are.equal(99, b[{2, 3, 2}])
    local n = b[{cu.newaxis, 1}]
    n[{1, 1, 1}] = -1
    assert.are.equal(-1, b[{1, 1, 1}])
  end)
end)

H.each_device("integer array indexing", function(dev)
  it("a[int_array] selects along the first axis, as a copy", function()
    local a = a34()
    local r = a[ints{3, 1}]
    H.same(r, {{9, 10, 11, 12}, {1, 2, 3, 4}})
    r[{1, 1}] = 0
    assert.are.equal(9, a[{3, 1}])
    local v = cu.arange(10, 15)
    H.same(v[ints{5, 1, -1, 2, 2}], {14, 10, 14, 11, 11})
    H.same(v[ints({{1, 2}, {-1, -2}})], {{10, 11}, {14, 13}})
  end)

  it("accepts every integer dtype as indices", function()
    local v = cu.arange(10, 15)
    for _, dt in ipairs{"int8", "uint8", "int16", "int32", "int64"} do
      H.same(v[ints({3, 1}, dt)], {12, 10})
    end
    H.same(v[ints({-1, -5}, "int8")], {14, 10})
  end)

  it("pairs index arrays across axes and broadcasts them (NumPy's rules)", function()
    local a = a34()
    H.same(a[{ints{1, 3}, ints{2, 4}}], {2, 12})
    H.same(a[{ints{3, 1}, {2, 3}}], {{10, 11}, {2, 3}})
    H.same(a[{{}, ints{-1, 1, -1}}], {{4, 1, 4}, {8, 5, 8}, {12, 9, 12}})
    local b = b234()
    local r = b[{ints({{2}, {1}}), ints{1, 3}}]
    assert.are.same({2, 2, 4}, r.shape)
    H.same(r, {{{12, 13, 14, 15}, {20, 21, 22, 23}}, {{0, 1, 2, 3}, {8, 9, 10, 11}}})
  end)

  it("puts the index dims first when the advanced indices are separated", function()
    local b = b234()
    -- b[[0, 1], :, [3, 0]] in NumPy: shape (2, 3)
    local r = b[{ints{1, 2}, {}, ints{4, 1}}]
    assert.are.same({2, 3}, r.shape)
    H.same(r, {{3, 7, 11}, {12, 16, 20}})
    -- an integer counts as an advanced index: b[0, :, [1, 3]] is (2, 3)
    H.same(b[{1, {}, ints{2, 4}}], {{1, 5, 9}, {3, 7, 11}})
    -- adjacent: b[:, [2, 0], 0] is (2, 2) in place
    H.same(b[{{}, ints{3, 1}, 1}], {{8, 0}, {20, 12}})
    -- newaxis separates: b[:, [0, 1], None, [0, 1]] is (2, 2, 1)
    assert.are.same({2, 2, 1}, b[{{}, ints{1, 2}, cu.newaxis, ints{1, 2}}].shape)
    assert.are.same({2, 1, 3}, b[{cu.newaxis, ints{1, 2}, {}, ints{1, 2}}].shape)
  end)

  it("gives a Lua value for a 0-d result, and empty results for empty indices", function()
    local v = cu.arange(10, 15)
    assert.are.equal(12, v[cu.array(3)])
    local z = v[{cu.array(3), "..."}] -- with "..." a 0-d result stays an array, as NumPy's
    assert.are.equal(0, z.ndim)
    assert.are.equal(12, z:item())
    assert.are.equal(7, a34()[{ints{2}, ints{3}}][1])
    local e = a34()[cu.zeros(0, {dtype = "int64"})]
    assert.are.same({0, 4}, e.shape)
    assert.are.same({3, 0}, a34()[{{}, cu.zeros(0, {dtype = "int32"})}].shape)
  end)

  it("indexes non-contiguous and flipped arrays", function()
    local a = a34()
    H.same(a.T[ints{4, 1}], {{4, 8, 12}, {1, 5, 9}})
    H.same(a:flip(2)[{ints{1, 3}, ints{1, 4}}], {4, 9})
    H.same(a[{{nil, nil, 2}, {nil, nil, -2}}][ints{2, 1}], {{12, 10}, {4, 2}})
  end)

  it("keeps the dtype", function()
    local f = cu.array({1.5, -2.5, 3.25}, {dtype = "float32"})
    local r = f[ints{3, 1}]
    assert.are.equal("float32", r.dtype)
    H.same(r, {3.25, 1.5})
    local n = cu.array{1, H.nan, 3}[ints{2, 2}]
    H.same(n, {H.nan, H.nan})
    H.same(cu.array{true, false}[ints{2, 1, 2}], {false, true, false})
  end)

  -- A 1-d gather runs several elements a thread on a GPU: sizes around the block's multiple,
  -- every element size, strided sources, indices and results, each index dtype.
  it("gathers along one axis at any size, element size and stride", function()
    for _, n in ipairs({1, 3, 255, 1023, 1025, 4099}) do
      local idx = {}
      for i = 1, n do idx[i] = ((i * 7919) % 300) - 150 end -- negative ones too
      for k = 1, n do if idx[k] >= 0 then idx[k] = idx[k] + 1 end end
      local want = {}
      for i = 1, n do want[i] = idx[i] > 0 and idx[i] or 301 + idx[i] end
      for _, dt in ipairs({"int8", "int16", "float32", "float64", "complex128"}) do
        local src = cu.arange(1, 301):astype(dt)
        local exp = cu.array(want):astype(dt):totable()
        for _, idt in ipairs({"int64", "int32", "int16"}) do
          H.same(src[cu.array(idx, {dtype = idt})], exp)
        end
        -- a strided source (every other element of 600), strided indices, a strided result
        local wide = cu.zeros(600, {dtype = dt})
        wide[{{1, -1, 2}}] = src
        local sidx = cu.zeros(2 * n, {dtype = "int64"})
        sidx[{{1, -1, 2}}] = cu.array(idx, {dtype = "int64"})
        local out = cu.zeros(3 * n, {dtype = dt})
        out[{{1, -1, 3}}] = wide[{{1, -1, 2}}][sidx[{{1, -1, 2}}]]
        H.same(out[{{1, -1, 3}}], exp)
      end
    end
    local big = cu.arange(1, 2001, {dtype = "float32"})
    H.raises("index 2001 is out of bounds for axis 1 with size 2000",
      function() return big[cu.array({1, 5, 2001, 7}, {dtype = "int64"})] end)
    H.raises("index -2001 is out of bounds for axis 1 with size 2000",
      function() return big[cu.concatenate({cu.ones(5000, {dtype = "int64"}), cu.array({-2001})})] end)
  end)

  -- Large enough that the CPU splits the gather and the check among its threads: the error
  -- names the first bad index in C order there (a GPU names one of them), nothing is written,
  -- and of duplicate indices the last value wins (a GPU keeps one of them).
  it("reports a bad index of a large index array and keeps duplicates in order", function()
    local n = 2 ^ 21
    local z = cu.arange(1, 2 ^ 22 + 1, {dtype = "float32"})
    local idx = cu.ones(n, {dtype = "int64"})
    idx[2 ^ 20 + 5] = 2 ^ 23
    idx[n - 3] = -2 ^ 23
    idx[300000] = 2 ^ 22 + 7
    local function first_bad(fn)
      local ok, err = pcall(fn)
      assert.is_false(ok)
      local v = tostring(err):match("index (%-?%d+) is out of bounds for axis 1 with size 4194304")
      assert.truthy(v, tostring(err))
      if dev == "cpu" then assert.are.equal("4194311", v) end
      assert.truthy(v == "4194311" or v == "8388608" or v == "-8388608", v)
    end
    first_bad(function() return z[idx] end)
    first_bad(function() z[idx] = cu.zeros(n, {dtype = "float32"}) end)
    assert.are.equal(2 ^ 22 * (2 ^ 22 + 1) / 2, z:sum({dtype = "float64"}))
    local dup = cu.full(n, 7, {dtype = "int64"})
    local t = cu.zeros(10, {dtype = "float32"})
    t[dup] = cu.arange(1, n + 1, {dtype = "float32"})
    local kept = t[7]
    if dev == "cpu" then assert.are.equal(n, kept) end
    assert.is_true(kept >= 1 and kept <= n and kept == math.floor(kept), tostring(kept))
    t[7] = 0
    H.same(t, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
  end)
end)

H.each_device("boolean masks", function()
  it("a[mask] selects the true elements as a 1-d copy", function()
    local a = a34()
    local m = cu.equal(a % 3, 0)
    local r = a[m]
    H.same(r, {3, 6, 9, 12})
    r[1] = 0
    assert.are.equal(3, a[{1, 3}])
    H.same(a[a:gt(100)], {})
    assert.are.same({0}, a[a:gt(100)].shape)
    H.same(a[cu.ones({3, 4}, {dtype = "bool"})], {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  end)

  it("a mask over the leading axes keeps the rest", function()
    local a = a34()
    H.same(a[cu.array{true, false, true}], {{1, 2, 3, 4}, {9, 10, 11, 12}})
    local b = b234()
    H.same(b[b[{{}, {}, 1}]:gt(4)],
           {{8, 9, 10, 11}, {12, 13, 14, 15}, {16, 17, 18, 19}, {20, 21, 22, 23}})
  end)

  it("a mask inside the key covers as many axes as it has dims", function()
    local a = a34()
    H.same(a[{{}, cu.array{true, false, true, false}}], {{1, 3}, {5, 7}, {9, 11}})
    local b = b234()
    H.same(b[{{}, cu.equal(b[1] % 5, 0)}], {{0, 5, 10}, {12, 17, 22}})
    assert.are.same({1, 1, 3, 4}, b[{cu.array{true, false}, cu.newaxis}].shape)
  end)

  it("works on non-contiguous arrays and masks", function()
    local a = a34()
    local m = cu.equal(a % 2, 0)
    H.same(a.T[m.T], {2, 6, 10, 4, 8, 12})
    H.same(a[{{nil, nil, -1}}][m], {10, 12, 6, 8, 2, 4})
  end)
end)

H.each_device("take", function()
  it("takes from the flattened array without an axis", function()
    local a = a34()
    H.same(cu.take(a, ints{1, 12, -1, 5}), {1, 12, 12, 5})
    H.same(cu.take(a, {1, 12, -1, 5}), {1, 12, 12, 5})
    H.same(a:take({2, 2}), {2, 2})
    assert.are.equal(7, cu.take(a, 7))
    H.same(cu.take(a.T, {2, 3}), {5, 9})
  end)

  it("takes along an axis", function()
    local a = a34()
    H.same(cu.take(a, ints({{2, 1}, {4, 4}}), 2),
           {{{2, 1}, {4, 4}}, {{6, 5}, {8, 8}}, {{10, 9}, {12, 12}}})
    H.same(cu.take(a, 3, -1), {3, 7, 11})
    H.same(a:take({3, 1}, 1), {{9, 10, 11, 12}, {1, 2, 3, 4}})
    assert.are.same({3, 0}, cu.take(a, {}, 2).shape)
  end)

  it("raises for bad indices and axes", function()
    local a = a34()
    H.raises("take: index 13 is out of bounds for axis 1 with size 12", cu.take, a, {13})
    H.raises("take: index 0 is invalid: indices start at 1", cu.take, a, {1, 0}, 2)
    H.raises("take: index -5 is out of bounds for axis 2 with size 4", cu.take, a, -5, 2)
    H.raises("take: axis 3 is out of bounds for an array of dimension 2", cu.take, a, {1}, 3)
    H.raises("take: indices must be an integer array", cu.take, a, cu.array{1.5})
    H.raises("take: index 2 of the list must be an integer, got 1.5", cu.take, a, {1, 1.5})
    H.raises("take: index 2.5 is not an integer", cu.take, a, 2.5)
  end)
end)

H.each_device("nonzero, flatnonzero, argwhere", function()
  it("nonzero gives 1-based int64 indices per axis", function()
    local a = a34()
    local nz = cu.nonzero(cu.equal(a % 4, 1))
    assert.are.equal(2, #nz)
    assert.are.equal("int64", nz[1].dtype)
    H.same(nz[1], {1, 2, 3})
    H.same(nz[2], {1, 1, 1})
    local b = b234()
    local n3 = cu.equal(b % 7, 0):nonzero()
    H.same(n3[1], {1, 1, 2, 2})
    H.same(n3[2], {1, 2, 1, 3})
    H.same(n3[3], {1, 4, 3, 2})
    -- the result indexes the array back
    H.same(b[n3], {0, 7, 14, 21})
  end)

  it("counts any nonzero value, NaN included, of any dtype", function()
    H.same(cu.nonzero(cu.array{0, H.nan, 0, -0.5})[1], {2, 4})
    H.same(cu.nonzero(cu.array{0, 0})[1], {})
    H.same(cu.nonzero(cu.zeros(0))[1], {})
    H.same(cu.nonzero(cu.array({3, 0, 1}, {dtype = "int8"}))[1], {1, 3})
    H.same(cu.nonzero(a34().T:gt(10))[1], {3, 4})
  end)

  it("flatnonzero and argwhere", function()
    local a = a34()
    H.same(cu.flatnonzero(cu.equal(a % 5, 0)), {5, 10})
    H.same(cu.flatnonzero(a.T:gt(10)), {9, 12})
    H.same(cu.argwhere(a:gt(9)), {{3, 2}, {3, 3}, {3, 4}})
    assert.are.same({0, 2}, cu.argwhere(a:gt(99)).shape)
  end)

  it("cu.where(cond) is nonzero", function()
    H.same(cu.where(cu.array{0, 1, 1})[1], {2, 3})
  end)

  it("raises for 0-d arrays", function()
    H.raises("nonzero: not supported for 0-d arrays", cu.nonzero, cu.array(1))
  end)

  it("argwhere of a 0-d array is (1, 0) when it is nonzero, else (0, 0)", function()
    for v, rows in pairs({[5] = 1, [0] = 0, [0.5] = 1, [true] = 1, [false] = 0}) do
      local r = cu.argwhere(cu.array(v))
      assert.are.equal("int64", r.dtype)
      assert.are.same({rows, 0}, r.shape)
    end
  end)
end)

H.each_device("concatenate and stack", function()
  it("concatenates along an axis", function()
    local a = a34()
    H.same(cu.concatenate({a, a[{{1}}] * 10}),
           {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}, {10, 20, 30, 40}})
    H.same(cu.concatenate({a[{{}, {1}}], a[{{}, {3, 4}}]}, 2), {{1, 3, 4}, {5, 7, 8}, {9, 11, 12}})
    H.same(cu.concatenate({a[{{}, {1}}], a[{{}, {3, 4}}]}, -1), {{1, 3, 4}, {5, 7, 8}, {9, 11, 12}})
    H.same(cu.concatenate({cu.arange(3)}), {0, 1, 2})
    H.same(cu.concatenate({cu.zeros(0), cu.arange(2), cu.zeros(0)}), {0, 1})
    H.same(cu.concatenate({a.T, a.T}, 2), {{1, 5, 9, 1, 5, 9}, {2, 6, 10, 2, 6, 10},
                                          {3, 7, 11, 3, 7, 11}, {4, 8, 12, 4, 8, 12}})
  end)

  it("promotes dtypes, or casts to the dtype option", function()
    local r = cu.concatenate({cu.arange(2), cu.array({0.5}, {dtype = "float32"})})
    assert.are.equal("float64", r.dtype)
    H.same(r, {0, 1, 0.5})
    local i = cu.concatenate({ints({1}, "int8"), ints({300}, "int16")})
    assert.are.equal("int16", i.dtype)
    local f = cu.concatenate({cu.arange(2), cu.arange(2)}, {dtype = "float32"})
    assert.are.equal("float32", f.dtype)
    assert.are.equal("float32", cu.concatenate({cu.arange(2)}, 1, {dtype = "float32"}).dtype)
  end)

  it("stacks along a new axis", function()
    local a = a34()
    H.same(cu.stack({a[1], a[3]}), {{1, 2, 3, 4}, {9, 10, 11, 12}})
    H.same(cu.stack({a[1], a[3]}, 2), {{1, 9}, {2, 10}, {3, 11}, {4, 12}})
    local s = cu.stack({a, -a}, -1)
    assert.are.same({3, 4, 2}, s.shape)
    H.same(s[2], {{5, -5}, {6, -6}, {7, -7}, {8, -8}})
    H.same(cu.stack({cu.array(1), cu.array(2.5)}), {1, 2.5})
  end)

  it("raises for mismatched inputs", function()
    local a = a34()
    H.raises("concatenate: need at least one array", cu.concatenate, {})
    H.raises("concatenate: expected a table of arrays, got number", cu.concatenate, 1)
    H.raises("concatenate: element 2 of the list is not an array (got number)",
             cu.concatenate, {a, 1})
    H.raises("concatenate: zero-dimensional arrays cannot be concatenated",
             cu.concatenate, {cu.array(1), cu.array(2)})
    H.raises("the array at index 1 has 2 dimension(s) and the array at index 2 has 1 dimension(s)",
             cu.concatenate, {a, cu.arange(4)})
    H.raises("along dimension 2, the array at index 1 has size 4 and the array at index 2 has size 3",
             cu.concatenate, {a, a[{{}, {1, 3}}]})
    H.raises("concatenate: axis 3 is out of bounds", cu.concatenate, {a, a}, 3)
    H.raises("concatenate: unknown option 'axis'", cu.concatenate, {a, a}, {axis = 2})
    H.raises("cannot cast array data from float64 to int32", cu.concatenate,
             {cu.array{0.5}}, {dtype = "int32"})
    H.raises("stack: need at least one array to stack", cu.stack, {})
    H.raises("stack: all input arrays must have the same shape, but the array at index 1 has shape "
             .. "(4,) and the array at index 2 has shape (3,)", cu.stack, {a[1], a[{1, {1, 3}}]})
    H.raises("stack: axis 4 is out of bounds for an array of dimension 3", cu.stack, {a, a}, 4)
  end)
end)

H.each_device("indexing errors", function()
  local function get(x, k) return x[k] end

  it("integers out of range name the axis, the index and the size", function()
    local a = a34()
    H.raises("index 7 is out of bounds for axis 1 with size 3", get, a, 7)
    H.raises("index -4 is out of bounds for axis 1 with size 3", get, a, -4)
    H.raises("index 5 is out of bounds for axis 2 with size 4", get, a, {1, 5})
    H.raises("index 5 is out of bounds for axis 2 with size 4", get, a, {"...", 5})
    H.raises("index 0 is invalid: indices start at 1 (axis 1)", get, a, 0)
    H.raises("index 0 is invalid: indices start at 1 (axis 2)", get, a, {1, 0})
    H.raises("index 0 is invalid: indices start at 1 (range start on axis 1)", get, a, {{0, 2}})
    H.raises("index 1 is out of bounds for axis 1 with size 0", get, cu.zeros(0), 1)
  end)

  it("array indices out of range", function()
    local a = a34()
    H.raises("index 4 is out of bounds for axis 1 with size 3", get, a, ints{1, 4})
    H.raises("index -5 is out of bounds for axis 2 with size 4", get, a, {{}, ints{-5}})
    H.raises("index 0 is invalid: indices start at 1 (axis 2)", get, a, {ints{1}, ints{0}})
  end)

  it("too many indices", function()
    local a = a34()
    H.raises("too many indices for array: array is 2-dimensional, but 3 were indexed", get, a,
             {1, 2, 3})
    H.raises("too many indices for array: array is 2-dimensional, but 3 were indexed", get, a,
             {{}, {}, cu.newaxis, {}})
    H.raises("too many indices for array: array is 0-dimensional, but 1 were indexed", get,
             cu.array(1), 1)
    H.raises("too many indices for array: array is 1-dimensional, but 2 were indexed", get,
             cu.arange(3), cu.ones({3, 1}, {dtype = "bool"}))
  end)

  it("wrong index types", function()
    local a = a34()
    H.raises("index 1.5 on axis 1 is not an integer", get, a, 1.5)
    H.raises("index 2.5 on axis 2 is not an integer", get, a, {1, 2.5})
    H.raises("invalid index 'x' on axis 2", get, a, {1, "x"})
    H.raises("invalid index on axis 1: expected an integer, a range", get, a, {true})
    H.raises("arrays used as indices must be of integer or boolean type, got float64 (axis 1)",
             get, a, cu.array{1.5})
    H.raises("index range on axis 1: step must be an integer, got 0.5", get, a, {{1, 2, 0.5}})
    H.raises("range on axis 2: step cannot be zero", get, a, {{}, {1, 2, 0}})
    H.raises("range on axis 1 has 4 entries", get, a, {{1, 2, 3, 4}})
    H.raises("an index can only have a single ellipsis", get, a, {"...", "..."})
    H.raises("index is nil", get, a, nil)
    H.raises("a 0-d boolean array is not supported as an index", get, a, cu.array(true))
  end)

  it("shape mismatches", function()
    local a = a34()
    H.raises("boolean index of shape (2,) does not match the indexed array of shape (3, 4) "
             .. "(axis 1 has size 3 but the mask has 2)", get, a, cu.array{true, false})
    H.raises("boolean index of shape (3,) does not match the indexed array of shape (3, 4) "
             .. "(axis 2 has size 4 but the mask has 3)", get, a, {{}, cu.array{true, false, true}})
    H.raises("shape mismatch: indexing arrays could not be broadcast together with shapes (2,) (3,)",
             get, a, {ints{1, 2}, ints{1, 2, 3}})
  end)

  it("freed arrays", function()
    local a = a34()
    local x = cu.arange(3)
    x:free()
    H.raises("has been freed", get, x, 1)
    H.raises("index on axis 1: the array has been freed", get, a, x)
  end)

  it("index arrays on another device", function()
    local other = "cpu"
    if cu.get_default_device() == "cpu" then
      if not cu.cuda.is_available() then return end
      other = "cuda"
    end
    local a = a34()
    H.raises("the index array for axis 2 is on", get, a,
             {{}, cu.array({1}, {dtype = "int64", device = other})})
    H.raises("the index array for axis 1 is on", get, a, cu.ones(3, {dtype = "bool", device = other}))
  end)
end)

H.each_device("larger arrays against a Lua reference", function()
  local n, m = 257, 129
  local seed = 12345
  local function rnd(k) -- a small LCG: the same draws on every device and Lua
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % k
  end
  -- a Lua index in [-size, -1] or [1, size], and its 1-based position
  local function draw(size)
    local i = rnd(2 * size) - size
    if i >= 0 then i = i + 1 end
    return i, i > 0 and i or size + i + 1
  end

  it("gathers with paired index arrays, masks and nonzero", function()
    local a = cu.arange(n * m):reshape(n, m) -- element (r, c) is (r - 1) * m + (c - 1)
    local rows, cols, want = {}, {}, {}
    for k = 1, 1000 do
      local r, pr = draw(n)
      local c, pc = draw(m)
      rows[k], cols[k], want[k] = r, c, (pr - 1) * m + (pc - 1)
    end
    H.same(a[{ints(rows, "int32"), ints(cols)}], want)
    H.same(a.T[{ints(cols), ints(rows, "int16")}], want)
    local masked = {}
    for v = 0, n * m - 1 do
      if v % 7 == 3 then masked[#masked + 1] = v end
    end
    local mask = cu.equal(a % 7, 3)
    H.same(a[mask], masked)
    local nz = cu.nonzero(mask)
    assert.are.equal(#masked, nz[1].size)
    H.same(a[nz], masked)
    H.same(cu.flatnonzero(mask), (function()
      local t = {}
      for i, v in ipairs(masked) do t[i] = v + 1 end
      return t
    end)())
  end)

  it("scatters to distinct positions", function()
    local z = cu.zeros(n * m, {dtype = "int64"})
    local pos, vals, seen = {}, {}, {}
    while #pos < 2000 do
      local p = rnd(n * m) + 1
      if not seen[p] then
        seen[p] = true
        pos[#pos + 1], vals[#pos + 1] = p, #pos + 1
      end
    end
    z[ints(pos)] = ints(vals)
    local back = z:totable()
    for k = 1, #pos do assert.are.equal(vals[k], back[pos[k]]) end
    assert.are.equal(2000 * 2001 / 2, z:sum())
  end)
end)

H.each_device("advanced indices around an ellipsis", function()
  -- values checked with NumPy: a[:, [0, 1, 2], ..., [0, 1, 2]] of arange(60).reshape(5, 3, 4)
  local function idx(t) return cu.array(t) end

  it("an ellipsis that stands for no axes still separates advanced indices", function()
    local a = cu.arange(60):reshape({5, 3, 4})
    local r = a[{{}, idx({1, 2, 3}), "...", idx({1, 2, 3})}]
    assert.are.same({3, 5}, r.shape)
    H.same(r, {{0, 12, 24, 36, 48}, {5, 17, 29, 41, 53}, {10, 22, 34, 46, 58}})
    assert.are.same({3, 5}, a[{{}, 1, "...", idx({1, 2, 3})}].shape)
    assert.are.same({2, 3}, a[{idx({1, 2}), "...", idx({1, 2})}].shape)
    assert.are.same({3, 5, 1}, a[{{}, idx({1, 2, 3}), cu.newaxis, idx({1, 2, 3})}].shape)
  end)

  it("assignment through such a key places the value the same way", function()
    local a = cu.arange(60):reshape({5, 3, 4})
    local key = {{}, idx({1, 2, 3}), "...", idx({1, 2, 3})}
    a[key] = cu.arange(15):reshape({3, 5})
    H.same(a[key], {{0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}, {10, 11, 12, 13, 14}})
    H.same(a[{1, 1}], {0, 1, 2, 3})
  end)
end)

H.each_device("0-d index arrays with an empty selection", function()
  it("an out-of-range 0-d index array raises even when nothing is selected", function()
    local z = cu.zeros({4, 2})
    local none = cu.zeros({0}, {dtype = "int64"})
    H.raises("index 9 is out of bounds for axis 1 with size 4",
             function() return z[{cu.array(9), none}] end)
    H.raises("index 5 is out of bounds for axis 2 with size 2",
             function() return z[{none, cu.array(5)}] end)
    H.raises("index 9 is out of bounds for axis 1 with size 4",
             function() z[{cu.array(9), none}] = 1 end)
    assert.are.same({0}, z[{cu.array(4), none}].shape)
    -- index arrays of more dims too (NumPy skips them when nothing is selected)
    H.raises("index 9 is out of bounds for axis 1 with size 4",
             function() return z[{cu.array({{9}}), cu.zeros({0, 1}, {dtype = "int64"})}] end)
    H.raises("index 0 is invalid: indices start at 1 (axis 1)",
             function() return z[{cu.array({0}), none}] end)
    assert.are.same({0, 1}, z[{cu.array({{4}}), cu.zeros({0, 1}, {dtype = "int64"})}].shape)
  end)
end)
