-- cu.histogram: NumPy's histogram (values below checked with NumPy 1.24), on every device.
local cu = require "cuarray"
local H = require "helper"

H.each_device("histogram", function(dev)
  it("counts into equal bins over the data's range, the last bin closed", function()
    local counts, edges = cu.histogram(cu.array({1, 2, 2, 3, 5}), 4)
    H.same(counts, {1, 2, 1, 1})
    H.same(edges, {1, 2, 3, 4, 5})
    assert.are.equal("int64", counts.dtype)
    assert.are.equal("float64", edges.dtype)
    assert.are.equal(cu.get_default_device(), counts.device)
  end)

  it("takes explicit edges, a range, and leaves out NaN and values outside", function()
    H.same((cu.histogram(cu.array({1, 2, 2, 3, 5}), {0, 1, 2.5, 5})), {0, 3, 2})
    local counts, edges = cu.histogram(cu.array({1, 2, 2, 3, 5, 100, -3, 0 / 0}), 3,
                                       {range = {0, 6}})
    H.same(counts, {1, 3, 1})
    H.same(edges, {0, 2, 4, 6})
  end)

  it("gives densities, widens a constant range, and handles empty data", function()
    H.same((cu.histogram(cu.array({1, 2, 2, 3, 5}), 2, {density = true})), {0.3, 0.2}, 1e-12)
    local c, e = cu.histogram(cu.array({7, 7, 7}), 2)
    H.same(c, {0, 3})
    H.same(e, {6.5, 7, 7.5})
    c, e = cu.histogram(cu.zeros({0}), 3)
    H.same(c, {0, 0, 0})
    H.same(e, {0, 1 / 3, 2 / 3, 1}, 1e-15)
    H.same((cu.histogram(cu.arange(10))), {1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
  end)

  it("keeps float32 edges for float32 data, as NumPy", function()
    local _, e = cu.histogram(cu.array({0.1, 0.2, 0.3}, {dtype = "float32"}), 2)
    assert.are.equal("float32", e.dtype)
  end)

  it("raises NumPy's errors", function()
    H.raises("is not finite", cu.histogram, cu.array({1, 0 / 0}), 2)
    H.raises("histogram: bins must increase monotonically", cu.histogram, cu.array({1, 2}), {3, 1})
    H.raises("histogram: max must be larger than min in range", cu.histogram, cu.array({1, 2}), 2,
             {range = {3, 1}})
    H.raises("histogram: bins must be a positive integer", cu.histogram, cu.array({1}), 0)
    H.raises("histogram: unknown option 'bogus'", cu.histogram, cu.array({1}), 2, {bogus = 1})
  end)
end)

describe("histogram against NumPy", function()
  local python = H.python
  if not H.have_numpy() then
    pending("NumPy is not installed at " .. python)
    return
  end

  it("matches np.histogram on random normal data", function()
    cu.random.seed(11)
    local a = cu.random.standard_normal({2000})
    local p = os.tmpname()
    cu.save(p, a)
    local h = io.popen(python .. " -c \"import numpy as np; c, e = np.histogram(np.load('" .. p ..
                       "'), 17); print(' '.join(map(str, c)))\"")
    local out = h:read("*a")
    h:close()
    os.remove(p)
    local want = {}
    for n in out:gmatch("%d+") do want[#want + 1] = tonumber(n) end
    assert.are.equal(17, #want, out)
    H.same((cu.histogram(a, 17)), want)
  end)
end)
