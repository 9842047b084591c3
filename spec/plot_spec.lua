-- cu.plot: SVG figures. Checks the structure (elements, ticks, labels, legend), that data map
-- to the right side of the axes, thinning, and well-formed XML (Python's xml.etree).
local cu = require "cuarray"
local H = require "helper"
local axes = require "cuarray.plot_axes"
local base64 = require "cuarray.base64"

local function count(s, pattern)
  local n = 0
  for _ in s:gmatch(pattern) do n = n + 1 end
  return n
end

-- The points of the first path's d attribute.
local function path_points(svg)
  local d = svg:match('<path d="([^"]*)"')
  local pts = {}
  for x, y in d:gmatch("[ML]([%d%.%-]+) ([%d%.%-]+)") do pts[#pts + 1] = {tonumber(x), tonumber(y)} end
  return pts
end

local function plot_area(svg)
  local x, y, w, h = svg:match('<svg x="([%d%.]+)" y="([%d%.]+)" width="([%d%.]+)" height="([%d%.]+)" overflow="hidden"')
  return tonumber(x), tonumber(y), tonumber(w), tonumber(h)
end

describe("plot ticks", function()
  it("steps by 1, 2 or 5 times a power of ten", function()
    local t = axes.ticks(0, 1, 5)
    assert.are.same({0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}, {t[1], t[2], t[3], t[4], t[5], t[6]})
    assert.are.same({"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}, axes.labels(t))
    assert.are.same({"-2", "0", "2", "4", "6", "8", "10", "12"}, axes.labels(axes.ticks(-3.7, 12.1, 6)))
    assert.are.same({"0", "5000", "10000"}, axes.labels(axes.ticks(0, 10000, 2)))
    assert.are.same({"0", "2e+06", "4e+06"}, axes.labels(axes.ticks(0, 4e6, 2)))
    assert.are.same({"1", "2", "3"}, axes.labels(axes.ticks(0.5, 3.5, 10, true)))
    assert.are.same({}, axes.ticks(1, 1, 5))
    assert.are.same({}, axes.ticks(0, 0 / 0, 5))
  end)
end)

H.each_device("plots", function(dev)
  it("draws a line inside its axes, with ticks, labels, title and legend", function()
    local fig = cu.plot.line(cu.array({0, 1, 4, 9}), {title = "squares & <more>", xlabel = "n",
                                                      ylabel = "n^2", label = "sq"})
    local svg = fig:svg()
    assert.truthy(svg:match('^<svg xmlns="http://www.w3.org/2000/svg" class="cuarray%-plot" width="640" height="400"'))
    assert.truthy(svg:find(">squares &amp; &lt;more&gt;</text>", 1, true))
    assert.truthy(svg:find('class="cuarray-label">n</text>', 1, true))
    assert.truthy(svg:find('class="cuarray-label">n^2</text>', 1, true))
    assert.truthy(svg:find('<g class="cuarray-legend">', 1, true))
    assert.truthy(svg:find(">sq</text>", 1, true))
    assert.are.equal(1, count(svg, "<path "))
    local px, py, pw, ph = plot_area(svg)
    local pts = path_points(svg)
    assert.are.equal(4, #pts)
    for i, p in ipairs(pts) do
      assert.is_true(p[1] > 0 and p[1] < pw and p[2] > 0 and p[2] < ph)
      if i > 1 then assert.is_true(p[1] > pts[i - 1][1] and p[2] < pts[i - 1][2]) end
    end
    -- 5% margins: x = 1 sits at 0.05 / 1.1 of the width
    assert.is_true(math.abs(pts[1][1] - pw * 0.05 / 1.1) < 0.01)
    assert.is_true(px > 0 and py > 0)
    for _, label in ipairs({"1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0"}) do
      assert.truthy(svg:find('class="cuarray-tick">' .. label .. "</text>", 1, true), label)
    end
  end)

  it("draws one line per column, against x, and breaks lines at NaN", function()
    local x = cu.linspace(0, 1, 50)
    local y = cu.stack({cu.sin(x), cu.cos(x), x}, 2)
    local svg = cu.plot.line(y, x, {label = {"sin", "cos", "x"}}):svg()
    assert.are.equal(3, count(svg, "<path "))
    assert.are.equal(3, count(svg, 'class="cuarray%-line"'))
    assert.truthy(svg:find(">cos</text>", 1, true))
    svg = cu.plot.line({1, 2, 0 / 0, 4, 5}):svg()
    assert.are.equal(2, count(svg, "<path "))
  end)

  it("thins long lines per pixel column and keeps their extremes", function()
    local n = 100000
    local x = cu.linspace(0, 1, n)
    local y = cu.sin(x * 200)
    y[{5000}] = 3
    y[{70001}] = -2
    local svg = cu.plot.line(y, x):svg()
    local pts = path_points(svg)
    local _, _, pw, ph = plot_area(svg)
    assert.is_true(#pts <= 4 * (pw + 1), #pts)
    local top, bottom = math.huge, -math.huge
    for _, p in ipairs(pts) do top = math.min(top, p[2]); bottom = math.max(bottom, p[2]) end
    -- 3 and -2 are the extremes: they sit 5% inside the plot area
    assert.is_true(math.abs(top - ph * 0.05 / 1.1) < 0.02, top)
    assert.is_true(math.abs(bottom - ph * 1.05 / 1.1) < 0.02, bottom)
  end)

  it("scatters the finite points", function()
    local svg = cu.plot.scatter({1, 2, 3, 0 / 0}, cu.array({3, 1, 2, 5}), {size = 5, color = "red"}):svg()
    assert.are.equal(3, count(svg, "<circle "))
    assert.truthy(svg:find('<g fill="red" class="cuarray-scatter">', 1, true))
    assert.truthy(svg:find('r="5"', 1, true))
  end)

  it("draws a histogram's bars from zero, as cu.histogram counts", function()
    cu.random.seed(3)
    local a = cu.random.standard_normal({5000})
    local counts = cu.histogram(a, 12):totable()
    local svg = cu.plot.hist(a, {bins = 12}):svg()
    local _, _, _, ph = plot_area(svg)
    local bars = svg:match('<g [^>]*class="cuarray%-hist"[^>]*>(.-)</g>')
    local heights = {}
    for y, h in bars:gmatch('<rect x="[^"]*" y="([^"]*)" width="[^"]*" height="([^"]*)"/>') do
      heights[#heights + 1] = tonumber(h)
      assert.is_true(math.abs(tonumber(y) + tonumber(h) - ph) < 0.02) -- every bar stands on 0
    end
    assert.are.equal(12, #heights)
    local k = heights[6] / counts[6]
    for i = 1, 12 do assert.is_true(math.abs(heights[i] - counts[i] * k) < 0.02) end
    -- NaN and infinities are left out rather than failing
    local b = cu.array({1, 2, 0 / 0, 1 / 0, 2})
    assert.truthy(cu.plot.hist(b, {bins = 2}):svg():find("cuarray-hist", 1, true))
  end)

  it("shows an image with square pixels, a colour bar, and thins huge ones", function()
    local a = cu.linspace(0, 1, 12):reshape({3, 4})
    local svg = cu.plot.imshow(a, {cmap = "magma"}):svg()
    local _, _, pw, ph = plot_area(svg)
    assert.is_true(math.abs(pw / ph - 4 / 3) < 1e-3)
    local b64 = svg:match('class="cuarray%-image" href="data:image/png;base64,([^"]+)"')
    assert.are.equal(base64.encode(cu.encode_png(a, {cmap = "magma", vmin = 0, vmax = 1})), b64)
    assert.truthy(svg:find('<g class="cuarray-colorbar">', 1, true))
    assert.truthy(svg:find('class="cuarray-tick">0.0</text>', 1, true))
    local rgb = cu.plot.imshow(cu.random.random({5, 5, 3})):svg()
    assert.falsy(rgb:find("cuarray-colorbar", 1, true))
    local fig = cu.plot.imshow(cu.zeros({3000, 20}))
    assert.are.equal(3, fig.layers[1].step)
  end)

  it("composes layers in one figure, shows as SVG, and saves", function()
    local fig = cu.plot.figure({title = "two"}):line({1, 2, 3}, {label = "a"}):scatter({1, 2}, {2, 1})
    assert.are.equal("<Figure 640x400: line, scatter>", tostring(fig))
    local b = cu.display.bundle(fig)
    assert.are.equal(fig:svg(), b["image/svg+xml"])
    assert.are.equal('<div class="cuarray-figure">' .. fig:svg() .. "</div>", b["text/html"])
    assert.are.equal(tostring(fig), b["text/plain"])
    local p = os.tmpname() .. ".svg"
    fig:save(p)
    local f = assert(io.open(p))
    local s = f:read("*a")
    f:close()
    os.remove(p)
    assert.are.equal(fig:svg(), s)
  end)

  it("raises clear errors", function()
    H.raises("plot.line: unknown option 'colour'", cu.plot.line, {1, 2}, {colour = "red"})
    H.raises("plot.line: x has 3 values but y has 2", cu.plot.line, {1, 2}, {1, 2, 3})
    H.raises("plot.line: y[2] is not a number", cu.plot.line, {1, "x"})
    H.raises("plot.line: y must be 1-d", cu.plot.line, cu.zeros({2, 2, 2}))
    H.raises("plot.scatter: x has 2 values but y has 1", cu.plot.scatter, {1, 2}, {1})
    H.raises("plot.figure: width must be a number of pixels from 100 to 10000", cu.plot.figure,
             {width = 10})
    H.raises("plot.figure: xlim must be {lo, hi} with lo < hi", cu.plot.figure, {xlim = {2, 1}})
    H.raises("plot.imshow: expected a (h, w) array", cu.plot.imshow, cu.ones(3))
    H.raises("plot.hist: bins must be a positive integer", cu.plot.hist, cu.ones(3), {bins = 0})
    H.raises("an image takes the whole figure", function()
      cu.plot.imshow(cu.ones({2, 2})):line({1, 2})
    end)
    H.raises("save: figures are written as SVG", function() cu.plot.line({1, 2}):save("x.png") end)
  end)
end)

describe("plots as XML", function()
  local python = "/usr/bin/python3"
  local ok = os.execute(python .. " -c 'import xml.etree' >/dev/null 2>&1")
  if not (ok == true or ok == 0) then
    pending("no Python at " .. python .. " to parse the SVG")
    return
  end

  it("are well-formed SVG documents", function()
    local figs = {
      cu.plot.line(cu.sin(cu.linspace(0, 6, 100)), {title = "a < b & c", label = "x\"y"}),
      cu.plot.scatter(cu.random.random({50}), cu.random.random({50})),
      cu.plot.hist(cu.random.standard_normal({500})),
      cu.plot.imshow(cu.random.random({16, 20})),
      cu.plot.imshow(cu.random.random({8, 8, 4})),
    }
    local paths = {}
    for i, fig in ipairs(figs) do
      paths[i] = os.tmpname() .. ".svg"
      fig:save(paths[i])
    end
    local h = io.popen(python .. [[ -c "
import sys, xml.etree.ElementTree as ET
for p in sys.argv[1:]:
    root = ET.parse(p).getroot()
    assert root.tag == '{http://www.w3.org/2000/svg}svg', root.tag
    print('ok', len(list(root.iter())))
" ]] .. table.concat(paths, " ") .. " 2>&1")
    local out = h:read("*a")
    h:close()
    for _, p in ipairs(paths) do os.remove(p) end
    assert.are.equal(#figs, count(out, "ok %d+"), out)
  end)
end)
