-- image_filter.lua: a synthetic n x n grey image, a 3x3 box blur and a Sobel edge filter done
-- with shifted slices (views, no copies) and broadcasting, written as PNG (cu.save_image) or
-- binary PGM (a header and a:tobytes()) files, by the path's extension.
--   luajit examples/image_filter.lua [n] [out.png|out.pgm]
--     (defaults: 512, /tmp/cuarray_blur.png; the edges go beside it, *_edges.png)
local cu = require "cuarray"

local n = math.floor(tonumber(arg and arg[1]) or 512)
local path = arg and arg[2] or "/tmp/cuarray_blur.png"

-- The image: a bright disc on a horizontal gradient, from a row and a column broadcast
-- against each other ((n,1) with (1,n) gives (n,n)).
local f32 = {dtype = "float32"}
local rows = cu.arange(n, f32):reshape({n, 1})
local cols = cu.arange(n, f32):reshape({1, n})
local c, r = (n - 1) / 2, n / 4
local disc = ((rows - c) * (rows - c) + (cols - c) * (cols - c)):le(r * r)
local img = disc:astype("float32") * 160 + cols * (95 / (n - 1))

-- shifted(di, dj): the (n-2, n-2) view whose (i, j) is img(i + di, j + dj), di, dj in -1..1.
-- Slices are 1-based and inclusive: {2 + di, n - 1 + di} covers rows 2+di .. n-1+di.
local function shifted(di, dj)
  return img[{{2 + di, n - 1 + di}, {2 + dj, n - 1 + dj}}]
end

local blur = cu.zeros({n - 2, n - 2}, f32)
for di = -1, 1 do
  for dj = -1, 1 do blur = blur + shifted(di, dj) end
end
blur = blur / 9

local gx = (shifted(-1, 1) + shifted(0, 1) * 2 + shifted(1, 1))
         - (shifted(-1, -1) + shifted(0, -1) * 2 + shifted(1, -1))
local gy = (shifted(1, -1) + shifted(1, 0) * 2 + shifted(1, 1))
         - (shifted(-1, -1) + shifted(-1, 0) * 2 + shifted(-1, 1))
local edges = cu.sqrt(gx * gx + gy * gy)

-- Grey levels 0..255 as bytes: clipped, then truncated to uint8.
local function grey_bytes(a)
  return cu.minimum(cu.maximum(a, 0), 255):astype("uint8")
end

local function write_image(file, a)
  if file:match("%.pgm$") then
    local out = assert(io.open(file, "wb"))
    out:write(("P5\n%d %d\n255\n"):format(a.shape[2], a.shape[1]), grey_bytes(a):tobytes())
    out:close()
  else
    cu.save_image(file, grey_bytes(a))
  end
end

local ext = path:match("%.%w+$") or ""
local edge_path = path:sub(1, #path - #ext) .. "_edges" .. ext
write_image(path, blur)
write_image(edge_path, edges)
print(("image %dx%d: mean %.4f, blurred interior mean %.4f, max edge %.2f")
  :format(n, n, img:mean(), blur:mean(), edges:max()))
print(("wrote %s and %s"):format(path, edge_path))
