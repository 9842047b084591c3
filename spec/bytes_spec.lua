-- Raw bytes: a:tobytes / cu.frombuffer with Lua strings, a:tofile / cu.fromfile with paths and
-- open Lua files; every dtype, views, both orders, NumPy's errors, and NumPy's own bytes.
local cu = require "cuarray"
local H = require "helper"

local function tmp() return os.tmpname() end

local read_file = H.read_file
local write_file = H.write_file

local function hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

local values = {
  bool = {{true, false, true}, {false, false, true}},
  int8 = {{-128, 0, 127}, {1, -1, 5}},
  uint8 = {{0, 255, 7}, {1, 2, 3}},
  int16 = {{-32768, 32767, 0}, {1, -2, 3}},
  int32 = {{-2147483648, 2147483647, 0}, {1, -2, 3}},
  int64 = {{-9007199254740991, 9007199254740991, 0}, {1, -2, 3}},
  float16 = {{0.5, -2, 65504}, {1 / 0, -1 / 0, 0.25}},
  float32 = {{1.5, -2.25, 3e38}, {1e-38, 0, -0.125}},
  float64 = {{1.5, -2.25, 1e300}, {1e-300, 0, math.pi}},
  complex64 = {{{1.5, -2}, {0, 3e38}, {-0.125, 1}}, {{1 / 0, 0}, {0, -1 / 0}, {0.25, 0.5}}},
  complex128 = {{{1.5, -2}, {0, 1e300}, {-0.125, math.pi}}, {{1 / 0, 0}, {0, -1 / 0}, {0.25, 0.5}}},
  uint16 = {{0, 65535, 7}, {32768, 2, 3}},
  uint32 = {{0, 4294967295, 7}, {2147483648, 2, 3}},
  uint64 = {{0, 2 ^ 63, 7}, {2 ^ 64 - 2048, 2, 3}},
  bfloat16 = {{1.5, -2.25, 3.3895313892515355e38}, {1 / 0, 0, -0.125}},
}

