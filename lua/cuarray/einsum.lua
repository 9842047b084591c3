-- cu.einsum(subscripts, a, b, ...[, {array = false}]): NumPy's Einstein summation, with "..."
-- (broadcast dims, right-aligned) and the implicit output (the labels seen once, in ASCII
-- order, after the broadcast dims). Size-1 dims broadcast against a label's size, as NumPy's.
--
-- How it runs: each operand first takes the diagonal of a repeated label and sums out the labels
-- no one else needs; then operands are contracted two at a time, greedily picking the pair
-- whose result is smallest (NumPy's 'greedy' order, by size alone). A pair with labels to sum
-- over becomes one (batched) matmul of transposed and reshaped views (copies only where a
-- reshape needs one), so 'bij,bjk->bik' is one strided-batched GEMM and 'ij,ij->' a dot; a
-- pair without becomes a broadcast multiply. Last, the remaining labels not in the output are
-- summed and the result transposed into the output's order (a view). A two-operand einsum that
-- is one contraction of its operands as given is remembered by subscripts, dtypes and shapes,
-- and a repeated call replays its views and product without planning. Operands of different
-- dtypes are first converted to their result_type; bool sums are any, integer sums keep the
-- dtype (and wrap), as NumPy's einsum.
local core = require "cuarray.core"
local list = require("cuarray.args").list
local diagonal = require "cuarray.diagonal"

local M = {}

-- Errors name the function, without a position (the parser is several calls deep).
local function fail(msg, ...)
  error("einsum: " .. msg:format(...), 0)
end

-- Splits one term ("ij", "...ij", "i...j") into a list of labels, "..." kept as one entry.
local function parse_term(term, what)
  local labels, i, seen_ellipsis = {}, 1, false
  while i <= #term do
    local ch = term:sub(i, i)
    if ch:match("%a") then
      labels[#labels + 1] = ch
      i = i + 1
    elseif term:sub(i, i + 2) == "..." then
      if seen_ellipsis then fail("%s has more than one ellipsis '...'", what) end
      seen_ellipsis = true
      labels[#labels + 1] = "..."
      i = i + 3
    else
      fail("invalid subscript '%s' in %s (labels are letters a-z and A-Z, and '...')", ch, what)
    end
  end
  return labels, seen_ellipsis
end

-- The parsed subscripts: per operand its list of labels (the ellipsis replaced with the
-- broadcast labels "1", "2", ...), the output labels, and the size of every label.
local function plan(subscripts, ops)
  local spec = subscripts:gsub("%s", "")
  local lhs, rhs = spec, nil
  local arrow = spec:find("->", 1, true)
  if arrow then
    lhs, rhs = spec:sub(1, arrow - 1), spec:sub(arrow + 2)
    if rhs:find("->", 1, true) then fail("subscripts '%s' have more than one '->'", subscripts) end
  end
  local terms = {}
  for t in (lhs .. ","):gmatch("([^,]*),") do terms[#terms + 1] = t end
  if #terms > #ops then
    fail("fewer operands provided to einstein sum function than specified in the subscripts "
      .. "string (%d for %d)", #ops, #terms)
  elseif #terms < #ops then
    fail("more operands provided to einstein sum function than specified in the subscripts "
      .. "string (%d for %d)", #ops, #terms)
  end
  -- the broadcast dims of each operand, right-aligned across operands
  local inputs, nell, any_ellipsis = {}, 0, false
  for k, t in ipairs(terms) do
    local labels, has = parse_term(t, ("the subscripts of operand %d"):format(k))
    local named = #labels - (has and 1 or 0)
    local nd = ops[k].ndim
    if (has and named > nd) or (not has and named ~= nd) then
      fail("operand %d has %d dimensions but its subscripts '%s' name %d", k, nd, t, named)
    end
    inputs[k] = {labels = labels, extra = has and nd - named or 0}
    nell = math.max(nell, inputs[k].extra)
    any_ellipsis = any_ellipsis or has
  end
  local sizes, counts = {}, {}
  for k, inp in ipairs(inputs) do
    local labels, x = {}, ops[k]
    for _, l in ipairs(inp.labels) do
      if l == "..." then
        for j = 1, inp.extra do labels[#labels + 1] = tostring(nell - inp.extra + j) end
      else
        labels[#labels + 1] = l
      end
    end
    local own, shape = {}, x.shape   -- (a:shape() builds a table on every read)
    for d, l in ipairs(labels) do
      local n = shape[d]
      if own[l] and own[l] ~= n then
        fail("dimensions in operand %d for collapsing index '%s' don't match (%d != %d)", k, l,
          own[l], n)
      end
      own[l] = n
      counts[l] = (counts[l] or 0) + 1
      local s = sizes[l]
      if s == nil or s == 1 then
        sizes[l] = n
      elseif n ~= 1 and n ~= s then
        fail("label '%s' has size %d in operand %d but %d before (sizes must agree or be 1)",
          l, n, k, s)
      end
    end
    inputs[k] = labels
  end
  local out = {}
  if rhs then
    local labels, has = parse_term(rhs, "the output subscripts")
    if nell > 0 and not has then
      fail("output has more dimensions than subscripts given in einstein sum, but no '...' "
        .. "ellipsis provided to broadcast the extra dimensions.")
    end
    local seen = {}
    for _, l in ipairs(labels) do
      if l == "..." then
        for j = 1, nell do out[#out + 1] = tostring(j) end
      else
        if seen[l] then
          fail("einstein sum subscripts string includes output subscript '%s' multiple times", l)
        end
        if not counts[l] then
          fail("einstein sum subscripts string included output subscript '%s' which never "
            .. "appeared in an input", l)
        end
        seen[l] = true
        out[#out + 1] = l
      end
    end
  else
    for j = 1, nell do out[#out + 1] = tostring(j) end
    local once = {}
    for l, c in pairs(counts) do
      if c == 1 and l:match("%a") then once[#once + 1] = l end
    end
    table.sort(once, function(p, q) return p:byte() < q:byte() end)
    for _, l in ipairs(once) do out[#out + 1] = l end
  end
  return inputs, out, sizes
end

-- ---- operands as (array, labels) -------------------------------------------------------------

local function reduce(x, axes)
  if #axes == 0 then return x end
  if x.dtype == "bool" then return x:any(axes) end
  return x:sum(axes, {dtype = x.dtype})
end

-- Sums out the labels of t that are not in `keep` (a set).
local function sum_unneeded(t, keep)
  local axes, labels = {}, {}
  for d, l in ipairs(t.labels) do
    if keep[l] then labels[#labels + 1] = l else axes[#axes + 1] = d end
  end
  if #axes == 0 then return t end
  return {x = reduce(t.x, axes), labels = labels}
end

-- Takes the diagonals of repeated labels and broadcasts size-1 dims to their label's size;
-- the second result says whether it did either.
local function prepare(x, labels, sizes)
  local copy = {}
  for i, l in ipairs(labels) do copy[i] = l end
  labels = copy
  local repeated, changed = true, false
  while repeated do
    repeated = false
    for p = 1, #labels do
      for q = p + 1, #labels do
        if labels[p] == labels[q] then
          local l = labels[p]
          x = diagonal.diagonal(x, 0, p, q)
          table.remove(labels, q)
          table.remove(labels, p)
          labels[#labels + 1] = l
          repeated, changed = true, true
          break
        end
      end
      if repeated then break end
    end
  end
  local full, grow, shape = {}, false, x.shape
  for d, l in ipairs(labels) do
    full[d] = sizes[l]
    if shape[d] ~= sizes[l] then grow = true end
  end
  if grow then x = x:broadcast_to(full) end
  return {x = x, labels = labels}, changed or grow
end

local function product(sizes, labels)
  local p = 1
  for _, l in ipairs(labels) do p = p * sizes[l] end
  return p
end

-- The labels of t kept for the others (a set: the output's and the other operands').
local function needed(ops, out, skip1, skip2)
  local keep = {}
  for _, l in ipairs(out) do keep[l] = true end
  for k, t in ipairs(ops) do
    if k ~= skip1 and k ~= skip2 then
      for _, l in ipairs(t.labels) do keep[l] = true end
    end
  end
  return keep
end

-- The labels of the pair (a, b) contracted with `keep` needed afterwards: batch (in both,
-- kept), summed (in both, not kept), a's and b's own kept labels.
local function split_pair(a, b, keep)
  local in_a, in_b = {}, {}
  for _, l in ipairs(a.labels) do in_a[l] = true end
  for _, l in ipairs(b.labels) do in_b[l] = true end
  local batch, summed, own_a, own_b = {}, {}, {}, {}
  for _, l in ipairs(a.labels) do
    if in_b[l] then
      if keep[l] then batch[#batch + 1] = l else summed[#summed + 1] = l end
    else
      own_a[#own_a + 1] = l
    end
  end
  for _, l in ipairs(b.labels) do
    if not in_a[l] then own_b[#own_b + 1] = l end
  end
  return batch, summed, own_a, own_b
end

local function positions(t)
  local pos = {}
  for d, l in ipairs(t.labels) do pos[l] = d end
  return pos
end

local function concat(...)
  local r = {}
  for k = 1, select("#", ...) do
    for _, v in ipairs((select(k, ...))) do r[#r + 1] = v end
  end
  return r
end

-- Whether the array x has the shape `shape` (a list).
local function has_shape(x, shape)
  local own = x.shape
  if #own ~= #shape then return false end
  for i = 1, #shape do
    if own[i] ~= shape[i] then return false end
  end
  return true
end

-- A step of a recipe, {perm, shape} (false: none): transpose by perm, then reshape.
local function apply(x, step)
  if step[1] then x = x:transpose(step[1]) end
  if step[2] then x = x:reshape(step[2]) end
  return x
end

-- The axes of t in the order of the labels `order`: a permutation, or false when it is the
-- identity.
local function permutation(t, order)
  local pos, perm, moved = positions(t), {}, false
  for i, l in ipairs(order) do
    perm[i] = pos[l]
    moved = moved or perm[i] ~= i
  end
  return moved and perm
end

-- t's array with its axes in the order of `labels`, reshaped to `shape` (a list of label
-- groups: each group one axis of their product, a group of nil labels an axis of size 1); and
-- the step that does it.
local function arrange(t, order, groups, sizes)
  local perm = permutation(t, order)
  local x = perm and t.x:transpose(perm) or t.x
  local shape = {}
  for i, g in ipairs(groups) do shape[i] = product(sizes, g) end
  local step = {perm, not has_shape(x, shape) and shape}
  return apply(t.x, step), step
end

-- Contracts the pair (a, b), keeping the labels in `keep`. Every label of a and b is in keep or
-- in both (the others were summed out before).
local function contract(a, b, keep, sizes)
  local batch, summed, own_a, own_b = split_pair(a, b, keep)
  local labels = concat(batch, own_a, own_b)
  local shape = {}
  for i, l in ipairs(labels) do shape[i] = sizes[l] end
  if #summed == 0 then
    -- a broadcast product: a as (batch, own_a, 1...), b as (batch, 1..., own_b)
    local ga, gb = {}, {}
    for _, l in ipairs(batch) do ga[#ga + 1] = {l}; gb[#gb + 1] = {l} end
    for _, l in ipairs(own_a) do ga[#ga + 1] = {l}; gb[#gb + 1] = {} end
    for _, l in ipairs(own_b) do ga[#ga + 1] = {}; gb[#gb + 1] = {l} end
    local xa, sa = arrange(a, concat(batch, own_a), ga, sizes)
    local xb, sb = arrange(b, concat(batch, own_b), gb, sizes)
    return {x = core.multiply(xa, xb), labels = labels,
            recipe = {fn = core.multiply, a = sa, b = sb, shape = false}}
  end
  -- a matmul: a as (batch..., M, K), b as (batch..., K, N)
  local ga, gb = {}, {}
  for _, l in ipairs(batch) do ga[#ga + 1] = {l}; gb[#gb + 1] = {l} end
  ga[#ga + 1] = own_a
  ga[#ga + 1] = summed
  gb[#gb + 1] = summed
  gb[#gb + 1] = own_b
  local xa, sa = arrange(a, concat(batch, own_a, summed), ga, sizes)
  local xb, sb = arrange(b, concat(batch, summed, own_b), gb, sizes)
  local r = core.matmul(xa, xb)
  local reshape = not has_shape(r, shape) and shape
  return {x = reshape and r:reshape(shape) or r, labels = labels,
          recipe = {fn = core.matmul, a = sa, b = sb, shape = reshape}}
end

-- The numpy.result_type of the operands (concatenate promotes a set of arrays at once).
local function result_dtype(ops)
  local same = true
  for i = 2, #ops do same = same and ops[i].dtype == ops[1].dtype end
  if same then return ops[1].dtype end
  local empties = {}
  for i, x in ipairs(ops) do empties[i] = core.empty({0}, {dtype = x.dtype, device = x.device}) end
  return core.concatenate(empties).dtype
end

-- The recipes of the two-operand einsums that were one contraction of the operands as given
-- (no diagonal, broadcast, sum or conversion before it), by subscripts, dtypes and shapes: a
-- repeated call skips the planning (which costs tens of microseconds of Lua, as much as a
-- small GEMM on a GPU) and replays the views and the product.
local recipes, nrecipes = {}, 0
local MAX_RECIPES = 256

local function recipe_key(subscripts, a, b)
  return ("%s|%s%s|%s%s"):format(subscripts, a.dtype, table.concat(a.shape, ","), b.dtype,
    table.concat(b.shape, ","))
end

local function replay(rc, a, b)
  local r = rc.fn(apply(a, rc.a), apply(b, rc.b))
  if rc.shape then r = r:reshape(rc.shape) end
  if rc.perm then r = r:transpose(rc.perm) end
  return r
end

local function remember(key, rc)
  if nrecipes >= MAX_RECIPES then recipes, nrecipes = {}, 0 end
  recipes[key] = rc
  nrecipes = nrecipes + 1
end

function M.einsum(subscripts, ...)
  if type(subscripts) ~= "string" then
    error(("einsum: subscripts must be a string, got %s"):format(type(subscripts)), 2)
  end
  local arrays, n = list(...)
  local opts = {}
  if n > 0 and type(arrays[n]) == "table" then
    opts = arrays[n]
    arrays[n] = nil
    n = n - 1
    for k in pairs(opts) do
      if k ~= "array" then
        error(("einsum: unknown option '%s'"):format(tostring(k)), 2)
      end
    end
  end
  if n == 0 then error("einsum: no operands given", 2) end
  for k = 1, n do
    if not core.is_array(arrays[k]) then
      error(("einsum: operand %d must be an array, got %s"):format(k, type(arrays[k])), 2)
    end
    core._check_array(arrays[k], "einsum")
    if arrays[k].device ~= arrays[1].device then
      error(("einsum: operands are on different devices (%s and %s)"):format(arrays[1].device,
        arrays[k].device), 2)
    end
  end
  local key = n == 2 and recipe_key(subscripts, arrays[1], arrays[2])
  local rc = key and recipes[key]
  if rc then
    local r = replay(rc, arrays[1], arrays[2])
    if r.ndim == 0 and not opts.array then return r:item() end
    return r
  end
  local inputs, out, sizes = plan(subscripts, arrays)
  local dt = result_dtype(arrays)
  local ops, as_given = {}, n == 2
  for k = 1, n do
    local x = arrays[k]
    if x.dtype ~= dt then
      x = x:astype(dt)
      as_given = false
    end
    local changed
    ops[k], changed = prepare(x, inputs[k], sizes)
    as_given = as_given and not changed
  end
  for k = 1, n do
    local before = ops[k]
    ops[k] = sum_unneeded(before, needed(ops, out, k))
    as_given = as_given and ops[k] == before
  end
  while #ops > 1 do
    local bi, bj, best
    for i = 1, #ops - 1 do
      for j = i + 1, #ops do
        local batch, _, own_a, own_b = split_pair(ops[i], ops[j], needed(ops, out, i, j))
        local size = product(sizes, batch) * product(sizes, own_a) * product(sizes, own_b)
        if not best or size < best then bi, bj, best = i, j, size end
      end
    end
    local c = contract(ops[bi], ops[bj], needed(ops, out, bi, bj), sizes)
    table.remove(ops, bj)
    table.remove(ops, bi)
    ops[#ops + 1] = c
  end
  local keep = {}
  for _, l in ipairs(out) do keep[l] = true end
  local t = sum_unneeded(ops[1], keep)
  local perm = permutation(t, out)
  local r = perm and t.x:transpose(perm) or t.x
  if as_given and t == ops[1] then
    rc = ops[1].recipe
    rc.perm = perm
    remember(key, rc)
  end
  if r.ndim == 0 and not opts.array then return r:item() end
  return r
end

return M
