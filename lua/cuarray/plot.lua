-- cu.plot: small, honest plots as SVG: axes, ticks, grid, labels, title, legend, colour bar.
--
--   cu.plot.line(y[, x][, opts])      y a 1-d array or list (or 2-d: one line per column)
--   cu.plot.scatter(x, y[, opts])
--   cu.plot.hist(a[, opts])           opts.bins, opts.range, opts.density (cu.histogram)
--   cu.plot.imshow(a[, opts])         opts.cmap, vmin, vmax, colorbar
--   cu.plot.figure([opts])            an empty figure; fig:line(...), fig:scatter(...),
--                                     fig:hist(...), fig:imshow(...) draw into it
--
-- Each returns the figure, which a notebook shows when it is a cell's value (or through
-- cu.display(fig)); fig:svg() gives the SVG text, fig:save(path) writes it. Figure options:
-- title, xlabel, ylabel, width, height (pixels), xlim, ylim ({lo, hi}); layer options: label
-- (for the legend), color, and per kind linewidth, size (scatter), alpha. Arrays on any
-- device come to the host here; long lines are thinned per pixel column (first, minimum,
-- maximum, last), which draws the same picture.
local axes = require "cuarray.plot_axes"
local display = require "cuarray.display"
local histogram = require "cuarray.histogram"
local image = require "cuarray.image"
local options = require "cuarray.options"

local M = {}
local cu -- set by attach

local esc = display.html_escape
local fmt = axes.coord

local palette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"}

local figure_keys = {title = true, xlabel = true, ylabel = true, width = true, height = true,
                     xlim = true, ylim = true}
local layer_keys = {
  line = {label = true, color = true, linewidth = true, alpha = true},
  scatter = {label = true, color = true, size = true, alpha = true},
  hist = {label = true, color = true, alpha = true, bins = true, range = true, density = true},
  imshow = {cmap = true, vmin = true, vmax = true, colorbar = true},
}

-- Splits opts into figure options (checked) and the options of a layer of `kind` (nil: none),
-- refusing unknown keys.
local function split_options(opts, kind, fname)
  if opts == nil then return {}, {} end
  if type(opts) ~= "table" then error(fname .. ": options must be a table", 4) end
  local fo, lo = {}, {}
  for k, v in pairs(opts) do
    if figure_keys[k] then fo[k] = v
    elseif kind and layer_keys[kind][k] then lo[k] = v
    else error(("%s: unknown option '%s'"):format(fname, tostring(k)), 4) end
  end
  for _, k in ipairs({"width", "height"}) do
    local v = fo[k]
    if v ~= nil and (type(v) ~= "number" or v < 100 or v > 10000) then
      error(("%s: %s must be a number of pixels from 100 to 10000"):format(fname, k), 4)
    end
  end
  for _, k in ipairs({"xlim", "ylim"}) do
    local l = fo[k]
    if l ~= nil and (type(l) ~= "table" or type(l[1]) ~= "number" or type(l[2]) ~= "number"
                     or l[1] >= l[2] or l[1] ~= l[1] or l[2] ~= l[2]) then
      error(("%s: %s must be {lo, hi} with lo < hi"):format(fname, k), 4)
    end
  end
  for _, k in ipairs({"title", "xlabel", "ylabel"}) do
    if fo[k] ~= nil and type(fo[k]) ~= "string" and type(fo[k]) ~= "number" then
      error(("%s: %s must be a string"):format(fname, k), 4)
    end
  end
  return fo, lo
end

-- A list of Lua numbers from an array (any device, any dtype) or a list of numbers.
local function numbers(v, what, fname)
  if cu.is_array(v) then
    if v.ndim ~= 1 then
      error(("%s: %s must be 1-d, got %d dims"):format(fname, what, v.ndim), 4)
    end
    return v:astype("float64"):totable()
  end
  if type(v) ~= "table" then
    error(("%s: %s must be an array or a list of numbers"):format(fname, what), 4)
  end
  local t = {}
  for i = 1, #v do
    if type(v[i]) ~= "number" then
      error(("%s: %s[%d] is not a number"):format(fname, what, i), 4)
    end
    t[i] = v[i]
  end
  return t
end

-- x given as options: plot.line(y, {title = ...}) (an empty table is options too).
local function is_options(t) return options.is_options(t, false) end

local function finite(x) return x - x == 0 end

-- ---- figures -------------------------------------------------------------------------------

local Figure = {}
Figure.__index = Figure

