-- cu.lib.stride_tricks: views of an array's memory with chosen shapes and strides, over the
-- core's bounds-checked primitive (cu._as_strided). Strides count elements, as a.strides does.
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local M = {}

local AS_STRIDED_OPTIONS = {writeable = true}

-- cu.lib.stride_tricks.as_strided(a[, shape[, strides]][, {writeable =}]): the view of a's
-- memory with this shape and these strides (in elements), from a's first element. It may not
-- reach outside the memory a's storage holds; it is read-only when two of its positions may
-- reach one element, when a is, or with writeable = false.
function M.as_strided(a, ...)
  local pos, n, opts = options.split(...)
  if n > 2 then error(("as_strided: expected at most 3 arguments, got %d"):format(n + 1), 2) end
  opts = options.check(opts, "as_strided", AS_STRIDED_OPTIONS)
  core._check_array(a, "as_strided")
  local readonly = opts.writeable == false
  return core._as_strided(a, pos[1] or a.shape, pos[2] or a.strides, 0, "as_strided", readonly)
end

-- cu.lib.stride_tricks.sliding_window_view(x, window_shape[, axis]): every window of
-- window_shape over the axes given (all axes by default, one window length per axis), as a
-- read-only view of shape (x's shape with each windowed axis n - w + 1 long, then the window).
function M.sliding_window_view(x, window_shape, axis)
  local fname = "sliding_window_view"
  core._check_array(x, fname)
  local wins = args.int_list(fname, "window_shape", window_shape)
  local nd = x.ndim
  local axes = {}
  if axis == nil then
    if #wins ~= nd then
      error(("%s: window_shape has %d entries for an array of %d dimensions (give the axes)")
        :format(fname, #wins, nd), 2)
    end
    for i = 1, nd do axes[i] = i end
  else
    local list = args.int_list(fname, "axis", axis)
    if #list ~= #wins then
      error(("%s: window_shape has %d entries for %d axes"):format(fname, #wins, #list), 2)
    end
    for i = 1, #list do axes[i] = args.axis(fname, list[i], nd) end
  end
  local shape, strides = x.shape, x.strides
  local out_shape, out_strides = {}, {}
  for i = 1, nd do out_shape[i], out_strides[i] = shape[i], strides[i] end
  for i = 1, #wins do
    local ax, w = axes[i], wins[i]
    if w < 0 then
      error(("%s: window_shape cannot contain negative values, got %d"):format(fname, w), 2)
    end
    if out_shape[ax] < w then
      error(("%s: the window %d is larger than axis %d (%d long, or less after other windows)")
        :format(fname, w, ax, shape[ax]), 2)
    end
    out_shape[ax] = out_shape[ax] - w + 1
    out_shape[nd + i], out_strides[nd + i] = w, strides[ax]
  end
  return core._as_strided(x, out_shape, out_strides, 0, fname, true)
end

return M
