-- dtypes: names, astype conversions, NumPy 2 promotion (arrays with arrays, arrays with weak
-- Lua scalars), result dtypes of division and math functions, integer // and % sign rules,
-- division by zero, and wrapping overflow. Expected values are NumPy's.
local cu = require "cuarray"
local H = require "helper"


-- NumPy's promotion and casting tables (tools/gen_dtype_tables.py)
local T = require "dtype_tables"
local NAMES, PROMOTE, CAN_CAST = T.NAMES, T.PROMOTE, T.CAN_CAST

describe("dtype names", function()
  it("lists the dtypes and names each", function()
    assert.are.same(NAMES, cu.dtypes)
    for _, n in ipairs(NAMES) do assert.are.equal(n, cu[n]) end
  end)

  it("accepts NumPy's aliases", function()
    local aliases = {f4 = "float32", f8 = "float64", i4 = "int32", i8 = "int64", u1 = "uint8",
                     double = "float64", half = "float16", int = "int64", float = "float64",
                     u2 = "uint16", ushort = "uint16", u4 = "uint32", uintc = "uint32"}
    for alias, name in pairs(aliases) do
      assert.are.equal(name, cu.zeros(1, {dtype = alias}).dtype)
    end
  end)

  it("reports itemsize and nbytes", function()
    local sizes = {bool = 1, int8 = 1, uint8 = 1, int16 = 2, int32 = 4, int64 = 8, float16 = 2,
                   float32 = 4, float64 = 8, complex64 = 8, complex128 = 16, uint16 = 2, uint32 = 4,
                   bfloat16 = 2}
    for name, size in pairs(sizes) do
      local a = cu.zeros({2, 3}, {dtype = name})
      assert.are.equal(size, a.itemsize)
      assert.are.equal(6 * size, a.nbytes)
    end
  end)
end)

H.each_device("promotion", function()
  for _, a in ipairs(NAMES) do
    it("promotes " .. a .. " with every dtype as NumPy's promote_types", function()
      local x = cu.ones(2, {dtype = a})
      for j, b in ipairs(NAMES) do
        local y = cu.ones(2, {dtype = b})
        assert.are.equal(PROMOTE[a][j], (x + y).dtype, a .. " + " .. b)
        if not (a:match("^complex") or b:match("^complex")) then -- complex values have no order
          assert.are.equal(PROMOTE[a][j], cu.maximum(x, y).dtype, "maximum(" .. a .. ", " .. b .. ")")
        end
      end
    end)
  end

  it("follows the NumPy 2 examples", function()
    local function dt(a, b) return (cu.ones(1, {dtype = a}) * cu.ones(1, {dtype = b})).dtype end
    assert.are.equal("int16", dt("int8", "uint8"))
    assert.are.equal("float64", dt("int64", "float32"))
    assert.are.equal("float32", dt("int16", "float16"))
    assert.are.equal("float64", dt("int32", "float16"))
  end)

  -- Lua numbers are weak scalars (NEP 50): an integral number takes the array's dtype (and must
  -- fit it), a fractional one keeps a float array's dtype and makes others float64.
  local weak = {
    -- array dtype, scalar, expected dtype, expected value of ones + scalar
    {"int8", 1, "int8", 2},
    {"int8", -129 + 1, "int8", -127},
    {"int8", 1.5, "float64", 2.5},
    {"uint8", 2, "uint8", 3},
    {"uint8", 255, "uint8", 0},
    {"int16", 1.5, "float64", 2.5},
    {"int64", 0.5, "float64", 1.5},
    {"float32", 3.0, "float32", 4},
    {"float32", 3.5, "float32", 4.5},
    {"float16", 2.5, "float16", 3.5},
    {"float16", 1, "float16", 2},
    {"bool", 1, "int64", 2},
    {"bool", 1.5, "float64", 2.5},
    {"bool", true, "bool", true},
    {"int32", true, "int32", 2},
    {"float64", 2, "float64", 3},
  }
  for i, c in ipairs(weak) do
    it("treats a Lua scalar as weak, case " .. i .. " (" .. c[1] .. " + " .. tostring(c[2]) .. ")",
       function()
      local a = cu.ones(3, {dtype = c[1]})
      local r = a + c[2]
      assert.are.equal(c[3], r.dtype)
      H.same(r, {c[4], c[4], c[4]})
      local l = c[2] + a
      assert.are.equal(c[3], l.dtype)
      H.same(l, {c[4], c[4], c[4]})
    end)
  end

  it("raises when an integral scalar does not fit the array's integer dtype", function()
    H.raises("out of bounds for uint8", function() return cu.ones(2, {dtype = "uint8"}) + 300 end)
    H.raises("out of bounds for uint8", function() return cu.ones(2, {dtype = "uint8"}) + -1 end)
    H.raises("out of bounds for int8", function() return cu.ones(2, {dtype = "int8"}) * 200 end)
    H.raises("out of bounds for int16", function() return cu.ones(2, {dtype = "int16"}) - 40000 end)
  end)

  it("gives two Lua numbers int64 / float64", function()
    assert.are.equal("int64", cu.add(1, 2).dtype)
    assert.are.equal(3, cu.add(1, 2):item())
    assert.are.equal("float64", cu.add(1, 2.5).dtype)
    assert.are.equal("float64", cu.multiply(0.5, 2).dtype)
  end)