local function new_figure(opts)
  local fig = setmetatable({opts = {width = 640, height = 400}, layers = {}}, Figure)
  for k, v in pairs(opts or {}) do fig.opts[k] = v end
  return fig
end

function Figure:_add(kind, layer, fopts)
  for k, v in pairs(fopts) do self.opts[k] = v end
  if #self.layers > 0 and (kind == "imshow" or self.layers[1].kind == "imshow") then
    error("plot: an image takes the whole figure; draw it in a figure of its own", 4)
  end
  layer.kind = kind
  if kind ~= "imshow" and not layer.color then
    local n = 0
    for _, l in ipairs(self.layers) do if l.kind ~= "imshow" then n = n + 1 end end
    layer.color = palette[n % #palette + 1]
  end
  self.layers[#self.layers + 1] = layer
  return self
end

-- fig:line(y[, x][, opts])
function Figure:line(y, x, opts)
  local fname = "plot.line"
  if opts == nil and is_options(x) then x, opts = nil, x end
  local fo, lo = split_options(opts, "line", fname)
  local series = {}
  if cu.is_array(y) and y.ndim == 2 then
    for j = 1, y.shape[2] do series[j] = numbers(y[{{}, j}], "y", fname) end
  else
    series[1] = numbers(y, "y", fname)
  end
  local xs
  if x ~= nil then
    xs = numbers(x, "x", fname)
    if #xs ~= #series[1] then
      error(("%s: x has %d values but y has %d"):format(fname, #xs, #series[1]), 3)
    end
  else
    xs = {}
    for i = 1, #series[1] do xs[i] = i end
  end
  for j, ys in ipairs(series) do
    local layer = {x = xs, y = ys, linewidth = lo.linewidth or 1.5, alpha = lo.alpha}
    if type(lo.label) == "table" then layer.label = lo.label[j] else layer.label = lo.label end
    if type(lo.color) == "table" then layer.color = lo.color[j] else layer.color = lo.color end
    self:_add("line", layer, fo)
  end
  return self
end

-- fig:scatter(x, y[, opts])
function Figure:scatter(x, y, opts)
  local fname = "plot.scatter"
  local fo, lo = split_options(opts, "scatter", fname)
  local xs, ys = numbers(x, "x", fname), numbers(y, "y", fname)
  if #xs ~= #ys then error(("%s: x has %d values but y has %d"):format(fname, #xs, #ys), 2) end
  return self:_add("scatter", {x = xs, y = ys, size = lo.size or 3, alpha = lo.alpha,
                               label = lo.label, color = lo.color}, fo)
end

-- fig:hist(a[, opts])
function Figure:hist(a, opts)
  local fname = "plot.hist"
  local fo, lo = split_options(opts, "hist", fname)
  if not cu.is_array(a) then a = cu.array(numbers(a, "a", fname)) end
  a = a:ravel()
  if lo.range == nil and a.size > 0 then a = a[cu.isfinite(a)] end -- NaN and inf are left out
  local counts, edges = histogram.compute(fname, a, lo.bins,
                                          {range = lo.range, density = lo.density})
  return self:_add("hist", {counts = counts:astype("float64"):totable(),
                            edges = edges:astype("float64"):totable(), alpha = lo.alpha or 0.85,
                            label = lo.label, color = lo.color, density = lo.density}, fo)
end

-- fig:imshow(a[, opts])
function Figure:imshow(a, opts)
  local fname = "plot.imshow"
  local fo, lo = split_options(opts, "imshow", fname)
  cu._check_array(a, fname)
  local shape = a.shape
  if (a.ndim ~= 2 and not (a.ndim == 3 and (shape[3] == 3 or shape[3] == 4))) or
     shape[1] == 0 or shape[2] == 0 then
    error(fname .. ": expected a (h, w) array or an (h, w, 3|4) RGB(A) array", 2)
  end
  local h, w = shape[1], shape[2]
  local k = math.max(1, math.ceil(math.max(h, w) / 1024)) -- at most 1024 pixels a side
  local img = k > 1 and a[{{1, -1, k}, {1, -1, k}}] or a
  local layer = {h = h, w = w, step = k}
  local png_opts
  if a.ndim == 2 then
    local vmin, vmax = lo.vmin, lo.vmax
    if vmin == nil or vmax == nil then
      local vals = img:astype("float64"):ravel()
      vals = vals[cu.isfinite(vals)]
      local dmin, dmax = 0, 0
      if vals.size > 0 then dmin, dmax = vals:min(), vals:max() end
      vmin, vmax = vmin or dmin, vmax or dmax
    end
    layer.cmap = lo.cmap or "viridis"
    layer.vmin, layer.vmax = vmin, vmax
    layer.colorbar = lo.colorbar ~= false
    png_opts = {vmin = vmin, vmax = vmax, cmap = layer.cmap}
  else
    png_opts = {vmin = lo.vmin, vmax = lo.vmax}
  end
  layer.png = image.encode(fname, img, png_opts)
  return self:_add("imshow", layer, fo)
end

-- ---- drawing ------------------------------------------------------------------------------

-- The data bounds of the layers (before padding); hist and imshow fix some sides.
local function data_bounds(layers)
  local b = {x = {math.huge, -math.huge}, y = {math.huge, -math.huge}, tight_x = false,
             zero_y = false}
  local function take(axis, v)
    if finite(v) then
      if v < b[axis][1] then b[axis][1] = v end
      if v > b[axis][2] then b[axis][2] = v end
    end
  end
  for _, l in ipairs(layers) do
    if l.kind == "hist" then
      take("x", l.edges[1]); take("x", l.edges[#l.edges])
      take("y", 0)
      for _, c in ipairs(l.counts) do take("y", c) end
      b.zero_y = true
    elseif l.kind == "imshow" then
      take("x", 0.5); take("x", l.w + 0.5)
      take("y", 0.5); take("y", l.h + 0.5)
      b.tight_x, b.tight_y = true, true
    else
      for i = 1, #l.x do
        if finite(l.x[i]) and finite(l.y[i]) then take("x", l.x[i]); take("y", l.y[i]) end
      end
    end
  end
  return b
end

local function limits(lo, hi, pad_lo, pad_hi)
  if lo > hi then return 0, 1 end
  if lo == hi then
    local d = lo == 0 and 1 or math.abs(lo) * 0.05
    return lo - d, hi + d
  end
  local span = hi - lo
  return lo - (pad_lo and span * 0.05 or 0), hi + (pad_hi and span * 0.05 or 0)
end

function Figure:svg()
  local o = self.opts
  local W, H = o.width, o.height
  local b = data_bounds(self.layers)
  local x0, x1 = limits(b.x[1], b.x[2], not b.tight_x, not b.tight_x)
  local y0, y1 = limits(b.y[1], b.y[2], not (b.tight_y or b.zero_y and b.y[1] >= 0),
                        not b.tight_y)
  if o.xlim then x0, x1 = o.xlim[1], o.xlim[2] end
  if o.ylim then y0, y1 = o.ylim[1], o.ylim[2] end
  local picture = self.layers[1] and self.layers[1].kind == "imshow" and self.layers[1]
  local xt = axes.ticks(x0, x1, math.max(2, math.floor((W - 100) / 90)), picture)
  local yt = axes.ticks(y0, y1, math.max(2, math.floor((H - 80) / 50)), picture)
  local ylabels = axes.labels(yt)
  local widest = 0
  for _, s in ipairs(ylabels) do widest = math.max(widest, #s) end
  local left = 18 + widest * 7 + (o.ylabel and 20 or 0)
  local right = 16 + (picture and picture.colorbar and 90 or 0)
  local top = o.title and 34 or 14
  local bottom = 36 + (o.xlabel and 20 or 0)
  local px, py, pw, ph = left, top, W - left - right, H - top - bottom
  if pw < 20 or ph < 20 then error("plot: the figure is too small for its labels", 3) end
  if picture then -- square pixels: shrink one side of the plot area
    local s = math.min(pw / (x1 - x0), ph / (y1 - y0))
    local nw, nh = s * (x1 - x0), s * (y1 - y0)
    px, py = px + (pw - nw) / 2, py + (ph - nh) / 2
    pw, ph = nw, nh
  end
  local sx = function(x) return (x - x0) / (x1 - x0) * pw end
  local sy = picture and function(y) return (y - y0) / (y1 - y0) * ph end
                   or function(y) return ph - (y - y0) / (y1 - y0) * ph end
  local out = {}
  local function add(s) out[#out + 1] = s end
  add(('<svg xmlns="http://www.w3.org/2000/svg" class="cuarray-plot" width="%d" height="%d" ' ..
       'viewBox="0 0 %d %d" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">')
      :format(W, H, W, H))
  add(('<rect width="%d" height="%d" fill="white"/>'):format(W, H))
  -- grid
  for _, v in ipairs(xt) do
    add(('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e5e5e5"/>'):format(
      fmt(px + sx(v)), fmt(py), fmt(px + sx(v)), fmt(py + ph)))
  end
  for _, v in ipairs(yt) do
    add(('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e5e5e5"/>'):format(
      fmt(px), fmt(py + sy(v)), fmt(px + pw), fmt(py + sy(v))))
  end
  -- the data, clipped by a nested viewport (no ids: many plots share one HTML page)
  add(('<svg x="%s" y="%s" width="%s" height="%s" overflow="hidden" class="cuarray-plot-area">')
      :format(fmt(px), fmt(py), fmt(pw), fmt(ph)))
  for _, l in ipairs(self.layers) do axes.draw_layer(add, l, sx, sy, pw, ph) end
  add("</svg>")
  add(('<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#333"/>'):format(
    fmt(px), fmt(py), fmt(pw), fmt(ph)))
  -- ticks and their labels
  local xlabels = axes.labels(xt)
  for i, v in ipairs(xt) do
    local x = fmt(px + sx(v))
    add(('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>'):format(x, fmt(py + ph), x,
      fmt(py + ph + 5)))
    add(('<text x="%s" y="%s" text-anchor="middle" class="cuarray-tick">%s</text>'):format(x,
      fmt(py + ph + 18), esc(xlabels[i])))
  end
  for i, v in ipairs(yt) do
    local y = fmt(py + sy(v))
    add(('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>'):format(fmt(px - 5), y,
      fmt(px), y))
    add(('<text x="%s" y="%s" text-anchor="end" dominant-baseline="middle" ' ..
         'class="cuarray-tick">%s</text>'):format(fmt(px - 8), y, esc(ylabels[i])))
  end
  if o.title then
    add(('<text x="%s" y="20" text-anchor="middle" font-size="14" class="cuarray-title">%s</text>')
        :format(fmt(px + pw / 2), esc(o.title)))
  end
  if o.xlabel then
    add(('<text x="%s" y="%s" text-anchor="middle" class="cuarray-label">%s</text>'):format(
      fmt(px + pw / 2), fmt(H - 10), esc(o.xlabel)))
  end
  if o.ylabel then
    add(('<text transform="translate(16 %s) rotate(-90)" text-anchor="middle" ' ..
         'class="cuarray-label">%s</text>'):format(fmt(py + ph / 2), esc(o.ylabel)))
  end
  axes.legend(add, self.layers, px, py, pw)
  if picture and picture.colorbar then axes.colorbar(add, picture, px + pw + 20, py, ph, cu) end
  add("</svg>")
  return table.concat(out, "\n")
end

function Figure:save(path)
  if type(path) ~= "string" or not path:lower():match("%.svg$") then
    error("save: figures are written as SVG: give a path ending in .svg " ..
          "(cu.save_image writes an array as PNG)", 2)
  end
  local f, err = io.open(path, "wb")
  if not f then error(("save: cannot open '%s': %s"):format(path, tostring(err)), 2) end
  f:write(self:svg())
  f:close()
end

function Figure:__tostring()
  local kinds = {}
  for _, l in ipairs(self.layers) do kinds[#kinds + 1] = l.kind end
  return ("<Figure %dx%d: %s>"):format(self.opts.width, self.opts.height,
    #kinds > 0 and table.concat(kinds, ", ") or "empty")
end

-- The SVG twice: as image/svg+xml, and inline in text/html, which Jupyter and nbconvert
-- prefer, because nbconvert 6.5 to 7.1 strip the elements out of image/svg+xml outputs
-- (jupyter/nbconvert#1849) and so draw an empty plot in HTML exports.
function Figure:__mimebundle()
  local svg = self:svg()
  return {["image/svg+xml"] = svg, ["text/plain"] = tostring(self),
          ["text/html"] = '<div class="cuarray-figure">' .. svg .. "</div>"}
end

function M.attach(lib)
  cu = lib
  local plot = {Figure = Figure}
  function plot.figure(opts)
    return new_figure((split_options(opts, nil, "plot.figure")))
  end
  function plot.line(y, x, opts)
    if opts == nil and is_options(x) then x, opts = nil, x end
    return new_figure():line(y, x, opts)
  end
  function plot.scatter(x, y, opts) return new_figure():scatter(x, y, opts) end
  function plot.hist(a, opts) return new_figure():hist(a, opts) end
  function plot.imshow(a, opts) return new_figure():imshow(a, opts) end
  return plot
end

return M
