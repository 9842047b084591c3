-- complex64 and complex128: construction, values in Lua, printing, promotion with weak
-- scalars, views of the parts, the ops with complex formulas and the refusals, reductions,
-- scans, matmul and the interop formats. Expected values are NumPy's (1.24, NEP 50 mode; sign
-- as NumPy 2).
local cu = require "cuarray"
local H = require "helper"

local j = cu.j

H.each_device("complex values", function()
  it("are Lua values with parts, arithmetic and Python's text", function()
    local z = 1 + 2 * j
    assert.is_true(cu.is_complex(z))
    assert.are.equal(1, z.real)
    assert.are.equal(2, z.imag)
    assert.are.equal("(1+2j)", tostring(z))
    assert.are.equal("1j", tostring(j))
    assert.are.equal("-1.5j", tostring(cu.complex(0, -1.5)))
    assert.are.equal("(-3+4j)", tostring(z * z))
    assert.are.equal("(0.2-0.4j)", tostring(1 / z))
    assert.is_true(z == cu.complex(1, 2))
    assert.are.equal("(-1-2j)", tostring(-z))
  end)

  it("come back from a[i], item, totable and reductions", function()
    local a = cu.array({1 + 2 * j, 3, cu.complex(0, -1)})
    assert.are.equal("complex128", a.dtype)
    assert.are.equal("(1+2j)", tostring(a[1]))
    assert.are.equal("-1j", tostring(a[3]))
    assert.are.equal("(3+0j)", tostring(a[{{2}}]:item()))
    local t = a:totable()
    assert.are.same({1, 2}, {t[1].real, t[1].imag})
    assert.are.equal("(4+1j)", tostring(a:sum()))
  end)
end)

