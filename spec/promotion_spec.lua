-- Result dtypes and values where NumPy 2's rules are subtle (values checked with NumPy): an
-- `out` of another dtype receives the result computed in the result dtype; concatenate and
-- stack take the result type of all their inputs at once; float functions of two integer
-- arrays run in the smallest float both cast to; comparisons with Lua integers out of an
-- integer dtype's range are exact; Lua 5.4 integers beyond 2^53 keep every bit.
local cu = require "cuarray"
local H = require "helper"

local function arr(t, dtype) return cu.array(t, {dtype = dtype}) end

H.each_device("out of a wider dtype", function()
  it("integer results wrap in the result dtype before the cast into out", function()
    local o = cu.zeros(1, {dtype = "int64"})
    cu.add(arr({100}, "int8"), arr({100}, "int8"), {out = o})
    H.same(o, {-56})
    local o32 = cu.zeros(1, {dtype = "int32"})
    cu.multiply(arr({300}, "int16"), arr({300}, "int16"), {out = o32})
    H.same(o32, {24464})
    local o16 = cu.zeros(1, {dtype = "int16"})
    cu.subtract(arr({1}, "uint8"), arr({2}, "uint8"), {out = o16})
    H.same(o16, {255})
    cu.negative(arr({1}, "uint8"), {out = o16})
    H.same(o16, {255})
    local of = cu.zeros(1)
    cu.add(arr({100}, "int8"), 100, {out = of})
    H.same(of, {-56})
  end)

  it("refuses a signed integer result into an unsigned out (same_kind), as NumPy", function()
    local u8 = cu.zeros(1, {dtype = "uint8"})
    H.raises("add: cannot cast the int8 result to out's dtype uint8", cu.add, arr({1}, "int8"),
             arr({2}, "int8"), {out = u8})
    H.raises("reciprocal: cannot cast the int16 result to out's dtype uint8", cu.reciprocal,
             arr(-32767, "int16"), {out = cu.zeros({}, {dtype = "uint8"})})
    H.raises("concatenate: cannot cast array data from int8 to uint8", cu.concatenate,
             {arr({1}, "int8"), arr({2}, "uint8")}, {dtype = "uint8"})
    H.raises("stack: cannot cast array data from int16 to uint8", cu.stack,
             {arr({1}, "int16")}, {dtype = "uint8"})
    cu.add(arr({1}, "uint8"), arr({2}, "uint8"), {out = cu.zeros(1, {dtype = "int16"})})
  end)

  it("float16 results round to float16 before the cast into out", function()
    local o = cu.zeros(1, {dtype = "float32"})
    cu.add(arr({2048}, "float16"), arr({1}, "float16"), {out = o})
    H.same(o, {2048})
    cu.sqrt(arr({2}, "int8"), {out = o})
    H.same(o, {1.4140625})
  end)
end)

H.each_device("concatenate and stack", function()
  local function parts(order)
    local p = {u8 = arr({1, 2}, "uint8"), i8 = arr({1, -2}, "int8"), f16 = arr({1, 2}, "float16")}
    local t = {}
    for i, k in ipairs(order) do t[i] = p[k] end
    return t
  end

  it("promote all inputs at once, whatever their order", function()
    assert.are.equal("float16", cu.stack(parts({"u8", "i8", "f16"})).dtype)
    assert.are.equal("float16", cu.stack(parts({"f16", "u8", "i8"})).dtype)
    assert.are.equal("float16", cu.concatenate(parts({"u8", "i8", "f16"})).dtype)
    assert.are.equal("float16", cu.concatenate(parts({"i8", "f16", "u8"})).dtype)
    assert.are.equal("int16", cu.concatenate(parts({"u8", "i8"})).dtype)
    H.same(cu.stack(parts({"u8", "i8", "f16"})), {{1, 2}, {1, -2}, {1, 2}})
  end)
end)

