-- Strict module tables: reading a field a table does not have raises "cuarray has no field
-- 'zros' (did you mean 'zeros'?)" instead of giving nil, so a misspelled name fails where it
-- is written. rawget(cu, name) still probes without raising, and assigning new fields
-- (cu.helper = fn) works as on any table.
local M = {}

-- The edit distance between a and b (insertions, deletions, substitutions, transpositions).
local function distance(a, b)
  local prev2, prev = {}, {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = {[0] = i}
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      local d = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        d = math.min(d, prev2[j - 2] + 1)
      end
      cur[j] = d
    end
    prev2, prev = prev, cur
  end
  return prev[#b]
end

-- The field of t closest to `name`, when it is close enough to be a likely typo.
local function nearest(t, name)
  local best, best_d
  local limit = math.max(1, math.floor(#name / 3))
  for k in next, t do
    if type(k) == "string" and k:sub(1, 1) ~= "_" then
      local d = distance(name, k)
      if d <= limit and (not best_d or d < best_d or (d == best_d and k < best)) then
        best, best_d = k, d
      end
    end
  end
  return best
end

-- Makes t strict; `label` names it in messages ("cuarray", "cuarray.random").
function M.strict(t, label)
  return setmetatable(t, {__index = function(self, k)
    local hint = ""
    if type(k) == "string" then
      local near = nearest(self, k)
      if near then hint = (" (did you mean '%s'?)"):format(near) end
      k = "'" .. k .. "'"
    end
    error(("%s has no field %s%s"):format(label, tostring(k), hint), 2)
  end})
end

return M
