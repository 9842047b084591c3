-- uint64: values beyond 2^53 and 2^63 through conversions, arithmetic, comparisons, division,
-- shifts, reductions, scans, sorting, printing, the Lua values of elements (LuaJIT: uint64
-- cdata; Lua 5.4: integers below 2^63, floats beyond; Lua 5.1: floats), DLPack and the
-- errors of values out of range, on every device. Expected values are NumPy's (1.24 with NEP
-- 50 promotion, as NumPy 2); printing is checked too, since it shows every digit on every Lua.
local cu = require "cuarray"
local H = require "helper"

local TEN10 = 10000000000

-- A uint64 array of exact values given as decimal strings (or numbers below 2^53): each is
-- top * 10^10 + bottom, both exact doubles, put together in uint64 on the device.
local function u64(values, dev)
  local tops, bottoms = {}, {}
  for i, v in ipairs(values) do
    local s = type(v) == "string" and v or ("%.0f"):format(v)
    tops[i] = tonumber(s:sub(1, -11)) or 0
    bottoms[i] = tonumber(s:sub(-10))
  end
  local o = {dtype = "uint64", device = dev}
  return cu.array(tops, o) * TEN10 + cu.array(bottoms, o)
end

local MAX = "18446744073709551615"
local HALF = "9223372036854775808"     -- 2^63
local HALF1 = "9223372036854775809"    -- 2^63 + 1
local P53 = "9007199254740993"         -- 2^53 + 1

-- the printed form of a 1-d array of digits, as NumPy prints it
local function printed(a) return H.printed(a) end

H.each_device("uint64 conversions", function(dev)
  it("reads floats as x86 (NumPy's cast): NaN, -inf and below -2^63 give 2^63, 2^64 and +inf 0, negatives wrap", function()
    local f = cu.array({0 / 0, 1 / 0, -1 / 0, 1e20, -1, -1e19, 2 ^ 63, 2 ^ 64, 1.8e19, -0.5},
                       {dtype = "float64", device = dev})
    local want = {HALF, 0, HALF, 0, MAX, HALF, HALF, 0, "18000000000000000000", 0}
    H.same(f:astype("uint64"), want)
    H.same(f:astype("float32"):astype("uint64"),
           {HALF, 0, HALF, 0, MAX, HALF, HALF, 0, "18000000404716257280", 0})
  end)

  it("converts to every dtype, beyond 2^53 and 2^63 (NumPy's astype)", function()
    local x = u64({0, 1, P53, HALF1, MAX}, dev)
    local want = {
      bool = {false, true, true, true, true},
      int8 = {0, 1, 1, 1, -1}, uint8 = {0, 1, 1, 1, 255},
      int16 = {0, 1, 1, 1, -1}, uint16 = {0, 1, 1, 1, 65535},
      int32 = {0, 1, 1, 1, -1}, uint32 = {0, 1, 1, 1, 4294967295},
      int64 = {0, 1, P53, "-9223372036854775807", -1},
      float16 = {0, 1, 1 / 0, 1 / 0, 1 / 0},
      -- bfloat16 (8 significant bits) and float32/float64 round to the nearest power of two
      bfloat16 = {0, 1, 2 ^ 53, 2 ^ 63, 2 ^ 64},
      float32 = {0, 1, 2 ^ 53, 2 ^ 63, 2 ^ 64},
      float64 = {0, 1, 2 ^ 53, 2 ^ 63, 2 ^ 64},
    }
    for dt, w in pairs(want) do
      local ok, why = H.compare(x:astype(dt), w)
      assert(ok, dt .. ": " .. tostring(why))
    end
    for _, dt in ipairs({"complex64", "complex128"}) do
      H.same(cu.real(x:astype(dt)), {0, 1, 2 ^ 53, 2 ^ 63, 2 ^ 64})
      H.same(cu.imag(x:astype(dt)), {0, 0, 0, 0, 0})
    end
    assert.are.equal("array([                   0,                    1,     9007199254740993,\n"
                     .. "        9223372036854775809, 18446744073709551615], dtype=uint64)", printed(x:cpu()))
  end)

  it("converts every dtype to uint64: negative integers wrap, floats as x86", function()
    local cases = {
      {"int8", {-1, -128, 127}, {MAX, "18446744073709551488", 127}},
      {"int16", {-1, -32768}, {MAX, "18446744073709518848"}},
      {"int32", {-1, -2147483648}, {MAX, "18446744071562067968"}},
      {"float16", {-1, 65504, 0 / 0}, {MAX, 65504, HALF}},
      {"bool", {true, false}, {1, 0}},
      {"complex128", {{2 ^ 63 + 2 ^ 11, 5}, {-1, 0}}, {"9223372036854777856", MAX}},
      {"uint32", {4294967295, 0}, {4294967295, 0}},
    }
    for _, c in ipairs(cases) do
      local ok, why = H.compare(cu.array(c[2], {dtype = c[1], device = dev}):astype("uint64"), c[3])
      assert(ok, c[1] .. ": " .. tostring(why))
    end
    local i64 = cu.array({-1, 0, 1}, {dtype = "int64", device = dev}) - cu.array({0, 0, 2}, {dtype = "int64", device = dev})
    H.same(i64:astype("uint64"), {MAX, 0, MAX})
  end)

  it("promotes as NumPy 2: signed integers and floats give float64, narrower unsigned uint64", function()
    local x = u64({1, 2}, dev)
    assert.are.equal("float64", (x + cu.array({1, 2}, {dtype = "int64", device = dev})).dtype)
    assert.are.equal("float64", (x + cu.array({1, 2}, {dtype = "int8", device = dev})).dtype)
    assert.are.equal("uint64", (x + cu.array({1, 2}, {dtype = "uint32", device = dev})).dtype)
    assert.are.equal("float64", (x + cu.array({1, 2}, {dtype = "float32", device = dev})).dtype)
    assert.are.equal("complex128", (x + cu.array({1, 2}, {dtype = "complex64", device = dev})).dtype)
    assert.are.equal("uint64", (x + 3).dtype)
    assert.are.equal("float64", (x + 2.5).dtype)
    assert.are.equal("uint64", cu.result_type("uint64", "bool"))
    assert.is_true(cu.can_cast("uint32", "uint64"))
    assert.is_false(cu.can_cast("uint64", "int64"))
    assert.is_true(cu.can_cast("uint64", "float64"))
    assert.is_true(cu.can_cast("uint64", "int64", {casting = "same_kind"}))
    assert.is_false(cu.can_cast("int64", "uint64", {casting = "same_kind"}))
  end)
end)

