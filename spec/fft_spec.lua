-- cu.fft: the sample frequencies and the shifts (values checked with NumPy 1.24's numpy.fft),
-- on every device.
local cu = require "cuarray"
local H = require "helper"

H.each_device("fft helpers", function(dev)
  it("fftfreq and rfftfreq give NumPy's values, float64 on the default device", function()
    local f = cu.fft.fftfreq(8, 0.1)
    H.same(f, {0.0, 1.25, 2.5, 3.75, -5.0, -3.75, -2.5, -1.25})
    assert.are.equal("float64", f.dtype)
    assert.are.equal(cu.get_default_device(), f.device)
    H.same(cu.fft.fftfreq(7, 3), {0.0, 0.047619047619047616, 0.09523809523809523,
      0.14285714285714285, -0.14285714285714285, -0.09523809523809523, -0.047619047619047616})
    H.same(cu.fft.fftfreq(1), {0})
    H.same(cu.fft.fftfreq(2), {0, -0.5})
    H.same(cu.fft.fftfreq(5), {0, 0.2, 0.4, -0.4, -0.2})
    H.same(cu.fft.rfftfreq(7, 0.1), {0.0, 1.4285714285714284, 2.8571428571428568, 4.285714285714285})
    H.same(cu.fft.rfftfreq(8, 3), {0.0, 0.041666666666666664, 0.08333333333333333, 0.125,
      0.16666666666666666})
    H.same(cu.fft.rfftfreq(1), {0})
  end)

  it("fftfreq takes a device option", function()
    assert.are.equal("cpu", cu.fft.fftfreq(4, {device = "cpu"}).device)
    assert.are.equal(cu.zeros(1, {device = dev}).device, cu.fft.rfftfreq(4, 1, {device = dev}).device)
  end)

  it("fftshift and ifftshift roll by n // 2 along every axis or the given ones", function()
    H.same(cu.fft.fftshift(cu.arange(5)), {3, 4, 0, 1, 2})
    H.same(cu.fft.ifftshift(cu.arange(5)), {2, 3, 4, 0, 1})
    H.same(cu.fft.fftshift(cu.arange(6)), {3, 4, 5, 0, 1, 2})
    local a = cu.arange(6):reshape({2, 3})
    H.same(cu.fft.fftshift(a, 2), {{2, 0, 1}, {5, 3, 4}})
    H.same(cu.fft.fftshift(a, -1), {{2, 0, 1}, {5, 3, 4}})
    H.same(cu.fft.fftshift(a), {{5, 3, 4}, {2, 0, 1}})
    H.same(cu.fft.ifftshift(cu.fft.fftshift(a, {2, 1}), {1, 2}), {{0, 1, 2}, {3, 4, 5}})
    H.same(cu.fft.fftshift(cu.fft.fftfreq(6)), {-0.5, -1 / 3, -1 / 6, 0, 1 / 6, 1 / 3}, 1e-15)
    -- non-contiguous input, and a new array even when nothing moves
    H.same(cu.fft.fftshift(a.T, 1), {{2, 5}, {0, 3}, {1, 4}})
    local one = cu.arange(1)
    local s = cu.fft.fftshift(one)
    s[1] = 7
    H.same(one, {0})
    H.same(cu.fft.fftshift(cu.zeros({0})), {})
  end)

  it("raises for bad lengths, spacings and axes", function()
    H.raises("fftfreq: n must be a positive integer", cu.fft.fftfreq, 0)
    H.raises("fftfreq: n must be a positive integer", cu.fft.fftfreq, 2.5)
    H.raises("rfftfreq: d (the sample spacing) must be a number", cu.fft.rfftfreq, 4, "x")
    H.raises("fftfreq: unknown option 'dtype'", cu.fft.fftfreq, 4, 1, {dtype = "float32"})
    H.raises("fftshift: axis 3 is out of range for an array of 2 dimensions",
             cu.fft.fftshift, cu.zeros({2, 2}), 3)
    H.raises("fftshift: axis 1 is repeated (given as -2)", cu.fft.fftshift, cu.zeros({2, 2}), {1, -2})
    H.raises("ifftshift: axis 0 is not an axis", cu.fft.ifftshift, cu.zeros({2, 2}), 0)
    H.raises("fftshift: expected an array", cu.fft.fftshift, 3)
  end)
end)

-- How the transforms resolve n/s, axes and norm (NumPy's rules, checked with NumPy 1.24 for
-- the shapes), before any transform runs.
H.each_device("fft arguments", function()
  local prepare = cu.fft._prepare
  local x = cu.ones({2, 3, 4})

  it("takes the last #s axes for s alone, every axis for neither, and pads or truncates", function()
    local y, axes, n, scale = prepare("fftn", x, "c2c", false, {5, 2}, nil, nil, nil)
    assert.are.same({1, 2}, axes)
    assert.are.same({5, 2}, n)
    assert.are.same({2, 5, 2}, y.shape)
    assert.are.equal(1, scale)
    H.same(y[{{1}, {}, {1}}]:reshape({5}), {1, 1, 1, 0, 0})
    y, axes, n = prepare("fftn", x, "c2c", false, nil, nil, nil, nil)
    assert.are.same({0, 1, 2}, axes)
    assert.are.same({2, 3, 4}, n)
    assert.are.equal(x, y)
  end)

  it("gives c2r's last axis 2 (m - 1) points and reads m = n // 2 + 1 of them", function()
    local y, axes, n, scale = prepare("irfftn", x, "c2r", true, nil, nil, nil, nil)
    assert.are.same({0, 1, 2}, axes)
    assert.are.same({2, 3, 6}, n)
    assert.are.same({2, 3, 4}, y.shape)
    assert.are.equal(1 / 36, scale)
    y, axes, n = prepare("irfftn", x, "c2r", true, nil, {1, 2}, nil, nil)
    assert.are.same({0, 1}, axes)
    assert.are.same({2, 4}, n)
    assert.are.same({2, 3, 4}, y.shape)
    y, axes, n = prepare("irfft", x, "c2r", true, {9}, {-1}, nil, nil)
    assert.are.same({2}, axes)
    assert.are.same({9}, n)
    assert.are.same({2, 3, 5}, y.shape)
  end)

  it("takes default axes, negative axes and axes out of order", function()
    local _, axes = prepare("rfft2", x, "r2c", false, nil, nil, {-2, -1}, nil)
    assert.are.same({1, 2}, axes)
    local y, n
    y, axes, n = prepare("fftn", x, "c2c", false, {3, 1}, {3, -3}, nil, nil)
    assert.are.same({2, 0}, axes)
    assert.are.same({3, 1}, n)
    assert.are.same({1, 3, 3}, y.shape)
  end)

  it("scales by norm: backward, ortho, forward", function()
    local function scale(inverse, norm)
      local _, _, _, k = prepare("fft2", x, "c2c", inverse, nil, nil, {-2, -1}, {norm = norm})
      return k
    end
    assert.are.equal(1, scale(false, nil))
    assert.are.equal(1 / 12, scale(true, "backward"))
    assert.are.equal(1 / math.sqrt(12), scale(false, "ortho"))
    assert.are.equal(1 / math.sqrt(12), scale(true, "ortho"))
    assert.are.equal(1 / 12, scale(false, "forward"))
    assert.are.equal(1, scale(true, "forward"))
  end)

  it("raises NumPy's errors, with the function's name", function()
    H.raises("fftn: axis 1 is repeated", prepare, "fftn", x, "c2c", false, nil, {1, 1}, nil, nil)
    H.raises("fftn: 2 lengths for 1 axes", prepare, "fftn", x, "c2c", false, {2, 3}, {1}, nil, nil)
    H.raises("fft: invalid number of data points (0) along axis 3", prepare, "fft", x, "c2c",
             false, {0}, {-1}, nil, nil)
    H.raises("irfft: invalid number of data points (0) along axis 1", prepare, "irfft",
             cu.ones({1}), "c2r", true, nil, {-1}, nil, nil)
    H.raises('fft: norm must be "backward", "ortho" or "forward", not x', prepare, "fft", x,
             "c2c", false, nil, {-1}, nil, {norm = "x"})
    H.raises("fft: unknown option 'axis'", prepare, "fft", x, "c2c", false, nil, {-1}, nil,
             {axis = 1})
    H.raises("fft: axis 4 is out of range", prepare, "fft", x, "c2c", false, nil, {4}, nil, nil)
    H.raises("fft: x must have at least one dimension", prepare, "fft", cu.array(1), "c2c",
             false, nil, {-1}, nil, nil)
    H.raises("fft: expected an array", prepare, "fft", 1, "c2c", false, nil, {-1}, nil, nil)
  end)
end)

describe("cu.fft.clear_plan_cache", function()
  it("runs with or without CUDA", function()
    cu.fft.clear_plan_cache()
    cu.fft.clear_plan_cache()
  end)
end)
