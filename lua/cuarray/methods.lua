-- Array methods written in Lua, added to the core's methods table (cu._methods).
local core = require "cuarray.core"

local M = {}

-- for i, row in a:iter() do ... end: the positions 1..#a along the first axis and a[i], a
-- view for a 2-d or larger array and a Lua value for a 1-d one, as indexing gives them.
function M.iter(a)
  core._check_array(a, "iter")
  if a.ndim == 0 then error("iter: iteration over a 0-d array", 2) end
  local n, i = a.shape[1], 0
  return function()
    i = i + 1
    if i <= n then return i, a[i] end
  end
end

return M
