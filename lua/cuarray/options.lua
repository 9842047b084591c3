-- Options in a trailing table: the one rule that tells an options table from a positional
-- argument, and the check of its keys, for the Lua layer's functions. The C functions that
-- take a variadic form follow the same rule (ca_is_options in src/array.c).
local list = require("cuarray.args").list

local M = {}

-- THE rule: a table (arrays are userdata) with a string key is options; an empty table is
-- options too where no table argument could stand (`table_may_stand` false). So {2, 3} is a
-- shape or a list of axes, {dtype = "int8"} is options, and {} is options unless it can be
-- an argument (no axes, a 0-d shape), as in `a:sum({})`.
function M.is_options(v, table_may_stand)
  if type(v) ~= "table" then return false end
  local empty = true
  for k in next, v do
    if type(k) == "string" then return true end
    empty = false
  end
  return empty and not table_may_stand
end

-- The positional arguments before a trailing options table, for functions whose trailing
-- positional argument is never a table or means the same empty as absent (a shape: {} is
-- 0-d, as none): a table of them, their count, and the options table (nil when none).
function M.split(...)
  local args, n = list(...)
  local opts
  if n > 0 and M.is_options(args[n], false) then
    opts = args[n]
    args[n] = nil
    n = n - 1
  end
  return args, n, opts
end

-- Checks the options `opts` (nil: none) of function `fname` against the set `known`
-- ({dtype = true, ...}); returns them, or {} for none. The error points at the caller of the
-- function that asks (level 3).
function M.check(opts, fname, known)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(("%s: options must be a table, got %s"):format(fname, type(opts)), 3)
  end
  for k in pairs(opts) do
    if type(k) ~= "string" or not known[k] then
      -- NumPy's axis= and Torch's dim= are positional arguments here (as in the C functions)
      local hint = (k == "axis" or k == "axes" or k == "dim")
        and " (the axis is a positional argument, not an option)" or ""
      local name = type(k) == "string" and k or type(k)
      error(("%s: unknown option '%s'%s"):format(fname, name, hint), 3)
    end
  end
  return opts
end

return M
