-- Rich display (lua/cuarray/display.lua): array bundles (header, repr, HTML table), the
-- handler, cu.display.image, text of plain values; base64 and colour maps beside it.
local cu = require "cuarray"
local H = require "helper"
local base64 = require "cuarray.base64"
local colormap = require "cuarray.colormap"

-- Collects what cu.display shows while fn runs.
local function shown(fn)
  local got = {}
  local old = cu.display.set_handler(function(bundle, meta) got[#got + 1] = {bundle, meta} end)
  local ok, err = pcall(fn)
  cu.display.set_handler(old)
  if not ok then error(err, 0) end
  return got
end

local function count(s, pattern)
  local n = 0
  for _ in s:gmatch(pattern) do n = n + 1 end
  return n
end

H.each_device("array display", function(dev)
  it("gives a header and the repr as text, a header and a table as HTML", function()
    local a = cu.array({{1.5, -2}, {3, 4}})
    local b = cu.display.bundle(a)
    local header = ("cuarray.ndarray  shape (2, 2)  float64  %s  32 bytes"):format(a.device)
    assert.are.equal(header .. "\n" .. tostring(a), b["text/plain"])
    local html = b["text/html"]
    assert.truthy(html:find((header:gsub("  ", " &middot; ")), 1, true), html)
    assert.truthy(html:find('<table class="cuarray-table">', 1, true))
    assert.are.equal(3, count(html, "<tr>"))                 -- the column indices, two rows
    assert.truthy(html:find("<th></th><th>1</th><th>2</th>", 1, true))
    assert.truthy(html:find("<tr><th>1</th><td>1.5</td><td>-2. </td></tr>", 1, true), html)
    assert.truthy(html:find("<tr><th>2</th><td>3. </td><td>4. </td></tr>", 1, true), html)
  end)

  it("summarises big arrays as the printer does, with 1-based indices", function()
    local html = cu.display.bundle(cu.arange(3000):reshape({30, 100}))["text/html"]
    assert.truthy(html:find("<th>1</th><th>2</th><th>3</th><th>&#8943;</th><th>98</th><th>99</th><th>100</th>",
                            1, true), html)
    assert.truthy(html:find("<tr><th>28</th><td>2700</td>", 1, true), html)
    assert.are.equal(1 + 7, count(html, "<tr>"))              -- 3 + the gap + 3, and the indices
    local row = cu.display.bundle(cu.arange(5))["text/html"]
    assert.truthy(row:find("<tr><th></th><td>0</td><td>1</td><td>2</td><td>3</td><td>4</td></tr>", 1, true))
  end)

  it("shows 0-d, 3-d and empty arrays as their repr", function()
    for _, a in ipairs({cu.array(2.5), cu.zeros({2, 2, 2}), cu.zeros({0, 3})}) do
      local html = cu.display.bundle(a)["text/html"]
      assert.falsy(html:find("<table", 1, true))
      assert.truthy(html:find('<pre class="cuarray-repr"', 1, true))
    end
    assert.truthy(cu.display.bundle(cu.array({true, false}))["text/html"]:find("<td>true</td>", 1, true))
  end)

  it("escapes HTML and says the size in binary units", function()
    local b = cu.display.bundle(cu.zeros({1024, 1024}, {dtype = "float32"}))
    assert.truthy(b["text/plain"]:find("float32  " .. cu.get_default_device() .. "  4.0 MiB", 1, true))
    assert.are.equal("&lt;a href=&quot;x&quot;&gt;&amp;", require("cuarray.display").html_escape('<a href="x">&'))
  end)

  it("sends arrays, plots and values to the handler in order", function()
    local got = shown(function() cu.display(cu.ones(2), "text", {1, 2}) end)
    assert.are.equal(3, #got)
    assert.truthy(got[1][1]["text/html"])
    assert.are.same({["text/plain"] = "text"}, got[2][1])
    assert.are.same({["text/plain"] = "{1, 2}"}, got[3][1])
  end)

  it("prints the text of what it shows without a handler", function()
    local p = os.tmpname()
    local f = assert(io.open(p, "w"))
    local stdout = io.stdout
    io.output(f)
    local ok, err = pcall(function()
      local old = cu.display.set_handler(nil)
      -- the default handler writes to io.stdout; point it at the file for this check
      rawset(io, "stdout", f)
      cu.display("hello")
      rawset(io, "stdout", stdout)
      cu.display.set_handler(old)
    end)
    rawset(io, "stdout", stdout)
    io.output(stdout)
    f:close()
    local g = assert(io.open(p))
    local s = g:read("*a")
    g:close()
    os.remove(p)
    assert.is_true(ok, err)
    assert.are.equal("hello\n", s)
  end)

  it("shows images as PNG, enlarging small ones and thinning huge ones", function()
    local got = shown(function()
      cu.display.image(cu.random.random({4, 6}))
      cu.display.image(cu.random.random({10, 10, 3}), {scale = 1})
      cu.display.image(cu.zeros({3000, 10}, {dtype = "uint8"}))
      cu.display.image(cu.linspace(0, 1, 16):reshape({4, 4}), {cmap = "viridis"})
    end)
    local function size(png) -- IHDR width and height
      local function u32(i) return ((png:byte(i) * 256 + png:byte(i + 1)) * 256 + png:byte(i + 2)) * 256 + png:byte(i + 3) end
      return u32(17), u32(21), png:byte(26)
    end
    local w, h, ct = size(got[1][1]["image/png"])
    assert.are.same({6 * 42, 4 * 42, 0}, {w, h, ct})
    assert.are.equal("<greyscale image 6x4, shown 42x>", got[1][1]["text/plain"])
    w, h, ct = size(got[2][1]["image/png"])
    assert.are.same({10, 10, 2}, {w, h, ct})
    w, h = size(got[3][1]["image/png"])
    assert.are.same({5, 1500}, {w, h})
    assert.truthy(got[3][1]["text/plain"]:find("1 pixel in 2 shown per axis", 1, true))
    assert.are.equal(2, select(3, size(got[4][1]["image/png"])))
  end)

  it("raises clear errors for images", function()
    H.raises("display.image: expected an array, got string", cu.display.image, "x")
    H.raises("display.image: expected an image of shape (h, w) or (h, w, c), got (3,)",
             cu.display.image, cu.ones(3))
    H.raises("display.image: unknown option 'zoom'", cu.display.image, cu.ones({2, 2}), {zoom = 2})
    H.raises("display.image: scale must be a positive integer", cu.display.image, cu.ones({2, 2}),
             {scale = 0.5})
    H.raises("display.image: unknown cmap 'jet'", cu.display.image, cu.ones({2, 2}), {cmap = "jet"})
    H.raises("display.png: expected the bytes of a PNG file", cu.display.png, "GIF89a")
    H.raises("display.set_handler: expected a function or nil, got number", cu.display.set_handler, 1)
  end)
end)

describe("display of plain values", function()
  it("renders tables as short literals, strings as they are", function()
    local text = cu.display.text
    assert.are.equal("abc", text("abc"))
    assert.are.equal('{1, "two", {3}, ["a b"] = 1, k = true}', text({1, "two", {3}, k = true, ["a b"] = 1}))
    assert.are.equal("{{{...}}}", text({{{{1}}}}))
    local t = {}
    t.self = t
    assert.are.equal("{self = {...}}", text(t))
    local long = {}
    for i = 1, 25 do long[i] = i end
    assert.truthy(text(long):find(", ... (5 more)}", 1, true))
    assert.are.equal("nil", text(nil))
    assert.are.equal("array(<freed>)", (function()
      local a = cu.ones(2)
      a:free()
      return cu.display.bundle(a)["text/plain"]
    end)())
  end)
end)

describe("base64", function()
  it("encodes RFC 4648's test vectors", function()
    local v = {[""] = "", f = "Zg==", fo = "Zm8=", foo = "Zm9v", foob = "Zm9vYg==",
               fooba = "Zm9vYmE=", foobar = "Zm9vYmFy"}
    for plain, coded in pairs(v) do assert.are.equal(coded, base64.encode(plain)) end
  end)

  it("round trips every byte value and long strings", function()
    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    local s = table.concat(bytes):rep(50) .. "xy"
    local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    local enc = base64.encode(s)
    assert.are.equal(4 * math.ceil(#s / 3), #enc)
    local out, bits, nbits = {}, 0, 0
    for c in enc:gmatch("[^=]") do
      bits = bits * 64 + (alphabet:find(c, 1, true) - 1)
      nbits = nbits + 6
      if nbits >= 8 then
        nbits = nbits - 8
        local b = math.floor(bits / 2 ^ nbits)
        out[#out + 1] = string.char(b)
        bits = bits - b * 2 ^ nbits
      end
    end
    assert.are.equal(s, table.concat(out))
  end)
end)

describe("colour maps", function()
  it("have 256 RGB entries from the first reference colour to the last", function()
    for _, name in ipairs(colormap.names) do
      local lut = colormap.lut(name)
      assert.are.equal(768, #lut)
    end
    assert.are.equal("#440154", colormap.hex("viridis", 0))
    assert.are.equal("#fde725", colormap.hex("viridis", 1))
    assert.are.equal("#21908c", colormap.hex("viridis", 0.5))
    assert.are.equal("#808080", colormap.hex("gray", 0.5))
    assert.are.equal(colormap.lut("gray"), colormap.lut("grey"))
    assert.is_nil((colormap.lut("jet")))
  end)
end)