H.each_device("uint64 arithmetic beyond 2^63", function(dev)
  local a = u64({MAX, HALF1, 10, HALF}, dev)

  it("divides, takes remainders and shifts as unsigned values", function()
    H.same(cu.floor_divide(a, 3), {"6148914691236517205", "3074457345618258603", 3, "3074457345618258602"})
    H.same(a % 10, {5, 9, 0, 8})
    H.same(cu.fmod(a, 10), {5, 9, 0, 8})
    H.same(cu.right_shift(a, 63), {1, 1, 0, 1})
    H.same(cu.right_shift(a, 1), {"9223372036854775807", "4611686018427387904", 5, "4611686018427387904"})
    H.same(cu.left_shift(a, 64), {0, 0, 0, 0})
    local q, r = cu.divmod(a, u64({HALF}, dev))
    H.same(q, {1, 1, 0, 1})
    H.same(r, {"9223372036854775807", 1, 10, 0})
  end)

  it("compares and takes maxima as unsigned values", function()
    local b = u64({HALF1}, dev)
    H.same(cu.less(a, b), {false, false, true, true})
    H.same(cu.greater_equal(a, b), {true, true, false, false})
    H.same(cu.maximum(a, u64({HALF}, dev)), {MAX, HALF1, HALF, HALF})
    H.same(cu.minimum(a, u64({HALF}, dev)), {HALF, HALF, 10, HALF})
    H.same(cu.fmax(a, b), {MAX, HALF1, HALF1, HALF1})
    H.same(cu.equal(a, -1), {false, false, false, false})
    H.same(cu.not_equal(a, 10), {true, true, false, true})
  end)

  it("wraps negative, powers and products modulo 2^64; abs and sign are of unsigned values", function()
    H.same(-a, {1, "9223372036854775807", "18446744073709551606", HALF})
    H.same(cu.power(a, 2), {1, 1, 100, 0})
    H.same(a * a, {1, 1, 100, 0})
    H.same(a + a, {"18446744073709551614", 2, 20, 0})
    H.same(cu.abs(a), {MAX, HALF1, 10, HALF})
    H.same(cu.sign(a), {1, 1, 1, 1})
    H.same(cu.invert(a), {0, "9223372036854775806", "18446744073709551605", "9223372036854775807"})
    H.same(cu.gcd(a, u64({HALF}, dev)), {1, 1, 2, HALF})
    H.same(cu.lcm(u64({HALF, 6}, dev), u64({4, 4}, dev)), {HALF, 12})
  end)

  it("computes math functions in float64 from the exact value", function()
    local r = cu.sqrt(u64({HALF, MAX}, dev))
    assert.are.equal("float64", r.dtype)
    H.same(r, {math.sqrt(2 ^ 63), 2 ^ 32}, 1e-15)
    H.same(cu.true_divide(a, 1), {2 ^ 64, 2 ^ 63, 10, 2 ^ 63})
  end)
end)

