-- Writing through a[key] = value: integers, ranges, newaxis/ellipsis views, boolean masks and
-- integer array indices, with numbers, booleans or arrays as values (converted to the
-- array's dtype, broadcast to the selection). Expected values are NumPy's (1.24).
local cu = require "cuarray"
local H = require "helper"

-- [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
local function a34() return cu.arange(1, 13):reshape(3, 4) end
local function ints(t, dtype) return cu.array(t, {dtype = dtype or "int64"}) end
local function set(x, k, v) x[k] = v end

H.each_device("assignment through integers and ranges", function()
  it("a[i] = v writes one element of a 1-d array", function()
    local v = cu.arange(5)
    v[1] = 10
    v[-1] = 40
    H.same(v, {10, 1, 2, 3, 40})
  end)

  it("a[i] = v fills or copies a whole slice of an n-d array", function()
    local a = a34()
    a[2] = 0
    H.same(a, {{1, 2, 3, 4}, {0, 0, 0, 0}, {9, 10, 11, 12}})
    a[-1] = cu.array{-1, -2, -3, -4}
    H.same(a, {{1, 2, 3, 4}, {0, 0, 0, 0}, {-1, -2, -3, -4}})
    a[1] = cu.array{{7, 8, 9, 10}} -- leading size-1 dims are dropped, as NumPy does
    H.same(a[1], {7, 8, 9, 10})
  end)

  it("a[{i, j}] = x writes one element", function()
    local a = a34()
    a[{2, 3}] = 70
    a[{-1, -1}] = 120
    H.same(a, {{1, 2, 3, 4}, {5, 6, 70, 8}, {9, 10, 11, 120}})
  end)

  it("ranges, with numbers or broadcast arrays", function()
    local a = a34()
    a[{{1, 2}}] = 0
    H.same(a, {{0, 0, 0, 0}, {0, 0, 0, 0}, {9, 10, 11, 12}})
    a = a34()
    a[{{}, 2}] = cu.array{20, 60, 100}
    a[{{}, {3, 4}}] = cu.array{{-1}, {-2}, {-3}}
    H.same(a, {{1, 20, -1, -1}, {5, 60, -2, -2}, {9, 100, -3, -3}})
    a = a34()
    a[{{nil, nil, -1}, {nil, nil, 2}}] = cu.array{{100}, {200}, {300}}
    H.same(a, {{300, 2, 300, 4}, {200, 6, 200, 8}, {100, 10, 100, 12}})
    a = a34()
    a[{{2, 3}, {2, 3}}] = cu.array{{0, 1}, {2, 3}}
    H.same(a, {{1, 2, 3, 4}, {5, 0, 1, 8}, {9, 2, 3, 12}})
  end)

  it("negative steps write in the flipped order", function()
    local v = cu.zeros(5, {dtype = "int64"})
    v[{{5, 1, -1}}] = cu.arange(5)
    H.same(v, {4, 3, 2, 1, 0})
    v[{{4, 1, -2}}] = cu.array{-1, -2}
    H.same(v, {4, -2, 2, -1, 0})
  end)

  it("empty ranges write nothing", function()
    local a = a34()
    a[{{4, 9}}] = 0
    a[{{}, {3, 2}}] = cu.zeros({3, 0})
    H.same(a, a34():totable())
  end)

  it("newaxis and ellipsis", function()
    local b = cu.arange(24):reshape(2, 3, 4)
    b[{"...", 1}] = 0
    H.same(b[{{}, {}, 1}], {{0, 0, 0}, {0, 0, 0}})
    b[{2, "..."}] = cu.arange(4)
    H.same(b[2], {{0, 1, 2, 3}, {0, 1, 2, 3}, {0, 1, 2, 3}})
    b[{cu.newaxis, 1, 1}] = cu.array{{9, 9, 9, 9}}
    H.same(b[{1, 1}], {9, 9, 9, 9})
    local z = cu.array(1.5)
    z[{}] = 5
    assert.are.equal(5, z:item())
    z[{"..."}] = cu.array(6)
    assert.are.equal(6, z:item())
  end)

  it("writing into a view changes the base", function()
    local a = a34()
    local v = a[{{}, 2}]
    v[{{1, 2}}] = 9
    H.same(a[{{}, 2}], {9, 9, 10})
    local t = a.T
    t[{4, {2, 3}}] = -1
    H.same(a[{{}, 4}], {4, -1, -1})
  end)

  it("overlapping source and destination read the source first", function()
    local v = cu.arange(5)
    v[{{2, 5}}] = v[{{1, 4}}]
    H.same(v, {0, 0, 1, 2, 3})
    local w = cu.arange(5)
    w[{{1, 4}}] = w[{{2, 5}}]
    H.same(w, {1, 2, 3, 4, 4})
    local r = cu.arange(5)
    r[{}] = r[{{nil, nil, -1}}]
    H.same(r, {4, 3, 2, 1, 0})
  end)
end)

H.each_device("assignment conversions", function()
  it("converts values to the array's dtype", function()
    local i = cu.zeros(4, {dtype = "int32"})
    i[1] = 2.7
    i[2] = -2.7
    i[3] = true
    i[{{4}}] = cu.array{9.9}
    H.same(i, {2, -2, 1, 9})
    assert.are.equal("int32", i.dtype)
    local f = cu.zeros(3)
    f[1] = true
    f[2] = H.nan
    f[3] = ints{7}[1]
    H.same(f, {1, H.nan, 7})
    local u = cu.zeros(2, {dtype = "uint8"})
    u[1] = 255
    u[2] = 300.7 -- a float converts as NumPy's unsafe cast: truncates, then wraps
    H.same(u, {255, 44})
    local h = cu.zeros(2, {dtype = "float16"})
    h[2] = 1.5
    H.same(h, {0, 1.5})
  end)

  it("bool arrays take truth values", function()
    local m = cu.zeros(4, {dtype = "bool"})
    m[1] = true
    m[2] = 0.5
    m[3] = H.nan
    m[4] = 0
    H.same(m, {true, true, true, false})
    m[m] = false
    H.same(m, {false, false, false, false})
  end)

  it("raises for numbers the dtype cannot hold", function()
    H.raises("Lua integer 300 is out of bounds for uint8", set, cu.zeros(2, {dtype = "uint8"}), 1,
             300)
    H.raises("Lua integer -1 is out of bounds for uint8", set, cu.zeros(2, {dtype = "uint8"}),
             {{}}, -1)
    H.raises("Lua integer 128 is out of bounds for int8", set, cu.zeros(2, {dtype = "int8"}),
             ints{1}, 128)
    H.raises("cannot convert float NaN to integer", set, cu.zeros(2, {dtype = "int64"}), 1, H.nan)
    H.raises("cannot convert float infinity to integer", set, cu.zeros(2, {dtype = "int16"}), 1,
             -H.inf)
    -- NumPy: OverflowError (Python int too large to convert to C long)
    H.raises("index assignment: Lua number 1e+20 is too large to convert to an integer (int32)",
             set, cu.zeros(2, {dtype = "int32"}), 1, 1e20)
    H.raises("Lua number -1e+19 is too large to convert to an integer (int64)", set,
             cu.zeros(2, {dtype = "int64"}), {{}}, -1e19)
    H.raises("Lua number 9.2233720368547758e+18 is too large", set,
             cu.zeros(2, {dtype = "int64"}), 1, 2 ^ 63)
    local b = cu.zeros(2, {dtype = "bool"})
    b[1] = 1e20
    H.same(b, {true, false})
  end)
end)

H.each_device("assignment through boolean masks", function()
  it("a[mask] = number", function()
    local a = a34()
    a[cu.equal(a % 3, 0)] = 0
    H.same(a, {{1, 2, 0, 4}, {5, 0, 7, 8}, {0, 10, 11, 0}})
  end)

  it("a[mask] = array of the selection's shape, or broadcast to it", function()
    local a = a34()
    local m = cu.equal(a % 2, 0)
    a[m] = -a[m]
    H.same(a, {{1, -2, 3, -4}, {5, -6, 7, -8}, {9, -10, 11, -12}})
    a = a34()
    a[cu.array{true, false, true}] = cu.arange(4)
    H.same(a, {{0, 1, 2, 3}, {5, 6, 7, 8}, {0, 1, 2, 3}})
    a = a34()
    a[a:gt(10)] = cu.array{-1}
    H.same(a[3], {9, 10, -1, -1})
    a = a34()
    a[{1, cu.array{true, false, true, false}}] = 7
    H.same(a[1], {7, 2, 7, 4})
  end)

  it("an all-false mask writes nothing", function()
    local a = a34()
    a[a:gt(100)] = 0
    a[a:gt(100)] = cu.zeros(0)
    H.same(a, a34():totable())
  end)

  it("works on non-contiguous arrays and masks", function()
    local a = a34()
    local t = a.T
    t[cu.equal(t % 5, 0)] = 0
    H.same(a, {{1, 2, 3, 4}, {0, 6, 7, 8}, {9, 0, 11, 12}})
  end)

  it("raises when the value does not fit the selection", function()
    local a = a34()
    H.raises("index assignment: could not broadcast input of shape (3,) into shape (4,)", set, a,
             cu.equal(a % 3, 0), cu.array{1, 2, 3})
    H.raises("could not broadcast input of shape (3,) into shape (2, 4)", set, a,
             cu.array{true, false, true}, cu.array{1, 2, 3})
    H.raises("boolean index of shape (2,) does not match the indexed array of shape (3, 4)", set,
             a, cu.array{true, false}, 0)
  end)
end)

H.each_device("assignment through integer arrays", function()
  it("a[int_array] = value", function()
    local v = cu.arange(5)
    v[ints{1, -1}] = 9
    H.same(v, {9, 1, 2, 3, 9})
    v[ints({3, 2}, "int8")] = cu.array{-3, -2}
    H.same(v, {9, -2, -3, 3, 9})
    local a = a34()
    a[ints{1, 2}] = a[ints{2, 1}]
    H.same(a, {{5, 6, 7, 8}, {1, 2, 3, 4}, {9, 10, 11, 12}})
  end)

  it("pairs and broadcasts index arrays with slices, as reading does", function()
    local a = a34()
    a[{ints{1, 3}, ints{2, 4}}] = cu.array{50, 60}
    H.same(a, {{1, 50, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 60}})
    a = a34()
    a[{ints{3, 1}, {2, 3}}] = cu.array{{-1, -2}, {-3, -4}}
    H.same(a, {{1, -3, -4, 4}, {5, 6, 7, 8}, {9, -1, -2, 12}})
    a = a34()
    a[{{}, ints{4, 1}}] = 0
    H.same(a, {{0, 2, 3, 0}, {0, 6, 7, 0}, {0, 10, 11, 0}})
    local b = cu.arange(24):reshape(2, 3, 4)
    b[{ints{1, 2}, {}, ints{1, 4}}] = cu.array{{-1}, {-2}} -- index dims first: (2, 3)
    H.same(b, {{{-1, 1, 2, 3}, {-1, 5, 6, 7}, {-1, 9, 10, 11}},
               {{12, 13, 14, -2}, {16, 17, 18, -2}, {20, 21, 22, -2}}})
  end)

  it("writes through non-contiguous arrays", function()
    local a = a34()
    a.T[ints{2, 4}] = 0
    H.same(a, {{1, 0, 3, 0}, {5, 0, 7, 0}, {9, 0, 11, 0}})
  end)

  it("repeated indices: the last write wins on the CPU", function()
    local v = cu.arange(5)
    v[ints{1, 1, 1}] = cu.array{1, 2, 3}
    local first = v[1]
    assert.is_true(first == 1 or first == 2 or first == 3)
    if cu.get_default_device() == "cpu" then assert.are.equal(3, first) end
    H.same(v[{{2, 5}}], {1, 2, 3, 4})
  end)

  it("an empty index writes nothing", function()
    local v = cu.arange(3)
    v[cu.zeros(0, {dtype = "int64"})] = 7
    v[cu.zeros(0, {dtype = "int64"})] = cu.zeros(0)
    H.same(v, {0, 1, 2})
  end)

  it("converts array values to the array's dtype", function()
    local v = cu.zeros(3, {dtype = "int16"})
    v[ints{3, 1}] = cu.array{2.9, -1.5}
    H.same(v, {-1, 0, 2})
    assert.are.equal("int16", v.dtype)
  end)

  it("raises for bad indices and values", function()
    local v = cu.arange(5)
    H.raises("index 6 is out of bounds for axis 1 with size 5", set, v, ints{1, 6}, 0)
    H.raises("index 0 is invalid: indices start at 1 (axis 1)", set, v, ints{0}, 0)
    H.raises("could not broadcast input of shape (3,) into shape (2,)", set, v, ints{1, 2},
             cu.array{1, 2, 3})
    H.raises("shape mismatch: indexing arrays could not be broadcast together", set, a34(),
             {ints{1, 2}, ints{1, 2, 3}}, 0)
    H.raises("arrays used as indices must be of integer or boolean type, got float64", set, v,
             cu.array{1.5}, 0)
  end)
end)

H.each_device("assignment errors", function()

  it("integers out of range and zero", function()
    local a = a34()
    H.raises("index 7 is out of bounds for axis 1 with size 3", set, a, 7, 0)
    H.raises("index -5 is out of bounds for axis 2 with size 4", set, a, {1, -5}, 0)
    H.raises("index 0 is invalid: indices start at 1 (axis 1)", set, a, 0, 0)
  end)

  it("too many indices and wrong index types", function()
    local a = a34()
    H.raises("too many indices for array: array is 2-dimensional, but 3 were indexed", set, a,
             {1, 1, 1}, 0)
    H.raises("index 1.5 on axis 1 is not an integer", set, a, 1.5, 0)
    H.raises("invalid index 'x' on axis 1", set, a, {"x"}, 0)
  end)

  it("values that are no number, boolean or array", function()
    local a = a34()
    H.raises("index assignment: the value must be a number, a boolean or an array, got table "
             .. "(make an array with cu.array{...})", set, a, 1, {1, 2, 3, 4})
    H.raises("the value must be a number, a boolean or an array, got string", set, a, 1, "x")
    H.raises("the value must be a number, a boolean or an array, got nil", set, a, 1, nil)
    local f = cu.arange(4)
    f:free()
    H.raises("index assignment: the value array has been freed", set, a, 1, f)
  end)

  it("values that do not broadcast", function()
    local a = a34()
    H.raises("could not broadcast input of shape (3,) into shape (2,)", set, cu.zeros(5),
             {{1, 2}}, cu.array{1, 2, 3})
    H.raises("could not broadcast input of shape (2, 4) into shape (4,)", set, a, 1,
             cu.zeros({2, 4}))
    H.raises("could not broadcast input of shape (3,) into shape (3, 4)", set, a, {}, cu.zeros(3))
  end)

  it("values on another device", function()
    local a = a34()
    local other = "cpu"
    if cu.get_default_device() == "cpu" then
      if not cu.cuda.is_available() then return end
      other = "cuda"
    end
    local v = cu.zeros(4, {device = other})
    H.raises("index assignment: the value is on", set, a, 1, v)
  end)
end)