end)

H.each_device("result dtypes of ops", function()
  local float_for = {bool = "float16", int8 = "float16", uint8 = "float16", int16 = "float32",
                     int32 = "float64", int64 = "float64", float16 = "float16",
                     float32 = "float32", float64 = "float64", uint16 = "float32",
                     uint32 = "float64", bfloat16 = "bfloat16", uint64 = "float64"}
  it("math functions of complex dtypes keep the dtype, or raise where there is no formula", function()
    for _, name in ipairs({"complex64", "complex128"}) do
      local a = cu.ones(2, {dtype = name})
      for _, f in ipairs({"exp", "log", "sqrt", "sin", "arctanh", "log1p", "exp2", "round"}) do
        assert.are.equal(name, cu[f](a).dtype, f .. "(" .. name .. ")")
      end
      H.raises("cbrt: not supported for " .. name, cu.cbrt, a)
    end
  end)
  for _, name in ipairs(NAMES) do
    if not name:match("^complex") then
      it("math functions of " .. name .. " give " .. float_for[name], function()
        local a = cu.ones(2, {dtype = name})
        for _, f in ipairs({"exp", "log", "sqrt", "sin", "tanh", "log1p"}) do
          assert.are.equal(float_for[name], cu[f](a).dtype, f .. "(" .. name .. ")")
        end
      end)
    end
  end

  it("computes exp of int8 in float16", function()
    local r = cu.exp(cu.array({0, 1}, {dtype = "int8"}))
    assert.are.equal("float16", r.dtype)
    H.same(r, {1, 2.71875})
  end)

  it("divides integers into float64", function()
    for _, name in ipairs({"bool", "int8", "uint8", "int16", "int32", "int64", "uint16", "uint32"}) do
      local r = cu.ones(2, {dtype = name}) / cu.ones(2, {dtype = name})
      assert.are.equal("float64", r.dtype, name)
    end
    H.same(cu.array({1, 7}) / 2, {0.5, 3.5})
    assert.are.equal("float16", (cu.ones(1, {dtype = "float16"}) / cu.ones(1, {dtype = "int8"})).dtype)
    assert.are.equal("float32", (cu.ones(1, {dtype = "float32"}) / 2).dtype)
  end)

  it("gives bool for comparisons and predicates", function()
    local a = cu.array({1, 2}, {dtype = "int16"})
    for _, f in ipairs({"equal", "less", "greater_equal", "logical_and"}) do
      assert.are.equal("bool", cu[f](a, 1).dtype)
    end
    assert.are.equal("bool", cu.isnan(cu.ones(2)).dtype)
  end)

  it("keeps integer dtypes for abs, floor and rounding", function()
    for _, f in ipairs({"abs", "floor", "ceil", "round", "trunc"}) do
      assert.are.equal("int32", cu[f](cu.ones(2, {dtype = "int32"})).dtype, f)
    end
  end)
end)