H.each_device("complex construction", function()
  it("reads {re, im} pairs under a complex dtype", function()
    local a = cu.array({{1, 2}, {3, -4}}, {dtype = "complex64"})
    assert.are.equal("complex64", a.dtype)
    assert.are.same({2}, a.shape)
    H.same(a, {{1, 2}, {3, -4}})
    local m = cu.array({{{1, 0}, {0, 1}}, {{2, 2}, {-1, 0.5}}}, {dtype = "complex128"})
    assert.are.same({2, 2}, m.shape)
    H.same(m.imag, {{0, 1}, {2, 0.5}})
  end)

  it("makes complex arrays from parts, and refuses complex values in real dtypes", function()
    local z = cu.complex(cu.array({1, 2}, {dtype = "float32"}), cu.array({3, -4}, {dtype = "float32"}))
    assert.are.equal("complex64", z.dtype)
    H.same(z, {{1, 3}, {2, -4}})
    assert.are.equal("complex128", cu.complex(cu.arange(2), cu.arange(2)).dtype)
    H.raises("cannot be stored in float64", cu.array, {1 + j}, {dtype = "float64"})
  end)

  it("fills zeros, ones and full, and casts to and from every dtype", function()
    H.same(cu.ones({2}, {dtype = "complex64"}), {{1, 0}, {1, 0}})
    for _, dt in ipairs(cu.dtypes) do
      local x = cu.arange(3):astype(dt)
      local z = x:astype("complex128")
      H.same(z.real, x:astype("float64"):totable())
      H.same(z.imag, {0, 0, 0})
    end
    -- to a real dtype: the real part (NumPy's cast, which only warns)
    local c = cu.array({{1.5, 2}, {-2.5, -1}}, {dtype = "complex128"})
    H.same(c:astype("float32"), {1.5, -2.5})
    H.same(c:astype("int32"), {1, -2})
    H.same(c:astype("bool"), {true, true})
  end)
end)

H.each_device("complex printing", function()
  it("prints as NumPy's repr", function()
    assert.are.equal("array([1.+2.j, 3.-1.j], dtype=complex64)",
      H.printed(cu.array({{1, 2}, {3, -1}}, {dtype = "complex64"})))
    assert.are.equal("array([nan+1.j  , inf -infj, 0.5-0.25j], dtype=complex128)",
      H.printed(cu.array({{0 / 0, 1}, {1 / 0, -1 / 0}, {0.5, -0.25}}, {dtype = "complex128"})))
    assert.are.equal("array(1.5-2.j, dtype=complex64)",
      H.printed(cu.array(cu.complex(1.5, -2), {dtype = "complex64"})))
    assert.are.equal("array([1.e-10+1.j, 1.e+05+0.j], dtype=complex128)",
      H.printed(cu.array({{1e-10, 1}, {1e5, 0}}, {dtype = "complex128"})))
    assert.are.equal("array([[1.+1.j, 2.+0.j],\n       [3.+0.j, 4.-4.j]], dtype=complex64)",
      H.printed(cu.array({{{1, 1}, {2, 0}}, {{3, 0}, {4, -4}}}, {dtype = "complex64"})))
  end)
end)

H.each_device("complex promotion", function()
  it("takes Lua numbers and complex values as weak scalars (NEP 50)", function()
    local a = cu.array({{1, 2}, {0, -1}}, {dtype = "complex64"})
    assert.are.equal("complex64", (a * 2).dtype)
    assert.are.equal("complex64", (a * 2.5).dtype)
    assert.are.equal("complex64", (cu.array({1, 2}, {dtype = "float32"}) * j).dtype)
    assert.are.equal("complex64", (cu.array({1, 2}, {dtype = "float16"}) * j).dtype)
    assert.are.equal("complex128", (cu.array({1, 2}, {dtype = "int32"}) * j).dtype)
    assert.are.equal("complex128", (a + cu.array({1}, {dtype = "int64"})).dtype)
    H.same(j * cu.array({1, 2}), {{0, 1}, {0, 2}})
    assert.are.equal("complex128", cu.add(1, j).dtype)
  end)
end)

H.each_device("complex parts", function()
  it("real and imag are views that write through", function()
    local a = cu.array({{1, 2}, {3, 4}, {5, 6}}, {dtype = "complex64"})
    assert.are.equal("float32", a.real.dtype)
    H.same(a.real, {1, 3, 5})
    H.same(cu.imag(a), {2, 4, 6})
    local im = a.imag
    im[2] = -7
    H.same(a, {{1, 2}, {3, -7}, {5, 6}})
    H.same(a[{{3, 1, -1}}].imag, {6, -7, 2})
    -- of a real array: the array itself, and read-only zeros
    local r = cu.arange(3)
    H.same(r.real, {0, 1, 2})
    H.same(r.imag, {0, 0, 0})
    assert.is_false(r.imag.writeable)
  end)

  it("conj, angle and abs", function()
    local a = cu.array({{3, 4}, {0, -1}, {-1, 0}}, {dtype = "complex128"})
    H.same(cu.conj(a), {{3, -4}, {0, 1}, {-1, 0}})
    H.same(cu.conjugate(a), {{3, -4}, {0, 1}, {-1, 0}})
    H.same(cu.abs(a), {5, 1, 1})
    assert.are.equal("float64", cu.abs(a).dtype)
    assert.are.equal("float32", cu.abs(a:astype("complex64")).dtype)
    H.same(cu.angle(a), {math.atan2 and math.atan2(4, 3) or math.atan(4, 3), -math.pi / 2, math.pi},
      1e-15)
    H.same(cu.angle(cu.array({-1.5, 2})), {math.pi, 0})
  end)
end)

H.each_device("complex ops", function()
  it("sign is z / |z| (NumPy 2), 0 for 0", function()
    H.same(cu.sign(cu.array({{3, 4}, {0, 0}, {0, -2}}, {dtype = "complex128"})),
      {{0.6, 0.8}, {0, 0}, {0, -1}}, 1e-15)
  end)

  it("divides by Smith's algorithm and raises to powers as NumPy", function()
    local a = cu.array({{1, 2}, {3, -4}, {1, 0}}, {dtype = "complex128"})
    local b = cu.array({{3, 4}, {0.5, 0.5}, {0, 0}}, {dtype = "complex128"})
    H.same(a / b, {{0.44, 0.08}, {-1, -7}, {1 / 0, 0 / 0}}, 1e-15)
    H.same(a ^ 2, {{-3, 4}, {-7, -24}, {1, 0}})
    H.same(cu.power(a, 0.5), {{1.272019649514069, 0.7861513777574233}, {2, -1}, {1, 0}}, 1e-15)
    local nz = -1 / math.huge -- -0.0 (Lua 5.1 folds the literal -0.0 to 0)
    H.same(cu.sqrt(cu.array({{-4, 0}, {-4, nz}, {0, 4}}, {dtype = "complex128"})),
      {{0, 2}, {0, -2}, {1.4142135623730951, 1.4142135623730951}}, 1e-15)
  end)

  it("compares with eq and ne only: complex values have no order", function()
    local a = cu.array({{1, 2}, {3, 0}}, {dtype = "complex64"})
    H.same(a:eq(3), {false, true})
    H.same(a:ne(cu.complex(1, 2)), {false, true})
    for _, op in ipairs({"less", "less_equal", "greater", "greater_equal", "maximum", "minimum",
                         "floor_divide", "mod", "fmod", "arctan2"}) do
      H.raises(op .. ": not supported for complex64", cu[op], a, a)
    end
    for _, op in ipairs({"floor", "ceil", "trunc", "cbrt", "deg2rad", "invert"}) do
      H.raises(op .. ": not supported for complex64", cu[op], a)
    end
  end)
end)

H.each_device("complex reductions", function()
  local c = cu.array({{{1, 2}, {3, 0}, {0, -1}}, {{2, 0}, {2, 1}, {0.5, 0}}}, {dtype = "complex64"})

  it("sum, mean, var and std as NumPy", function()
    assert.are.equal("(8.5+2j)", tostring(c:sum()))
    H.same(c:sum(1), {{3, 2}, {5, 1}, {0.5, -1}})
    H.same(c:mean(-1), {{4 / 3, 1 / 3}, {1.5, 1 / 3}}, 1e-6)
    assert.are.equal("float32", c:var(1).dtype)
    H.same(c:var(1), {1.25, 0.5, 0.3125})
    H.same(c:std(2, {ddof = 1}), {2.1602468, 1.040833}, 1e-6)
    H.same(c:var(), 1.9236112, 1e-6)
  end)

  it("prod as NumPy, over any axes, with keepdims, dtype= and nothing to multiply", function()
    local a = cu.array({{1, 2, 3}, {4, 5, 6}}):astype("complex128") * (1 + 0.5 * cu.j)
    assert.are.equal("(-1316.25+495j)", tostring(a:prod()))                -- NumPy 1.24
    H.same(a:prod(1), {{3, 4}, {7.5, 10}, {13.5, 18}})
    H.same(a:prod(2, {keepdims = true}), {{{1.5, 8.25}}, {{30, 165}}})
    assert.are.equal("complex64", a:astype("complex64"):prod(2).dtype)
    H.same(cu.prod(a, 2, {dtype = "float64"}), {6, 120})                   -- the real parts'
    H.same(cu.prod(cu.zeros({2, 0}, {dtype = "complex64"}), 2), {{1, 0}, {1, 0}})
    H.same(c:prod(1), {{2, 4}, {6, 3}, {0, -0.5}})
  end)

  it("prod of many factors and of transposed views agrees with a product taken in order", function()
    local re = cu.random.uniform(0.5, 1.5, {3, 37, 4}, {dtype = "float64"})
    local im = cu.random.uniform(-0.5, 0.5, {3, 37, 4}, {dtype = "float64"})
    local z = cu.complex(re, im)
    local got = z:prod(2):totable()
    local r, i = re:totable(), im:totable()
    for p = 1, 3 do
      for q = 1, 4 do
        local wr, wi = 1, 0
        for k = 1, 37 do wr, wi = wr * r[p][k][q] - wi * i[p][k][q], wr * i[p][k][q] + wi * r[p][k][q] end
        H.same(got[p][q], {wr, wi}, 1e-12)
      end
    end
    H.same(z.T:prod({1, 3}), z:prod({1, 3}):totable(), 1e-12)
  end)

  it("cumsum, and refuses the reductions NumPy's complex lacks here", function()
    H.same(c:cumsum(1), {{{1, 2}, {3, 0}, {0, -1}}, {{3, 2}, {5, 1}, {0.5, -1}}})
    H.same(c:cumsum(), {{1, 2}, {4, 2}, {4, 1}, {6, 1}, {8, 2}, {8.5, 2}})
    for _, f in ipairs({"max", "min", "argmax", "ptp", "cumprod"}) do
      H.raises(f .. ": not supported for complex64", cu[f], c)
    end
  end)
end)

H.each_device("complex matmul", function()
  it("multiplies complex matrices, conjugates in vdot, takes norms of moduli", function()
    local a = cu.array({{{1, 2}, {3, -1}}, {{0, 1}, {2, 2}}}, {dtype = "complex64"})
    local b = cu.array({{{1, 0}, {0, 1}}, {{2, -1}, {1, 1}}}, {dtype = "complex64"})
    H.same(cu.matmul(a, b), {{{6, -3}, {2, 3}}, {{6, 3}, {-1, 4}}})
    H.same(cu.matmul(a.T, b:astype("complex128")), {{{2, 4}, {-3, 2}}, {{9, 1}, {1, 7}}})
    assert.are.equal("(3-1j)", tostring(cu.vdot(a, b)))
    assert.are.equal("(6-3j)", tostring(cu.dot(a[1], b[{{}, 1}])))
    H.same(cu.linalg.norm(a), 4.8989797, 1e-6)
    local e = cu.matmul(cu.ones({2, 3}, {dtype = "complex128"}), cu.ones({3, 0}, {dtype = "complex128"}))
    assert.are.same({2, 0}, e.shape)
    H.same(cu.matmul(cu.ones({2, 0}, {dtype = "complex64"}), cu.ones({0, 2}, {dtype = "complex64"})),
      {{{0, 0}, {0, 0}}, {{0, 0}, {0, 0}}})
  end)
end)

describe("complex values beside other tables", function()
  it("equal only complex values (Lua 5.4 asks their __eq about any table)", function()
    assert.is_false(cu == cu.j)
    assert.is_false({1, 0} == cu.j)
    assert.is_true(cu.complex(0, 1) == cu.j)
  end)
end)
