-- Memory layout: ascontiguousarray, asfortranarray (copies only when needed) and copyto.
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local M = {}

local AS_OPTIONS = {dtype = true}

-- as_layout("C" or "F"): a itself when it is in that order, has at least one dimension and has
-- the dtype asked for, else a copy in that order.
local function as_layout(fname, order, flag)
  return function(a, opts)
    opts = options.check(opts, fname, AS_OPTIONS)
    a = args.array(fname, a)
    if a.ndim == 0 then a = a:reshape(1) end
    local dtype = opts.dtype or a.dtype
    if a.flags[flag] and dtype == a.dtype then return a end
    local out = core.empty(a.shape, {dtype = dtype, device = a.device, order = order})
    out[{"..."}] = a
    return out
  end
end

-- cu.ascontiguousarray(a[, {dtype =}]): a, or a C-contiguous copy.
M.ascontiguousarray = as_layout("ascontiguousarray", "C", "c_contiguous")
-- cu.asfortranarray(a[, {dtype =}]): a, or a copy in Fortran order.
M.asfortranarray = as_layout("asfortranarray", "F", "f_contiguous")

-- The kind of a dtype for NumPy's same_kind casting: bool < integer < float.
local function kind(dtype)
  if dtype == "bool" then return 0 end
  if dtype:find("float") then return 2 end
  return 1
end

local COPYTO_OPTIONS = {casting = true, where = true}

-- cu.copyto(dst, src[, {casting = "same_kind", where =}]): writes src (an array or a value,
-- broadcast to dst's shape) into dst, where `where` (a bool array broadcast to dst) is true.
function M.copyto(dst, src, opts)
  local fname = "copyto"
  opts = options.check(opts, fname, COPYTO_OPTIONS)
  core._check_array(dst, fname)
  if not dst.writeable then
    error("copyto: dst is read-only (a broadcast view or a view whose elements alias)", 2)
  end
  local casting = opts.casting == nil and "same_kind" or opts.casting
  if casting ~= "same_kind" and casting ~= "unsafe" then
    error(("copyto: casting must be 'same_kind' or 'unsafe', got %s"):format(tostring(casting)), 2)
  end
  if core.is_array(src) and casting == "same_kind" and kind(src.dtype) > kind(dst.dtype) then
    error(("copyto: cannot cast from %s to %s with casting 'same_kind'"):format(src.dtype,
      dst.dtype), 2)
  end
  if not core.is_array(src) then
    if type(src) == "number" and casting == "same_kind" and kind(dst.dtype) < 2
       and src ~= math.floor(src) then
      error(("copyto: cannot cast the float %s to %s with casting 'same_kind'"):format(
        tostring(src), dst.dtype), 2)
    end
    src = args.array(fname, src, dst.device)
  end
  if opts.where ~= nil then
    local mask = args.array(fname, opts.where, dst.device)
    if mask.dtype ~= "bool" then
      error(("copyto: where must be a bool array, got %s"):format(mask.dtype), 2)
    end
    src = core.where(mask, src:astype(dst.dtype), dst)
  end
  local ok, view = pcall(src.broadcast_to, src, dst.shape)
  if not ok then
    error(("copyto: cannot broadcast src of shape {%s} to dst's shape {%s}"):format(
      table.concat(src.shape, ", "), table.concat(dst.shape, ", ")), 2)
  end
  dst[{"..."}] = view
end

return M
