-- Rearranging elements: tile, repeat, roll, resize (copies), rot90, moveaxis, rollaxis (views),
-- compositions of the core's views, broadcast_to, take and concatenate.
local core = require "cuarray.core"
local args = require "cuarray.args"

local M = {}

local MAXDIMS = args.MAXDIMS

-- a repeated r[i] times along each axis i of axes (a list of axes, in order), as one copy of a
-- broadcast view: each such axis of length n is split into (1, n), broadcast to (r[i], n).
local function tile_axes(a, r, axes)
  local s, split, wide, out, k = a.shape, {}, {}, {}, 1
  for i = 1, #s do
    if axes[k] == i then
      split[#split + 1], wide[#wide + 1] = 1, r[i]
      k = k + 1
    end
    split[#split + 1], wide[#wide + 1] = s[i], s[i]
    out[i] = s[i] * (axes[k - 1] == i and r[i] or 1)
  end
  return a:reshape(split):broadcast_to(wide):copy():reshape(out)
end

-- cu.tile(a, reps): a repeated reps[k] times along axis k (the shorter of a's shape and reps
-- padded with leading 1s), as one copy of a broadcast view, or one per axis where splitting
-- every repeated axis at once would need more than the core's dimensions.
function M.tile(a, reps)
  a = args.array("tile", a)
  reps = args.int_list("tile", "reps", reps)
  local shape = a.shape
  local d = math.max(#shape, #reps)
  args.check_ndim("tile", d)
  local s, r, axes = {}, {}, {}
  for i = 1, d do
    s[i] = shape[i - (d - #shape)] or 1
    r[i] = reps[i - (d - #reps)] or 1
    if r[i] < 0 then error(("tile: reps cannot be negative, got %d"):format(r[i]), 2) end
    if r[i] ~= 1 then axes[#axes + 1] = i end
  end
  a = a:reshape(s)
  if d + #axes <= MAXDIMS then return tile_axes(a, r, axes) end
  if d == MAXDIMS then
    error(("tile: repeating the axes of a %d-d result needs more than %d dimensions"):format(d,
      MAXDIMS), 2)
  end
  for _, i in ipairs(axes) do a = tile_axes(a, r, {i}) end
  return a
end

-- cu.repeat_interleave(a, repeats[, axis]) (also cu["repeat"]): each element repeated, along
-- axis or over the flattened array; repeats is one count, or one count per element (a table
-- or an integer array).
function M.repeat_interleave(a, repeats, axis)
  local fname = "repeat_interleave"
  a = args.array(fname, a)
  if axis == nil then
    a = a:ravel()
    axis = 1
  else
    axis = args.axis(fname, axis, a.ndim)
  end
  local n = a.shape[axis]
  if type(repeats) == "number" then
    local r = args.integer(fname, "repeats", repeats)
    if r < 0 then error(("%s: repeats cannot be negative, got %d"):format(fname, r), 2) end
    -- a new axis after `axis`, broadcast to r and merged into it
    local shape, wide, out = a.shape, {}, {}
    for i = 1, #shape do
      wide[#wide + 1] = shape[i]
      if i == axis then wide[#wide + 1] = r end
      out[i] = i == axis and shape[i] * r or shape[i]
    end
    return a:expand_dims(axis + 1):broadcast_to(wide):copy():reshape(out)
  end
  local counts = args.int_list(fname, "repeats", repeats)
  if #counts == 1 then return M.repeat_interleave(a, counts[1], axis) end
  if #counts ~= n then
    error(("%s: %d repeats for an axis of length %d"):format(fname, #counts, n), 2)
  end
  -- The positions to take, 1 1 2 3 3 3 ..., as the running sum of steps placed where each
  -- element's run starts (the host does one pass over the counts, the device the rest).
  local total, starts, steps, previous = 0, {}, {}, 0
  for i = 1, n do
    if counts[i] < 0 then
      error(("%s: repeats cannot be negative, got %d"):format(fname, counts[i]), 2)
    end
    if counts[i] > 0 then
      starts[#starts + 1] = total + 1
      steps[#steps + 1] = i - previous
      previous = i
      total = total + counts[i]
    end
  end
  local opts = args.like(a, "int64")
  local marks = core.zeros(total, opts)
  if total > 0 then marks[core.array(starts, opts)] = core.array(steps, opts) end
  return core.take(a, core.cumsum(marks), axis)
end

-- cu.roll(a, shift[, axis]): the elements shifted by shift positions along axis (cyclically),
-- or over the flattened array; shift and axis may be lists of the same length.
function M.roll(a, shift, axis)
  local fname = "roll"
  a = args.array(fname, a)
  if axis == nil then
    local shifts = args.int_list(fname, "shift", shift)
    local total = 0
    for i = 1, #shifts do total = total + shifts[i] end
    return M.roll(a:ravel(), total, 1):reshape(a.shape)
  end
  local shifts = args.int_list(fname, "shift", shift)
  local axes = args.int_list(fname, "axis", axis)
  if #shifts == 1 and #axes > 1 then
    for i = 2, #axes do shifts[i] = shifts[1] end
  elseif #axes == 1 and #shifts > 1 then
    for i = 2, #shifts do axes[i] = axes[1] end
  elseif #shifts ~= #axes then
    error(("%s: shift and axis have different lengths (%d and %d)"):format(fname, #shifts,
      #axes), 2)
  end
  local by = {}
  for i = 1, a.ndim do by[i] = 0 end
  for i = 1, #axes do
    local ax = args.axis(fname, axes[i], a.ndim)
    by[ax] = by[ax] + shifts[i]
  end
  local out = a
  for ax = 1, a.ndim do
    local n = a.shape[ax]
    local k = n > 0 and by[ax] % n or 0
    if k ~= 0 then
      out = core.concatenate({out[args.range_key(a.ndim, ax, n - k + 1, n)],
        out[args.range_key(a.ndim, ax, 1, n - k)]}, ax)
    end
  end
  if out == a then out = a:copy() end
  return out
end

-- cu.rot90(a[, k = 1][, axes = {1, 2}]): a view of a rotated by k quarter turns in the plane of
-- the two axes, from the first towards the second.
function M.rot90(a, k, axes)
  local fname = "rot90"
  core._check_array(a, fname)
  k = args.integer(fname, "k", k, 1)
  axes = args.int_list(fname, "axes", axes or {1, 2})
  if #axes ~= 2 then error(("%s: axes must have 2 entries, got %d"):format(fname, #axes), 2) end
  local nd = a.ndim
  if nd < 2 then
    error(("%s: the array must have at least 2 dimensions, got %d"):format(fname, nd), 2)
  end
  local ax1, ax2 = args.axis(fname, axes[1], nd), args.axis(fname, axes[2], nd)
  if ax1 == ax2 then error(fname .. ": the axes must be different", 2) end
  k = k % 4
  if k == 0 then return a[{"..."}] end
  if k == 2 then return a:flip({ax1, ax2}) end
  local perm = {}
  for i = 1, nd do perm[i] = i end
  perm[ax1], perm[ax2] = ax2, ax1
  if k == 1 then return a:flip(ax2):transpose(perm) end
  return a:transpose(perm):flip(ax2)
end

local function distinct_axes(fname, what, list, nd)
  local seen, out = {}, {}
  for i = 1, #list do
    local ax = args.axis(fname, list[i], nd, what)
    if seen[ax] then error(("%s: repeated axis in %s (%d)"):format(fname, what, ax), 3) end
    seen[ax] = true
    out[i] = ax
  end
  return out
end

-- cu.moveaxis(a, source, destination): a view with the axes source moved to the positions
-- destination (an axis or lists of the same length), the others keeping their order.
function M.moveaxis(a, source, destination)
  local fname = "moveaxis"
  core._check_array(a, fname)
  local nd = a.ndim
  local src = distinct_axes(fname, "source", args.int_list(fname, "source", source), nd)
  local dst = distinct_axes(fname, "destination",
    args.int_list(fname, "destination", destination), nd)
  if #src ~= #dst then
    error(("%s: source and destination must have the same number of entries (%d and %d)")
      :format(fname, #src, #dst), 2)
  end
  local moved, perm = {}, {}
  for i = 1, #src do moved[src[i]] = true end
  local rest = {}
  for i = 1, nd do if not moved[i] then rest[#rest + 1] = i end end
  for i = 1, #dst do perm[dst[i]] = src[i] end
  local r = 1
  for i = 1, nd do
    if not perm[i] then perm[i] = rest[r]; r = r + 1 end
  end
  return a:transpose(perm)
end

-- cu.rollaxis(a, axis[, start = 1]): a view with axis moved to stand before position start
-- (1 .. ndim + 1; negative from the end, -1 the last axis), NumPy's rollaxis.
function M.rollaxis(a, axis, start)
  local fname = "rollaxis"
  core._check_array(a, fname)
  local nd = a.ndim
  axis = args.axis(fname, axis, nd)
  start = args.integer(fname, "start", start, 1)
  local s = start < 0 and start + nd + 1 or start
  if s < 1 or s > nd + 1 then
    error(("%s: start %d is out of bounds: it must be in 1 .. %d (or negative from the end)")
      :format(fname, start, nd + 1), 2)
  end
  if axis < s then s = s - 1 end
  if axis == s then return a[{"..."}] end
  local perm = {}
  for i = 1, nd do if i ~= axis then perm[#perm + 1] = i end end
  table.insert(perm, s, axis)
  return a:transpose(perm)
end

-- cu.resize(a, shape): a new array of shape filled with a's elements in C order, repeated
-- cyclically (zeros when a is empty).
function M.resize(a, shape)
  a = args.array("resize", a)
  local dims = args.int_list("resize", "shape", shape)
  args.check_ndim("resize", #dims)
  local n = 1
  for i = 1, #dims do
    if dims[i] < 0 then error(("resize: negative dimension %d in shape"):format(dims[i]), 2) end
    n = n * dims[i]
  end
  if n >= 2 ^ 62 then
    local s = {}
    for i = 1, #dims do s[i] = ("%.0f"):format(dims[i]) end
    error(("resize: an array of shape (%s) is too large"):format(table.concat(s, ", ")), 2)
  end
  if a.size == 0 or n == 0 then return core.zeros(dims, args.like(a)) end
  local flat = a:ravel()
  local times = math.ceil(n / a.size)
  return M.tile(flat, times)[{{1, n}}]:reshape(dims)
end

return M
