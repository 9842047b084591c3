-- Base64 (RFC 4648, with padding) in plain arithmetic, the same on Lua 5.1, 5.4 and LuaJIT:
-- for data: URIs of images inside SVG and HTML.
local M = {}

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
-- Two output characters per 12 bits of input, made on the first encoding: its 4096 strings
-- were an eighth of the Lua heap of a script that draws nothing, walked by every full
-- collection.
local pair

local floor, byte, concat = math.floor, string.byte, table.concat

function M.encode(s)
  if not pair then
    pair = {}
    for i = 0, 4095 do
      local hi, lo = floor(i / 64) + 1, i % 64 + 1
      pair[i] = alphabet:sub(hi, hi) .. alphabet:sub(lo, lo)
    end
  end
  local out, n = {}, 0
  local len = #s
  local whole = len - len % 3
  local chunk = 3 * 1024 -- string.byte returns the chunk's bytes on the stack
  for start = 1, whole, chunk do
    local stop = math.min(start + chunk - 1, whole)
    local b = {byte(s, start, stop)}
    for i = 1, #b, 3 do
      local v = b[i] * 65536 + b[i + 1] * 256 + b[i + 2]
      n = n + 1
      out[n] = pair[floor(v / 4096)] .. pair[v % 4096]
    end
  end
  local rest = len - whole
  if rest > 0 then
    local b1, b2 = byte(s, whole + 1, len)
    local v = b1 * 65536 + (b2 or 0) * 256
    local four = pair[floor(v / 4096)] .. pair[v % 4096]
    n = n + 1
    out[n] = rest == 1 and four:sub(1, 2) .. "==" or four:sub(1, 3) .. "="
  end
  return concat(out)
end

return M
