-- cu.diagonal as a view of any layout (lua/cuarray/diagonal.lua over the core's bounds-checked
-- strided view), diagflat and fill_diagonal: NumPy's values, views checked with
-- cu.shares_memory and writes through them.
local cu = require "cuarray"
local H = require "helper"

H.each_device("diagonal as a view", function()
  it("is a view over any two axes, in any layout", function()
    local a = cu.arange(24):reshape(2, 3, 4)
    H.same(cu.diagonal(a, 0, 1, 2), {{0, 16}, {1, 17}, {2, 18}, {3, 19}})
    H.same(cu.diagonal(a, 1, 2, 3), {{1, 6, 11}, {13, 18, 23}})
    H.same(cu.diagonal(a, -1, 3, 1), {{1, 14}, {5, 18}, {9, 22}})
    H.same(cu.diagonal(a, 0, -3, -2), {{0, 16}, {1, 17}, {2, 18}, {3, 19}})
    for _, d in ipairs({cu.diagonal(a, 0, 1, 2), cu.diagonal(a, -1, 3, 1)}) do
      assert.is_true(cu.shares_memory(d, a))
    end
    local b = cu.arange(12):reshape(3, 4)
    H.same(cu.diagonal(b.T, 1), {4, 9})
    H.same(cu.diagonal(b:flip(1)), {8, 5, 2})
    H.same(cu.diagonal(b[{{}, {1, -1, 2}}]), {0, 6})
    assert.is_true(cu.shares_memory(cu.diagonal(b.T, 1), b))
    assert.is_true(cu.shares_memory(cu.diagonal(b[{{}, {1, -1, 2}}]), b))
    assert.are.same({0}, cu.diagonal(b, 5).shape)
    assert.are.same({0}, cu.diagonal(b, -4).shape)
    assert.are.same({2, 0}, cu.diagonal(cu.zeros({2, 0, 3}), 0, 2, 3).shape)
  end)

  it("writes through to the array, and is read-only over a broadcast view", function()
    local b = cu.zeros({3, 3})
    local d = cu.diagonal(b.T)
    d[{{}}] = 1
    H.same(b, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})
    local bc = cu.arange(3):broadcast_to({3, 3})
    H.same(cu.diagonal(bc), {0, 1, 2})
    assert.is_false(cu.diagonal(bc).writeable)
  end)

  it("keeps diag, trace and the errors", function()
    local b = cu.arange(12):reshape(3, 4)
    H.same(cu.diag(b.T, -1), {1, 6, 11})
    assert.is_true(cu.shares_memory(cu.diag(b), b))
    assert.are.equal(18, cu.trace(b, 1))
    H.same(cu.trace(cu.arange(24):reshape(2, 3, 4), 0, 1, 2), {16, 18, 20, 22})
    H.raises("diagonal: axis1 and axis2 cannot be the same", cu.diagonal, b, 0, 1, -2)
    H.raises("diagonal: the array must have at least two dimensions", cu.diagonal, cu.arange(3))
  end)
end)

H.each_device("diagflat and fill_diagonal", function()
  it("diagflat puts the flattened input on a diagonal", function()
    H.same(cu.diagflat({1, 2}, 1), {{0, 1, 0}, {0, 0, 2}, {0, 0, 0}})
    H.same(cu.diagflat(cu.array({{1, 2}, {3, 4}})),
      {{1, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 3, 0}, {0, 0, 0, 4}})
    H.raises("diagflat: k must be an integer, got 0.5", cu.diagflat, {1}, 0.5)
  end)

  it("fill_diagonal writes NumPy's positions", function()
    local c = cu.zeros({5, 3}, {dtype = "int64"})
    cu.fill_diagonal(c, {7, 8})
    H.same(c, {{7, 0, 0}, {0, 8, 0}, {0, 0, 7}, {0, 0, 0}, {0, 0, 0}})
    c = cu.zeros({7, 3}, {dtype = "int64"})
    cu.fill_diagonal(c, 5, true)
    H.same(c, {{5, 0, 0}, {0, 5, 0}, {0, 0, 5}, {0, 0, 0}, {5, 0, 0}, {0, 5, 0}, {0, 0, 5}})
    c = cu.zeros({2, 2, 2}, {dtype = "int64"})
    cu.fill_diagonal(c, 4)
    H.same(c, {{{4, 0}, {0, 0}}, {{0, 0}, {0, 4}}})
    c = cu.zeros({3, 5}, {dtype = "int64"})
    cu.fill_diagonal(c.T, 1)
    H.same(c, {{1, 0, 0, 0, 0}, {0, 1, 0, 0, 0}, {0, 0, 1, 0, 0}})
    H.raises("fill_diagonal: the array must have at least 2 dimensions", cu.fill_diagonal,
      cu.zeros(3), 1)
    H.raises("fill_diagonal: all dimensions of an array of more than 2 must be equal",
      cu.fill_diagonal, cu.zeros({2, 2, 3}), 1)
  end)
end)