H.each_device("uint64 reductions and scans", function(dev)
  local m = u64({HALF, 5, MAX, 1, HALF1, 0}, dev):reshape({2, 3})

  it("finds extremes and their positions by unsigned value, along every axis", function()
    assert.are.equal(printed(u64({MAX}, dev)), printed(m:max({keepdims = true}):reshape({1})))
    H.same(m:max(1), {HALF, HALF1, MAX})
    H.same(m:max(2), {MAX, HALF1})
    H.same(m:min(1), {1, 5, 0})
    H.same(m:argmax(1), {1, 2, 1})
    H.same(m:argmin(2), {2, 3})
    H.same(cu.ptp(m, 2), {"18446744073709551610", HALF1})
    H.same(cu.nanmax(m, 1), {HALF, HALF1, MAX})
    H.same(m.T:max(2), {HALF, HALF1, MAX}) -- a strided view
  end)

  it("sums and multiplies modulo 2^64 in uint64, as NumPy", function()
    H.same(m:sum(1), {HALF1, "9223372036854775814", MAX})
    H.same(m:sum(2), {"9223372036854775812", "9223372036854775810"})
    assert.are.equal("uint64", m:sum({array = true}).dtype)
    H.same(cu.cumsum(m, 2), {{HALF, "9223372036854775813", "9223372036854775812"},
                             {1, "9223372036854775810", "9223372036854775810"}})
    H.same(cu.cumprod(m, 1), {{HALF, 5, MAX}, {HALF, "9223372036854775813", 0}})
    local u8 = cu.array({250, 250}, {dtype = "uint8", device = dev})
    assert.are.equal("uint64", cu.cumsum(u8).dtype)
    H.same(cu.cumsum(u8), {250, 500})
    H.same(cu.cumsum(cu.array({2 ^ 63, 2 ^ 63 + 2 ^ 11}, {dtype = "float64", device = dev}), {dtype = "uint64"}),
           {HALF, "2048"})
  end)

  it("averages in float64", function()
    H.same(u64({MAX, MAX}, dev):mean(), 2 ^ 64)
  end)
end)

H.each_device("uint64 sorting and searching", function(dev)
  local s = u64({HALF, 1, "18446744073709549568", 0, HALF, 7}, dev)

  it("sorts, argsorts and finds unique values by unsigned value", function()
    H.same(cu.sort(s), {0, 1, 7, HALF, HALF, "18446744073709549568"})
    H.same(cu.argsort(s), {4, 2, 6, 1, 5, 3})
    H.same(cu.sort(s, {descending = true}), {"18446744073709549568", HALF, HALF, 7, 1, 0})
    H.same(cu.unique(s), {0, 1, 7, HALF, "18446744073709549568"})
  end)

  it("searches sorted values by unsigned value", function()
    H.same(cu.searchsorted(cu.sort(s), u64({HALF, MAX, 3}, dev)), {4, 7, 3})
    assert.are.equal(3, cu.searchsorted(cu.sort(s), 3))
    assert.are.equal(4, cu.searchsorted(cu.sort(s), 2 ^ 63))
  end)

  it("bins by value in histogram; bincount refuses uint64 as NumPy (no safe cast to int64)", function()
    local counts = cu.histogram(u64({0, HALF, MAX, 5}, dev), {bins = 4})
    H.same(counts, {2, 0, 1, 1})
    H.raises("bincount: cannot count uint64 values", cu.bincount, u64({1, 2}, dev))
  end)
end)

