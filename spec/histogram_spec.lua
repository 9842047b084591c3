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

H.each_device("bincount", function()
  it("reads each integer dtype as it is, with minlength short of or past the values", function()
    H.same(cu.bincount(cu.array({3, 1, 3, 0, 7}, {dtype = "int32"}), {minlength = 4}),
           {1, 1, 0, 2, 0, 0, 0, 1})
    H.same(cu.bincount(cu.array({3, 1, 3, 0, 7}, {dtype = "uint8"}), {minlength = 10}),
           {1, 1, 0, 2, 0, 0, 0, 1, 0, 0})
    H.same(cu.bincount(cu.array({2, 2, 5}, {dtype = "int16"}),
                       {weights = cu.array({0.5, 0.25, 2.0})}), {0, 0, 0.75, 0, 0, 2})
    H.same(cu.bincount(cu.array({true, false, true})), {1, 2})
    local e = cu.bincount(cu.array({}, {dtype = "int32"}))
    assert.are.same({0}, e.shape)
    assert.are.equal("int64", e.dtype)
    local big = cu.arange(0, 3000, {dtype = "int32"}) % 1024
    local c = cu.bincount(big, {minlength = 1024}):totable()
    for b = 1, 1024 do assert.are.equal(b <= 3000 - 2048 and 3 or 2, c[b]) end
  end)

  it("raises for negative values wherever they are", function()
    H.raises("bincount: x must not hold negative values (found -3)", cu.bincount,
             cu.array({1, -3, 2}, {dtype = "int8"}), {minlength = 5})
    H.raises("bincount: x must not hold negative values (found -1)", cu.bincount,
             cu.array({4, 9, -1}, {dtype = "int64"}))
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

-- Equal bins count by arithmetic (cu._histogram): values on the edges, one ulp either side, and
-- outside, in float32, float64 and integers, with and without a range and weights, must fall
-- in NumPy's bins exactly, on every device.
describe("histogram's equal bins against NumPy, value by value", function()
  if not H.have_numpy() then
    pending("NumPy is not installed at " .. H.python)
    return
  end
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
  local out = H.run_code(H.python, [==[
import sys, numpy as np
np._set_promotion_state("weak")
d = sys.argv[1]
def around(e, dt):
    e = e.astype(dt)
    big, small = np.array(np.inf, dt), np.array(-np.inf, dt)
    return np.concatenate([e, np.nextafter(e, big), np.nextafter(e, small), e[:3] - 1, e[-3:] + 1,
                           np.array([np.nan], dt) if dt.kind == "f" else e[:0]]).astype(dt)
rng = np.random.default_rng(5)
datas = {
  "f32": np.concatenate([around(np.linspace(0, 1, 257), np.dtype("float32")),
                         around(np.linspace(0.1, 0.9, 8), np.dtype("float32")),
                         rng.random(3000, dtype=np.float32)]),
  "f64": np.concatenate([around(np.linspace(0.1, 0.7, 50), np.dtype("float64")),
                         around(np.linspace(-3, 5, 14), np.dtype("float64")), rng.standard_normal(3000)]),
  "i32": np.arange(-60, 60, dtype=np.int32),
  "u8": np.arange(0, 255, 3, dtype=np.uint8),
  "i64": rng.integers(-1000, 1000, 5000),
}
cases = [("f32", 256, (0.0, 1.0)), ("f32", 7, (0.1, 0.9)), ("f32", 100, (0.1, 0.7)),
         ("f64", 49, (0.1, 0.7)), ("f64", 3, (0.1, 0.7)), ("f64", 13, (-3.0, 5.0)),
         ("i32", 7, (-10.5, 20)), ("i32", 9, None), ("u8", 10, None), ("i64", 33, (-999.0, 999.5)),
         ("i64", 1000, None), ("f32", 7, None), ("f32", 1024, None), ("f64", 33, None)]
for k, v in datas.items():
    np.save("%s/%s.npy" % (d, k), v)
    w = (rng.random(len(v)) * 10).astype(np.float32)
    np.save("%s/%s_w.npy" % (d, k), w)
for name, bins, rg in cases:
    x = datas[name]
    if rg is None:
        x = x[~np.isnan(x)] if x.dtype.kind == "f" else x
        np.save("%s/%s_clean.npy" % (d, name), x)
    for weighted in (False, True):
        w = np.load("%s/%s_w.npy" % (d, name))[:len(x)] if weighted else None
        c = np.histogram(x, bins, range=rg, weights=w)[0]
        print(name, bins, "none" if rg is None else "%r,%r" % rg, int(weighted),
              ",".join(repr(float(v)) for v in c))
]==], ".py", dir)
  local cases = {}
  for name, bins, rg, weighted, counts in out:gmatch("(%w+) (%d+) (%S+) (%d) (%S+)\n") do
    local want = {}
    for v in counts:gmatch("[^,]+") do want[#want + 1] = tonumber(v) end
    local range
    if rg ~= "none" then
      local lo, hi = rg:match("([^,]+),([^,]+)")
      range = {tonumber(lo), tonumber(hi)}
    end
    cases[#cases + 1] = {name = name, bins = tonumber(bins), range = range,
                         weighted = weighted == "1", want = want}
  end

  it("has the cases NumPy computed", function()
    assert.are.equal(28, #cases, out)
  end)

  for _, dev in ipairs(H.devices()) do
    it("on " .. dev, function()
      for _, c in ipairs(cases) do
        local x = cu.load(dir .. "/" .. c.name .. (c.range and "" or "_clean") .. ".npy"):to(dev)
        local w = c.weighted and cu.load(dir .. "/" .. c.name .. "_w.npy"):to(dev)[{{1, x.size}}]
        local got = cu.histogram(x, c.bins, {range = c.range, weights = w or nil})
        local tag = ("%s bins=%d range=%s weights=%s"):format(c.name, c.bins,
          c.range and table.concat(c.range, ",") or "none", tostring(c.weighted))
        local t = got:astype("float64"):totable()
        assert.are.equal(#c.want, #t, tag)
        for i = 1, #t do
          if c.weighted then
            assert(math.abs(t[i] - c.want[i]) <= 1e-4 * (1 + math.abs(c.want[i])),
                   ("%s: bin %d holds %s, NumPy %s"):format(tag, i, t[i], c.want[i]))
          else
            assert(t[i] == c.want[i], ("%s: bin %d holds %s, NumPy %s"):format(tag, i, t[i], c.want[i]))
          end
        end
      end
    end)
  end

  teardown(function() os.execute("rm -rf " .. dir) end)
end)