H.each_device("tobytes / frombuffer", function(dev)
  for _, dt in ipairs(cu.dtypes) do
    it("round trips " .. dt, function()
      local a = cu.array(values[dt], {dtype = dt})
      local s = a:tobytes()
      assert.are.equal(6 * a.itemsize, #s)
      local b = cu.frombuffer(s, dt)
      assert.are.equal(dt, b.dtype)
      assert.are.equal(a.device, b.device)
      H.same(b:reshape({2, 3}), values[dt], (dt == "float32" or dt == "float16" or dt == "complex64") and 1e-6 or nil)
    end)
  end

  it("writes little-endian C order, and Fortran order on request", function()
    local a = cu.array({{1, 2, 3}, {4, 5, 6}}, {dtype = "int16"})
    assert.are.equal("010002000300040005000600", hex(a:tobytes()))
    assert.are.equal("010004000200050003000600", hex(a:tobytes("F")))
    assert.are.equal("010004000200050003000600", hex(a:tobytes({order = "F"})))
    assert.are.equal(hex(a.T:tobytes()), hex(a:tobytes("F")))
  end)

  it("reads views in their logical order", function()
    local a = cu.arange(12, {dtype = "int8"}):reshape({3, 4})
    assert.are.equal("00040801050902060a03070b", hex(a.T:tobytes()))
    assert.are.equal("0b0a0908", hex(a[3]:flip():tobytes()))
    assert.are.equal("01030507090b", hex(a:ravel()[{{2, -1, 2}}]:tobytes()))
    assert.are.equal("0707", hex(cu.broadcast_to(a[{{2}, {4}}], {1, 2}):tobytes()))
  end)

  it("gives an empty string for an empty array and a 0-d array's one element", function()
    assert.are.equal("", cu.zeros({0, 3}):tobytes())
    assert.are.equal("0700000000000000", hex(cu.array(7):tobytes()))
  end)

  it("takes count and a byte offset, and a dtype in the options", function()
    local s = cu.arange(6, {dtype = "int32"}):tobytes()
    H.same(cu.frombuffer(s, "int32", {offset = 8}), {2, 3, 4, 5})
    H.same(cu.frombuffer(s, "int32", {count = 2, offset = 4}), {1, 2})
    H.same(cu.frombuffer(s, {dtype = "int32", count = 0}), {})
    H.same(cu.frombuffer(s, "int32", {offset = 24}), {})
    assert.are.equal(dev, cu.frombuffer(s, "int32").device:match("^%a+"))
  end)

  it("uses the default float dtype when none is given, and any device asked", function()
    local b = cu.frombuffer(cu.array({1.5, 2.5}):tobytes(), {device = "cpu"})
    assert.are.equal("float64", b.dtype)
    assert.are.equal("cpu", b.device)
    H.same(b, {1.5, 2.5})
  end)

  it("stores bool bytes as 0 and 1", function()
    H.same(cu.frombuffer("\0\1\2\255", "bool"), {false, true, true, true})
    assert.are.equal("00010101", hex(cu.frombuffer("\0\1\2\255", "bool"):tobytes()))
  end)

  it("raises NumPy's errors with the function's name", function()
    H.raises("frombuffer: 10 bytes are not a whole number of float32 elements",
             cu.frombuffer, ("x"):rep(10), "float32")
    H.raises("frombuffer: the string has 8 bytes after the offset; 3 float32 elements need 12",
             cu.frombuffer, ("x"):rep(8), "float32", {count = 3})
    H.raises("frombuffer: offset must be no greater than the string's length (8), got 9",
             cu.frombuffer, ("x"):rep(8), "float32", {offset = 9})
    H.raises("frombuffer: offset must be an integer >= 0", cu.frombuffer, "xx", "int8", {offset = -1})
    H.raises("frombuffer: count must be an integer >= -1", cu.frombuffer, "xx", "int8", {count = 1.5})
    H.raises("frombuffer: expected a string of bytes, got table", cu.frombuffer, {1, 2})
    H.raises("frombuffer: unknown dtype 'int7'", cu.frombuffer, "xx", "int7")
    H.raises("frombuffer: dtype given twice", cu.frombuffer, "xx", "int8", {dtype = "int8"})
    H.raises("frombuffer: unknown option 'sep'", cu.frombuffer, "xx", "int8", {sep = ","})
    H.raises("tobytes: order must be \"C\" or \"F\", got \"K\"", cu.ones(2).tobytes, cu.ones(2), "K")
    H.raises("tobytes: expected an array", cu.ones(2).tobytes, "abc")
  end)
end)

H.each_device("tofile / fromfile", function(dev)
  for _, dt in ipairs(cu.dtypes) do
    it("round trips " .. dt .. " through a path", function()
      local p = tmp()
      local a = cu.array(values[dt], {dtype = dt})
      a:tofile(p)
      assert.are.equal(a:tobytes(), read_file(p))
      local b = cu.fromfile(p, dt)
      os.remove(p)
      assert.are.equal(a.device, b.device)
      H.same(b:reshape({2, 3}), values[dt], (dt == "float32" or dt == "float16" or dt == "complex64") and 1e-6 or nil)
    end)
  end

  it("writes and reads open files at their position, as NumPy does with file objects", function()
    local p = tmp()
    local f = assert(io.open(p, "wb"))
    f:write("HEAD")
    cu.arange(3, {dtype = "int16"}):tofile(f)
    cu.array({{1.5, 2.5}}, {dtype = "float32"}).T:tofile(f)
    f:write("TAIL")
    f:close()
    assert.are.equal(hex("HEAD") .. "000001000200" .. "0000c03f00002040" .. hex("TAIL"),
                     hex(read_file(p)))
    f = assert(io.open(p, "rb"))
    assert.are.equal("HEAD", f:read(4))
    H.same(cu.fromfile(f, "int16", {count = 3}), {0, 1, 2})
    H.same(cu.fromfile(f, "float32", {count = 2}), {1.5, 2.5})
    assert.are.equal("TAIL", f:read("*a"))
    f:close()
    os.remove(p)
  end)

  it("skips offset bytes and reads whole elements to the end (NumPy's count = -1)", function()
    local p = tmp()
    write_file(p, "\1\0\2\0\3\0\4")
    H.same(cu.fromfile(p, "int16"), {1, 2, 3})
    H.same(cu.fromfile(p, "int16", {offset = 2}), {2, 3})
    H.same(cu.fromfile(p, "uint8", {offset = 6}), {4})
    H.same(cu.fromfile(p, "uint8", {offset = 7}), {})
    local f = assert(io.open(p, "rb"))
    f:read(1)
    H.same(cu.fromfile(f, "uint8", {offset = 1, count = 2}), {2, 0})
    assert.are.equal(4, f:seek())
    f:close()
    os.remove(p)
  end)

  it("writes views and GPU arrays in C order", function()
    local p = tmp()
    local a = cu.arange(6, {dtype = "int8"}):reshape({2, 3})
    a.T:tofile(p)
    assert.are.equal("000301040205", hex(read_file(p)))
    cu.zeros({0}):tofile(p)
    assert.are.equal("", read_file(p))
    os.remove(p)
  end)

  it("raises clear errors", function()
    local p = tmp()
    write_file(p, "\1\2\3\4")
    H.raises("fromfile: 4 bytes are left; 3 int16 elements need 6", cu.fromfile, p, "int16", {count = 3})
    H.raises("fromfile: offset 5 is past the end (4 bytes left)", cu.fromfile, p, "int8", {offset = 5})
    H.raises("fromfile: cannot open '" .. p .. "/x'", cu.fromfile, p .. "/x", "int8")
    H.raises("tofile: cannot open '" .. p .. "/x'", cu.ones(2).tofile, cu.ones(2), p .. "/x")
    H.raises("fromfile: expected a path or an open file, got number", cu.fromfile, 3)
    local f = assert(io.open(p, "rb"))
    f:close()
    H.raises("fromfile: the file is closed", cu.fromfile, f, "int8")
    H.raises("tofile: the file is closed", cu.ones(2).tofile, cu.ones(2), f)
    f = assert(io.open(p, "rb"))
    H.raises("tofile: writing the file failed", cu.ones(2).tofile, cu.ones(2), f)
    f:close()
    H.raises("fromfile: the file ended after 4 of 8 bytes", function()
      -- a stream that cannot tell its size: only a short read can say so
      local g = io.popen("cat " .. p, "r")
      local ok, err = pcall(cu.fromfile, g, "int16", {count = 4})
      g:close()
      if not ok then error(err, 0) end
    end)
    local g = io.popen("cat " .. p, "r")
    H.raises("fromfile: this file cannot seek: give a count", cu.fromfile, g, "int8")
    g:close()
    os.remove(p)
  end)
end)

-- NumPy has no bfloat16 (spec/bfloat16_spec.lua checks its bytes against float32's)
local NUMPY_DTYPES = {}
for _, dt in ipairs(cu.dtypes) do
  if dt ~= "bfloat16" then NUMPY_DTYPES[#NUMPY_DTYPES + 1] = dt end
end

describe("bytes against NumPy", function()
  local python = H.python
  if not H.have_numpy() then
    pending("NumPy is not installed at " .. python)
    return
  end

  it("gives NumPy's tobytes for every dtype, and NumPy reads tofile's output", function()
    local p = tmp()
    local script = tmp()
    local function py_value(v)
      if type(v) == "table" then return ("complex(%s, %s)"):format(py_value(v[1]), py_value(v[2])) end
      if type(v) == "boolean" then return v and "True" or "False" end
      if v == math.huge then return "float('inf')" elseif v == -math.huge then return "-float('inf')" end
      return ("%.17g"):format(v)
    end
    local function py_rows(t)
      local rows = {}
      for i, row in ipairs(t) do
        local r = {}
        for j, v in ipairs(row) do r[j] = py_value(v) end
        rows[i] = "[" .. table.concat(r, ", ") .. "]"
      end
      return "[" .. table.concat(rows, ", ") .. "]"
    end
    local lines = {"import numpy as np"}
    for _, dt in ipairs(NUMPY_DTYPES) do
      local a = cu.array(values[dt], {dtype = dt})
      lines[#lines + 1] = ("print(%q, np.array(%s, dtype=%q).tobytes('F').hex() == %q)"):format(
        dt, py_rows(values[dt]), dt, hex(a:tobytes("F")))
    end
    cu.arange(5, {dtype = "float32"}):tofile(p)
    lines[#lines + 1] = ("print('file', np.fromfile(%q, np.float32).tolist())"):format(p)
    write_file(script, table.concat(lines, "\n") .. "\n")
    local h = io.popen(python .. " " .. script .. " 2>&1")
    local out = h:read("*a")
    h:close()
    os.remove(script)
    os.remove(p)
    for _, dt in ipairs(NUMPY_DTYPES) do
      assert.truthy(out:find(dt .. " True", 1, true), out)
    end
    assert.truthy(out:find("file [0.0, 1.0, 2.0, 3.0, 4.0]", 1, true), out)
  end)
end)
