-- Reads the reference pages (docs/reference/*.md) for spec/reference_spec.lua: their entries,
-- the names each entry documents, the fields it has and its examples. The format is described
-- in docs/reference/README.md ("Writing an entry"):
--   - an entry is a heading (### or ####) holding one or more code spans, `cu.zeros(shape[,
--     opts])`, `a:sum([axis][, opts])`, `a.shape`, `cuarray_check(L, idx, out)`; the name of
--     each span is its leading run of [%w_.:] characters;
--   - or a table row whose first cell holds such code spans;
--   - the fields of a heading entry are list items `- **Returns**: ...` up to the next heading;
--   - an example is a code span or a line of a ```lua block holding "-->": the code on its
--     left gives the values written on its right.
local M = {}

M.DIR = "docs/reference"

-- The .md files matching a shell pattern, sorted.
local function list(pattern)
  local p = assert(io.popen("ls " .. pattern .. " 2>/dev/null"))
  local files = {}
  for line in p:lines() do files[#files + 1] = line end
  p:close()
  table.sort(files)
  return files
end

-- The reference pages: every .md file of the directory.
function M.files() return list(M.DIR .. "/*.md") end

local function read(path)
  local f = assert(io.open(path, "r"))
  local s = f:read("*a")
  f:close()
  return s
end

local function spans(text)
  local out = {}
  for s in text:gmatch("`([^`]+)`") do out[#out + 1] = s end
  return out
end

-- A code span names an entry when it starts with a qualified name (cu.zeros, a:sum, a.shape,
-- event:record), a metamethod (__add) or a name the caller knows (the C API's).
local function name_of(span, known)
  local name = span:match("^([%w_%.:]+)")
  if not name or not name:match("^[%a_]") then return nil end
  if name:match("^[%a_][%w_]*[.:][%a_]") or name:match("^__%a") or known[name] then return name end
  return nil
end

-- The examples in a piece of text: code spans holding " --> ".
local function span_examples(text, path, line, out)
  for _, s in ipairs(spans(text)) do
    local code, expected = s:match("^(.-)%s+%-%->%s*(.*)$")
    if code then
      out[#out + 1] = {path = path, line = line, code = code, expected = expected, kind = "lua"}
    end
  end
end

-- Parses one page: {entries = {...}, examples = {...}, links = {...}}. An entry is
-- {path, line, names = {...}, heading = bool, signature = bool, fields = {Returns = true...},
-- has_example = bool}.
function M.parse(path, known)
  local page = {entries = {}, examples = {}, links = {}}
  local current
  local block -- an open fenced block: {kind =, first line}
  local n = 0
  for line in (read(path) .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    local fence = line:match("^```(.*)$")
    if block then
      if fence then
        block = nil
      elseif block.kind:match("^lua") then
        local code, expected = line:match("^(.-)%s+%-%->%s*(.*)$")
        block.lines[#block.lines + 1] = {line = n, code = code or line, expected = expected}
      end
    elseif fence then
      local kind = fence:match("^%s*(.-)%s*$")
      block = {kind = kind, line = n, lines = {}, path = path}
      if kind:match("^lua") then page.examples[#page.examples + 1] = block end
      if current and kind ~= "" then current.has_example = true end
    elseif line:match("^#+ ") then
      current = nil
      if line:match("^###") then
        local names, sig, signatures = {}, false, {}
        for _, s in ipairs(spans(line)) do
          local name = name_of(s, known)
          if name then
            names[#names + 1] = name
            signatures[name] = signatures[name] or s
            if s:find("(", 1, true) then sig = true end
          end
        end
        if #names > 0 then
          current = {path = path, line = n, names = names, heading = true, signature = sig,
                     signatures = signatures, summary = {},
                     fields = {}, has_example = false, text = line,
                     takes_options = line:find("opts", 1, true) ~= nil}
          page.entries[#page.entries + 1] = current
        end
      end
    elseif line:match("^|") and not line:match("^|%s*%-%-%-") then
      local first, second = line:match("^|([^|]*)|([^|]*)|")
      local names, signatures = {}, {}
      for _, s in ipairs(spans(first or "")) do
        local name = name_of(s, known)
        if name then
          names[#names + 1] = name
          signatures[name] = signatures[name] or s
        end
      end
      local before = #page.examples
      span_examples(line, path, n, page.examples)
      if #names > 0 then
        page.entries[#page.entries + 1] = {path = path, line = n, names = names, heading = false,
                                           has_example = #page.examples > before, text = line,
                                           signatures = signatures,
                                           summary = {(second or ""):match("^%s*(.-)%s*$")}}
      end
    else
      local field = line:match("^%- %*%*(%w+)%*%*")
      if current and not field and not current.summary_done then
        if line:match("^%s*$") or line:match("^%- ") then
          current.summary_done = #current.summary > 0
        else
          current.summary[#current.summary + 1] = line
        end
      end
      if current and field then
        current.fields[field] = true
        if field == "Example" then current.has_example = true end
      end
      span_examples(line, path, n, page.examples)
      for target in line:gmatch("%]%(([%w_%-]+%.md)[#)]") do page.links[target] = true end
    end
  end
  return page
end

-- Every page parsed, with the list of (name -> entry) for the names documented; `known` is
-- the set of unqualified names (the C API's) that may name entries. The other pages of docs/
-- (docs/*.md) come too, marked `guide`: their examples run, but they document no names.
function M.read_all(known)
  local pages, documented = {}, {}
  for _, path in ipairs(M.files()) do
    local page = M.parse(path, known)
    pages[#pages + 1] = page
    page.path = path
    for _, e in ipairs(page.entries) do
      for _, name in ipairs(e.names) do
        if not documented[name] then documented[name] = e end
      end
    end
  end
  for _, path in ipairs(list("docs/*.md")) do
    local page = M.parse(path, {})
    page.path, page.guide, page.entries = path, true, {}
    pages[#pages + 1] = page
  end
  return pages, documented
end

return M
