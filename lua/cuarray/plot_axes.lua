-- The parts of a plot (lua/cuarray/plot.lua): tick positions and labels, coordinates, the
-- layers' SVG (lines, markers, bars, images), the legend and the colour bar.
local base64 = require "cuarray.base64"
local colormap = require "cuarray.colormap"
local display = require "cuarray.display"

local M = {}
local esc = display.html_escape

local function log10(x) return math.log(x) / math.log(10) end

-- A coordinate with at most two decimals and no trailing zeros.
function M.coord(x)
  local s = ("%.2f"):format(x)
  s = s:gsub("%.?0+$", "")
  if s == "-0" or s == "" then s = "0" end
  return s
end

-- "Nice" ticks inside [lo, hi]: steps of 1, 2 or 5 times a power of ten, about `target` of
-- them; whole numbers only with `integral` (image rows and columns).
function M.ticks(lo, hi, target, integral)
  local span = hi - lo
  if span ~= span or span <= 0 or span == math.huge then return {} end
  local raw = span / target
  local mag = 10 ^ math.floor(log10(raw))
  local f = raw / mag
  local step = (f < 1.5 and 1 or f < 3 and 2 or f < 7 and 5 or 10) * mag
  if integral and step < 1 then step = 1 end
  local t = {}
  local first = math.ceil(lo / step - 1e-9)
  for k = first, math.floor(hi / step + 1e-9) do
    local v = k * step
    if math.abs(v) < step * 1e-9 then v = 0 end
    t[#t + 1] = v
  end
  t.step = step
  return t
end

-- Labels for ticks: as many decimals as the step needs; %g for very large or small values.
function M.labels(ticks)
  local out = {}
  local step = ticks.step or 1
  local big = 0
  for _, v in ipairs(ticks) do big = math.max(big, math.abs(v)) end
  local sci = big >= 1e6 or step < 1e-4
  local decimals = -math.floor(log10(step) + 1e-9)
  local fixed = ("%%.%df"):format(decimals > 0 and decimals or 0)
  for i, v in ipairs(ticks) do
    local s = (sci and "%.4g" or fixed):format(v)
    if s:match("^%-0%.?0*$") then s = s:sub(2) end
    out[i] = s
  end
  return out
end

local fmt = M.coord

local function finite(x) return x - x == 0 end

-- The points of a line that draw it at this resolution: with x increasing and more points
-- than pixels, each pixel column keeps its first, lowest, highest and last point.
local function thin(xs, ys, from, to, sx, sy, pw)
  local pts = {}
  local increasing = true
  for i = from + 1, to do if xs[i] < xs[i - 1] then increasing = false; break end end
  if not increasing or to - from + 1 <= 4 * pw then
    for i = from, to do pts[#pts + 1] = {sx(xs[i]), sy(ys[i])} end
    return pts
  end
  local col, first, last, low, high
  local function flush()
    local keep = {first, low, high, last}
    table.sort(keep)
    local prev
    for _, i in ipairs(keep) do
      if i ~= prev then pts[#pts + 1] = {sx(xs[i]), sy(ys[i])} end
      prev = i
    end
  end
  for i = from, to do
    local c = math.floor(sx(xs[i]))
    if c ~= col then
      if col then flush() end
      col, first, low, high = c, i, i, i
    end
    last = i
    if ys[i] < ys[low] then low = i end
    if ys[i] > ys[high] then high = i end
  end
  flush()
  return pts
end

local function opacity(l)
  return l.alpha and (' opacity="%s"'):format(fmt(l.alpha)) or ""
end

-- Draws layer l with add(svg_text); sx, sy map data to the plot area's pixels.
function M.draw_layer(add, l, sx, sy, pw, ph)
  if l.kind == "line" then
    local n = #l.x
    local i = 1
    while i <= n do -- one path per run of finite points
      while i <= n and not (finite(l.x[i]) and finite(l.y[i])) do i = i + 1 end
      local j = i
      while j + 1 <= n and finite(l.x[j + 1]) and finite(l.y[j + 1]) do j = j + 1 end
      if i <= n then
        local pts = thin(l.x, l.y, i, j, sx, sy, pw)
        local d = {}
        for k, p in ipairs(pts) do
          d[k] = (k == 1 and "M" or "L") .. fmt(p[1]) .. " " .. fmt(p[2])
        end
        if #pts == 1 then d[2] = "l0 0" end
        add(('<path d="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round" ' ..
             'stroke-linecap="round" class="cuarray-line"%s/>'):format(table.concat(d, " "),
             l.color, fmt(l.linewidth), opacity(l)))
      end
      i = j + 1
    end
  elseif l.kind == "scatter" then
    local parts = {('<g fill="%s" class="cuarray-scatter"%s>'):format(l.color, opacity(l))}
    for i = 1, #l.x do
      if finite(l.x[i]) and finite(l.y[i]) then
        parts[#parts + 1] = ('<circle cx="%s" cy="%s" r="%s"/>'):format(fmt(sx(l.x[i])),
          fmt(sy(l.y[i])), fmt(l.size))
      end
    end
    parts[#parts + 1] = "</g>"
    add(table.concat(parts))
  elseif l.kind == "hist" then
    local parts = {('<g fill="%s" stroke="white" stroke-width="0.5" class="cuarray-hist"%s>')
                   :format(l.color, opacity(l))}
    local base = sy(0)
    for k, c in ipairs(l.counts) do
      local xa, xb, top = sx(l.edges[k]), sx(l.edges[k + 1]), sy(c)
      parts[#parts + 1] = ('<rect x="%s" y="%s" width="%s" height="%s"/>'):format(fmt(xa),
        fmt(math.min(top, base)), fmt(math.max(0, xb - xa)), fmt(math.abs(base - top)))
    end
    parts[#parts + 1] = "</g>"
    add(table.concat(parts))
  elseif l.kind == "imshow" then
    add(('<image x="0" y="0" width="%s" height="%s" preserveAspectRatio="none" ' ..
         'style="image-rendering:pixelated" class="cuarray-image" ' ..
         'href="data:image/png;base64,%s"/>'):format(fmt(pw), fmt(ph), base64.encode(l.png)))
  end
end

-- The legend, top right inside the plot area, for layers with a label.
function M.legend(add, layers, px, py, pw)
  local items = {}
  for _, l in ipairs(layers) do if l.label then items[#items + 1] = l end end
  if #items == 0 then return end
  local widest = 0
  for _, l in ipairs(items) do widest = math.max(widest, #tostring(l.label)) end
  local w, h = 40 + widest * 7, 8 + 18 * #items
  local x, y = px + pw - w - 8, py + 8
  add(('<g class="cuarray-legend"><rect x="%s" y="%s" width="%s" height="%s" fill="white" ' ..
       'fill-opacity="0.85" stroke="#ccc"/>'):format(fmt(x), fmt(y), fmt(w), fmt(h)))
  for i, l in ipairs(items) do
    local cy = y + 4 + 18 * (i - 1) + 9
    if l.kind == "line" then
      add(('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"/>'):format(
        fmt(x + 8), fmt(cy), fmt(x + 28), fmt(cy), l.color))
    elseif l.kind == "scatter" then
      add(('<circle cx="%s" cy="%s" r="4" fill="%s"/>'):format(fmt(x + 18), fmt(cy), l.color))
    else
      add(('<rect x="%s" y="%s" width="20" height="10" fill="%s"/>'):format(fmt(x + 8),
        fmt(cy - 5), l.color))
    end
    add(('<text x="%s" y="%s" dominant-baseline="middle">%s</text>'):format(fmt(x + 34), fmt(cy),
      esc(tostring(l.label))))
  end
  add("</g>")
end

-- A colour bar of image layer l at (x, y), h pixels tall, with ticks from vmin to vmax.
function M.colorbar(add, l, x, y, h, cu)
  local bytes = {}
  for i = 255, 0, -1 do
    local r, g, b = colormap.color(l.cmap, i / 255)
    bytes[#bytes + 1] = string.char(r, g, b)
  end
  local ramp = cu.frombuffer(table.concat(bytes), "uint8", {device = "cpu"}):reshape({256, 1, 3})
  local png = cu.encode_png(ramp)
  add(('<g class="cuarray-colorbar"><image x="%s" y="%s" width="16" height="%s" ' ..
       'preserveAspectRatio="none" href="data:image/png;base64,%s"/>'):format(fmt(x), fmt(y),
       fmt(h), base64.encode(png)))
  add(('<rect x="%s" y="%s" width="16" height="%s" fill="none" stroke="#333"/>'):format(fmt(x),
    fmt(y), fmt(h)))
  local lo, hi = l.vmin, l.vmax
  if hi > lo then
    local t = M.ticks(lo, hi, math.max(2, math.floor(h / 50)))
    local labels = M.labels(t)
    for i, v in ipairs(t) do
      local ty = y + h - (v - lo) / (hi - lo) * h
      add(('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>'):format(fmt(x + 16), fmt(ty),
        fmt(x + 20), fmt(ty)))
      add(('<text x="%s" y="%s" dominant-baseline="middle" class="cuarray-tick">%s</text>'):format(
        fmt(x + 23), fmt(ty), esc(labels[i])))
    end
  end
  add("</g>")
end

return M
