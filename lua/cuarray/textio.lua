-- Numeric text files, NumPy's savetxt and loadtxt for 1-d and 2-d arrays, in plain Lua io: the
-- array is read to the host and formatted with string.format (C's printf, as Python's %).
local core = require "cuarray.core"
local options = require "cuarray.options"
local args = require "cuarray.args"

local M = {}

local SAVE_OPTIONS = {fmt = true, delimiter = true, newline = true, header = true, footer = true,
                      comments = true}

local function string_opt(fname, opts, name, default)
  local v = opts[name]
  if v == nil then return default end
  if type(v) ~= "string" then
    error(("%s: %s must be a string, got %s"):format(fname, name, type(v)), 3)
  end
  return v
end

-- The conversions of a printf format (without "%%"), as a list of their letters.
local function conversions(fmt)
  local out = {}
  for spec in fmt:gsub("%%%%", ""):gmatch("%%[-+ #0]*%d*%.?%d*([diouxXeEfgGcs])") do
    out[#out + 1] = spec
  end
  return out
end

-- One value through one conversion, as Python's % does it: integer conversions truncate
-- floats, NaN and infinities print as nan, inf and -inf.
local function format_value(fmt, letter, v)
  -- 64-bit integers beyond a double's exact range print their digits: a LuaJIT int64 or uint64
  -- cdata (LuaJIT reads a uint64 through %d as signed: it takes %u), a Lua 5.4 float beyond
  -- 2^63 (a uint64 element) through %.0f; other conversions take the double.
  if type(v) == "cdata" then
    if letter:find("[diouxX]") then
      if tostring(v):find("ULL$") then fmt = fmt:gsub("(%%[-+ #0]*%d*%.?%d*)[di]", "%1u", 1) end
      return fmt:format(v)
    end
    v = tonumber(v)
  elseif letter:find("[di]") and math.abs(v) >= 2 ^ 63 and v == math.floor(v) then
    return (fmt:gsub("(%%[-+ #0]*%d*)%.?%d*[di]", "%1.0f", 1)):format(v)
  end
  if v ~= v then
    return (fmt:gsub("%%[-+ #0]*%d*%.?%d*[diouxXeEfgG]", "nan", 1))
  elseif v == math.huge or v == -math.huge then
    return (fmt:gsub("%%[-+ #0]*%d*%.?%d*[diouxXeEfgG]", v > 0 and "inf" or "-inf", 1))
  end
  if letter:find("[diouxXc]") and v ~= math.floor(v) then
    v = v < 0 and math.ceil(v) or math.floor(v)
  end
  return fmt:format(v)
end

-- The row formatter of savetxt's fmt for ncol columns: a function of a list of numbers.
local function row_formatter(fname, fmt, ncol, delimiter)
  local parts = {}
  if type(fmt) == "table" then
    local list = args.raw_list(fmt)
    if #list ~= ncol then
      error(("%s: fmt has %d formats for %d columns"):format(fname, #list, ncol), 3)
    end
    parts = list
  elseif type(fmt) == "string" then
    local n = #conversions(fmt)
    if n == 1 then
      for i = 1, ncol do parts[i] = fmt end
    elseif n == ncol then
      -- one format for the whole row: split it at its conversions
      local i = 0
      for piece in fmt:gmatch("[^%%]*%%[-+ #0]*%d*%.?%d*[diouxXeEfgGcs][^%%]*") do
        i = i + 1
        parts[i] = piece
      end
      if i ~= ncol then error(("%s: cannot split fmt %q into %d formats"):format(fname, fmt,
        ncol), 3) end
      delimiter = ""
    else
      error(("%s: fmt %q has %d conversions for %d columns"):format(fname, fmt, n, ncol), 3)
    end
  else
    error(("%s: fmt must be a string or a list of strings, got %s"):format(fname, type(fmt)), 3)
  end
  local letters = {}
  for i, p in ipairs(parts) do
    if type(p) ~= "string" then
      error(("%s: fmt entry %d must be a string, got %s"):format(fname, i, type(p)), 3)
    end
    local c = conversions(p)
    if #c ~= 1 or c[1] == "s" then
      error(("%s: format %q must hold one numeric conversion"):format(fname, p), 3)
    end
    letters[i] = c[1]
  end
  return function(row)
    local out = {}
    for i = 1, ncol do out[i] = format_value(parts[i], letters[i], row[i]) end
    return table.concat(out, delimiter)
  end
end

-- cu.savetxt(path, a[, {fmt = "%.18e", delimiter = " ", newline = "\n", header =, footer =,
-- comments = "# "}]): a 1-d (one value a line) or 2-d (one row a line) real array as text.
function M.savetxt(path, a, opts)
  local fname = "savetxt"
  if type(path) ~= "string" then
    error(("savetxt: path must be a string, got %s"):format(type(path)), 2)
  end
  opts = options.check(opts, fname, SAVE_OPTIONS)
  a = args.array(fname, a)
  if a.ndim < 1 or a.ndim > 2 then
    error(("savetxt: expected a 1-d or 2-d array, got %d-d"):format(a.ndim), 2)
  end
  if a.dtype:find("complex") then
    error(("savetxt: complex arrays are not supported, got %s"):format(a.dtype), 2)
  end
  local delimiter = string_opt(fname, opts, "delimiter", " ")
  local newline = string_opt(fname, opts, "newline", "\n")
  local header = string_opt(fname, opts, "header", "")
  local footer = string_opt(fname, opts, "footer", "")
  local comments = string_opt(fname, opts, "comments", "# ")
  if a.ndim == 1 then a = a:reshape({a.size, 1}) end
  if a.dtype == "bool" then a = a:astype("int64") end
  local rows = a:totable()
  local format_row = row_formatter(fname, opts.fmt == nil and "%.18e" or opts.fmt, a.shape[2],
    delimiter)
  local lines = {}
  if header ~= "" then lines[#lines + 1] = comments .. header:gsub("\n", "\n" .. comments) end
  for i = 1, #rows do lines[#lines + 1] = format_row(rows[i]) end
  if footer ~= "" then lines[#lines + 1] = comments .. footer:gsub("\n", "\n" .. comments) end
  local f, err = io.open(path, "wb")
  if not f then error(("savetxt: cannot open %s: %s"):format(path, tostring(err)), 2) end
  local ok, werr = f:write(#lines > 0 and table.concat(lines, newline) .. newline or "")
  f:close()
  if not ok then error(("savetxt: cannot write %s: %s"):format(path, tostring(werr)), 2) end
end

local LOAD_OPTIONS = {dtype = true, delimiter = true, skiprows = true, usecols = true,
                      comments = true, max_rows = true, device = true}

local SPECIAL = {nan = 0 / 0, ["+nan"] = 0 / 0, ["-nan"] = 0 / 0, inf = math.huge,
                 ["+inf"] = math.huge, ["-inf"] = -math.huge, infinity = math.huge,
                 ["+infinity"] = math.huge, ["-infinity"] = -math.huge}

-- A field as a number (Python's float(): decimal text, nan, inf, infinity in any case).
local function parse_number(s)
  s = s:match("^%s*(.-)%s*$")
  local v = SPECIAL[s:lower()]
  if v then return v end
  if s:find("^[+-]?%d") or s:find("^[+-]?%.%d") then
    if not s:find("^[+-]?%d*%.?%d*[eE]?[+-]?%d*$") then return nil end
    return tonumber(s)
  end
  return nil
end

-- cu.loadtxt(path[, {dtype = "float64", delimiter =, skiprows = 0, usecols =, comments = "#",
-- max_rows =, device =}]): the numbers of a text file, a row a line: a 2-d array, or 1-d for
-- one row or one column (0-d for one value), as NumPy's.
function M.loadtxt(path, opts)
  local fname = "loadtxt"
  if type(path) ~= "string" then
    error(("loadtxt: path must be a string, got %s"):format(type(path)), 2)
  end
  opts = options.check(opts, fname, LOAD_OPTIONS)
  local delimiter = opts.delimiter
  if delimiter ~= nil and (type(delimiter) ~= "string" or delimiter == "") then
    error("loadtxt: delimiter must be a non-empty string", 2)
  end
  local comments = string_opt(fname, opts, "comments", "#")
  local skiprows = args.integer(fname, "skiprows", opts.skiprows, 0)
  local max_rows = opts.max_rows ~= nil and args.integer(fname, "max_rows", opts.max_rows) or nil
  if skiprows < 0 then
    error(("loadtxt: skiprows must be non-negative, got %d"):format(skiprows), 2)
  end
  if max_rows and max_rows < 0 then
    error(("loadtxt: max_rows must be non-negative, got %d"):format(max_rows), 2)
  end
  local usecols
  if opts.usecols ~= nil then
    usecols = args.int_list(fname, "usecols", opts.usecols)
  end
  local dtype = opts.dtype or "float64"
  if type(dtype) ~= "string" then
    error(("loadtxt: dtype must be a dtype name, got %s"):format(type(dtype)), 2)
  end
  local integer = dtype == "bool" or dtype:find("int") ~= nil
  local f, err = io.open(path, "rb")
  if not f then error(("loadtxt: cannot open %s: %s"):format(path, tostring(err)), 2) end
  local rows, ncol, lineno = {}, nil, 0
  for line in f:lines() do
    lineno = lineno + 1
    if max_rows and #rows >= max_rows then break end
    if lineno > skiprows then
      line = line:gsub("\r$", "")
      if comments ~= "" then
        local at = line:find(comments, 1, true)
        if at then line = line:sub(1, at - 1) end
      end
      local fields = {}
      if delimiter == nil then
        for w in line:gmatch("%S+") do fields[#fields + 1] = w end
      elseif line:find("%S") then
        local start = 1
        while true do
          local at = line:find(delimiter, start, true)
          fields[#fields + 1] = line:sub(start, (at or 0) - 1)
          if not at then break end
          start = at + #delimiter
        end
      end
      if #fields > 0 then
        if usecols then
          local picked = {}
          for i, c in ipairs(usecols) do
            local k = c < 0 and #fields + c + 1 or c
            if k < 1 or k > #fields then
              f:close()
              error(("loadtxt: usecols entry %d (%d) is out of range for %d columns at line %d")
                    :format(i, c, #fields, lineno), 2)
            end
            picked[i] = fields[k]
          end
          fields = picked
        end
        if ncol and #fields ~= ncol then
          f:close()
          error(("loadtxt: the number of columns changed from %d to %d at line %d")
                :format(ncol, #fields, lineno), 2)
        end
        ncol = #fields
        local row = {}
        for i, s in ipairs(fields) do
          local v = parse_number(s)
          if v == nil or (integer and v ~= math.floor(v)) then
            f:close()
            error(("loadtxt: could not convert %q to %s at line %d, column %d")
                  :format(s, dtype, lineno, i), 2)
          end
          row[i] = v
        end
        rows[#rows + 1] = row
      end
    end
  end
  f:close()
  local aopts = {dtype = dtype, device = opts.device}
  if #rows == 0 then return core.zeros(0, aopts) end
  local ok, a = pcall(core.array, rows, aopts)
  if not ok then error("loadtxt: " .. tostring(a):gsub("^[%w_]+: ", ""), 2) end
  if a.shape[1] == 1 and a.shape[2] == 1 then return a:reshape({}) end
  if a.shape[1] == 1 or a.shape[2] == 1 then return a:reshape({a.size}) end
  return a
end

-- Errors raised below a function (by the ops it calls) in the name of the function called.
return require("cuarray.named").wrap_all(M)
