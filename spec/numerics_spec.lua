-- Numerical helpers (lua/cuarray/numerics.lua) and the functions that call Lua functions over
-- arrays (lua/cuarray/apply.lua): values are NumPy 1.24's with weak promotion (NumPy 2's).
local cu = require "cuarray"
local H = require "helper"

H.each_device("geomspace and the windows", function(dev)
  it("geomspace matches NumPy, ends exact", function()
    local e = cu.geomspace(1, 1000, 4)
    H.same(e, {1, 10, 100, 1000}, 1e-15)
    assert.are.equal(1, e[1])
    assert.are.equal(1000, e[4])
    H.same(cu.geomspace(-1, -1000, 4, {endpoint = false}),
      {-1, -5.62341325, -31.6227766, -177.827941}, 1e-8)
    local g = cu.geomspace(1, 256, 9, {dtype = "int64"})
    assert.are.equal("int64", g.dtype)
    H.same(g, cu.geomspace(1, 256, 9):astype("int64"):totable())
    -- NumPy's values, where the powers round below the integers (the CPU's pow)
    if dev == "cpu" then H.same(g, {1, 2, 4, 7, 16, 32, 63, 127, 256}) end
    assert.are.same({0}, cu.geomspace(1, 2, 0).shape)
    H.same(cu.geomspace(3, 7, 1), {3})
    H.raises("geomspace: a geometric sequence cannot include zero", cu.geomspace, 0, 1)
    H.raises("geomspace: num must be non-negative, got -1", cu.geomspace, 1, 2, -1)
    H.raises("geomspace: unknown option 'base'", cu.geomspace, 1, 2, 3, {base = 2})
  end)

  it("the windows match NumPy", function()
    H.same(cu.bartlett(5), {0, 0.5, 1, 0.5, 0})
    H.same(cu.blackman(5), {-1.38777878e-17, 0.34, 1, 0.34, -1.38777878e-17}, 1e-12)
    H.same(cu.hamming(5), {0.08, 0.54, 1, 0.54, 0.08}, 1e-15)
    H.same(cu.hanning(5), {0, 0.5, 1, 0.5, 0}, 1e-15)
    H.same(cu.hanning(4), {0, 0.75, 0.75, 0}, 1e-15)
    H.same(cu.kaiser(5, 14), {7.72686684e-06, 1.64932188e-01, 1, 1.64932188e-01, 7.72686684e-06},
      1e-8)
    H.same(cu.hanning(1), {1})
    H.same(cu.kaiser(1, 3), {1})
    assert.are.same({0}, cu.hamming(0).shape)
    assert.are.same({0}, cu.bartlett(-3).shape)
    assert.are.equal("float64", cu.blackman(3).dtype)
    H.raises("hamming: M must be an integer, got 2.5", cu.hamming, 2.5)
    H.raises("kaiser: beta must be a number, got nil", cu.kaiser, 5)
  end)
end)

H.each_device("trapezoid, nancumsum, nancumprod", function()
  it("trapezoid matches NumPy", function()
    assert.are.equal(4, cu.trapezoid({1, 2, 3}))
    assert.are.equal(8, cu.trapezoid({1, 2, 3}, {4, 6, 8}))
    assert.are.equal(8, cu.trapezoid({1, 2, 3}, {dx = 2}))
    H.same(cu.trapezoid(cu.arange(6):reshape(2, 3), {axis = 1}), {1.5, 2.5, 3.5})
    H.same(cu.trapz(cu.arange(6):reshape(2, 3)), {2, 8})
    -- coordinates of y's shape
    H.same(cu.trapezoid(cu.ones({2, 3}), cu.array({{0, 1, 3}, {0, 2, 4}})), {3, 4})
    assert.are.equal(0, cu.trapezoid({5}))
    H.raises("trapezoid: x has 2 points, y 3 along axis 1", cu.trapezoid, {1, 2, 3}, {1, 2})
    H.raises("trapezoid: axis 2 is out of bounds", cu.trapezoid, {1, 2}, {axis = 2})
  end)

  it("the nan scans count NaN as 0 and 1", function()
    H.same(cu.nancumsum(cu.array({1, H.nan, 3})), {1, 1, 4})
    H.same(cu.nancumprod(cu.array({{1, H.nan}, {3, 4}}), 1), {{1, 1}, {3, 4}})
    H.same(cu.nancumsum(cu.array({{1, H.nan}, {3, 4}}), 2), {{1, 1}, {3, 7}})
    H.same(cu.nancumprod(cu.array({2, 3})), {2, 6})
    H.same(cu.nancumsum(cu.array({{H.nan}})), {0})
    H.raises("nancumsum: axis 3 is out of bounds", cu.nancumsum, cu.zeros({2, 2}), 3)
  end)
end)

