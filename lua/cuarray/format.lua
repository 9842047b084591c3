-- The array printer: NumPy's repr layout (numpy/core/arrayprint.py, NumPy 1.24 defaults).
--
--   array([[1. , 2.5],
--          [3. , 4. ]], dtype=float64)
--   array([1, 2, 3], dtype=int32, device=cuda:0)
--   array(3.5, dtype=float64)                 -- 0-d: the value
--   array([], shape=(0, 3), dtype=float32)    -- empty
--   array([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int64)
--
-- The dtype is always shown; the device is shown when it is not the CPU. Past `threshold`
-- elements every axis longer than 2 * edgeitems shows its first and last `edgeitems` entries
-- around `...`; only those entries are read from the device (cu._print_data gathers them there
-- and reads them in one transfer). Floats print as NumPy's do: the shortest digits that
-- identify the value in its dtype, at most `precision` after the point, `1.` for integral
-- values, columns aligned on the point, scientific notation when the magnitudes call for it
-- (largest >= 1e8, or smallest nonzero < 1e-4, or a ratio above 1000), `nan`, `inf`.
-- Integers print without a point, booleans as true / false.

local M = {}

local defaults = {threshold = 1000, edgeitems = 3, precision = 8, linewidth = 75, suppress = false}
local options = {}
for k, v in pairs(defaults) do options[k] = v end

local checks = {
  threshold = function(v) return type(v) == "number" and v >= 0, "a non-negative number" end,
  edgeitems = function(v)
    return type(v) == "number" and v >= 1 and v % 1 == 0, "a positive integer"
  end,
  precision = function(v) return type(v) == "number" and v >= 0 and v <= 17 and v % 1 == 0,
    "an integer from 0 to 17" end,
  linewidth = function(v) return type(v) == "number" and v >= 10, "a number >= 10" end,
  suppress = function(v) return type(v) == "boolean", "a boolean" end,
}

-- cu.set_printoptions{threshold=, edgeitems=, precision=, linewidth=, suppress=}; nil resets
-- every option to its default.
function M.set_printoptions(t)
  if t == nil then
    for k, v in pairs(defaults) do options[k] = v end
    return
  end
  if type(t) ~= "table" then
    error("set_printoptions: expected a table of options, got " .. type(t), 2)
  end
  for k, v in pairs(t) do
    local check = checks[k]
    if not check then error("set_printoptions: unknown option '" .. tostring(k) .. "'", 2) end
    local ok, what = check(v)
    if not ok then
      error(("set_printoptions: %s must be %s, got %s"):format(k, what, tostring(v)), 2)
    end
  end
  for k, v in pairs(t) do options[k] = v end
end

function M.get_printoptions()
  local t = {}
  for k, v in pairs(options) do t[k] = v end
  return t
end

-- ---- floats (NumPy's FloatingFormat with floatmode 'maxprec') ----------------------------

local function is_negative(x) return x < 0 or (x == 0 and 1 / x < 0) end

-- The digits of |x| rounded to d significant digits, and the decimal exponent of the first.
local function sig_digits(x, d)
  local s = ("%." .. (d - 1) .. "e"):format(math.abs(x))
  local m, e = s:match("^([%d%.]+)e([-+]%d+)$")
  return (m:gsub("%.", "")), tonumber(e)
end

-- Positional: integer part and fraction digits of x, the shortest that identify it (d digits)
-- but at most `precision` after the point.
local function positional_parts(x, d, precision)
  local digits, e = sig_digits(x, d)
  local nfrac = #digits - 1 - e
  if nfrac > precision then
    local s = ("%." .. precision .. "f"):format(math.abs(x))
    local ip, fp = s:match("^(%d+)%.?(%d*)$")
    return ip, fp
  end
  if e >= 0 then
    if #digits <= e + 1 then return digits .. ("0"):rep(e + 1 - #digits), "" end
    return digits:sub(1, e + 1), digits:sub(e + 2)
  end
  return "0", ("0"):rep(-e - 1) .. digits
end

local function trim_frac(frac, trim, min_digits)
  if trim == "." then frac = frac:gsub("0+$", "") end
  if #frac < min_digits then frac = frac .. ("0"):rep(min_digits - #frac) end
  return frac
end

-- The sign shown before a number: "-", or "+" in the imaginary parts of complex values.
local function sign_of(x, f) return is_negative(x) and "-" or f.plus and "+" or "" end

local function format_positional(x, d, f)
  local ip, fp = positional_parts(x, d, f.precision)
  fp = trim_frac(fp, f.trim, f.min_digits)
  local left = sign_of(x, f) .. ip
  if #left < f.pad_left then left = (" "):rep(f.pad_left - #left) .. left end
  if #fp < f.pad_right then fp = fp .. (" "):rep(f.pad_right - #fp) end
  return left .. "." .. fp
end

local function format_scientific(x, d, f)
  if d - 1 > f.precision then d = f.precision + 1 end
  local digits, e = sig_digits(x, d)
  local fp = trim_frac(digits:sub(2), f.trim, f.min_digits)
  local left = sign_of(x, f) .. digits:sub(1, 1)
  if #left < f.pad_left then left = (" "):rep(f.pad_left - #left) .. left end
  local ex = tostring(math.abs(e))
  local width = math.max(2, f.exp_size)
  if #ex < width then ex = ("0"):rep(width - #ex) .. ex end
  return left .. "." .. fp .. "e" .. (e < 0 and "-" or "+") .. ex
end

-- plus: the sign is always shown (NumPy's sign='+', the imaginary parts of complex values).
local function float_formatter(values, digits, precision, suppress, plus)
  local finite, fdig = {}, {}
  local maxv, minv
  local has_nonfinite, neginf = false, false
  for i = 1, #values do
    local x = values[i]
    if x ~= x or x == math.huge or x == -math.huge then
      has_nonfinite = true
      if x == -math.huge then neginf = true end
    else
      finite[#finite + 1] = x
      fdig[#fdig + 1] = digits[i]
      local ax = math.abs(x)
      if ax ~= 0 then
        if not maxv or ax > maxv then maxv = ax end
        if not minv or ax < minv then minv = ax end
      end
    end
  end
  local f = {precision = precision, trim = ".", min_digits = 0, pad_left = 0, pad_right = 0,
             exp_size = -1, plus = plus}
  if #finite > 0 then
    local exp_format = maxv ~= nil and
      (maxv >= 1e8 or (not suppress and (minv < 1e-4 or maxv / minv > 1000)))
    if exp_format then
      local probe = {precision = precision, trim = ".", min_digits = 0, pad_left = 0, exp_size = 0,
                     plus = plus}
      local frac_len, exp_len, int_len = 0, 0, 0
      for i = 1, #finite do
        local s = format_scientific(finite[i], fdig[i], probe)
        local ip, fp, ex = s:match("^([-+]?%d+)%.(%d*)e([-+]%d+)$")
        int_len = math.max(int_len, #ip)
        frac_len = math.max(frac_len, #fp)
        exp_len = math.max(exp_len, #ex)
      end
      f.exp_size = exp_len - 1
      f.trim = "k"
      f.precision = frac_len
      f.min_digits = frac_len
      f.pad_left = int_len
      f.pad_right = f.exp_size + 2 + frac_len
    else
      local probe = {precision = precision, trim = ".", min_digits = 0, pad_left = 0, pad_right = 0,
                     plus = plus}
      for i = 1, #finite do
        local s = format_positional(finite[i], fdig[i], probe)
        local ip, fp = s:match("^([-+]?%d+)%.(%d*)$")
        f.pad_left = math.max(f.pad_left, #ip)
        f.pad_right = math.max(f.pad_right, #fp)
      end
    end
  end
  if has_nonfinite then
    local offset = f.pad_right + 1
    local nanlen = plus and 4 or 3
    f.pad_left = math.max(f.pad_left, nanlen - offset, 3 + ((neginf or plus) and 1 or 0) - offset)
  end
  return function(i)
    local x = values[i]
    if x ~= x or x == math.huge or x == -math.huge then
      local s = x ~= x and "nan" or (x < 0 and "-inf" or "inf")
      if plus and x == x and x > 0 then s = "+" .. s elseif plus and x ~= x then s = "+nan" end
      local w = f.pad_left + f.pad_right + 1
      return #s < w and (" "):rep(w - #s) .. s or s
    end
    if f.exp_size >= 0 then return format_scientific(x, digits[i], f) end
    return format_positional(x, digits[i], f)
  end
end

local function padded_formatter(strs)
  local w = 0
  for i = 1, #strs do if #strs[i] > w then w = #strs[i] end end
  return function(i)
    local s = strs[i]
    return #s < w and (" "):rep(w - #s) .. s or s
  end
end

-- The function formatting element i (1-based, flat) of the values cu._print_data returned.
local function element_formatter(values, digits, dtype, nd)
  if dtype == "bool" then
    -- as NumPy's BoolFormat: true takes the width of false, except in a 0-d array
    local t = nd == 0 and "true" or " true"
    return function(i) return values[i] and t or "false" end
  elseif dtype:match("^complex") then
    -- NumPy's ComplexFloatingFormat: the real parts formatted together, the imaginary parts
    -- together with their sign, then "j" before the imaginary part's padding
    local re, im, dre, dim = {}, {}, {}, {}
    for i = 1, #values / 2 do
      re[i], im[i] = values[2 * i - 1], values[2 * i]
      dre[i], dim[i] = digits[2 * i - 1], digits[2 * i]
    end
    local fr = float_formatter(re, dre, options.precision, options.suppress)
    local fi = float_formatter(im, dim, options.precision, options.suppress, true)
    return function(i)
      local s = fi(i)
      local body, pad = s:match("^(.-)(%s*)$")
      return fr(i) .. body .. "j" .. pad
    end
  elseif digits then
    return float_formatter(values, digits, options.precision, options.suppress)
  end
  return padded_formatter(values)
end

-- ---- layout (NumPy's _formatArray) -------------------------------------------------------

local function extend_line(s, line, word, width, prefix)
  local wrap = #line + #word > width
  if #line <= #prefix then wrap = false end
  if wrap then
    s = s .. line:gsub("%s+$", "") .. "\n"
    line = prefix
  end
  return s, line .. word
end

-- Lays out the elements: `shape` is the array's, `dshape` that of the data read (shorter on
-- summarised axes), `summary[ax]` whether axis ax is summarised.
local function format_array(fmt, shape, dshape, summary, edge, linewidth, prefix)
  local nd = #shape
  local strides = {}
  local st = 1
  for ax = nd, 1, -1 do
    strides[ax] = st
    st = st * dshape[ax]
  end
  local sep = ", "
  local rec
  local function item(ax, i, off, hanging, width)
    return rec(ax + 1, off + i * strides[ax], hanging, width)
  end
  function rec(ax, off, hanging, width)
    if ax > nd then return fmt(off + 1) end
    local next_hanging = hanging .. " "
    local next_width = width - 1
    local dlen = dshape[ax]
    local leading, trailing
    if summary[ax] then leading, trailing = edge, edge else leading, trailing = 0, dlen end
    local s = ""
    if ax == nd then
      local elem_width = width - 1
      local line = hanging
      for i = 0, leading - 1 do
        s, line = extend_line(s, line, item(ax, i, off, next_hanging, next_width), elem_width,
                              hanging)
        line = line .. sep
      end
      if summary[ax] then
        s, line = extend_line(s, line, "...", elem_width, hanging)
        line = line .. sep
      end
      for i = trailing, 2, -1 do
        s, line = extend_line(s, line, item(ax, dlen - i, off, next_hanging, next_width),
                              elem_width, hanging)
        line = line .. sep
      end
      s, line = extend_line(s, line, item(ax, dlen - 1, off, next_hanging, next_width),
                            elem_width, hanging)
      s = s .. line
    else
      local line_sep = "," .. ("\n"):rep(nd - ax)
      for i = 0, leading - 1 do
        s = s .. hanging .. item(ax, i, off, next_hanging, next_width) .. line_sep
      end
      if summary[ax] then s = s .. hanging .. "..." .. line_sep end
      for i = trailing, 2, -1 do
        s = s .. hanging .. item(ax, dlen - i, off, next_hanging, next_width) .. line_sep
      end
      s = s .. hanging .. item(ax, dlen - 1, off, next_hanging, next_width)
    end
    return "[" .. s:sub(#hanging + 1) .. "]"
  end
  return rec(1, 0, prefix, linewidth)
end

local function shape_str(shape)
  if #shape == 1 then return "(" .. shape[1] .. ",)" end
  local parts = {}
  for i = 1, #shape do parts[i] = tostring(shape[i]) end
  return "(" .. table.concat(parts, ", ") .. ")"
end

-- The elements repr(a) would show, for other layouts (the HTML table of lua/cuarray/display.lua):
-- fmt(i) formats element i (flat, C order) of the data read, whose shape is dshape;
-- summary[ax] says whether axis ax shows its first and last `edge` entries only.
function M.cells(a, print_data)
  local shape = a.shape
  local summarise = a.size > options.threshold
  local edge = options.edgeitems
  local values, digits, dshape = print_data(a, summarise and edge or nil)
  local summary = {}
  for ax = 1, #shape do summary[ax] = summarise and shape[ax] > 2 * edge end
  return element_formatter(values, digits, a.dtype, #shape), dshape, summary, edge
end

M.shape_str = shape_str

-- repr(a): `print_data` is cu._print_data.
function M.repr(a, print_data)
  local shape, dtype, device, size = a.shape, a.dtype, a.device, a.size
  local prefix = "array("
  local body
  if size == 0 then
    body = "[]"
    if #shape ~= 1 then body = body .. ", shape=" .. shape_str(shape) end
  else
    local summarise = size > options.threshold
    local edge = options.edgeitems
    local values, digits, dshape = print_data(a, summarise and edge or nil)
    local summary = {}
    for ax = 1, #shape do summary[ax] = summarise and shape[ax] > 2 * edge end
    local fmt = element_formatter(values, digits, dtype, #shape)
    -- the "," after the data takes one column of the line (NumPy's suffix)
    body = format_array(fmt, shape, dshape, summary, edge, options.linewidth - 1,
                        (" "):rep(#prefix + 1))
  end
  local s = prefix .. body .. ","
  local tail = "dtype=" .. dtype
  if device ~= "cpu" then tail = tail .. ", device=" .. device end
  tail = tail .. ")"
  local last = s:match("[^\n]*$")
  if #last + #tail + 1 > options.linewidth then
    return s .. "\n" .. (" "):rep(#prefix) .. tail
  end
  return s .. " " .. tail
end

return M