H.each_device("uint64 values in Lua", function(dev)
  it("prints every digit, as NumPy", function()
    assert.are.equal("array([18446744073709551615], dtype=uint64)", printed(u64({MAX}, dev)))
    assert.are.equal("array(9223372036854775808, dtype=uint64)", printed(u64({HALF}, dev):reshape({})))
    assert.are.equal("array([1, 2], dtype=uint64)", printed(cu.array({1, 2}, {dtype = "uint64", device = dev})))
  end)

  it("gives elements as LuaJIT uint64 cdata, Lua 5.4 integers below 2^63, floats otherwise", function()
    local x = u64({5, P53, HALF1, MAX}, dev)
    local t = x:totable()
    assert.are.equal(5, x[1])
    assert.are.equal(5, t[1])
    if type(t[4]) == "cdata" then -- LuaJIT
      assert.are.equal(MAX .. "ULL", tostring(x[4]))
      assert.are.equal(P53 .. "ULL", tostring(t[2]))
      assert.are.equal(HALF1 .. "ULL", tostring(u64({HALF1}, dev):item()))
    elseif math.type then -- Lua 5.4
      assert.are.equal(math.tointeger(P53), t[2])
      assert.are.equal("float", math.type(t[4]))
      assert.are.equal(2 ^ 64, x[4])
      assert.are.equal(2 ^ 63, t[3])
    else -- Lua 5.1: doubles
      assert.are.equal(2 ^ 64, x[4])
      assert.are.equal(2 ^ 53, t[2])
    end
    local info = cu.iinfo("uint64")
    assert.are.equal(0, info.min)
    assert.are.equal(64, info.bits)
    assert.is_true(H.same_integer(info.max, MAX))
  end)

  it("takes values beyond 2^63 as floats (and uint64 cdata on LuaJIT) in arrays, fills and assignment", function()
    local x = cu.zeros({3}, {dtype = "uint64", device = dev})
    x[1] = 2 ^ 63
    x[2] = 2 ^ 64 - 2 ^ 11
    assert.are.equal("array([ 9223372036854775808, 18446744073709549568,                    0],"
                     .. "\n      dtype=uint64)", printed(x))
    H.same(cu.full({2}, 2 ^ 63, {dtype = "uint64", device = dev}), {HALF, HALF})
    H.same(cu.array({2 ^ 63, 3}, {dtype = "uint64", device = dev}), {HALF, 3})
    local ok, ffi = pcall(require, "ffi")
    if ok then
      local big = ffi.new("uint64_t", 0) - 1 -- 2^64 - 1, which no literal of the other Luas holds
      x[3] = big
      H.same(x, {HALF, "18446744073709549568", MAX})
      local y = cu.array({big, 1}, {device = dev})
      assert.are.equal("uint64", y.dtype)
      H.same(y, {MAX, 1})
      H.same(cu.full({1}, big, {dtype = "uint64", device = dev}), {MAX})
      local i64 = cu.zeros({1}, {dtype = "int64", device = dev})
      H.raises("out of bounds for int64", function() i64[1] = big end)
    end
  end)

  it("takes LuaJIT's uint64 and int64 cdata as weak integers in ops", function()
    local ok, ffi = pcall(require, "ffi")
    if not ok then return end
    local big = ffi.new("uint64_t", 0) - 1
    local x = u64({0, HALF, "18446744073709549568"}, dev)
    H.same(cu.equal(x, big), {false, false, false})
    H.same(cu.less(x, big), {true, true, true})
    H.same(x + big, {MAX, "9223372036854775807", "18446744073709549567"})
    assert.are.equal("uint64", (x + big).dtype)
    H.same(x + ffi.new("int64_t", 5), {5, "9223372036854775813", "18446744073709549573"})
    H.same(cu.equal(cu.array({4294967295}, {dtype = "uint32", device = dev}), big), {false})
    assert.are.equal("float64", (cu.array({1.5}, {device = dev}) + big).dtype)
    H.raises("add: Lua integer 18446744073709551615 is out of bounds for int64", cu.add,
             cu.array({1}, {dtype = "int64", device = dev}), big)
  end)

  it("refuses negative integers as NumPy 2 does", function()
    local x = cu.zeros({2}, {dtype = "uint64", device = dev})
    H.raises("index assignment: Lua integer -1 is out of bounds for uint64", function() x[1] = -1 end)
    H.raises("value -1 at [1] is out of bounds for uint64", cu.array, {-1}, {dtype = "uint64", device = dev})
    H.raises("fill value -1 is out of bounds for uint64", cu.full, {2}, -1, {dtype = "uint64", device = dev})
    H.raises("add: Lua integer -1 is out of bounds for uint64", cu.add, x, -1)
  end)
end)

H.each_device("uint64 interchange", function(dev)
  it("writes every digit with savetxt's %d and reads exact values back with loadtxt", function()
    local x = cu.array({0, 2 ^ 63, 2 ^ 64 - 2 ^ 11}, {dtype = "uint64", device = dev})
    local path = os.tmpname()
    cu.savetxt(path, x, {fmt = "%d"})
    assert.are.equal("0\n9223372036854775808\n18446744073709549568\n", H.read_file(path))
    cu.savetxt(path, x)
    assert.are.equal("0.000000000000000000e+00\n9.223372036854775808e+18\n1.844674407370954957e+19\n",
                     H.read_file(path))
    H.same(cu.loadtxt(path, {dtype = "uint64", device = dev}), {0, HALF, "18446744073709549568"})
    os.remove(path)
  end)

  it("round trips through DLPack (kDLUInt, 64 bits)", function()
    local x = u64({0, HALF1, MAX}, dev)
    local y = cu.from_dlpack(x:to_dlpack())
    assert.are.equal("uint64", y.dtype)
    H.same(y, {0, HALF1, MAX})
  end)
end)
