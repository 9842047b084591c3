-- Rich display: what a value looks like as MIME data (the bundles Jupyter shows), and
-- cu.display(x, ...) to show values now.
--
--   cu.display(a)                      an array: a header (shape, dtype, device, bytes) and its
--                                      repr as text, and a table of its values as HTML
--   cu.display.image(a[, opts])        a (h, w) array as a greyscale or colour-mapped image, an
--                                      (h, w, 3|4) array as RGB(A): a PNG
--   cu.display.html(s), .svg(s), .markdown(s), .png(bytes)
--
-- A bundle is a table from MIME type to data (image/png holds the PNG's bytes, unencoded);
-- display.bundle(v) gives v's: arrays as above, values whose metatable has __mimebundle
-- (plots) through it, anything else as text. Showing goes through a handler: by default it
-- prints the text/plain part; the Jupyter kernel installs one that sends the bundle to the
-- notebook. GPU arrays come to the host for display (only the elements shown are read).
local format = require "cuarray.format"
local image = require "cuarray.image"
local options = require "cuarray.options"

local M = {}
local cu -- set by attach

local function html_escape(s)
  return (tostring(s):gsub("[&<>\"]", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
                                       ['"'] = "&quot;"}))
end
M.html_escape = html_escape

local function human_bytes(n)
  if n < 1024 then return ("%d bytes"):format(n) end
  local units = {"KiB", "MiB", "GiB", "TiB"}
  local u = 0
  while n >= 1024 and u < #units do n, u = n / 1024, u + 1 end
  return ("%.1f %s"):format(n, units[u])
end

local shape_text = format.shape_str

-- The header's parts: the type, shape, dtype, device (pinned host memory said), size.
local function header_parts(a)
  local device = a.device
  if a.pinned then device = device .. " (pinned)" end
  return {"cuarray.ndarray", "shape " .. shape_text(a.shape), a.dtype, device,
          human_bytes(a.nbytes)}
end

-- The header line as text.
function M.array_header(a)
  return table.concat(header_parts(a), "  ")
end

-- ---- the HTML table of a 1-d or 2-d array -------------------------------------------------

-- One style block per output, scoped by class (a notebook page holds many outputs).
local table_style = "<style>.cuarray-table{border-collapse:collapse;margin:4px 0}" ..
  ".cuarray-table td,.cuarray-table th{padding:2px 8px;text-align:right;font-family:monospace}" ..
  ".cuarray-table th,.cuarray-table .cuarray-gap{color:#888;font-weight:normal}</style>"

-- The 1-based index of entry k (1-based) of a data axis of length dlen, for an axis of n
-- entries that shows only its first and last `edge` when summarised.
local function index_of(k, dlen, n, summarised)
  if not summarised or k <= dlen / 2 then return k end
  return n - (dlen - k)
end

