-- Device scopes: the default device for the length of a function call or of a Lua 5.4 block.
--
--   cu.with_device("cuda:1", function() ... end)       -- any device, "cpu" included
--   cu.cuda.with_device(1, function() ... end)         -- a CUDA device: "cuda:N", "cuda" or N
--   do local _ <close> = cu.cuda.device("cuda:1") ... end   -- Lua 5.4; else scope:restore()
--
-- Inside, arrays are made on that device and "cuda" names it (a:cuda(), {device = "cuda"}).
-- The caller's default device comes back afterwards, also when the function raises. Device
-- numbers are CUDA's ordinals, counted from 0 like the "cuda:N" strings: 1 and "cuda:1" name
-- the same GPU.
local unpack = table.unpack or unpack

local pack = require("cuarray.args").pack

-- "cuda:N" for a CUDA device argument (N, "cuda:N" or "cuda"), raising for anything else.
local function cuda_name(core, dev, fname)
  if type(dev) == "number" then
    if dev < 0 or dev % 1 ~= 0 then
      error(("%s: a device number is CUDA's ordinal, an integer from 0 (got %s)")
        :format(fname, dev), 3)
    end
    return ("cuda:%d"):format(dev)
  end
  if dev == "cuda" or dev == nil then
    local d = core.get_default_device()
    return d:find("^cuda:") and d or "cuda:0"
  end
  if type(dev) == "string" and dev:find("^cuda:%d+$") then return dev end
  error(("%s: device must be \"cuda:N\", \"cuda\" or the ordinal N (from 0), got %s")
    :format(fname, type(dev) == "string" and ("'" .. dev .. "'") or type(dev)), 3)
end

-- A message of set_default_device's in the name of fname, which set the device for its caller.
local function in_name(err, fname)
  if type(err) ~= "string" then return err end
  local msg = err:gsub("^.-set_default_device: ", "")
  return fname .. ": " .. msg
end

return function(cu, core)
  local function with(dev, fname, fn, ...)
    if type(fn) ~= "function" then
      error(("%s: expected a function to run, got %s"):format(fname, type(fn)), 3)
    end
    local previous = core.get_default_device()
    local ok, err = pcall(core.set_default_device, dev)
    if not ok then error(in_name(err, fname), 3) end
    local r = pack(pcall(fn, ...))
    core.set_default_device(previous)
    if not r[1] then error(r[2], 0) end
    return unpack(r, 2, r.n)
  end

  local Scope = {}
  Scope.__index = Scope
  -- Puts the caller's default device back (once; later calls do nothing).
  function Scope:restore()
    if self.previous then
      core.set_default_device(self.previous)
      self.previous = nil
    end
  end
  Scope.__close = Scope.restore
  function Scope:__tostring() return "device scope (" .. self.device .. ")" end

  local function scope(dev, fname)
    local previous = core.get_default_device()
    local ok, err = pcall(core.set_default_device, dev)
    if not ok then error(in_name(err, fname), 0) end
    return setmetatable({device = core.get_default_device(), previous = previous}, Scope)
  end

  -- cu.with_device(device, fn, ...): fn(...) with `device` the default; returns fn's results.
  function cu.with_device(dev, fn, ...)
    if type(dev) == "number" then dev = cuda_name(core, dev, "with_device") end
    return with(dev, "with_device", fn, ...)
  end
  -- cu.device(device): a scope object (to-be-closed on Lua 5.4, or scope:restore()).
  function cu.device(dev)
    if type(dev) == "number" then dev = cuda_name(core, dev, "device") end
    local ok, s = pcall(scope, dev, "device")
    if not ok then error(s, 2) end
    return s
  end

  function cu.cuda.with_device(dev, fn, ...)
    return with(cuda_name(core, dev, "cuda.with_device"), "cuda.with_device", fn, ...)
  end
  function cu.cuda.device(dev)
    local ok, s = pcall(scope, cuda_name(core, dev, "cuda.device"), "cuda.device")
    if not ok then error(s, 2) end
    return s
  end
  -- cu.cuda.current_device(): the device "cuda" names now, as "cuda:N".
  function cu.cuda.current_device() return cuda_name(core, nil, "cuda.current_device") end
end
