-- srgb_to_linear.lua: a custom GPU kernel. Turns an 8-bit sRGB image (h x w x 3) into linear
-- light (float32) with an ElementwiseKernel, the transfer function written once as a device
-- function in the preamble, then checks it against the same formula written with array ops.
--   luajit examples/srgb_to_linear.lua [size]      (default 2048; the kernel needs a GPU, on
--                                                   the CPU only the array-op version runs)
local cu = require "cuarray"

local n = math.floor(tonumber(arg and arg[1]) or 2048)

-- A test image: a diagonal gradient in red, its mirror in green, a ramp in blue.
local ramp = cu.arange(n, {dtype = "float32"}) / math.max(n - 1, 1)
local img = cu.stack({cu.add(ramp:reshape(n, 1), ramp) * 127.5,
                      cu.add(ramp:reshape(n, 1), ramp:flip()) * 127.5,
                      cu.broadcast_to(ramp * 255, {n, n})}, -1):astype("uint8")

-- The same formula with array ops (several passes over the image)
local c = img:astype("float32") / 255
local reference = cu.where(cu.less_equal(c, 0.04045), c / 12.92, ((c + 0.055) / 1.055) ^ 2.4)

if cu.get_default_device():match("^cuda") then
  -- One pass: the uint8 input is read as float32 by the parameter's type (astype's rule).
  local srgb_to_linear = cu.ElementwiseKernel(
    "float32 c8", "float32 lin",
    "lin = srgb_decode(c8 * (1.0f / 255.0f));",
    "srgb_to_linear",
    {preamble = [[
__device__ float srgb_decode(float c) {
  return c <= 0.04045f ? c / 12.92f : powf((c + 0.055f) / 1.055f, 2.4f);
}]]})
  local lin = srgb_to_linear(img)
  local err = cu.abs(lin - reference):max()
  print(("kernel: %dx%d image, mean linear value %.6f, max difference from array ops %.2e")
    :format(n, n, lin:mean(), err))
else
  print("kernel: skipped (ElementwiseKernel needs a CUDA device)")
end
print(("array ops: %dx%d image, mean linear value %.6f"):format(n, n, reference:mean()))