local function table_html(a)
  local fmt, dshape, summary, edge = format.cells(a, cu._print_data)
  local shape = a.shape
  local rows, cols = shape[1], shape[2]
  local drows, dcols = dshape[1], dshape[2]
  if #shape == 1 then rows, cols, drows, dcols = 1, shape[1], 1, dshape[1] end
  local col_summary = summary[#shape]
  local row_summary = #shape == 2 and summary[1]
  local out = {table_style, '<table class="cuarray-table">'}
  local hdr = {"<tr><th></th>"}
  for j = 1, dcols do
    if col_summary and j == edge + 1 then hdr[#hdr + 1] = "<th>&#8943;</th>" end
    hdr[#hdr + 1] = ("<th>%d</th>"):format(index_of(j, dcols, cols, col_summary))
  end
  out[#out + 1] = table.concat(hdr) .. "</tr>"
  for i = 1, drows do
    if row_summary and i == edge + 1 then
      local dots = {"<tr><th>&#8942;</th>"}
      for _ = 1, dcols + (col_summary and 1 or 0) do
        dots[#dots + 1] = '<td class="cuarray-gap">&#8942;</td>'
      end
      out[#out + 1] = table.concat(dots) .. "</tr>"
    end
    local label = #shape == 1 and "" or tostring(index_of(i, drows, rows, row_summary))
    local tr = {("<tr><th>%s</th>"):format(label)}
    for j = 1, dcols do
      if col_summary and j == edge + 1 then tr[#tr + 1] = '<td class="cuarray-gap">&#8943;</td>' end
      local s = fmt((i - 1) * dcols + j):gsub("^%s+", "")
      tr[#tr + 1] = "<td>" .. html_escape(s) .. "</td>"
    end
    out[#out + 1] = table.concat(tr) .. "</tr>"
  end
  out[#out + 1] = "</table>"
  return table.concat(out, "\n")
end

function M.array_bundle(a)
  local parts = header_parts(a)
  local header = table.concat(parts, "  ")
  for i, p in ipairs(parts) do parts[i] = html_escape(p) end
  local repr = tostring(a)
  local body
  if (a.ndim == 1 or a.ndim == 2) and a.size > 0 then
    body = table_html(a)
  else
    body = '<pre class="cuarray-repr" style="margin:4px 0">' .. html_escape(repr) .. "</pre>"
  end
  local html = '<div class="cuarray" style="overflow-x:auto">\n' ..
    '<div class="cuarray-header" style="font-family:monospace;color:#555">' ..
    table.concat(parts, " &middot; ") .. "</div>\n" .. body .. "\n</div>"
  return {["text/plain"] = header .. "\n" .. repr, ["text/html"] = html}
end

-- ---- values as text -----------------------------------------------------------------------

local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end

-- A short literal-like rendering of a plain table (at most `depth` levels, 20 entries each).
local function table_text(t, depth, seen)
  local mt = getmetatable(t)
  if mt and mt.__tostring then return tostring(t) end
  if seen[t] or depth == 0 then return "{...}" end
  seen[t] = true
  local parts, n = {}, 0
  local function add(s)
    n = n + 1
    if n <= 20 then parts[n] = s end
  end
  local len = #t
  for i = 1, len do add(M.text(t[i], depth - 1, seen)) end
  local keys = {}
  for k in pairs(t) do
    if not (type(k) == "number" and k >= 1 and k <= len and k % 1 == 0) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
  for _, k in ipairs(keys) do
    local key = is_identifier(k) and k or "[" .. M.text(k, 1, seen) .. "]"
    add(key .. " = " .. M.text(t[k], depth - 1, seen))
  end
  seen[t] = nil
  if n > 20 then parts[21] = ("... (%d more)"):format(n - 20) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- How a value reads as text: strings quoted inside tables, plain at the top, as Lua's REPL.
function M.text(v, depth, seen)
  if type(v) == "string" then return depth and ("%q"):format(v) or v end
  if type(v) == "table" and not (cu and cu.is_array(v)) then
    return table_text(v, depth or 2, seen or {})
  end
  return tostring(v)
end

-- ---- bundles and the handler --------------------------------------------------------------

-- The MIME bundle and metadata of any value.
function M.bundle(v)
  if cu and cu.is_array(v) then
    local ok, b = pcall(M.array_bundle, v)
    if ok then return b, {} end
    return {["text/plain"] = tostring(v)}, {} -- a freed array
  end
  local mt = getmetatable(v)
  if type(mt) == "table" and type(mt.__mimebundle) == "function" then
    local b, meta = mt.__mimebundle(v)
    return b, meta or {}
  end
  return {["text/plain"] = M.text(v)}, {}
end

local function print_handler(bundle)
  local text = bundle["text/plain"]
  if text then io.stdout:write(text, "\n") end
end

local handler = print_handler

-- Installs fn(bundle, metadata) as the way to show things (nil: back to printing); returns
-- the previous handler.
function M.set_handler(fn)
  if fn ~= nil and type(fn) ~= "function" then
    error("display.set_handler: expected a function or nil, got " .. type(fn), 2)
  end
  local old = handler
  handler = fn or print_handler
  return old
end

function M.show(bundle, metadata)
  handler(bundle, metadata or {})
end

-- ---- cu.display.image and friends ----------------------------------------------------------

local IMAGE_OPTIONS = {scale = true}
for k in pairs(image.OPTIONS) do IMAGE_OPTIONS[k] = true end

-- The image bundle of array a: small images are enlarged by whole pixels (`scale`, default
-- up to 256 pixels across), big ones keep every k-th pixel to stay within 2048.
function M.image_bundle(a, opts)
  local fname = "display.image"
  cu._check_array(a, fname)
  opts = options.check(opts, fname, IMAGE_OPTIONS)
  local shape = a.shape
  if (a.ndim ~= 2 and a.ndim ~= 3) or shape[1] == 0 or shape[2] == 0 then
    error(("%s: expected an image of shape (h, w) or (h, w, c), got %s"):format(fname,
      shape_text(shape)), 3)
  end
  local h, w = shape[1], shape[2]
  local note = ""
  local side = math.max(h, w)
  local scale = opts.scale
  if scale ~= nil and (type(scale) ~= "number" or scale < 1 or scale % 1 ~= 0) then
    error(fname .. ": scale must be a positive integer", 3)
  end
  local img = a
  if side > 2048 then
    local k = math.ceil(side / 2048)
    img = a[{{1, -1, k}, {1, -1, k}}]
    note = (", 1 pixel in %d shown per axis"):format(k)
  else
    scale = scale or math.max(1, math.floor(256 / side))
    if scale > 1 then
      local c = a.ndim == 3 and shape[3] or nil
      local spread = c and {h, 1, w, 1, c} or {h, 1, w, 1}
      local big = c and {h, scale, w, scale, c} or {h, scale, w, scale}
      img = cu.broadcast_to(a:reshape(spread), big):reshape(c and {h * scale, w * scale, c} or
                                                           {h * scale, w * scale})
      note = (", shown %dx"):format(scale)
    end
  end
  local png = image.encode(fname, img, opts)
  local kind = a.ndim == 2 and (opts.cmap and "colour-mapped" or "greyscale") or
    ({"greyscale", "grey + alpha", "RGB", "RGBA"})[shape[3]] or "image"
  return {["image/png"] = png,
          ["text/plain"] = ("<%s image %dx%d%s>"):format(kind, w, h, note)}
end

function M.attach(lib)
  cu = lib
  local display = setmetatable({}, {
    __call = function(_, ...)
      for i = 1, select("#", ...) do M.show(M.bundle((select(i, ...)))) end
    end,
  })
  display.bundle = M.bundle
  display.set_handler = M.set_handler
  display.show = M.show
  display.text = M.text
  function display.image(a, opts) M.show(M.image_bundle(a, opts)) end
  function display.html(s) M.show({["text/html"] = tostring(s), ["text/plain"] = tostring(s)}) end
  function display.svg(s)
    M.show({["image/svg+xml"] = tostring(s), ["text/plain"] = "<SVG image>"})
  end
  function display.markdown(s)
    M.show({["text/markdown"] = tostring(s), ["text/plain"] = tostring(s)})
  end
  function display.png(bytes)
    if type(bytes) ~= "string" or bytes:sub(1, 8) ~= "\137PNG\r\n\26\n" then
      error("display.png: expected the bytes of a PNG file", 2)
    end
    M.show({["image/png"] = bytes, ["text/plain"] = "<PNG image>"})
  end
  return display
end

return M
