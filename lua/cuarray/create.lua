-- Constructors that are compositions of the core's: the _like forms and identity. The core
-- does the work (cu._filled, cu.eye) and raises in the caller's name.
local core = require "cuarray.core"
local args = require "cuarray.args"
local options = require "cuarray.options"

local M = {}

local LIKE_OPTIONS = {dtype = true, device = true, shape = true, pinned = true, order = true}

-- cu.<kind>_like(a[, value][, {dtype=, device=, shape=, pinned=, order=}]): an array of a's
-- shape, dtype and device unless the options say otherwise (pinned: a host array, as in
-- cu.zeros; order "C", "F" or "K", NumPy's default: Fortran order when a is in Fortran order).
local function like(kind)
  local fname = kind .. "_like"
  return function(a, ...)
    local value, opts
    if kind == "full" then value, opts = ... else opts = ... end
    core._check_array(a, fname)
    -- read now: the options' own code may free a
    local shape, dtype, adevice, flags = a.shape, a.dtype, a.device, a.flags
    if kind == "full" and select("#", ...) == 0 then -- "fill value ... got no value"
      return core._filled(fname, kind, shape)
    end
    opts = options.check(opts, fname, LIKE_OPTIONS)
    local device = opts.device
    if device == nil and not opts.pinned then device = adevice end
    local order = opts.order
    if order == nil or order == "K" then -- NumPy's default: keep a's layout
      order = (flags.f_contiguous and not flags.c_contiguous and opts.shape == nil) and "F" or "C"
    end
    return core._filled(fname, kind, opts.shape or shape, value,
      {dtype = opts.dtype or dtype, device = device, pinned = opts.pinned, order = order})
  end
end

M.empty_like = like("empty")
M.zeros_like = like("zeros")
M.ones_like = like("ones")
M.full_like = like("full")

local IDENTITY_OPTIONS = {dtype = true, device = true}

-- cu.identity(n[, {dtype=, device=}]): eye(n)
function M.identity(n, opts)
  if type(n) ~= "number" or n ~= math.floor(n) or not (n >= -2 ^ 63 and n < 2 ^ 63) then
    error(("identity: n must be an integer, got %s"):format(
      type(n) == "number" and tostring(n) or type(n)), 2)
  end
  if n < 0 then error(("identity: n must be non-negative, got %d"):format(n), 2) end
  opts = options.check(opts, "identity", IDENTITY_OPTIONS)
  return args.call_as("identity", {"eye"}, core.eye, n, n, opts)
end

return M
