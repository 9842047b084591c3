-- PNG output (cu.encode_png, cu.save_image): every colour type, scaling, colour maps, views,
-- both deflate paths, errors. Each file is read back by an independent decoder (Python's zlib
-- and struct: chunk CRCs, IHDR, the zlib stream's Adler-32, the five filters).
local cu = require "cuarray"
local H = require "helper"
local colormap = require "cuarray.colormap"

local python = "/usr/bin/python3"

local decoder = [[
import struct, sys, zlib
def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)
for path in sys.argv[1:]:
    d = open(path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n", "signature"
    p, idat, types, chunks = 8, b"", [], 0
    while p < len(d):
        n, = struct.unpack(">I", d[p:p + 4])
        t, body = d[p + 4:p + 8], d[p + 8:p + 8 + n]
        crc, = struct.unpack(">I", d[p + 8 + n:p + 12 + n])
        assert crc == zlib.crc32(t + body), "crc of " + t.decode()
        types.append(t.decode())
        if t == b"IHDR":
            w, h, depth, ct, comp, filt, inter = struct.unpack(">IIBBBBB", body)
        if t == b"IDAT":
            idat += body
        p += 12 + n
    assert types[0] == "IHDR" and types[-1] == "IEND" and p == len(d), types
    assert depth == 8 and comp == 0 and filt == 0 and inter == 0
    ch = {0: 1, 4: 2, 2: 3, 6: 4}[ct]
    raw = zlib.decompress(idat)
    stride = w * ch
    assert len(raw) == h * (stride + 1), "scanline bytes"
    out, prev = bytearray(), bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - ch] if i >= ch else 0
            b = prev[i]
            c = prev[i - ch] if i >= ch else 0
            line[i] = (line[i] + [0, a, b, (a + b) // 2, paeth(a, b, c)][f]) & 255
        out += line
        prev = line
    stored = idat[2] & 6 == 0  # BTYPE of the first deflate block: 00 is stored
    print(w, h, ch, "stored" if stored else "deflated", out.hex())
]]

local function tmp(ext) return os.tmpname() .. (ext or "") end

local write_file = H.write_file
local read_file = H.read_file

local function hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

-- Decodes PNG strings with the Python decoder: a list of {w=, h=, channels=, mode=, hex=}.
local function decode(...)
  local script = tmp(".py")
  write_file(script, decoder)
  local paths = {}
  for i, png in ipairs({...}) do
    paths[i] = tmp(".png")
    write_file(paths[i], png)
  end
  local h = io.popen(python .. " " .. script .. " " .. table.concat(paths, " ") .. " 2>&1")
  local out = h:read("*a")
  h:close()
  os.remove(script)
  for _, p in ipairs(paths) do os.remove(p) end
  local res = {}
  for w, hh, ch, mode, px in out:gmatch("(%d+) (%d+) (%d) (%a+) (%x*)\n") do
    res[#res + 1] = {w = tonumber(w), h = tonumber(hh), channels = tonumber(ch), mode = mode,
                     hex = px}
  end
  assert(#res == select("#", ...), out)
  return res
end

-- The bytes a scaled sample becomes: round to nearest, clipped, NaN -> 0.
local function byte(v, lo, hi)
  if v ~= v then return 0 end
  local t = hi > lo and (v - lo) / (hi - lo) or 0
  if t <= 0 then return 0 elseif t >= 1 then return 255 end
  return math.floor(t * 255 + 0.5)
end

local function bytes_of(list)
  local t = {}
  for i, v in ipairs(list) do t[i] = ("%02x"):format(v) end
  return table.concat(t)
end

local have_python = (function()
  local ok = os.execute(python .. " -c 'import zlib' >/dev/null 2>&1")
  return ok == true or ok == 0
end)()

H.each_device("encode_png", function(dev)
  if not have_python then
    pending("no Python at " .. python .. " to decode the images")
    return
  end

  it("writes uint8 grey, grey + alpha, RGB and RGBA as they are, at every level", function()
    cu.random.seed(7)
    local shapes = {{1, 1}, {5, 7}, {3, 4, 1}, {6, 5, 2}, {9, 11, 3}, {4, 33, 4}, {1, 40, 3}}
    local pngs, arrays = {}, {}
    for _, shape in ipairs(shapes) do
      for _, level in ipairs({0, 1, 6, 9}) do
        local a = cu.random.randint(0, 256, shape, {dtype = "uint8"})
        arrays[#arrays + 1] = a
        pngs[#pngs + 1] = cu.encode_png(a, {compress_level = level})
      end
    end
    local got = decode((table.unpack or unpack)(pngs))
    for i, a in ipairs(arrays) do
      local shape = a.shape
      assert.are.same({shape[2], shape[1], shape[3] or 1}, {got[i].w, got[i].h, got[i].channels})
      assert.are.equal(hex(a:tobytes()), got[i].hex)
      if (i - 1) % 4 == 0 then assert.are.equal("stored", got[i].mode) end
    end
  end)

  it("stores more than one deflate block when the data passes 65535 bytes", function()
    local a = (cu.arange(300 * 300) % 251):astype("uint8"):reshape({300, 300})
    local got = decode(cu.encode_png(a, {compress_level = 0}), cu.encode_png(a))
    assert.are.equal(hex(a:tobytes()), got[1].hex)
    assert.are.equal(hex(a:tobytes()), got[2].hex)
    assert.are.same({"stored", "deflated"}, {got[1].mode, got[2].mode})
  end)

  it("scales a float greyscale image from its finite minimum to its maximum", function()
    local vals = {{-1, 0, 0.5}, {2, 0 / 0, 1 / 0}, {-1 / 0, 1.25, 3}}
    local a = cu.array(vals)
    local flat = {-1, 0, 0.5, 2, 0 / 0, 1 / 0, -1 / 0, 1.25, 3}
    local want = {}
    for i, v in ipairs(flat) do want[i] = byte(v, -1, 3) end
    local got = decode(cu.encode_png(a), cu.encode_png(a:astype("float32")),
                       cu.encode_png(a, {vmin = 0, vmax = 1}))
    assert.are.equal(bytes_of(want), got[1].hex)
    assert.are.equal(bytes_of(want), got[2].hex)
    for i, v in ipairs(flat) do want[i] = byte(v, 0, 1) end
    assert.are.equal(bytes_of(want), got[3].hex)
  end)

  it("maps 0..1 floats and 0..255 integers for colour images, and bools to 0 / 255", function()
    local rgb = cu.array({{{0, 0.5, 1}, {1.5, -0.5, 0.2}}})
    local ints = cu.array({{{0, 128, 255}, {300, -4, 51}}}, {dtype = "int16"})
    local flags = cu.array({{true, false}, {false, true}})
    local got = decode(cu.encode_png(rgb), cu.encode_png(ints), cu.encode_png(flags),
                       cu.encode_png(ints, {vmin = 0, vmax = 510}))
    assert.are.equal(bytes_of({0, 128, 255, 255, 0, 51}), got[1].hex)
    assert.are.equal(bytes_of({0, 128, 255, 255, 0, 51}), got[2].hex)
    assert.are.equal("ff0000ff", got[3].hex)
    assert.are.equal(bytes_of({0, 64, 128, 150, 0, 26}), got[4].hex)
  end)

  it("gives a constant image zeros, and uint8 with a range is scaled", function()
    local got = decode(cu.encode_png(cu.full({2, 2}, 5.0)),
                       cu.encode_png(cu.array({{10, 20}}, {dtype = "uint8"}), {vmin = 10, vmax = 20}))
    assert.are.equal("00000000", got[1].hex)
    assert.are.equal("00ff", got[2].hex)
  end)

  it("maps a greyscale image through a colour map to RGB", function()
    local a = cu.linspace(0, 1, 12):reshape({3, 4})
    local got = decode(cu.encode_png(a, {cmap = "viridis"}), cu.encode_png(a, {cmap = "gray"}))
    local lut = colormap.lut("viridis")
    local want, grey = {}, {}
    for i = 0, 11 do
      local b = byte(i / 11, 0, 1)
      want[#want + 1] = hex(lut:sub(3 * b + 1, 3 * b + 3))
      grey[#grey + 1] = ("%02x%02x%02x"):format(b, b, b)
    end
    assert.are.equal(3, got[1].channels)
    assert.are.equal(table.concat(want), got[1].hex)
    assert.are.equal(table.concat(grey), got[2].hex)
  end)

  it("reads views and device arrays in their logical order", function()
    local a = cu.arange(24, {dtype = "uint8"}):reshape({4, 6})
    local got = decode(cu.encode_png(a.T), cu.encode_png(a:flip(1)), cu.encode_png(a[{{1, -1, 2}}]))
    assert.are.equal(hex(a.T:copy():tobytes()), got[1].hex)
    assert.are.equal(hex(a:flip(1):copy():tobytes()), got[2].hex)
    assert.are.equal(hex(a[{{1, -1, 2}}]:copy():tobytes()), got[3].hex)
  end)

  it("save_image writes the same bytes to a path and to an open file", function()
    local a = cu.random.random({8, 9, 3})
    local p = tmp(".png")
    cu.save_image(p, a, {compress_level = 9})
    assert.are.equal(cu.encode_png(a, {compress_level = 9}), read_file(p))
    local f = assert(io.open(p, "wb"))
    f:write("x")
    cu.save_image(f, a)
    f:close()
    assert.are.equal("x" .. cu.encode_png(a), read_file(p))
    os.remove(p)
  end)
end)

H.each_device("encode_png errors", function()
  it("names the function and the problem", function()
    H.raises("encode_png: expected an image of shape (h, w) or (h, w, c) with c from 1 to 4, got (3,)",
             cu.encode_png, cu.ones(3))
    H.raises("got (2, 2, 5)", cu.encode_png, cu.ones({2, 2, 5}))
    H.raises("encode_png: an image needs at least one row and one column, got shape (0, 3)",
             cu.encode_png, cu.ones({0, 3}))
    H.raises("encode_png: vmin (2) is greater than vmax (1)", cu.encode_png, cu.ones({2, 2}),
             {vmin = 2, vmax = 1})
    H.raises("encode_png: vmin must be a number, got string", cu.encode_png, cu.ones({2, 2}),
             {vmin = "0"})
    H.raises("encode_png: compress_level must be an integer from 0 to 9", cu.encode_png,
             cu.ones({2, 2}), {compress_level = 10})
    H.raises("encode_png: unknown cmap 'jet' (gray, viridis", cu.encode_png, cu.ones({2, 2}),
             {cmap = "jet"})
    H.raises("encode_png: a colour map applies to greyscale images, not to 3 channels",
             cu.encode_png, cu.ones({2, 2, 3}), {cmap = "gray"})
    H.raises("encode_png: unknown option 'lut'", cu.encode_png, cu.ones({2, 2}), {lut = "x"})
    H.raises("encode_png: options must be a table, got string", cu.encode_png, cu.ones({2, 2}), "x")
    H.raises("encode_png: expected an array, got nil", cu.encode_png, nil)
    H.raises("save_image: expected an image of shape", cu.save_image, tmp(".png"), cu.ones(3))
    H.raises("save_image: cannot open '/nonexistent/x.png'", cu.save_image, "/nonexistent/x.png",
             cu.ones({2, 2}))
    H.raises("save_image: expected a path or an open file, got number", cu.save_image, 1,
             cu.ones({2, 2}))
  end)
end)