H.each_device("integer arithmetic", function()
  local a = {-7, 7, -7, 7, 0, 5, 1}
  local b = {2, -2, -2, 2, 0, 0, 3}
  for _, name in ipairs({"int8", "int16", "int32", "int64"}) do
    it("floor_divide and mod follow the divisor's sign in " .. name, function()
      local x, y = cu.array(a, {dtype = name}), cu.array(b, {dtype = name})
      local q, r = cu.floor_divide(x, y), cu.mod(x, y)
      assert.are.equal(name, q.dtype)
      assert.are.equal(name, r.dtype)
      H.same(q, {-4, -4, 3, 3, 0, 0, 0})
      H.same(r, {1, -1, -1, 1, 0, 0, 1})
      H.same(x % y, {1, -1, -1, 1, 0, 0, 1})
      H.same(cu.fmod(x, y), {-1, 1, -1, 1, 0, 0, 1})
    end)
  end

  it("divides floats as NumPy's divmod", function()
    local x = cu.array({-7.5, 7.5, -7.5, 7.5, 1.0, -1.0, 0.0, 1.0})
    local y = cu.array({2, -2, -2, 2, 0, 0, 0, math.huge})
    H.same(cu.floor_divide(x, y), {-4, -4, 3, 3, H.inf, -H.inf, H.nan, 0})
    H.same(x % y, {0.5, -0.5, -1.5, 1.5, H.nan, H.nan, H.nan, 1})
    H.same(cu.fmod(x, y), {-1.5, 1.5, -1.5, 1.5, H.nan, H.nan, H.nan, 1})
  end)

  local wraps = {
    -- dtype, a, op, b, expected
    {"int8", 127, "add", 1, -128},
    {"uint8", 0, "subtract", 1, 255},
    {"int16", 32767, "multiply", 2, -2},
    {"uint8", 200, "multiply", 2, 144},
    {"int32", 2147483647, "add", 1, -2147483648},
    {"int64", 2 ^ 62, "multiply", 2, -2 ^ 63},
    {"int8", -128, "negative", nil, -128},
    {"int8", -128, "abs", nil, -128},
  }
  for i, c in ipairs(wraps) do
    it("wraps on overflow, case " .. i .. " (" .. c[1] .. " " .. c[3] .. ")", function()
      local x = cu.full(1, c[2], {dtype = c[1]})
      local r
      if c[4] then r = cu[c[3]](x, cu.full(1, c[4], {dtype = c[1]})) else r = cu[c[3]](x) end
      assert.are.equal(c[1], r.dtype)
      H.same(r, {c[5]})
    end)
  end

  it("raises integers to integer powers", function()
    local r = cu.array({2, 3, -2}) ^ cu.array({3, 2, 3})
    assert.are.equal("int64", r.dtype)
    H.same(r, {8, 9, -8})
    H.same(cu.array({2.0, 4}, {dtype = "float64"}) ^ 0.5, {1.4142135623730951, 2}, 1e-15)
  end)

  it("rounds half to even", function()
    H.same(cu.round(cu.array({0.5, 1.5, 2.5, -0.5, -1.5})), {0, 2, 2, -0, -2})
  end)
end)

