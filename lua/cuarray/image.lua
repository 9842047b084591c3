-- PNG images of arrays: cu.encode_png(a[, opts]) gives the file's bytes (a Lua string),
-- cu.save_image(path, a[, opts]) writes them. The encoder is C (src/l_image.c, src/png.c);
-- this layer adds colour maps by name (lua/cuarray/colormap.lua).
--
-- opts: vmin, vmax (the range that maps to 0..255; see src/l_image.c for the defaults),
-- cmap (a colour map name for a greyscale image: "gray", "viridis", ...), compress_level
-- (0 to 9; 0 stores the pixels uncompressed).
local colormap = require "cuarray.colormap"

local M = {}

local known = {vmin = true, vmax = true, cmap = true, compress_level = true}

local function encoder(cu, fname)
  return function(a, opts)
    if opts ~= nil and type(opts) ~= "table" then
      error(("%s: options must be a table, got %s"):format(fname, type(opts)), 3)
    end
    local args = {}
    for k, v in pairs(opts or {}) do
      if not known[k] then error(("%s: unknown option '%s'"):format(fname, tostring(k)), 3) end
      args[k] = v
    end
    if args.cmap ~= nil then
      local lut, why = colormap.lut(args.cmap)
      if not lut then error(fname .. ": " .. why, 3) end
      args.cmap, args.lut = nil, lut
    end
    local ok, res = pcall(cu._encode_png, a, args)
    if not ok then
      error((tostring(res):gsub("^encode_png:", fname .. ":")), 3)
    end
    return res
  end
end

function M.attach(cu)
  local encode_png = encoder(cu, "encode_png")
  local encode_for_save = encoder(cu, "save_image")

  -- cu.encode_png(a[, opts]): the PNG file of image array a, as a Lua string.
  function cu.encode_png(a, opts) return encode_png(a, opts) end

  -- cu.save_image(path, a[, opts]): writes a as a PNG to path (or to an open Lua file).
  function cu.save_image(path, a, opts)
    local png = encode_for_save(a, opts)
    if io.type(path) == "file" then
      local ok, err = path:write(png)
      if not ok then error("save_image: writing the file failed: " .. tostring(err), 2) end
      return
    elseif io.type(path) == "closed file" then
      error("save_image: the file is closed", 2)
    elseif type(path) ~= "string" then
      error("save_image: expected a path or an open file, got " .. type(path), 2)
    end
    local f, err = io.open(path, "wb")
    if not f then error(("save_image: cannot open '%s': %s"):format(path, tostring(err)), 2) end
    local ok, werr = f:write(png)
    local closed, cerr = f:close()
    if not ok or not closed then
      error(("save_image: writing '%s' failed: %s"):format(path, tostring(werr or cerr)), 2)
    end
  end
end

return M
