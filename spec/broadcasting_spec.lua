-- Elementwise ops and broadcasting: the arithmetic operators, every op of src/ops.def through
-- cu.<name> (and its method, and with {out = c}), comparisons as functions and methods,
-- logical ops, math functions, clip, where, broadcasting shapes (size 0 and size 1 included),
-- and their errors. Expected values are NumPy's.
local cu = require "cuarray"
local H = require "helper"


local NAN, INF = H.nan, H.inf
local TOL = 1e-13

-- op, input, expected, result dtype[, input dtype] (input float64 unless given)
local UNARY = {
  {"negative", {0.5, -1.25, 2.0}, {-0.5, 1.25, -2.0}, "float64"},
  {"abs", {0.5, -1.25, 2.0}, {0.5, 1.25, 2.0}, "float64"},
  {"square", {0.5, -1.25, 2.0}, {0.25, 1.5625, 4.0}, "float64"},
  {"sign", {0.5, -1.25, 2.0}, {1.0, -1.0, 1.0}, "float64"},
  {"reciprocal", {0.5, -1.25, 2.0}, {2.0, -0.8, 0.5}, "float64"},
  {"floor", {0.5, -1.5, 2.75}, {0.0, -2.0, 2.0}, "float64"},
  {"ceil", {0.5, -1.5, 2.75}, {1.0, -1.0, 3.0}, "float64"},
  {"trunc", {0.5, -1.5, 2.75}, {0.0, -1.0, 2.0}, "float64"},
  {"round", {0.5, -1.5, 2.25}, {0.0, -2.0, 2.0}, "float64"},
  {"exp", {0.5, -1.25, 2.0}, {1.6487212707001282, 0.2865047968601901, 7.38905609893065}, "float64"},
  {"expm1", {0.5, -1.25, 2.0}, {0.6487212707001282, -0.7134952031398099, 6.38905609893065},
    "float64"},
  {"log", {0.5, 1.25, 2.0}, {-0.6931471805599453, 0.22314355131420974, 0.6931471805599453},
    "float64"},
  {"log2", {0.5, 1.25, 2.0}, {-1.0, 0.32192809488736235, 1.0}, "float64"},
  {"log10", {0.5, 1.25, 2.0}, {-0.3010299956639812, 0.09691001300805642, 0.3010299956639812},
    "float64"},
  {"log1p", {0.5, 1.25, 2.0}, {0.4054651081081644, 0.8109302162163288, 1.0986122886681096},
    "float64"},
  {"sqrt", {0.25, 1.5, 4.0}, {0.5, 1.224744871391589, 2.0}, "float64"},
  {"sin", {0.5, -1.25, 2.0}, {0.47942553860420295, -0.9489846193555863, 0.9092974268256816},
    "float64"},
  {"cos", {0.5, -1.25, 2.0}, {0.8775825618903725, 0.31532236239526873, -0.4161468365471424},
    "float64"},
  {"tan", {0.5, -1.25, 2.0}, {0.5463024898437905, -3.009569673862831, -2.185039863261519},
    "float64"},
  {"arcsin", {0.5, -0.25, 1.0}, {0.5235987755982989, -0.25268025514207865, 1.5707963267948966},
    "float64"},
  {"arccos", {0.5, -0.25, 1.0}, {1.0471975511965976, 1.8234765819369751, 0.0}, "float64"},
  {"arctan", {0.5, -1.25, 2.0}, {0.4636476090008061, -0.8960553845713439, 1.1071487177940904},
    "float64"},
  {"sinh", {0.5, -1.25, 2.0}, {0.5210953054937474, -1.6019190803008254, 3.6268604078470186},
    "float64"},
  {"cosh", {0.5, -1.25, 2.0}, {1.1276259652063807, 1.8884238771610156, 3.7621956910836314},
    "float64"},
  {"tanh", {0.5, -1.25, 2.0}, {0.46211715726000974, -0.8482836399575129, 0.9640275800758169},
    "float64"},
  {"isnan", {NAN, INF, 1.0}, {true, false, false}, "bool"},
  {"isinf", {NAN, -INF, 1.0}, {false, true, false}, "bool"},
  {"isfinite", {NAN, INF, 1.0}, {false, false, true}, "bool"},
  {"logical_not", {0.0, 1.5, -2.0}, {true, false, false}, "bool"},
  {"invert", {0, 5, -3}, {-1, -6, 2}, "int32", "int32"},
  {"invert", {true, false}, {false, true}, "bool", "bool"},
}
local BINARY = {
  {"add", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {2.0, 1.0, 1.0, 2.0, 4.0},
    "float64"},
  {"subtract", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {1.0, -5.0, 5.0, -2.0,
    0.0}, "float64"},
  {"multiply", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {0.75, -6.0, -6.0, 0.0,
    4.0}, "float64"},
  {"divide", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {3.0, -0.6666666666666666,
    -1.5, 0.0, 1.0}, "float64"},
  {"floor_divide", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {3.0, -1.0, -2.0, 0.0,
    1.0}, "float64"},
  {"mod", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {0.0, 1.0, -1.0, 0.0, 0.0},
    "float64"},
  {"fmod", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {0.0, -2.0, 1.0, 0.0, 0.0},
    "float64"},
  {"power", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {1.224744871391589, -8.0,
    0.1111111111111111, 0.0, 4.0}, "float64"},
  {"maximum", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {1.5, 3.0, 3.0, 2.0, 2.0},
    "float64"},
  {"minimum", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {0.5, -2.0, -2.0, 0.0, 2.0},
    "float64"},
  {"arctan2", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {1.2490457723982544,
    -0.5880026035475676, 2.1587989303424644, 0.0, 0.7853981633974483}, "float64"},
  {"equal", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {false, false, false, false,
    true}, "bool"},
  {"not_equal", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {true, true, true, true,
    false}, "bool"},
  {"less", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {false, true, false, true,
    false}, "bool"},
  {"less_equal", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {false, true, false,
    true, true}, "bool"},
  {"greater", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {true, false, true, false,
    false}, "bool"},
  {"greater_equal", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {true, false, true,
    false, true}, "bool"},
  {"logical_and", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {true, true, true,
    false, true}, "bool"},
  {"logical_or", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {true, true, true, true,
    true}, "bool"},
  {"logical_xor", {1.5, -2.0, 3.0, 0.0, 2.0}, {0.5, 3.0, -2.0, 2.0, 2.0}, {false, false, false,
    true, false}, "bool"},
  {"bitwise_and", {12, -7, 5, 0, 3}, {10, 3, 2, 1, 3}, {8, 1, 0, 0, 3}, "int32", "int32"},
  {"bitwise_or", {12, -7, 5, 0, 3}, {10, 3, 2, 1, 3}, {14, -5, 7, 1, 3}, "int32", "int32"},
  {"bitwise_xor", {12, -7, 5, 0, 3}, {10, 3, 2, 1, 3}, {6, -6, 7, 1, 0}, "int32", "int32"},
  {"left_shift", {12, -7, 5, 0, 3}, {10, 3, 2, 1, 3}, {12288, -56, 20, 0, 24}, "int32", "int32"},
  {"right_shift", {12, -7, 5, 0, 3}, {10, 3, 2, 1, 3}, {0, -1, 1, 0, 0}, "int32", "int32"},
}
local SHAPES = {
  {{3, 1}, {1, 4}, {3, 4}, {{0, 10, 20, 30}, {1, 11, 21, 31}, {2, 12, 22, 32}}},
  {{2, 3}, {3}, {2, 3}, {{0, 11, 22}, {3, 14, 25}}},
  {{2, 3}, {1}, {2, 3}, {{0, 1, 2}, {3, 4, 5}}},
  {{2, 3}, {}, {2, 3}, {{0, 1, 2}, {3, 4, 5}}},
  {{0, 3}, {1, 3}, {0, 3}, {}},
  {{0}, {1}, {0}, {}},
  {{1}, {5}, {5}, {0, 10, 20, 30, 40}},
  {{4, 1, 2}, {3, 1}, {4, 3, 2}, {{{0, 1}, {10, 11}, {20, 21}}, {{2, 3}, {12, 13}, {22, 23}}, {{4,
    5}, {14, 15}, {24, 25}}, {{6, 7}, {16, 17}, {26, 27}}}},
  {{1, 1}, {1}, {1, 1}, {{0}}},
  {{2, 0}, {2, 1}, {2, 0}, {{}, {}}},
  {{5}, {5}, {5}, {0, 11, 22, 33, 44}},
  {{}, {}, {}, 0},
}