H.each_device("astype", function()
  local cases = {
    -- values, from, to, expected (NumPy's astype)
    {{1.9, -1.9}, "float64", "int32", {1, -1}},
    {{300, -1}, "int64", "uint8", {44, 255}},
    {{1000}, "int64", "int8", {-24}},
    {{0.5, 0, 0 / 0}, "float64", "bool", {true, false, true}},
    {{2, 0, -1}, "int64", "bool", {true, false, true}},
    {{0.1, 70000}, "float64", "float16", {0.0999755859375, H.inf}},
    {{true, false}, "bool", "float32", {1, 0}},
    {{1.5, -2.5}, "float32", "float64", {1.5, -2.5}},
    {{65504, -65504}, "float16", "int32", {65504, -65504}},
    {{255}, "uint8", "int8", {-1}},
  }
  for i, c in ipairs(cases) do
    it("converts " .. c[2] .. " to " .. c[3] .. ", case " .. i, function()
      local a = cu.array(c[1], {dtype = c[2]})
      local b = a:astype(c[3])
      assert.are.equal(c[3], b.dtype)
      H.same(b, c[4])
      assert.are.equal(c[2], a.dtype)
    end)
  end

  it("converts views", function()
    local a = cu.array({{1.5, 2.5}, {3.5, 4.5}}).T
    H.same(a:astype("int16"), {{1, 3}, {2, 4}})
  end)

  it("raises on an unknown dtype name", function()
    H.raises("unknown dtype 'float128'", function() return cu.ones(2):astype("float128") end)
  end)
end)

-- float16 from a double is rounded once. x = 1 + 2^-11 + 2^-30 lies just above the midpoint of
-- float16's 1 and 1 + 2^-10, so its nearest float16 is 1 + 2^-10 (NumPy: 1.0009765625); through
-- float32 it would first become the midpoint 1 + 2^-11 and then, a tie, 1.
H.each_device("float16 from float64", function()
  local x = 1 + 2 ^ -11 + 2 ^ -30
  local near = 1 + 2 ^ -10

  it("rounds once in cu.array and cu.linspace", function()
    H.same(cu.array({x}, {dtype = "float16"}), {near})
    H.same(cu.array({{x, -x}}, {dtype = "float16"}), {{near, -near}})
    H.same(cu.linspace(0, x, 2, {dtype = "float16"}), {0, near})
  end)

  it("rounds once in astype, fills and assignments", function()
    H.same(cu.array({x, -x}):astype("float16"), {near, -near})
    H.same(cu.array({{x}, {x}}).T:astype("float16"), {{near, near}})
    H.same(cu.full({3}, x, {dtype = "float16"}), {near, near, near})
    local z = cu.zeros({3}, {dtype = "float16"})
    z[{}] = x
    H.same(z, {near, near, near})
    z[2] = 0
    z[{{2, 3}}] = cu.array({x, x})
    H.same(z, {near, near, near})
  end)

  it("rounds once when float64 results are stored into float16", function()
    local o = cu.empty({2}, {dtype = "float16"})
    cu.add(cu.array({x, -x}), 0, {out = o})
    H.same(o, {near, -near})
    cu.multiply(cu.array({x, x}), cu.array({1, 1}), {out = o})
    H.same(o, {near, near})
  end)

  it("makes a weak Lua scalar the float16 nearest to it (NumPy: ones(1, float16) == x is False)",
     function()
    local h = cu.ones({2}, {dtype = "float16"})
    H.same(h:eq(x), {false, false})
    H.same(h:ne(x), {true, true})
    H.same(h:lt(x), {true, true})
    local d = h - x
    assert.are.equal("float16", d.dtype)
    H.same(d, {-2 ^ -10, -2 ^ -10})
    H.same(x * h, {near, near})
    local w = cu.where(cu.array({false, true}), h, x)
    assert.are.equal("float16", w.dtype)
    H.same(w, {near, 1})
  end)
end)

H.each_device("shifts", function()
  -- dtype, values, count, right_shift, left_shift (NumPy 1.24): a count that is negative or
  -- not below the width fills with the sign (right) or gives 0 (left)
  local cases = {
    {"int8", {-10, 10, -128, 127, 1}, -1, {-1, 0, -1, 0, 0}, {0, 0, 0, 0, 0}},
    {"int8", {-10, 10, -128, 127, 1}, 7, {-1, 0, -1, 0, 0}, {0, 0, 0, -128, -128}},
    {"int8", {-10, 10, -128, 127, 1}, 9, {-1, 0, -1, 0, 0}, {0, 0, 0, 0, 0}},
    {"int8", {-10, 10, -128, 127, 1}, -100, {-1, 0, -1, 0, 0}, {0, 0, 0, 0, 0}},
    {"int16", {-10, 10, -32768, 3}, 15, {-1, 0, -1, 0}, {0, 0, 0, -32768}},
    {"int16", {-10, 10, -32768, 3}, 17, {-1, 0, -1, 0}, {0, 0, 0, 0}},
    {"int32", {-10, 10, 1, -2 ^ 31}, -1, {-1, 0, 0, -1}, {0, 0, 0, 0}},
    {"int32", {-10, 10, 1, -2 ^ 31}, 31, {-1, 0, 0, -1}, {0, 0, -2 ^ 31, 0}},
    {"int32", {-10, 10, 1, -2 ^ 31}, 40, {-1, 0, 0, -1}, {0, 0, 0, 0}},
    {"int64", {-10, 10, 1}, -1, {-1, 0, 0}, {0, 0, 0}},
    {"int64", {-10, 10, 1}, 63, {-1, 0, 0}, {0, 0, -2 ^ 63}},
    {"int64", {-10, 10, 1}, 64, {-1, 0, 0}, {0, 0, 0}},
    {"int64", {-10, 10, 1}, -100, {-1, 0, 0}, {0, 0, 0}},
    {"uint8", {200, 1, 255}, 7, {1, 0, 1}, {0, 128, 128}},
    {"uint8", {200, 1, 255}, 9, {0, 0, 0}, {0, 0, 0}},
    {"uint8", {200, 1, 255}, 200, {0, 0, 0}, {0, 0, 0}},
  }
  for i, c in ipairs(cases) do
    it(("shifts %s by %d, case %d"):format(c[1], c[3], i), function()
      local a = cu.array(c[2], {dtype = c[1]})
      local counts = cu.full(#c[2], c[3], {dtype = c[1]})
      H.same(cu.right_shift(a, c[3]), c[4])
      H.same(cu.left_shift(a, c[3]), c[5])
      H.same(cu.right_shift(a, counts), c[4])
      H.same(cu.left_shift(a, counts), c[5])
      assert.are.equal(c[1], cu.right_shift(a, counts).dtype)
    end)
  end

  it("shifts by a negative count of a wider dtype", function()
    local r = cu.right_shift(cu.array({-10, 10}, {dtype = "int8"}), cu.array({-1, -1}))
    assert.are.equal("int64", r.dtype)
    H.same(r, {-1, 0})
  end)
end)

describe("dtype introspection", function()
  it("promote_types gives NumPy's table for every pair", function()
    for _, a in ipairs(NAMES) do
      for j, b in ipairs(NAMES) do
        assert.are.equal(PROMOTE[a][j], cu.promote_types(a, b), a .. ", " .. b)
      end
    end
    assert.are.equal("float64", cu.promote_types(cu.zeros(1, {dtype = "int32"}), "float32"))
    H.raises("promote_types: unknown dtype 'int3'", cu.promote_types, "int3", "int8")
  end)

  it("can_cast gives NumPy's answer for every pair and casting rule", function()
    for casting, rows in pairs(CAN_CAST) do
      for _, a in ipairs(NAMES) do
        for j, b in ipairs(NAMES) do
          local want = rows[a]:sub(j, j) == "1"
          assert.are.equal(want, cu.can_cast(a, b, {casting = casting}),
            ("can_cast(%s, %s, %s)"):format(a, b, casting))
          if casting == "safe" then assert.are.equal(want, cu.can_cast(a, b)) end
        end
      end
    end
    H.raises("can_cast: casting must be one of", cu.can_cast, "int8", "int16", {casting = "some"})
  end)

  it("result_type takes arrays and dtypes as strong, Lua values as weak (NEP 50)", function()
    local i8 = cu.zeros(2, {dtype = "int8"})
    assert.are.equal("int8", cu.result_type(i8, 1))
    assert.are.equal("float64", cu.result_type(i8, 1.5))
    assert.are.equal("complex64", cu.result_type("float32", cu.j))
    assert.are.equal("complex128", cu.result_type("int32", cu.j))
    assert.are.equal("float64", cu.result_type(1, 1.5))
    assert.are.equal("int64", cu.result_type(true, 1))
    assert.are.equal("float16", cu.result_type("uint8", "int8", "float16"))
    assert.are.equal("bool", cu.result_type("bool", true))
    H.raises("result_type: at least one", cu.result_type)
  end)

  it("iinfo and finfo give NumPy's limits", function()
    local i = cu.iinfo("int8")
    assert.are.same({-128, 127, 8, "i"}, {i.min, i.max, i.bits, i.kind})
    assert.are.same({0, 255}, {cu.iinfo("uint8").min, cu.iinfo("uint8").max})
    assert.are.same({-32768, 32767}, {cu.iinfo("int16").min, cu.iinfo("int16").max})
    assert.are.same({-2147483648, 2147483647}, {cu.iinfo("int32").min, cu.iinfo("int32").max})
    assert.are.same({0, 65535, 16, "u"},
      {cu.iinfo("uint16").min, cu.iinfo("uint16").max, cu.iinfo("uint16").bits, cu.iinfo("uint16").kind})
    assert.are.same({0, 4294967295, 32, "u"},
      {cu.iinfo("uint32").min, cu.iinfo("uint32").max, cu.iinfo("uint32").bits, cu.iinfo("uint32").kind})
    assert.are.equal(64, cu.iinfo(cu.zeros(1, {dtype = "int64"})).bits)
    assert.is_true(cu.iinfo("int64").max > 9.2e18 and cu.iinfo("int64").min < -9.2e18)
    H.raises("iinfo: invalid integer data type 'float32'", cu.iinfo, "float32")
    local want = {
      float16 = {0.0009765625, 0.00048828125, 65504.0, 6.103515625e-05, 5.960464477539063e-08,
                 0.0010004043579101562, 3, 10, 5, 16, -14, -10, -11},
      float32 = {1.1920928955078125e-07, 5.960464477539063e-08, 3.4028234663852886e+38,
                 1.1754943508222875e-38, 1.401298464324817e-45, 9.999999974752427e-07, 6, 23, 8,
                 128, -126, -23, -24},
      float64 = {2.220446049250313e-16, 1.1102230246251565e-16, 1.7976931348623157e+308,
                 2.2250738585072014e-308, 5e-324, 1e-15, 15, 52, 11, 1024, -1022, -52, -53},
    }
    for dt, w in pairs(want) do
      local f = cu.finfo(dt)
      assert.are.same(w, {f.eps, f.epsneg, f.max, f.tiny, f.smallest_subnormal, f.resolution,
        f.precision, f.nmant, f.nexp, f.maxexp, f.minexp, f.machep, f.negep}, dt)
      assert.are.equal(-f.max, f.min)
      assert.are.equal(f.tiny, f.smallest_normal)
    end
    assert.are.equal("float32", cu.finfo("complex64").dtype)
    assert.are.equal(cu.finfo("float64").eps, cu.finfo("complex128").eps)
    H.raises("finfo: data type 'int8' not inexact", cu.finfo, "int8")
  end)

  it("astype checks its casting rule (unsafe unless told)", function()
    local c = cu.array({{1, 2}}, {dtype = "complex64"})
    assert.are.equal("float32", c:astype("float32").dtype)
    H.raises("astype: cannot cast complex64 to float32 with casting='same_kind'", c.astype, c,
      "float32", {casting = "same_kind"})
    assert.are.equal("complex128", c:astype("complex128", {casting = "safe"}).dtype)
    H.raises("astype: cannot cast int64 to float32 with casting='safe'", cu.arange(3).astype,
      cu.arange(3), "float32", {casting = "safe"})
    assert.are.equal("int8", cu.arange(3):astype("int8", {casting = "same_kind"}).dtype)
  end)
end)
