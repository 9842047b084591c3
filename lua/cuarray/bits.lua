-- packbits and unpackbits: bits to uint8 bytes and back, along an axis or over the flattened
-- array, as weighted sums and shifts (so they run on every device).
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local M = {}

local BIT_OPTIONS = {axis = true, bitorder = true, count = true}

local function bitorder(fname, opts)
  local order = opts.bitorder == nil and "big" or opts.bitorder
  if order ~= "big" and order ~= "little" then
    error(("%s: bitorder must be \"big\" or \"little\", got %s"):format(fname, tostring(order)), 3)
  end
  return order
end

-- a and the axis to work along: the flattened a (axis 1) without one.
local function along(fname, a, opts)
  if opts.axis == nil then return a:ravel(), 1 end
  if a.ndim == 0 then error(("%s: a 0-d array has no axis %s"):format(fname, opts.axis), 3) end
  return a, args.axis(fname, opts.axis, a.ndim)
end

-- The 8 weights of a byte's bits, most significant first for "big", as an array of `shape`
-- with the 8 on the last axis.
local function byte_weights(order, device, dtype)
  local w = {}
  for i = 1, 8 do w[i] = order == "big" and 2 ^ (8 - i) or 2 ^ (i - 1) end
  return core.array(w, {dtype = dtype, device = device})
end

-- The uint8 bits cut or padded with zeros to length len along their last axis.
local function to_length(bits, len)
  local shape = bits.shape
  local n = shape[#shape]
  if len == n then return bits end
  if len < n then return bits[args.range_key(bits.ndim, bits.ndim, 1, len)] end
  shape[#shape] = len - n
  return core.concatenate({bits, core.zeros(shape, {dtype = "uint8", device = bits.device})}, -1)
end

-- cu.packbits(a[, {axis =, bitorder = "big"}]): the nonzero-ness of a's elements packed eight
-- to a uint8 along axis (or over the flattened a), the last byte padded with zero bits.
function M.packbits(a, opts)
  local fname = "packbits"
  opts = options.check(opts, fname, {axis = true, bitorder = true})
  a = args.array(fname, a)
  if a.dtype ~= "bool" and not a.dtype:find("int") then
    error(("packbits: expected an array of an integer or bool dtype, got %s"):format(a.dtype), 2)
  end
  local order = bitorder(fname, opts)
  local axis
  a, axis = along(fname, a, opts)
  local rearrange = require "cuarray.rearrange"
  local bits = rearrange.moveaxis(core.not_equal(a, 0), axis, -1):astype("uint8")
  local shape = bits.shape
  local n = shape[#shape]
  local bytes = math.ceil(n / 8)
  bits = to_length(bits, bytes * 8)
  shape[#shape] = bytes
  shape[#shape + 1] = 8
  local packed = (bits:reshape(shape) * byte_weights(order, a.device, "uint8")):sum(-1,
    {dtype = "uint8", array = true})
  return rearrange.moveaxis(packed, -1, axis):copy()
end

-- cu.unpackbits(a[, {axis =, count =, bitorder = "big"}]): the bits of the uint8 a, eight
-- per byte along axis (or over the flattened a); count keeps that many (padding with zeros),
-- a negative count drops that many from the end.
function M.unpackbits(a, opts)
  local fname = "unpackbits"
  opts = options.check(opts, fname, BIT_OPTIONS)
  a = core._check_array(a, fname)
  if a.dtype ~= "uint8" then
    error(("unpackbits: expected a uint8 array, got %s"):format(a.dtype), 2)
  end
  local order = bitorder(fname, opts)
  local axis
  a, axis = along(fname, a, opts)
  local rearrange = require "cuarray.rearrange"
  local moved = rearrange.moveaxis(a, axis, -1)
  local shape = moved.shape
  local n = shape[#shape] * 8
  shape[#shape + 1] = 1
  local shifts = {}
  for i = 1, 8 do shifts[i] = order == "big" and 8 - i or i - 1 end
  local bits = core.bitwise_and(core.right_shift(moved:reshape(shape),
    core.array(shifts, {dtype = "uint8", device = a.device})), 1)
  shape[#shape] = nil
  shape[#shape] = n
  bits = bits:reshape(shape)
  if opts.count ~= nil then
    local count = args.integer(fname, "count", opts.count)
    if count < 0 then
      if -count > n then
        error(("unpackbits: -count (%d) is larger than the number of bits (%d)"):format(-count,
          n), 2)
      end
      count = n + count
    end
    bits = to_length(bits, count)
  end
  return rearrange.moveaxis(bits, -1, axis):copy()
end

-- Errors raised below a function (by the ops it calls) in the name of the function called.
return require("cuarray.named").wrap_all(M)
