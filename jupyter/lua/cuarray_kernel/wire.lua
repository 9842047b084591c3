-- The framing between the Lua process and the kernel (jupyter/cuarray_kernel/luaproc.py):
-- a message is a line "<kind> <nfields>\n", then per field a line "<name> <nbytes>\n" and
-- exactly nbytes of data. Lengths make any bytes safe (code, PNG images). Fields keep their
-- order; a name may repeat (the matches of a completion).
local M = {}

-- Reads one message from file f: kind and a list of {name, data}; nil at the end of input.
function M.read(f)
  local line = f:read("*l")
  if not line then return nil end
  local kind, n = line:match("^(%S+) (%d+)$")
  if not kind then error("wire: bad message header: " .. line) end
  local fields = {}
  for i = 1, tonumber(n) do
    local h = f:read("*l")
    local name, len = (h or ""):match("^(%S+) (%d+)$")
    if not name then error("wire: bad field header: " .. tostring(h)) end
    len = tonumber(len)
    local data = len > 0 and f:read(len) or ""
    if not data or #data ~= len then error("wire: input ended inside a field") end
    fields[i] = {name, data}
  end
  return kind, fields
end

-- The value of the first field called name.
function M.get(fields, name)
  for _, f in ipairs(fields) do if f[1] == name then return f[2] end end
end

-- Writes a message: fields is a list of {name, data}; data is converted with tostring.
function M.write(f, kind, fields)
  local out = {("%s %d\n"):format(kind, #fields)}
  for _, fd in ipairs(fields) do
    local data = tostring(fd[2])
    out[#out + 1] = ("%s %d\n"):format(fd[1], #data)
    out[#out + 1] = data
  end
  f:write(table.concat(out))
  f:flush()
end

return M
