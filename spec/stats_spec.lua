-- average, cov and corrcoef (lua/cuarray/stats.lua), on every device, against NumPy's values
-- (the comments give the NumPy call; axes here count from 1).
local cu = require "cuarray"
local H = require "helper"

local nan = H.nan

H.each_device("statistics", function(dev)
  local a = cu.array({{1, 2, 3}, {4, 5, 6}}, {device = dev})

  it("averages over all elements and over axes", function()
    assert.are.equal(3.5, cu.average(a))                                -- np.average(a)
    H.same(cu.average(a, 1), {2.5, 3.5, 4.5})                             -- axis=0
    assert.are.equal("float64", cu.average(a, 1).dtype)
    -- a reversed, strided view of a 3-d array over two axes: axis=(0, 2)
    local v = cu.arange(24.0):reshape({2, 3, 4})[{{}, {-1, 1, -1}, {1, -1, 2}}]
    H.same(cu.average(v, {1, 3}), {15, 11, 7})
    H.same(cu.average(a, 1, {keepdims = true}), {{2.5, 3.5, 4.5}})
    assert.are.equal("float32", cu.average(a:astype("float32"), 2).dtype)
    H.same(cu.average(cu.zeros({0, 3}), 1), {nan, nan, nan})             -- mean of nothing
  end)

  it("weighs", function()
    H.same(cu.average(a, 2, {weights = {1, 2, 3}}), {7 / 3, 16 / 3}, 1e-15)
    H.same(cu.average(a, {axis = 2, weights = {1, 2, 3}}), {7 / 3, 16 / 3}, 1e-15)
    assert.is_true(math.abs(cu.average(a, {weights = {{1, 2, 3}, {1, 1, 1}}}) - 29 / 9) < 1e-15)
    local v = cu.arange(24.0):reshape({2, 3, 4})[{{}, {-1, 1, -1}, {1, -1, 2}}]
    H.same(cu.average(v, 2, {weights = cu.array({1, 3, 0})}), {{5, 7}, {17, 19}})
    local avg, scl = cu.average(a, -1, {weights = {1, 2, 3}, returned = true})
    H.same(avg, {7 / 3, 16 / 3}, 1e-15)
    H.same(scl, {6, 6})
    avg, scl = cu.average(a, 1, {returned = true, keepdims = true})
    H.same(avg, {{2.5, 3.5, 4.5}})
    H.same(scl, {{2, 2, 2}})
    local s1, s2 = cu.average(a, {returned = true})
    assert.are.equal(3.5, s1)
    assert.are.equal(6, s2)
    -- NumPy's dtypes: float32 data with float16 weights stay float32; integers give float64
    local w16 = cu.array({1, 2, 3}, {dtype = "float16"})
    assert.are.equal("float32", cu.average(a:astype("float32"), 2, {weights = w16}).dtype)
    assert.are.equal("float64", cu.average(a:astype("int8"), 2, {weights = {1, 1, 1}}).dtype)
    -- a NaN with weight 0 still poisons the average, as in NumPy
    local poisoned = cu.average(cu.array({1, nan, 3}), {weights = {1, 0, 1}})
    assert.is_true(poisoned ~= poisoned)
  end)

  it("raises for bad weights and axes", function()
    H.raises("average: axis must be given when the weights' shape differs from the array's",
             cu.average, a, {weights = {1, 2, 3}})
    H.raises("average: the weights' length (2) differs from axis 2's (3)",
             cu.average, a, 2, {weights = {1, 2}})
    H.raises("average: 1-d weights expected when the shapes differ, got 2 dimensions",
             cu.average, a, 2, {weights = {{1, 2, 3}}})
    H.raises("average: the weights sum to zero", cu.average, a, 2, {weights = {1, -1, 0}})
    H.raises("average: axis 3 is out of range for 2 dimensions",
             cu.average, a, 3, {weights = {1, 2, 3}})
    H.raises("average: unknown option 'weight'", cu.average, a, {weight = {1}})
  end)

  it("gives the covariance matrix", function()
    local x = cu.array({{0, 2}, {1, 1}, {2, 0}}):transpose()       -- a transposed view
    H.same(cu.cov(x), {{1, -1}, {-1, 1}})
    H.same(cu.cov({1, 2, 3, 4}, {2, 1, 4, 3}), {{5 / 3, 1}, {1, 5 / 3}}, 1e-15)
    local one = cu.cov({1, 2, 3, 4})
    assert.are.equal(0, one.ndim)
    assert.is_true(math.abs(one:item() - 5 / 3) < 1e-15)
    H.same(cu.cov(cu.array({{1, 2}, {3, 5}, {4, 4}}), {rowvar = false, bias = true}),
           {{14 / 9, 11 / 9}, {11 / 9, 14 / 9}}, 1e-15)
    H.same(cu.cov({{1, 2}, {3, 4}}, {rowvar = false}), {{2, 2}, {2, 2}})
    local m = cu.array({{1, 2, 3, 4}, {4, 1, 7, 2}})
    -- np.cov(m, fweights=[1,2,1,3], aweights=[0.5,1,2,1])
    H.same(cu.cov(m, {fweights = {1, 2, 1, 3}, aweights = {0.5, 1, 2, 1}}),
           {{1.1170212765957446, 0}, {0, 6.8936170212765955}}, 1e-14)
    H.same(cu.cov(m, {ddof = 0, aweights = {0.5, 1, 2, 1}}),
           {{0.8395061728395061, 0.2716049382716049}, {0.2716049382716049, 6.839506172839506}},
           1e-14)
    local f = cu.array({{1, 2, 3}, {2, 4, 7}}, {dtype = "float32"})
    assert.are.equal("float64", cu.cov(f).dtype)
    local c32 = cu.cov(f, {dtype = "float32"})
    assert.are.equal("float32", c32.dtype)
    H.same(c32, {{1, 2.5}, {2.5, 6.3333335}}, 1e-7)
  end)

  it("raises for bad cov arguments", function()
    H.raises("cov: m must have 1 or 2 dimensions, got 3", cu.cov, cu.zeros({2, 2, 2}))
    H.raises("cov: m and y have different numbers of observations (3 and 2)",
             cu.cov, {1, 2, 3}, {1, 2})
    H.raises("cov: fweights must be integers", cu.cov, {1, 2, 3}, {fweights = {1, 1.5, 1}})
    H.raises("cov: aweights must be non-negative", cu.cov, {1, 2, 3}, {aweights = {1, -1, 1}})
    H.raises("cov: fweights has 2 entries for 3 observations", cu.cov, {1, 2, 3}, {fweights = {1, 1}})
    H.raises("cov: ddof must be an integer, got 0.5", cu.cov, {1, 2, 3}, {ddof = 0.5})
  end)

  it("gives correlation coefficients", function()
    local m = cu.array({{1, 2, 3, 4}, {4, 1, 7, 2}, {1, 1, 2, 2}})
    H.same(cu.corrcoef(m), {{1, 0, 0.8944271909999159}, {0, 1, 0.4364357804719848},
                            {0.8944271909999159, 0.4364357804719848, 1}}, 1e-14)
    H.same(cu.corrcoef({1, 2, 3, 4}, {4, 3, 2, 1.5}),
           {{1, -0.9897782665572893}, {-0.9897782665572893, 1}}, 1e-14)
    assert.are.equal(1, cu.corrcoef({1, 2, 3}):item())
    local r = cu.corrcoef(cu.random.random({5, 50}))
    assert.is_true(r:max() <= 1 and r:min() >= -1)
  end)
end)
