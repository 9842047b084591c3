-- An `out` (or an assignment's destination) that shares memory with an input in another
-- layout reads every input element before writing any, as NumPy does (values checked with
-- NumPy); the same layout, cu.add(a, b, {out = a}), writes in place.
local cu = require "cuarray"
local H = require "helper"

local function f64(n) return cu.arange(n, {dtype = "float64"}) end

H.each_device("out overlapping an input", function()
  it("out is the transpose of the input", function()
    local b = f64(9):reshape({3, 3})
    cu.add(b, 0, {out = b.T})
    H.same(b, {{0, 3, 6}, {1, 4, 7}, {2, 5, 8}})
  end)

  it("out is the input shifted by one element", function()
    local d = f64(6)
    cu.add(d[{{1, 5}}], 100, {out = d[{{2, 6}}]})
    H.same(d, {0, 100, 101, 102, 103, 104})
    d = f64(6)
    cu.add(d[{{1, 4}}], 100, {out = d[{{2, 5}}]})
    H.same(d, {0, 100, 101, 102, 103, 5})
    d = f64(6)
    cu.negative(d[{{1, 4}}], {out = d[{{2, 5}}]})
    H.same(d, {0, -0.0, -1, -2, -3, 5})
  end)

  it("A += A.T is symmetric", function()
    local A = f64(9):reshape({3, 3})
    cu.add(A, A.T, {out = A})
    H.same(A, {{0, 4, 8}, {4, 8, 12}, {8, 12, 16}})
    local R = cu.random.random({37, 37})
    cu.add(R, R.T, {out = R})
    H.same(R, R.T:copy():totable())
  end)

  it("out is the input reversed, or an input broadcast over it", function()
    local d = f64(6)
    cu.add(d, 0, {out = d:flip()})
    H.same(d, {5, 4, 3, 2, 1, 0})
    local a = cu.array({2.0, 3, 4})
    cu.multiply(a[{{1}}], a, {out = a})
    H.same(a, {4, 6, 8})
  end)

  it("out in the same layout as an input is written in place", function()
    local a, b = f64(5), f64(5)
    cu.add(a, b, {out = a})
    H.same(a, {0, 2, 4, 6, 8})
    cu.multiply(a, a, {out = a})
    H.same(a, {0, 4, 16, 36, 64})
    local m = f64(6):reshape({2, 3})
    cu.subtract(m.T, 1, {out = m.T})
    H.same(m, {{-1, 0, 1}, {2, 3, 4}})
  end)

  it("assignment and copies between overlapping views", function()
    local d = f64(6)
    d[{{2, 6}}] = d[{{1, 5}}]
    H.same(d, {0, 0, 1, 2, 3, 4})
    d = f64(6)
    d[{{1, 5}}] = d[{{2, 6}}]
    H.same(d, {1, 2, 3, 4, 5, 5})
    local m = f64(9):reshape({3, 3})
    m[{{}}] = m.T
    H.same(m, {{0, 3, 6}, {1, 4, 7}, {2, 5, 8}})
    local r = f64(4)
    r[{{}}] = r:flip()
    H.same(r, {3, 2, 1, 0})
  end)
end)
