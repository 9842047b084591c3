-- PNG images of arrays: cu.encode_png(a[, opts]) gives the file's bytes (a Lua string),
-- cu.save_image(path, a[, opts]) writes them. The encoder is C (cu._encode_png: src/l_image.c,
-- src/png.c); this layer adds colour maps by name (lua/cuarray/colormap.lua).
--
-- opts: vmin, vmax (the range that maps to 0..255; see src/l_image.c for the defaults),
-- cmap (a colour map name for a greyscale image: "gray", "viridis", ...), compress_level
-- (0 to 9; 0 stores the pixels uncompressed).
local colormap = require "cuarray.colormap"
local core = require "cuarray.core"
local options = require "cuarray.options"

local M = {}

M.OPTIONS = {vmin = true, vmax = true, cmap = true, compress_level = true}

-- The PNG of array a with the options above (already checked), raising in fname's name.
function M.encode(fname, a, opts)
  local args = {vmin = opts.vmin, vmax = opts.vmax, compress_level = opts.compress_level}
  if opts.cmap ~= nil then
    local lut, why = colormap.lut(opts.cmap)
    if not lut then error(fname .. ": " .. why, 3) end
    args.lut = lut
  end
  return core._encode_png(fname, a, args)
end

-- cu.encode_png(a[, opts]): the PNG file of image array a, as a Lua string.
function M.encode_png(a, opts)
  return M.encode("encode_png", a, options.check(opts, "encode_png", M.OPTIONS))
end

-- cu.save_image(path, a[, opts]): writes a as a PNG to path (or to an open Lua file).
function M.save_image(path, a, opts)
  if io.type(path) == "closed file" then
    error("save_image: the file is closed", 2)
  elseif io.type(path) ~= "file" and type(path) ~= "string" then
    error("save_image: expected a path or an open file, got " .. type(path), 2)
  end
  local png = M.encode("save_image", a, options.check(opts, "save_image", M.OPTIONS))
  if io.type(path) == "file" then
    local ok, err = path:write(png)
    if not ok then error("save_image: writing the file failed: " .. tostring(err), 2) end
    return
  end
  local f, err = io.open(path, "wb")
  if not f then error(("save_image: cannot open '%s': %s"):format(path, tostring(err)), 2) end
  local ok, werr = f:write(png)
  local closed, cerr = f:close()
  if not ok or not closed then
    error(("save_image: writing '%s' failed: %s"):format(path, tostring(werr or cerr)), 2)
  end
end

return M
