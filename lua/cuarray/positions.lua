-- Flat positions and coordinates: unravel_index and ravel_multi_index, 1-based both ways
-- (position 1 is the first element; coordinate 1 the first along its axis).
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local unpack = table.unpack or unpack

local M = {}

local function read_order(fname, order)
  order = order == nil and "C" or order
  if order ~= "C" and order ~= "F" then
    error(("%s: order must be 'C' or 'F', got %s"):format(fname, tostring(order)), 3)
  end
  return order
end

-- The shape's dims as a list, checked, and the axes from fastest to slowest for order.
local function dims_of(fname, shape, order)
  local dims = args.int_list(fname, "shape", shape)
  local size = 1
  for i = 1, #dims do
    if dims[i] < 0 then error(("%s: negative dimension %d in shape"):format(fname, dims[i]), 3) end
    size = size * dims[i]
  end
  local axes = {}
  for i = 1, #dims do axes[i] = order == "C" and #dims + 1 - i or i end
  return dims, size, axes
end

-- Whether any element of x (an array) or x (a number) lies outside lo .. hi.
local function outside(x, lo, hi)
  if type(x) == "number" then return x < lo or x > hi or x ~= math.floor(x) end
  if x.size == 0 then return false end
  return core.any(core.logical_or(core.less(x, lo), core.greater(x, hi)))
end

local UNRAVEL_OPTIONS = {order = true}

-- cu.unravel_index(positions, shape[, {order = "C"}]): the coordinates of 1-based flat
-- positions in an array of shape: one value per axis (numbers for a number, else arrays).
function M.unravel_index(positions, shape, opts)
  local fname = "unravel_index"
  opts = options.check(opts, fname, UNRAVEL_OPTIONS)
  local order = read_order(fname, opts.order)
  local dims, size, axes = dims_of(fname, shape, order)
  local p = args.integers(fname, "positions", positions)
  if outside(p, 1, size) then
    error(("unravel_index: a position is out of bounds for an array of size %d (positions run "
      .. "from 1)"):format(size), 2)
  end
  local out = {}
  if type(p) == "number" then
    local rest = p - 1
    for _, ax in ipairs(axes) do
      out[ax] = rest % dims[ax] + 1
      rest = math.floor(rest / dims[ax])
    end
  else
    local rest = p - 1
    for _, ax in ipairs(axes) do
      out[ax] = core.remainder(rest, dims[ax]) + 1
      rest = core.floor_divide(rest, dims[ax])
    end
  end
  return unpack(out, 1, #dims)
end

local RAVEL_OPTIONS = {mode = true, order = true}

-- cu.ravel_multi_index(coords, shape[, {mode = "raise", order = "C"}]): the 1-based flat
-- positions of the coordinates coords (a table of one number or integer array per axis,
-- broadcast together) in an array of shape. mode "wrap" and "clip" bring coordinates outside
-- 1 .. d back in; "raise" raises for them.
function M.ravel_multi_index(coords, shape, opts)
  local fname = "ravel_multi_index"
  opts = options.check(opts, fname, RAVEL_OPTIONS)
  local order = read_order(fname, opts.order)
  local mode = opts.mode == nil and "raise" or opts.mode
  if mode ~= "raise" and mode ~= "wrap" and mode ~= "clip" then
    error(("ravel_multi_index: mode must be 'raise', 'wrap' or 'clip', got %s")
      :format(tostring(mode)), 2)
  end
  local dims, _, axes = dims_of(fname, shape, order)
  if type(coords) ~= "table" or core.is_array(coords) then
    error("ravel_multi_index: coords must be a table of one index (or array) per axis", 2)
  end
  coords = args.raw_list(coords)
  if #coords ~= #dims then
    error(("ravel_multi_index: %d coordinates for a shape of %d dimensions"):format(#coords,
      #dims), 2)
  end
  local total, stride = 1, 1
  for _, ax in ipairs(axes) do
    local c = args.integers(fname, "coordinates", coords[ax])
    local d = dims[ax]
    if mode == "raise" then
      if outside(c, 1, d) then
        error(("ravel_multi_index: a coordinate is out of bounds for axis %d of length %d")
          :format(ax, d), 2)
      end
    elseif mode == "wrap" then
      c = type(c) == "number" and (c - 1) % d + 1 or core.remainder(c - 1, d) + 1
    else
      c = type(c) == "number" and math.min(math.max(c, 1), d) or core.clip(c, 1, d)
    end
    total = total + (c - 1) * stride
    stride = stride * d
  end
  return total
end

return M
