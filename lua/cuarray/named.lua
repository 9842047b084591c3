-- Errors in the caller's name: a function composed in Lua raises what the functions it calls
-- raise, but under its own name, so that every message starts with the function the user
-- called ("corrcoef: ...", not "cov: ..." or "mean: ...") and points at the user's line.
local M = {}

local unpack = table.unpack or unpack

local pack = require("cuarray.args").pack

local function renamed(fname, err)
  if type(err) ~= "string" then return err end
  err = err:gsub("^[^\n]-%.lua:%d+: ", "")
  if err:sub(1, #fname + 2) == fname .. ": " then return err end
  return fname .. ": " .. err:gsub("^[%w_.:]+: ", "", 1)
end

-- f wrapped: its errors renamed to fname and raised at the caller's level.
function M.wrap(fname, f)
  return function(...)
    local r = pack(pcall(f, ...))
    if not r[1] then error(renamed(fname, r[2]), 2) end
    return unpack(r, 2, r.n)
  end
end

-- Every function of the table t wrapped, each in the name of its key; returns t.
function M.wrap_all(t)
  for name, f in pairs(t) do t[name] = M.wrap(name, f) end
  return t
end

return M
