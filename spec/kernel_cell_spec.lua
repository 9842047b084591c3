-- The notebook kernel's Lua side (jupyter/lua/cuarray_kernel): compiling cells so that the
-- last expression's value comes back, errors with the cell's line, completion, inspection
-- and the wire framing, on every Lua version. (The protocol itself is tested through
-- jupyter_client by tools/notebook_test.sh.)
local cu = require "cuarray"
package.path = "jupyter/lua/?.lua;" .. package.path
local cell = require "cuarray_kernel.cell"
local introspect = require "cuarray_kernel.introspect"
local wire = require "cuarray_kernel.wire"

local count = 0
-- Runs code as cell In[n]: ok, values (packed) or the error record.
local function run(code)
  count = count + 1
  local fn, err = cell.compile(code, ("In[%d]"):format(count))
  if not fn then return nil, err end
  return cell.run(fn, nil)
end

describe("kernel cells", function()
  before_each(function() rawset(_G, "cu", cu) end)

  it("return the value of the last expression, as Lua 5.4's REPL", function()
    local cases = {
      {"1 + 1", {2}},
      {"x_cell = 3\nx_cell * 2", {6}},
      {"local a = 2\nlocal b = 5\na, b", {2, 5}},
      {"local t = {\n  1, 2 }\n#t", {2}},
      {"cu.ones(\n  3\n):sum()", {3}},            -- a multi-line expression
      {"local s = [[\nreturn\n]]\ns", {"return\n"}},    -- not split inside the string
      {"for i = 1, 2 do end", {}},
      {"y_cell = 1", {}},
      {"print_ = function() end\nprint_()", {}},
      {"return 7", {7}},
      {"local v = 4\nv -- a comment", {4}},
      {"local v = 4\n-- only a comment", {}},
      {"\n\n42\n\n", {42}},
    }
    for _, c in ipairs(cases) do
      local ok, res = run(c[1])
      assert.is_true(ok, c[1])
      assert.are.equal(#c[2], res.n, c[1])
      for i = 1, #c[2] do assert.are.equal(c[2][i], res[i], c[1]) end
    end
  end)

  it("keep globals between cells; locals stay in their cell", function()
    run("kept_global = 10\nlocal dropped = 1")
    local _, res = run("kept_global, dropped")
    assert.are.same({n = 2, 10, nil}, res)
  end)

  it("report runtime errors with the cell's line and a traceback without the kernel", function()
    local ok, res = run("local a = 1\nlocal b = nil\nreturn a + b")
    assert.is_false(ok)
    local ename, evalue, tb = cell.describe_error(res)
    assert.are.equal("LuaError", ename)
    assert.truthy(evalue:match("^In%[%d+%]:3: attempt to perform arithmetic"), evalue)
    local text = table.concat(tb, "\n")
    assert.truthy(text:find("line 3:", 1, true), text)
    assert.truthy(text:find("return a + b", 1, true), text)
    assert.falsy(text:find("cuarray_kernel", 1, true), text)
    assert.falsy(text:find("xpcall", 1, true), text)
  end)

  it("name the cell and line of errors from cuarray and from functions of other cells", function()
    run("function bad_in_cell(x)\n  return x.field.more\nend")
    local ok, res = run("local z = 1\nbad_in_cell({})")
    assert.is_false(ok)
    local _, evalue, tb = cell.describe_error(res)
    assert.truthy(evalue:match("^In%[%d+%]:2:"), evalue)
    assert.truthy(table.concat(tb, "\n"):find("x.field.more", 1, true))
    ok, res = run("cu.matmul(cu.ones(2), cu.ones(3))")
    assert.is_false(ok)
    _, evalue = cell.describe_error(res)
    assert.truthy(evalue:find("matmul: shapes (2,) and (3,) do not align", 1, true), evalue)
    _, res = run("error({code = 1})")
    assert.are.equal("(error object is a table value)", res.message)
    _, res = run("error(setmetatable({}, {__tostring = function() return 'custom' end}))")
    assert.are.equal("custom", res.message)
  end)

  it("report syntax errors with the line", function()
    local fn, err = run("x = 1\ny = = 2")
    assert.is_nil(fn)
    local ename, evalue, tb = cell.describe_syntax_error(err)
    assert.are.equal("SyntaxError", ename)
    assert.truthy(evalue:match("^In%[%d+%]:2:"), evalue)
    assert.truthy(table.concat(tb, "\n"):find("y = = 2", 1, true))
  end)

  it("tell complete, incomplete and invalid code apart", function()
    assert.are.equal("complete", cell.is_complete("x = 1"))
    assert.are.equal("incomplete", cell.is_complete("for i = 1, 2 do"))
    assert.are.equal("incomplete", cell.is_complete("s = [[abc"))
    assert.are.equal("invalid", cell.is_complete("x = = 1"))
  end)
end)

describe("kernel completion and inspection", function()
  before_each(function()
    rawset(_G, "cu", cu)
    rawset(_G, "arr", cu.ones({2, 2}))
  end)

  it("completes cu names, namespaces, array methods and attributes", function()
    local m, from, to = introspect.complete("x = cu.ra", 9)
    assert.are.same({"rad2deg", "radians", "random", "ravel", "ravel_multi_index"}, m)
    assert.are.same({7, 9}, {from, to})
    m = introspect.complete("cu.random.st", 12)
    assert.are.same({"standard_cauchy", "standard_exponential", "standard_gamma",
                     "standard_normal"}, m)
    m = introspect.complete("arr:resh", 8)
    assert.are.same({"reshape"}, m)
    m = introspect.complete("arr.sh", 6)
    assert.are.same({"shape"}, m)
    m = introspect.complete("arr:sh", 6)
    assert.are.same({}, m)                      -- ':' offers methods only
    m = introspect.complete("whil", 4)
    assert.are.same({"while"}, m)
    m = introspect.complete("string.up", 9)
    assert.are.same({"upper"}, m)
    m = introspect.complete("(\"x\"):up", 8)
    assert.are.same({}, m)
    assert.are.same({}, (introspect.complete("no_such.x", 9)))
  end)

  it("inspects functions, methods, calls and values", function()
    assert.truthy(introspect.inspect("cu.zeros", 8):match("^cu%.zeros%(shape"))
    assert.truthy(introspect.inspect("cu.zeros({2, ", 12):match("^cu%.zeros%(shape"))
    assert.truthy(introspect.inspect("arr:sum()", 7):match("^a:sum%(%[axis%]"))
    assert.truthy(introspect.inspect("arr", 3):match("^cuarray%.ndarray  shape %(2, 2%)"))
    assert.truthy(introspect.inspect("cu.plot.hist", 12):match("^cu%.plot%.hist%(a"))
    rawset(_G, "user_fn", function(alpha, beta) return alpha + beta end)
    local about = introspect.inspect("user_fn", 7)
    assert.truthy(about:find("defined at spec/kernel_cell_spec.lua:", 1, true), about)
    -- parameter names come from debug.getlocal on a function, which Lua 5.1 lacks
    if _VERSION ~= "Lua 5.1" or rawget(_G, "jit") then
      assert.truthy(about:match("^user_fn%(alpha, beta%)"), about)
    end
    assert.truthy(introspect.inspect("math.pi", 7):find("number", 1, true))
    assert.is_nil(introspect.inspect("nothing_here", 12))
    assert.is_nil(introspect.inspect("", 0))
  end)
end)

describe("kernel wire framing", function()
  it("round trips messages with any bytes", function()
    local p = os.tmpname()
    local f = assert(io.open(p, "wb"))
    local blob = "\0\1\n\255 x\r\n"
    wire.write(f, "display", {{"text/plain", "a\nb"}, {"image/png", blob}, {"empty", ""}})
    wire.write(f, "done", {})
    f:close()
    f = assert(io.open(p, "rb"))
    local kind, fields = wire.read(f)
    assert.are.equal("display", kind)
    assert.are.same({{"text/plain", "a\nb"}, {"image/png", blob}, {"empty", ""}}, fields)
    assert.are.equal(blob, wire.get(fields, "image/png"))
    kind, fields = wire.read(f)
    assert.are.same({"done", {}}, {kind, fields})
    assert.is_nil(wire.read(f))
    f:close()
    os.remove(p)
  end)
end)
