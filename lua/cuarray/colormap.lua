-- Colour maps for images and plots: matplotlib's names, each a ramp of reference colours
-- (the 9-colour samples viridisLite publishes for matplotlib's perceptual maps) interpolated
-- linearly to 256 entries. Close to matplotlib's tables, not identical to them.
local M = {}

local stops = {
  gray = {"000000", "ffffff"},
  viridis = {"440154", "472d7b", "3b528b", "2c728e", "21908c", "27ad81", "5dc863", "aadc32",
             "fde725"},
  magma = {"000004", "1c1044", "4f127b", "812581", "b5367a", "e55064", "fb8761", "fec287",
           "fcfdbf"},
  inferno = {"000004", "1f0c48", "550f6d", "88226a", "ba3655", "e35932", "f98c0a", "f9c932",
             "fcffa4"},
  plasma = {"0d0887", "47039f", "7301a8", "9c179e", "bd3786", "d8576b", "ed7953", "fa9e3b",
            "f0f921"},
}
stops.grey = stops.gray

M.names = {"gray", "viridis", "magma", "inferno", "plasma"}

local function rgb(hex)
  return tonumber(hex:sub(1, 2), 16), tonumber(hex:sub(3, 4), 16), tonumber(hex:sub(5, 6), 16)
end

-- The colour at t in [0, 1] of map `name`: r, g, b as integers 0..255.
function M.color(name, t)
  local s = stops[name]
  if t ~= t then t = 0 end
  t = math.max(0, math.min(1, t))
  local x = t * (#s - 1)
  local i = math.min(math.floor(x), #s - 2)
  local f = x - i
  local r1, g1, b1 = rgb(s[i + 1])
  local r2, g2, b2 = rgb(s[i + 2])
  local function mix(u, v) return math.floor(u + (v - u) * f + 0.5) end
  return mix(r1, r2), mix(g1, g2), mix(b1, b2)
end

-- "#rrggbb" of the colour at t.
function M.hex(name, t)
  return ("#%02x%02x%02x"):format(M.color(name, t))
end

local luts = {}

-- The 256 RGB entries of map `name` as a 768-byte string (cu._encode_png's lut), or nil and
-- a message for an unknown name.
function M.lut(name)
  if type(name) ~= "string" or not stops[name] then
    return nil, ("unknown cmap '%s' (%s)"):format(tostring(name), table.concat(M.names, ", "))
  end
  if not luts[name] then
    local bytes = {}
    for i = 0, 255 do
      local r, g, b = M.color(name, i / 255)
      bytes[#bytes + 1] = string.char(r, g, b)
    end
    luts[name] = table.concat(bytes)
  end
  return luts[name]
end

return M
