-- bfloat16: storage of the high half of a float32, computed in float and rounded once to nearest
-- even on store, on every device. NumPy has no bfloat16: the expected values are the exact
-- results rounded to bfloat16 (computed with Python's fractions), and the promotion table is
-- cuarray's (spec/dtype_tables.lua, tools/gen_dtype_tables.py).
local cu = require "cuarray"
local H = require "helper"

local BF = "bfloat16"
local MAX = 3.3895313892515355e38
local NEGZ = -1 / math.huge -- Lua 5.1 folds the literal -0.0 into 0

H.each_device("bfloat16 conversions", function()
  it("rounds a float64 once, to nearest even", function()
    local cases = {
      {1 + 2 ^ -8, 1},                       -- a tie goes to the even neighbour
      {1 + 3 * 2 ^ -8, 1.015625},            -- a tie, up to the even one
      {1 + 2 ^ -8 + 2 ^ -30, 1.0078125},     -- through float32 it would be a tie, then 1
      {1 / 3, 0.333984375},
      {0.1, 0.10009765625},
      {-2.5, -2.5},
      {65504, 65536},
      {3.4e38, H.inf},                       -- past the largest, infinity
      {3.3961e38, MAX},
      {1e-40, 9.183549615799121e-41},        -- subnormals kept
      {2 ^ -134, 0},                         -- half the smallest subnormal: a tie, to 0
      {1.5 * 2 ^ -133, 1.8367099231598242e-40},
    }
    for _, c in ipairs(cases) do
      H.same(cu.array({c[1]}):astype(BF), {c[2]})
      H.same(cu.array({c[1]}, {dtype = BF}), {c[2]})
      H.same(cu.full(1, c[1], {dtype = BF}), {c[2]})
    end
    local s = cu.array({0 / 0, NEGZ, 1 / 0, -1 / 0}, {dtype = BF})
    H.same(s, {H.nan, NEGZ, H.inf, -H.inf})
    assert.are.equal(1 / 0, 1 / s[2] * -1) -- the sign of zero is kept
  end)

  it("rounds an int64 once (never through float64)", function()
    H.same(cu.array({16777217}):astype(BF), {16777216})
    H.same(cu.array({2 ^ 40 + 2 ^ 32 + 1}):astype(BF), {1108101562368})
    -- 2^60 + 2^52 + 1: through float64 a tie (rounded to 2^60), once rounded 2^60 + 2^53
    local big = cu.array({2 ^ 60}) + cu.array({2 ^ 52 + 1})
    H.same(big:astype(BF), {2 ^ 60 + 2 ^ 53})
    H.same((-big):astype(BF), {-(2 ^ 60 + 2 ^ 53)})
  end)

  it("converts to the other dtypes exactly or as their rules say", function()
    local a = cu.array({1.5, -2.25, 256, 0.333984375}, {dtype = BF})
    H.same(a:astype("float32"), {1.5, -2.25, 256, 0.333984375})
    H.same(a:astype("float64"), {1.5, -2.25, 256, 0.333984375})
    H.same(a:astype("int32"), {1, -2, 256, 0})
    H.same(a:astype("uint8"), {1, 254, 0, 0})
    H.same(a:astype("float16"), {1.5, -2.25, 256, 0.333984375})
    H.same(a:astype("bool"), {true, true, true, true})
    H.same(cu.array({MAX}, {dtype = BF}):astype("float16"), {H.inf})
    assert.are.equal(0.333984375, a[4])
    assert.are.same({1.5, -2.25, 256, 0.333984375}, a:totable())
  end)

  it("stores the high half of a float32's bits", function()
    local a = cu.array({1.5, -2.25, MAX, 1 / 0, 0, -0.125}, {dtype = BF})
    local f = a:astype("float32"):tobytes()
    local b = a:tobytes()
    for i = 0, 5 do assert.are.equal(f:sub(4 * i + 3, 4 * i + 4), b:sub(2 * i + 1, 2 * i + 2)) end
    H.same(a:view("uint16"), {0x3fc0, 0xc010, 0x7f7f, 0x7f80, 0, 0xbe00})
    H.same(cu.frombuffer(b, BF), {1.5, -2.25, MAX, H.inf, 0, -0.125})
  end)
end)

H.each_device("bfloat16 arithmetic", function()
  local x = cu.array({1.5, -2.0, 0.1, 100}, {dtype = BF})
  local y = cu.array({0.25, 3.0, 0.2, -0.5}, {dtype = BF})

  it("computes in float and rounds each result once", function()
    H.same(x + y, {1.75, 1, 0.30078125, 99.5})
    H.same(x * y, {0.375, -6, 0.02001953125, -50})
    H.same(x / y, {6, -0.66796875, 0.5, -200})
    assert.are.equal(BF, (x + y).dtype)
    H.same(cu.ones(1, {dtype = BF}) + 2 ^ -8, {1})
    H.same(cu.array({MAX}, {dtype = BF}) * 2, {H.inf})
  end)

  it("rounds to bfloat16 before casting into an out of another dtype", function()
    local o = cu.zeros(1, {dtype = "float32"})
    cu.add(cu.ones(1, {dtype = BF}), cu.full(1, 2 ^ -8, {dtype = BF}), {out = o})
    H.same(o, {1})
  end)

  it("keeps bfloat16 for math functions and weak Lua floats", function()
    local one = cu.ones(1, {dtype = BF})
    H.same(cu.sqrt(one * 2), {1.4140625})
    H.same(cu.exp(one), {2.71875})
    H.same(cu.sin(one), {0.83984375})
    assert.are.equal(BF, cu.sqrt(one).dtype)
    assert.are.equal(BF, (one + 0.1).dtype)
    H.same(one + 0.1, {1.1015625})
    assert.are.equal(BF, (one * 3).dtype)
    assert.are.equal("complex64", (one + cu.j).dtype)
    assert.are.equal(BF, (one / one).dtype)
  end)

  it("promotes as float16 does, and with float16 to float32", function()
    local one = cu.ones(1, {dtype = BF})
    local function dt(other) return (one + cu.ones(1, {dtype = other})).dtype end
    assert.are.equal(BF, dt("int8"))
    assert.are.equal(BF, dt("uint8"))
    assert.are.equal(BF, dt("bool"))
    assert.are.equal("float32", dt("int16"))
    assert.are.equal("float32", dt("float16"))
    assert.are.equal("float32", dt("float32"))
    assert.are.equal("float64", dt("int32"))
    assert.are.equal("complex64", dt("complex64"))
    assert.are.equal("float32", cu.result_type(BF, "float16"))
    assert.is_true(cu.can_cast("int8", BF))
    assert.is_false(cu.can_cast(BF, "float16"))
    assert.is_true(cu.can_cast(BF, "float16", {casting = "same_kind"}))
  end)

  it("steps to the bfloat16 neighbours", function()
    local a = cu.array({1, 1, 0, 0, MAX, 1 / 0}, {dtype = BF})
    local b = cu.array({2, 0, 1, -1, 1 / 0, 0}, {dtype = BF})
    H.same(cu.nextafter(a, b), {1.0078125, 0.99609375, 9.183549615799121e-41,
                                -9.183549615799121e-41, H.inf, MAX})
    H.same(cu.spacing(cu.array({1, -1, 0, 1 / 0}, {dtype = BF})),
           {0.0078125, -0.0078125, 9.183549615799121e-41, H.nan})
  end)
end)

H.each_device("bfloat16 reductions, scans, sorting and products", function()
  it("sums and averages in a wider type and rounds once", function()
    assert.are.equal(1000, cu.full(1000, 1, {dtype = BF}):sum())
    assert.are.equal(BF, cu.ones(3, {dtype = BF}):sum({array = true}).dtype)
    assert.are.equal(BF, cu.ones(3, {dtype = BF}):mean({array = true}).dtype)
    H.same(cu.array({1, 2, 4}, {dtype = BF}):mean(), 2.328125)
    assert.are.equal(MAX, cu.array({1, MAX, -3}, {dtype = BF}):max())
    assert.are.equal(2, cu.array({1, MAX, -3}, {dtype = BF}):argmax())
  end)

  it("rounds each running value of cumsum, as NumPy's accumulate", function()
    local c = cu.cumsum(cu.ones(300, {dtype = BF}))
    assert.are.equal(BF, c.dtype)
    H.same(c[{{254, 258}}], {254, 255, 256, 256, 256})
  end)

  it("sorts with -0 equal to 0 and NaN last", function()
    local a = cu.array({3, 0 / 0, NEGZ, -1 / 0, 0, 1.5, 1 / 0}, {dtype = BF})
    H.same(cu.sort(a), {-H.inf, NEGZ, 0, 1.5, 3, H.inf, H.nan})
    H.same(cu.argsort(a), {4, 3, 5, 6, 1, 7, 2})
    H.same(cu.unique(cu.array({2, 1, 2, 0 / 0}, {dtype = BF})), {1, 2, H.nan})
  end)

  it("multiplies matrices, rounding each result once", function()
    local a = cu.array({{1, 2}, {3, 4}}, {dtype = BF})
    local p = cu.matmul(a, a)
    assert.are.equal(BF, p.dtype)
    H.same(p, {{7, 10}, {15, 22}})
    H.same(cu.matmul(cu.full({1, 3}, 1 / 3, {dtype = BF}), cu.ones({3, 1}, {dtype = BF})), {{1.0}})
  end)

  it("draws uniform values on a grid of 2^-8 in [0, 1), and normal values", function()
    local u = cu.random.random({4000}, {dtype = BF})
    assert.are.equal(BF, u.dtype)
    assert.is_true(u:min() >= 0 and u:max() < 1)
    H.same(cu.mod(u:astype("float64") * 256, 1):max(), 0)
    local z = cu.random.standard_normal({4000}, {dtype = BF})
    assert.are.equal(BF, z.dtype)
    assert.is_true(math.abs(z:astype("float64"):mean()) < 0.1)
  end)
end)

H.each_device("bfloat16 interop and printing", function()
  it("travels through DLPack as kDLBfloat", function()
    local a = cu.array({1.5, -2}, {dtype = BF})
    local b = cu.from_dlpack(a:to_dlpack())
    assert.are.equal(BF, b.dtype)
    H.same(b, {1.5, -2})
  end)

  it("prints as NumPy prints a float dtype, with bfloat16's digits", function()
    assert.are.equal("array([1. , 2.5], dtype=bfloat16)", H.printed(cu.array({1, 2.5}, {dtype = BF})))
    assert.are.equal("array([0.334, 0.1  ], dtype=bfloat16)",
      H.printed(cu.array({1 / 3, 0.1}, {dtype = BF})))
  end)

  it("is refused by name in user kernels, which do not take it yet", function()
    local k = cu.ElementwiseKernel("T x", "T y", "y = x;", "copy_bf16")
    H.raises("dtype bfloat16 cannot be used in a kernel", k.source, k, cu.ones(2, {dtype = BF}))
  end)

  it("refuses linear algebra, as float16", function()
    H.raises("array type bfloat16 is unsupported in linalg", cu.linalg.inv, cu.eye(2, {dtype = BF}))
  end)

  it("gives finfo as ml_dtypes does", function()
    local f = cu.finfo(BF)
    assert.are.same({0.0078125, 0.00390625, MAX, 1.1754943508222875e-38, 9.183549615799121e-41, 2,
                     7, 8, 128, -126, -7, -8, 16},
      {f.eps, f.epsneg, f.max, f.tiny, f.smallest_subnormal, f.precision, f.nmant, f.nexp,
       f.maxexp, f.minexp, f.machep, f.negep, f.bits})
    assert.are.equal(-MAX, f.min)
    assert.are.equal(BF, f.dtype)
    H.same(f.resolution, 0.01, 0.0001)
  end)
end)