H.each_device("float functions of two arrays", function()
  it("arctan2 runs in the smallest float both inputs cast to safely", function()
    local function dt(a, b) return cu.arctan2(a, b).dtype end
    assert.are.equal("float16", dt(arr({1}, "int8"), arr({1}, "uint8")))
    assert.are.equal("float32", dt(arr({1}, "int8"), arr({1}, "int16")))
    assert.are.equal("float16", dt(arr({true}, "bool"), arr({true}, "bool")))
    assert.are.equal("float64", dt(arr({1}, "int32"), arr({1}, "float16")))
    assert.are.equal("float16", dt(arr({1}, "int8"), 2))
    assert.are.equal("float64", dt(arr({1}, "uint8"), 2.5))
    H.same(cu.arctan2(arr({1, -1}, "int8"), arr({1, 2}, "uint8")), {0.78515625, -0.46362305}, 1e-6)
  end)
end)

H.each_device("ops that compute in a float", function()
  -- NumPy 2 converts an integral Python int out of the integer array's range to the float
  -- its loop computes in, instead of raising
  it("take an integral number out of an integer dtype's range", function()
    local q = arr({3}, "int16") / 2 ^ 31
    assert.are.equal("float64", q.dtype)
    H.same(q, {1.3969838619232178e-09})
    local t = cu.arctan2(arr({1}, "int8"), 70000) -- 70000 is inf in float16
    assert.are.equal("float16", t.dtype)
    H.same(t, {0})
    H.same(cu.hypot(arr({1}, "int8"), 70000), {math.huge})
    H.same(cu.copysign(arr({1}, "int8"), -70000), {-1})
    H.same(cu.heaviside(arr({1}, "int8"), 70000), {1})
    H.same(cu.logaddexp(arr({1}, "uint8"), -1), {1.126953125})
    local p = cu.float_power(arr({2}, "int8"), 300)
    assert.are.equal("float64", p.dtype)
    H.same(p, {2 ^ 300})
    H.same(cu.divide(-1, arr({2}, "uint8")), {-0.5})
    H.raises("multiply: Lua integer 70000 is out of bounds for int8",
             function() return arr({1}, "int8") * 70000 end)
  end)
end)

H.each_device("comparisons with Lua integers", function()
  it("out of an integer dtype's range compare exactly", function()
    local u8, i8 = arr({1, 2}, "uint8"), arr({1, -2}, "int8")
    H.same(u8:lt(300), {true, true})
    H.same(u8:le(300), {true, true})
    H.same(u8:gt(-1), {true, true})
    H.same(u8:ge(-1), {true, true})
    H.same(u8:eq(256), {false, false})
    H.same(u8:ne(256), {true, true})
    H.same(i8:le(-129), {false, false})
    H.same(i8:ge(-129), {true, true})
    H.same(cu.less(300, u8), {false, false})
    H.same(cu.greater(300, u8), {true, true})
    H.same(arr({2147483647, -5}, "int32"):eq(2 ^ 31), {false, false})
    H.same(arr({2147483647, -5}, "int32"):lt(2 ^ 31), {true, true})
    H.same(arr({true, false}, "bool"):lt(2), {true, true})
    -- other ops still raise, as NumPy 2 does
    H.raises("add: Lua integer 300 is out of bounds for uint8", function() return u8 + 300 end)
    H.raises("logical_and: Lua integer 300 is out of bounds for uint8",
             function() return cu.logical_and(u8, 300) end)
  end)

  if math.type then
    it("Lua 5.4 integers beyond 2^53 keep every bit", function()
      local big = math.tointeger(2 ^ 62) + 1
      local a = cu.array({big, big - 1})
      H.same(a:eq(big), {true, false})
      H.same(a:gt(big - 1), {true, false})
      H.same((a + 1):totable(), {big + 1, big})
      H.same(cu.add(big, 1):totable(), big + 1)
      H.same((cu.zeros(2, {dtype = "int64"}) + math.maxinteger):totable(),
             {math.maxinteger, math.maxinteger})
    end)
  end
end)
