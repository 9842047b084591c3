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
    assert.are.equal(dev, cu.fft.rfftfreq(4, 1, {device = dev}).device)
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
    H.raises("fftshift: axis -2 is repeated", cu.fft.fftshift, cu.zeros({2, 2}), {1, -2})
    H.raises("ifftshift: axis 0 is not an axis", cu.fft.ifftshift, cu.zeros({2, 2}), 0)
    H.raises("fftshift: expected an array", cu.fft.fftshift, 3)
  end)
end)

describe("cu.fft.clear_plan_cache", function()
  it("runs with or without CUDA", function()
    cu.fft.clear_plan_cache()
    cu.fft.clear_plan_cache()
  end)
end)