H.each_device("interp", function()
  it("matches NumPy inside, at the knots and outside", function()
    assert.are.equal(1, cu.interp(2.5, {1, 2, 3}, {3, 2, 0}))
    H.same(cu.interp(cu.array({0, 1, 1.5, 2.72, 3.14}), {1, 2, 3}, {3, 2, 0}),
      {3, 3, 2.5, 0.56, 0}, 1e-15)
    H.same(cu.interp(cu.array({-1, 5}), {1, 2, 3}, {3, 2, 0}, {left = -9, right = 9}), {-9, 9})
    -- one point: its value everywhere, NaN included (NumPy's branch for one point)
    H.same(cu.interp(cu.array({{0, 2}, {7, H.nan}}), {1}, {4}), {{4, 4}, {4, 4}})
    -- an infinite value at a knot: NumPy takes the knot's value, then the other end's slope
    H.same(cu.interp(cu.array({1, 1.5, 2}), {1, 2, 3}, {H.inf, 2, 3}), {H.inf, H.inf, 2})
    H.same(cu.interp(cu.array({2, 3}), {1, 2, 3}, {1, 2, 3}), {2, 3})
  end)

  it("wraps with period, as NumPy", function()
    H.same(cu.interp(cu.array({-180, -170, -185, 185, -10, -5, 0, 365}), {190, -190, 350, -350},
      {5, 10, 3, 4}, {period = 360}), {7.5, 5, 8.75, 6.25, 3, 3.25, 3.5, 3.75}, 1e-15)
  end)

  it("raises for bad points", function()
    H.raises("interp: fp and xp are not of the same length (2 and 3)", cu.interp, 1, {1, 2, 3},
      {1, 2})
    H.raises("interp: the array of sample points xp is empty", cu.interp, 1, {}, {})
    H.raises("interp: the data points xp and fp must be 1-d", cu.interp, 1, {{1}}, {{1}})
    H.raises("interp: period must be a non-zero value", cu.interp, 1, {1}, {1}, {period = 0})
    H.raises("interp: complex arrays are not supported", cu.interp, 1, {1}, cu.array({1}) * cu.j)
  end)
end)

H.each_device("unwrap", function()
  it("matches NumPy for floats and integer periods", function()
    H.same(cu.unwrap(cu.array({0, 0.78539816, 1.57079633, 5.49778714, 6.28318531})),
      {0, 7.85398160e-01, 1.57079633, -7.85398167e-01, 2.82041412e-09}, 1e-8)
    H.same(cu.unwrap(cu.array({0, 1, 2, -1, 0}), {period = 4}), {0, 1, 2, 3, 4})
    H.same(cu.unwrap(cu.array({2, 3, 4, 5, 2, 3, 4, 5}), {period = 4}), {2, 3, 4, 5, 6, 7, 8, 9})
    H.same(cu.unwrap(cu.array({1, 2, 3, 4, 5, 6, 1, 2, 3}), {period = 6}),
      {1, 2, 3, 4, 5, 6, 7, 8, 9})
    H.same(cu.unwrap(cu.array({{0, 0}, {3.5, 3.5}}), {axis = 1}), {{0, 0}, {3.5 - 2 * math.pi,
      3.5 - 2 * math.pi}}, 1e-15)
    H.same(cu.unwrap(cu.array({0, 4}), {discont = 5}), {0, 4})
    H.raises("unwrap: unknown option 'foo'", cu.unwrap, {1}, {foo = 1})
  end)
end)

H.each_device("gradient", function()
  local f = cu.array({1, 2, 4, 7, 11, 16.0})
  it("matches NumPy with even and uneven spacing, both edge orders", function()
    H.same(cu.gradient(f), {1, 1.5, 2.5, 3.5, 4.5, 5})
    H.same(cu.gradient(f, 2), {0.5, 0.75, 1.25, 1.75, 2.25, 2.5})
    local coords = {0, 1, 1.5, 3.5, 4, 6}
    H.same(cu.gradient(cu.array({1, 2, 4, 7, 11, 16}), coords), {1, 3, 3.5, 6.7, 6.9, 2.5}, 1e-14)
    H.same(cu.gradient(cu.array({1, 2, 4, 7, 11, 16}), coords, {edge_order = 2}),
      {-1, 3, 3.5, 6.7, 6.9, -1.9}, 1e-14)
    H.same(cu.gradient(cu.array({1, 2, 4, 7, 11, 16}), {edge_order = 2}),
      {0.5, 1.5, 2.5, 3.5, 4.5, 5.5})
    -- even coordinates count as a number
    H.same(cu.gradient(f, {0, 2, 4, 6, 8, 10}), {0.5, 0.75, 1.25, 1.75, 2.25, 2.5})
    assert.are.equal("float32", cu.gradient(f:astype("float32")).dtype)
  end)

  it("gives one array per axis", function()
    local g = cu.array({{1, 2, 6}, {3, 4, 5}})
    local d1, d2 = cu.gradient(g)
    H.same(d1, {{2, 2, -1}, {2, 2, -1}})
    H.same(d2, {{1, 2.5, 4}, {1, 1, 1}})
    assert.are.equal(1, select("#", cu.gradient(g, {axis = -1})))
    H.same(cu.gradient(g, 2, {axis = 2}), {{0.5, 1.25, 2}, {0.5, 0.5, 0.5}})
    local e1, e2 = cu.gradient(g, 1, {0, 1, 3}, {axis = {1, 2}})
    H.same(e1, {{2, 2, -1}, {2, 2, -1}})
    H.same(e2, {{1, 4 / 3, 2}, {1, 5 / 6, 0.5}}, 1e-15)
  end)

  it("raises NumPy's errors", function()
    H.raises("gradient: the array is too small along axis 1", cu.gradient, cu.array({1.0}))
    H.raises("gradient: the array is too small along axis 1", cu.gradient, cu.array({1.0, 2}),
      {edge_order = 2})
    H.raises("gradient: edge_order must be 1 or 2, got 3", cu.gradient, f, {edge_order = 3})
    H.raises("gradient: expected no spacing, one number, or one spacing per axis (1), got 2",
      cu.gradient, f, 1, 2)
    H.raises("gradient: 1-d distances must match the length of their axis (6), got 2",
      cu.gradient, f, {1, 2})
    H.raises("gradient: bool arrays are not supported", cu.gradient, cu.array({true, false}))
  end)
end)

H.each_device("apply_along_axis and piecewise", function()
  it("apply_along_axis stacks the results where the axis was", function()
    local a = cu.arange(9.0):reshape(3, 3)
    H.same(cu.apply_along_axis(function(s) return (s[1] + s[-1]) / 2 end, 1, a), {3, 4, 5})
    H.same(cu.apply_along_axis(function(s) return cu.sort(s) end, 2,
      cu.array({{8, 1, 7}, {4, 3, 9}, {5, 2, 6}})), {{1, 7, 8}, {3, 4, 9}, {2, 5, 6}})
    local d = cu.apply_along_axis(function(s) return cu.diag(s) end, 1, cu.arange(6):reshape(3, 2))
    assert.are.same({3, 3, 2}, d.shape)
    H.same(d[{{}, {}, 2}], {{1, 0, 0}, {0, 3, 0}, {0, 0, 5}})
    H.same(cu.apply_along_axis(function(s, k) return s * k end, -1, cu.arange(3), 2), {0, 2, 4})
    H.raises("apply_along_axis: fn returned shape (2) for slice 2, but (1) for the first",
      cu.apply_along_axis, function(s) return s[{{1, s[1] + 1}}] end, 2, cu.arange(4):reshape(2, 2))
    H.raises("apply_along_axis: fn must be a function, got number", cu.apply_along_axis, 1, 1, a)
    H.raises("apply_along_axis: axis 3 is out of bounds", cu.apply_along_axis, print, 3, a)
  end)

  it("piecewise matches NumPy", function()
    local x = cu.linspace(-2.5, 2.5, 6)
    H.same(cu.piecewise(x, {x:lt(0), x:ge(0)}, {-1, 1}), {-1, -1, -1, 1, 1, 1})
    H.same(cu.piecewise(x, {x:lt(0), x:ge(0)},
      {function(v) return -v end, function(v) return v end}), {2.5, 1.5, 0.5, 0.5, 1.5, 2.5})
    -- one more function than conditions: the default
    H.same(cu.piecewise(x, {x:lt(-1), x:gt(1)}, {0, 1, 0.5}), {0, 0, 0.5, 0.5, 1, 1})
    -- a single condition without its list; where none holds, 0
    H.same(cu.piecewise(x, x:gt(0), {7}), {0, 0, 0, 7, 7, 7})
    H.same(cu.piecewise(cu.asarray(-2), {cu.asarray(-2):lt(0)}, {1, 0}), 1)
    H.raises("piecewise: with 2 condition(s), either 2 or 3 functions are expected, got 1",
      cu.piecewise, x, {x:lt(0), x:ge(0)}, {1})
    H.raises("piecewise: condition 1 has shape (2), x (6)", cu.piecewise, x, {{true, false}}, {1})
  end)
end)
