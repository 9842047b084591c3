-- cu.pad: an array grown at both ends of each axis, NumPy's modes constant, edge, reflect,
-- symmetric and wrap. Each axis in turn (so later axes pad the corners, as NumPy's do): a
-- gather of the positions a mode maps the new elements to, or for constant, blocks of the
-- value joined to the array.
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local M = {}

-- The source positions (0-based) of the new positions p (an int64 array of 0-based positions,
-- may be out of 0 .. n-1) of an axis of length n, by mode: array operations on the device.
local SOURCE = {
  edge = function(p, n) return core.clip(p, 0, n - 1) end,
  wrap = function(p, n) return core.remainder(p, n) end,
  reflect = function(p, n)
    if n == 1 then return p * 0 end
    local period = 2 * (n - 1)
    local q = core.remainder(p, period)
    return core.where(core.greater_equal(q, n), period - q, q)
  end,
  symmetric = function(p, n)
    local q = core.remainder(p, 2 * n)
    return core.where(core.greater_equal(q, n), 2 * n - 1 - q, q)
  end,
}

-- {{before, after}, ...} for nd axes from a number, {n}, {before, after}, {{before, after}} or one
-- pair per axis.
local function pairs_per_axis(fname, what, v, nd, check)
  local function pair(x, y)
    check(x)
    check(y)
    return {x, y}
  end
  if type(v) ~= "table" or core.is_array(v) then v = {v} end
  v = args.raw_list(v)
  local out = {}
  if type(v[1]) ~= "table" then
    if #v == 0 or #v > 2 then
      error(("%s: %s must be a value, {before, after} or one such pair per axis"):format(fname,
        what), 3)
    end
    for i = 1, nd do out[i] = pair(v[1], v[2] == nil and v[1] or v[2]) end
    return out
  end
  if #v ~= 1 and #v ~= nd then
    error(("%s: %s has %d pairs for an array of %d dimensions"):format(fname, what, #v, nd), 3)
  end
  for i = 1, nd do
    local p = v[#v == 1 and 1 or i]
    if type(p) == "table" and not core.is_array(p) then p = args.raw_list(p) end
    if type(p) ~= "table" or #p < 1 or #p > 2 then
      error(("%s: %s entry %d must be a pair {before, after}"):format(fname, what, i), 3)
    end
    out[i] = pair(p[1], p[2] == nil and p[1] or p[2])
  end
  return out
end

local PAD_OPTIONS = {constant_values = true}

-- cu.pad(a, pad_width[, mode = "constant"][, {constant_values = 0}])
function M.pad(a, pad_width, ...)
  local fname = "pad"
  local pos, n, opts = options.split(...)
  if n > 1 then error(("pad: expected at most 3 arguments, got %d"):format(n + 2), 2) end
  opts = options.check(opts, fname, PAD_OPTIONS)
  a = args.array(fname, a)
  local mode = pos[1] == nil and "constant" or pos[1]
  if mode ~= "constant" and not SOURCE[mode] then
    error(("pad: unknown mode '%s' (constant, edge, reflect, symmetric or wrap)")
      :format(tostring(mode)), 2)
  end
  if mode ~= "constant" and opts.constant_values ~= nil then
    error(("pad: constant_values is an option of the constant mode, not '%s'"):format(mode), 2)
  end
  local nd = a.ndim
  local widths = pairs_per_axis(fname, "pad_width", pad_width, nd, function(x)
    x = args.integer(fname, "a pad width", x)
    if x < 0 then error(("pad: pad widths cannot be negative, got %d"):format(x), 4) end
  end)
  local values
  if mode == "constant" then
    values = pairs_per_axis(fname, "constant_values", opts.constant_values or 0, nd, function(x)
      if type(x) ~= "number" and type(x) ~= "boolean" then
        error(("pad: constant values must be numbers, got %s"):format(type(x)), 4)
      end
    end)
  end
  local out = a
  for ax = 1, nd do
    local before, after = widths[ax][1], widths[ax][2]
    local len = out.shape[ax]
    if before + after > 0 then
      if mode == "constant" then
        local parts = {}
        local shape = out.shape
        if before > 0 then
          shape[ax] = before
          parts[#parts + 1] = core.full(shape, values[ax][1], args.like(out))
        end
        parts[#parts + 1] = out
        if after > 0 then
          shape[ax] = after
          parts[#parts + 1] = core.full(shape, values[ax][2], args.like(out))
        end
        out = core.concatenate(parts, ax)
      else
        if len == 0 then
          error(("pad: cannot extend the empty axis %d with mode '%s' (only 'constant')")
            :format(ax, mode), 2)
        end
        local p = core.arange(-before, len + after, args.like(out, "int64"))
        out = core.take(out, SOURCE[mode](p, len) + 1, ax)
      end
    end
  end
  if out == a then out = a:copy() end
  return out
end

return M