local unpack = table.unpack or unpack

H.each_device("every unary op of ops.def", function()
  for _, c in ipairs(UNARY) do
    local name, x, expected, rdt, xdt = unpack(c)
    it(name .. " as a function, a method and with out", function()
      local a = cu.array(x, {dtype = xdt or "float64"})
      local r = cu[name](a)
      assert.are.equal(rdt, r.dtype)
      H.same(r, expected, TOL)
      H.same(a[name](a), expected, TOL)
      local out = cu.empty({#x}, {dtype = rdt})
      local back = cu[name](a, {out = out})
      assert.are.equal(out, back)
      H.same(out, expected, TOL)
    end)
  end

  it("applies to Lua numbers as 0-d arrays", function()
    local r = cu.sqrt(4)
    assert.are.same({}, r.shape)
    assert.are.equal(2, r:item())
    assert.are.equal(-3, cu.negative(3):item())
  end)

  it("writes into an out of a wider dtype and refuses a narrower kind", function()
    local out = cu.zeros(3, {dtype = "float64"})
    cu.abs(cu.array({-1, 2, -3}, {dtype = "int8"}), {out = out})
    H.same(out, {1, 2, 3})
    H.raises("sqrt: cannot cast the float64 result to out's dtype int64", cu.sqrt,
             cu.array({1.0, 4.0}, {dtype = "float64"}), {out = cu.zeros(2, {dtype = "int64"})})
    H.raises("exp: out has shape (2,) but the result has shape (3,)", cu.exp, cu.ones(3),
             {out = cu.zeros(2)})
    H.raises("exp: unknown option 'where'", cu.exp, cu.ones(3), {where = true})
  end)
end)

H.each_device("every binary op of ops.def", function()
  for _, c in ipairs(BINARY) do
    local name, x, y, expected, rdt, xdt = unpack(c)
    it(name .. " as a function, a method and with out", function()
      local a = cu.array(x, {dtype = xdt or "float64"})
      local b = cu.array(y, {dtype = xdt or "float64"})
      local r = cu[name](a, b)
      assert.are.equal(rdt, r.dtype)
      H.same(r, expected, TOL)
      H.same(a[name](a, b), expected, TOL)
      local out = cu.empty({#x}, {dtype = rdt})
      assert.are.equal(out, cu[name](a, b, {out = out}))
      H.same(out, expected, TOL)
      -- a scalar operand on either side acts as an array of that value
      local dt = xdt or "float64"
      H.same(cu[name](a, y[1]), cu[name](a, cu.full(#x, y[1], {dtype = dt})):totable(), TOL)
      H.same(cu[name](x[1], b), cu[name](cu.full(#y, x[1], {dtype = dt}), b):totable(), TOL)
    end)
  end

  it("lets out be one of the operands", function()
    local a = cu.array({1, 2, 3}, {dtype = "float64"})
    cu.multiply(a, 2, {out = a})
    H.same(a, {2, 4, 6})
  end)
end)

H.each_device("operators", function()
  it("+ - * / % ^ and unary - with arrays and numbers on both sides", function()
    local a = cu.array({1.5, -2, 3})
    local b = cu.array({0.5, 4, -2})
    H.same(a + b, {2, 2, 1})
    H.same(a - b, {1, -6, 5})
    H.same(a * b, {0.75, -8, -6})
    H.same(a / b, {3, -0.5, -1.5})
    H.same(a % b, {0, 2, -1})
    H.same(a ^ 2, {2.25, 4, 9})
    H.same(-a, {-1.5, 2, -3})
    H.same(a + 1, {2.5, -1, 4})
    H.same(1 - a, {-0.5, 3, -2})
    H.same(2 * a, {3, -4, 6})
    H.same(3 / a, {2, -1.5, 1})
    H.same(7 % a, {1, -1, 1})
    H.same(2 ^ a, {2 ^ 1.5, 0.25, 8}, TOL)
  end)

  it("// and the bitwise operators (Lua 5.3+)", function()
    local f = (rawget(_G, "loadstring") or load)([[
      return function(a, b)
        return a // b, a & b, a | b, a ~ b, a << 1, a >> 1, ~a, 7 // a
      end
    ]])
    if not f then
      pending("this Lua has no // or bitwise operators")
      return
    end
    local ops = f()
    local a = cu.array({12, -7, 5}, {dtype = "int32"})
    local b = cu.array({5, 2, -3}, {dtype = "int32"})
    local q, band, bor, bxor, shl, shr, bnot, rq = ops(a, b)
    H.same(q, {2, -4, -2})
    H.same(band, {4, 0, 5})
    H.same(bor, {13, -5, -3})
    H.same(bxor, {9, -5, -8})
    H.same(shl, {24, -14, 10})
    H.same(shr, {6, -4, 2})
    H.same(bnot, {-13, 6, -6})
    H.same(rq, {0, -1, 1})
    assert.are.equal("int32", q.dtype)
  end)

  it("compares with functions and methods", function()
    local a = cu.array({1, 2, 3})
    local b = cu.array({3, 2, 1})
    local cases = {
      {"equal", "eq", {false, true, false}}, {"not_equal", "ne", {true, false, true}},
      {"less", "lt", {true, false, false}}, {"less_equal", "le", {true, true, false}},
      {"greater", "gt", {false, false, true}}, {"greater_equal", "ge", {false, true, true}},
    }
    for _, c in ipairs(cases) do
      H.same(cu[c[1]](a, b), c[3])
      H.same(a[c[2]](a, b), c[3])
      H.same(a[c[1]](a, b), c[3])
      assert.are.equal("bool", a[c[2]](a, b).dtype)
    end
    H.same(a:gt(1), {false, true, true})
    H.same(cu.less(2, a), {false, false, true})
  end)

  it("compares NaN as NumPy does", function()
    local a = cu.array({NAN, 1})
    H.same(a:eq(a), {false, true})
    H.same(a:ne(a), {true, false})
    H.same(a:lt(INF), {false, true})
  end)
end)

H.each_device("logical ops", function()
  it("treats nonzero as true", function()
    local a = cu.array({0, 1, 2, 0})
    local b = cu.array({true, true, false, false})
    H.same(cu.logical_and(a, b), {false, true, false, false})
    H.same(cu.logical_or(a, b), {true, true, true, false})
    H.same(cu.logical_xor(a, b), {true, false, true, false})
    H.same(cu.logical_not(a), {true, false, false, true})
    H.same(b:logical_not(), {false, false, true, true})
  end)

  it("adds and multiplies bools as or / and", function()
    local a = cu.array({true, true, false})
    local b = cu.array({true, false, false})
    H.same(a + b, {true, true, false})
    H.same(a * b, {true, false, false})
    H.raises("subtract: not supported for bool arrays", function() return a - b end)
    H.raises("negative: not supported for bool arrays", function() return -a end)
    H.raises("sign: not supported for bool arrays", cu.sign, a) -- NumPy has no bool loop
  end)
end)

H.each_device("clip and where", function()
  it("clips to both bounds, one bound, or arrays of bounds", function()
    local x = cu.array({{1, 5}, {3, -2}})
    H.same(cu.clip(x, 0, 3), {{1, 3}, {3, 0}})
    H.same(cu.clip(x, nil, 2), {{1, 2}, {2, -2}})
    H.same(x:clip(2, nil), {{2, 5}, {3, 2}})
    H.same(cu.clip(cu.array({1.5, -3, 7}), cu.array({0, 0, 0}), cu.array({1, 2, 3})), {1, 0, 3})
    local out = cu.zeros({2, 2}, {dtype = "int64"})
    assert.are.equal(out, cu.clip(x, 0, 3, {out = out}))
    H.same(out, {{1, 3}, {3, 0}})
    H.raises("clip: one of lo and hi must be given", cu.clip, x)
  end)

  it("chooses elementwise with broadcasting and scalars", function()
    local c = cu.array({true, false, true})
    H.same(cu.where(c, cu.array({1, 2, 3}), cu.array({{10}, {20}})), {{1, 10, 3}, {1, 20, 3}})
    local r = cu.where(c, 1.5, -1)
    assert.are.equal("float64", r.dtype)
    H.same(r, {1.5, -1, 1.5})
    H.same(cu.where(cu.array({0, 2, 0}), cu.array({1, 2, 3}), 0), {0, 2, 0})
    assert.are.equal("int8", cu.where(c, cu.ones(3, {dtype = "int8"}), 0).dtype)
    H.raises("where: shapes", cu.where, c, cu.ones(2), 0)
  end)
end)

H.each_device("broadcasting", function()
  for _, c in ipairs(SHAPES) do
    local sa, sb, sr, expected = unpack(c)
    local label = "(" .. table.concat(sa, ",") .. ") + (" .. table.concat(sb, ",") .. ")"
    it(label .. " gives (" .. table.concat(sr, ",") .. ")", function()
      local function make(shape, scale)
        local n = 1
        for _, d in ipairs(shape) do n = n * d end
        return (cu.arange(n) * scale):reshape(shape)
      end
      local a, b = make(sa, 1), make(sb, 10)
      local r = a + b
      assert.are.same(sr, r.shape)
      H.same(r, expected)
      assert.are.same(sr, (b + a).shape)
      assert.are.same(sr, cu.maximum(a, b).shape)
    end)
  end

  it("broadcasts views: transposed, flipped and broadcast_to", function()
    local a = cu.array({{1, 2, 3}, {4, 5, 6}})
    H.same(a.T + cu.array({10, 20}), {{11, 24}, {12, 25}, {13, 26}})
    H.same(a:flip(2) * a, {{3, 4, 3}, {24, 25, 24}})
    H.same(cu.broadcast_to(cu.array({1, 2, 3}), {2, 3}) + a, {{2, 4, 6}, {5, 7, 9}})
  end)

  local bad = {
    {{2, 3}, {4}}, {{2, 3}, {3, 2}}, {{3}, {4}}, {{2, 2, 3}, {4, 3}}, {{0}, {2}},
  }
  for _, c in ipairs(bad) do
    local label = "(" .. table.concat(c[1], ",") .. ") and (" .. table.concat(c[2], ",") .. ")"
    it("raises for " .. label, function()
      local a, b = cu.zeros(c[1]), cu.zeros(c[2])
      H.raises("cannot be broadcast together", function() return a + b end)
      H.raises("multiply: shapes", cu.multiply, a, b)
    end)
  end

  it("names both shapes in the message", function()
    H.raises("add: shapes (2, 3) and (4,) cannot be broadcast together", function()
      return cu.zeros({2, 3}) + cu.zeros(4)
    end)
  end)
end)
