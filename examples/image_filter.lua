-- image_filter.lua: a synthetic n x n grey image, a 3x3 box blur and a Sobel edge filter done
-- with shifted slices (views, no copies) and broadcasting, written as binary PGM files.
--   luajit examples/image_filter.lua [n] [out.pgm]   (defaults: 512, /tmp/cuarray_blur.pgm;
--                                                     the edges go beside it, *_edges.pgm)
local cu = require "cuarray"

local n = math.floor(tonumber(arg and arg[1]) or 512)
local path = arg and arg[2] or "/tmp/cuarray_blur.pgm"

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

local function write_pgm(file, a)
  local h, w = a.shape[1], a.shape[2]
  local px = cu.minimum(cu.maximum(a, 0), 255):astype("uint8"):totable()
  local out = assert(io.open(file, "wb"))
  out:write(("P5\n%d %d\n255\n"):format(w, h))
  for i = 1, h do out:write(string.char((table.unpack or unpack)(px[i]))) end
  out:close()
end

local edge_path = path:gsub("%.pgm$", "") .. "_edges.pgm"
write_pgm(path, blur)
write_pgm(edge_path, edges)
print(("image %dx%d: mean %.4f, blurred interior mean %.4f, max edge %.2f")
  :format(n, n, img:mean(), blur:mean(), edges:max()))
print(("wrote %s and %s"):format(path, edge_path))
