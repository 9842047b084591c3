-- NumPy .npy / .npz files: round trips for every dtype, Fortran order, big endian, every
-- format version, hostile headers, and cross-checks against NumPy (/usr/bin/python3).
local cu = require "cuarray"
local H = require "helper"


local function tmp(ext) return os.tmpname() .. ext end

local write_file = H.write_file
local read_file = H.read_file

local function le(n, bytes)
  local t = {}
  for i = 1, bytes do t[i] = n % 256; n = math.floor(n / 256) end
  return string.char((table.unpack or unpack)(t))
end

-- A .npy file: header dict text, padded; version major (1, 2 or 3).
local function npy(dict, data, major)
  major = major or 1
  local pre = major == 1 and 10 or 12
  local n = #dict + 1
  local pad = (64 - (pre + n) % 64) % 64
  local hdr = dict .. string.rep(" ", pad) .. "\n"
  return string.char(0x93) .. "NUMPY" .. string.char(major, 0) ..
         le(#hdr, major == 1 and 2 or 4) .. hdr .. (data or "")
end

local function dict(descr, fortran, shape)
  return ("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }"):format(descr,
    fortran and "True" or "False", shape)
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
}
-- the dtypes .npy can hold (NumPy has no bfloat16)
local NPY_DTYPES = {}
for _, dt in ipairs(cu.dtypes) do
  if dt ~= "bfloat16" then NPY_DTYPES[#NPY_DTYPES + 1] = dt end
end

H.each_device("save / load", function(dev)
  for _, dt in ipairs(NPY_DTYPES) do
    it("round trips " .. dt, function()
      local a = cu.array(values[dt], {dtype = dt})
      local p = tmp(".npy")
      cu.save(p, a)
      local b = cu.load(p)
      os.remove(p)
      assert.are.equal(dt, b.dtype)
      assert.are.equal(a.device, b.device)
      H.same(b, values[dt], (dt == "float32" or dt == "float16" or dt == "complex64") and 1e-6 or nil)
    end)
  end

  it("refuses bfloat16, which NumPy lacks, naming the ways out", function()
    local a = cu.ones(3, {dtype = "bfloat16"})
    H.raises('save: .npy has no bfloat16 dtype: save a:astype("float32"), or its bits as a:view("uint16")',
      cu.save, tmp(".npy"), a)
    H.raises("savez: .npy has no bfloat16 dtype", cu.savez, tmp(".npz"), {a = a})
  end)

  it("writes version 1.0 with the data at a multiple of 64 bytes", function()
    local p = tmp(".npy")
    cu.save(p, cu.zeros({2, 3}, {dtype = "float32"}))
    local s = read_file(p)
    os.remove(p)
    assert.are.equal(string.char(0x93) .. "NUMPY" .. string.char(1, 0), s:sub(1, 8))
    assert.are.equal(0, (#s - 24) % 64)
    assert.truthy(s:find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 1, true))
  end)

  it("round trips 0-d, 1-d and empty arrays", function()
    for _, a in ipairs{cu.full({}, 7.5), cu.arange(5), cu.zeros({0, 3}), cu.zeros({4, 0, 2})} do
      local p = tmp(".npy")
      cu.save(p, a)
      local b = cu.load(p)
      os.remove(p)
      assert.are.same(a.shape, b.shape)
      H.same(b, a:totable())
    end
  end)

  it("writes Fortran-ordered arrays in Fortran order and reads them back", function()
    local a = cu.arange(24, {dtype = "int32"}):reshape({2, 3, 4}):transpose()
    local p = tmp(".npy")
    cu.save(p, a)
    assert.truthy(read_file(p):find("'fortran_order': True, 'shape': (4, 3, 2)", 1, true))
    local b = cu.load(p)
    os.remove(p)
    assert.are.same({4, 3, 2}, b.shape)
    H.same(b, a:totable())
  end)

  it("saves non-contiguous views in C order", function()
    local a = cu.arange(12):reshape({3, 4}):flip(2)
    local p = tmp(".npy")
    cu.save(p, a)
    local b = cu.load(p)
    os.remove(p)
    H.same(b, a:totable())
  end)

  it("reads big-endian data and versions 2.0 and 3.0", function()
    local p = tmp(".npy")
    write_file(p, npy(dict(">i4", false, "(3,)"), "\0\0\0\1\0\0\1\0\255\255\255\254"))
    H.same(cu.load(p), {1, 256, -2})
    write_file(p, npy(dict(">f8", false, "(1,)"), "\63\240\0\0\0\0\0\0", 2))
    H.same(cu.load(p), {1.0})
    write_file(p, npy('{"descr": "<i2", "fortran_order": True, "shape": (2, 2)}',
                      "\1\0\2\0\3\0\4\0", 3))
    H.same(cu.load(p), {{1, 3}, {2, 4}})
    write_file(p, npy(dict(">f2", false, "()"), "\48\0"))
    H.same(cu.load(p), 0.125)
    os.remove(p)
  end)

  it("loads onto the device asked for", function()
    local p = tmp(".npy")
    cu.save(p, cu.arange(3))
    assert.are.equal("cpu", cu.load(p, {device = "cpu"}).device)
    os.remove(p)
  end)
end)

describe("hostile .npy files", function()
  local p = tmp(".npy")
  after_each(function() os.remove(p) end)
  local function fails(fragment, bytes)
    write_file(p, bytes)
    H.raises(fragment, cu.load, p)
  end
  local f4 = string.rep("\0", 24)

  it("raise clear errors and read nothing out of bounds", function()
    fails("not a .npy file", "hello world, this is not numpy")
    fails("truncated", string.char(0x93) .. "NUM")
    fails("truncated", "")
    local good = npy(dict("<f4", false, "(2, 3)"), f4)
    fails("version 4.0", good:sub(1, 6) .. "\4\0" .. good:sub(9))
    fails("version 1.1", good:sub(1, 6) .. "\1\1" .. good:sub(9))
    fails("truncated .npy header", string.char(0x93) .. "NUMPY\1\0\200\0{'descr'")
    fails("truncated: the header describes 24 bytes", npy(dict("<f4", false, "(2, 3)"), "\0\0\0\0"))
    fails("too large", npy(dict("<f8", false, "(4611686018427387904, 4611686018427387904)"), f4))
    fails("byte size overflows", npy(dict("<f8", false, "(2305843009213693952, 2)"), f4))
    fails("too large", npy(dict("<f8", false, "(99999999999999999999999,)"), f4))
    fails("truncated: the header describes", npy(dict("<f8", false, "(1000000000000,)"), f4))
    fails("unsupported dtype '<c32'", npy(dict("<c32", false, "(1,)"), f4))
    fails("unsupported dtype '<u16'", npy(dict("<u16", false, "(1,)"), f4))
    fails("unsupported dtype '<U8'", npy(dict("<U8", false, "(1,)"), f4))
    fails("object arrays", npy(dict("|O", false, "(1,)"), f4))
    fails("structured dtypes", npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", f4))
    fails("negative dimension", npy(dict("<f4", false, "(-1,)"), f4))
    fails("too many dimensions", npy(dict("<f4", false, "(" .. string.rep("1, ", 40) .. ")"), f4))
    fails("repeated key 'shape'", npy("{'descr': '<f4', 'shape': (1,), 'shape': (1,), 'fortran_order': False}", f4))
    fails("lacks 'shape'", npy("{'descr': '<f4', 'fortran_order': False}", f4))
    fails("unexpected or repeated key 'extra'", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'extra': 1}", f4))
    fails("'fortran_order' must be True or False", npy(dict("<f4", false, "()"):gsub("False", "0"), f4))
    fails("header is not a dictionary", npy("['descr']", f4))
    fails("'shape' must be a tuple", npy(dict("<f4", false, "[2]"), f4))
    fails("header length", string.char(0x93) .. "NUMPY\2\0\255\255\255\127{")
    fails("header: string too long", npy("{'descr"))
  end)

  it("raise for missing files with the path", function()
    H.raises("cannot open '/nonexistent/x.npy'", cu.load, "/nonexistent/x.npy")
  end)

  it("raise for corrupt .npz archives", function()
    fails("no end of central directory", "PK\3\4" .. string.rep("x", 100))
    local q = tmp(".npz")
    cu.savez(q, {x = cu.arange(4)})
    local s = read_file(q)
    os.remove(q)
    local i = s:find("NUMPY", 1, true)
    fails("CRC-32 mismatch", s:sub(1, i + 140) .. "X" .. s:sub(i + 142))
    fails("corrupt ZIP archive", s:sub(1, 40) .. s:sub(-200))
  end)
end)

H.each_device("savez / load", function()
  it("round trips named and positional arrays", function()
    local p = tmp(".npz")
    cu.savez(p, {x = cu.arange(5, {dtype = "int16"}), y = cu.eye(3), [1] = cu.full({}, true, {dtype = "bool"})})
    local t = cu.load(p)
    H.same(t.x, {0, 1, 2, 3, 4})
    assert.are.equal("int16", t.x.dtype)
    H.same(t.y, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})
    H.same(t.arr_0, true)
    cu.savez(p, cu.arange(2), cu.ones({2, 2}))
    t = cu.load(p)
    os.remove(p)
    H.same(t.arr_0, {0, 1})
    H.same(t.arr_1, {{1, 1}, {1, 1}})
  end)

  it("rejects values that are not arrays", function()
    H.raises("every value must be an array", cu.savez, tmp(".npz"), {x = 1})
  end)
end)

-- ---- NumPy cross-checks ------------------------------------------------------------------

local python, have_numpy = H.python, H.have_numpy

local function py(code) return H.run_code(python, code, ".py") end

describe("NumPy interoperability", function()
  if not have_numpy() then
    pending("NumPy is not installed at " .. python)
    return
  end

  it("reads every dtype that cuarray writes", function()
    local dir = tmp("")
    local names = {}
    for _, dt in ipairs(NPY_DTYPES) do
      cu.save(dir .. dt .. ".npy", cu.array(values[dt], {dtype = dt}))
      names[#names + 1] = dt
    end
    cu.save(dir .. "fortran.npy", cu.arange(6, {dtype = "float32"}):reshape({2, 3}):transpose())
    cu.savez(dir .. "z.npz", {a = cu.arange(3), b = cu.ones({2, 2}, {dtype = "int8"})})
    local out = py(([[
import numpy as np
d = %q
for n in %q.split():
    a = np.load(d + n + ".npy")
    print(n, a.dtype, a.shape, a.ravel().tolist())
f = np.load(d + "fortran.npy")
print("F", f.dtype, f.shape, f.flags.f_contiguous, f.tolist())
z = np.load(d + "z.npz")
print("Z", sorted(z.files), z["a"].tolist(), z["b"].dtype, z["b"].tolist())
]]):format(dir, table.concat(names, " ")))
    for _, dt in ipairs(NPY_DTYPES) do os.remove(dir .. dt .. ".npy") end
    os.remove(dir .. "fortran.npy")
    os.remove(dir .. "z.npz")
    assert.truthy(out:find("bool bool (2, 3) [True, False, True, False, False, True]", 1, true), out)
    assert.truthy(out:find("int8 int8 (2, 3) [-128, 0, 127, 1, -1, 5]", 1, true), out)
    assert.truthy(out:find("uint8 uint8 (2, 3) [0, 255, 7, 1, 2, 3]", 1, true), out)
    assert.truthy(out:find("int64 int64 (2, 3) [-9007199254740991, 9007199254740991, 0, 1, -2, 3]", 1, true), out)
    assert.truthy(out:find("float16 float16 (2, 3) [0.5, -2.0, 65504.0, inf, -inf, 0.25]", 1, true), out)
    assert.truthy(out:find("float64 float64 (2, 3) [1.5, -2.25, 1e+300, 1e-300, 0.0, 3.141592653589793]", 1, true), out)
    assert.truthy(out:find("complex64 complex64 (2, 3) [(1.5-2j), 3.0000000054977558e+38j, (-0.125+1j), (inf+0j), -infj, (0.25+0.5j)]", 1, true), out)
    assert.truthy(out:find("complex128 complex128 (2, 3) [(1.5-2j), 1e+300j, (-0.125+3.141592653589793j), (inf+0j), -infj, (0.25+0.5j)]", 1, true), out)
    assert.truthy(out:find("uint16 uint16 (2, 3) [0, 65535, 7, 32768, 2, 3]", 1, true), out)
    assert.truthy(out:find("uint32 uint32 (2, 3) [0, 4294967295, 7, 2147483648, 2, 3]", 1, true), out)
    assert.truthy(out:find("F float32 (3, 2) True [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]", 1, true), out)
    assert.truthy(out:find("Z ['a', 'b'] [0, 1, 2] int8 [[1, 1], [1, 1]]", 1, true), out)
  end)

  it("loads what NumPy writes: every dtype, Fortran order, big endian, versions 1 to 3, .npz", function()
    local dir = tmp("")
    local out = py(([==[
import numpy as np
from numpy.lib import format as fmt
d = %q
np.save(d + "f4.npy", np.arange(6, dtype="<f4").reshape(2, 3))
np.save(d + "b.npy", np.array([True, False]))
np.save(d + "i8be.npy", np.arange(4, dtype=">i8") - 2)
np.save(d + "f8be.npy", np.array([[1.5, -2.0]], dtype=">f8"))
np.save(d + "f2.npy", np.array([0.5, 1e4], dtype="<f2"))
np.save(d + "u1.npy", np.array([255, 0], dtype="u1"))
np.save(d + "i2.npy", np.array([-3, 3], dtype="i2"))
np.save(d + "u2.npy", np.array([65535, 1], dtype="<u2"))
np.save(d + "u4be.npy", np.array([4294967295, 2], dtype=">u4"))
np.save(d + "fort.npy", np.asfortranarray(np.arange(12, dtype="i4").reshape(3, 4)))
np.save(d + "scalar.npy", np.float64(2.5))
for v in [(2, 0), (3, 0)]:
    with open(d + "v%%d.npy" %% v[0], "wb") as f:
        fmt.write_array(f, np.arange(3, dtype="<i4"), version=v)
np.savez(d + "z.npz", np.arange(3), w=np.eye(2, dtype="f4"))
print("written")
]==]):format(dir))
    assert.truthy(out:find("written", 1, true), out)
    local function L(name) local a = cu.load(dir .. name); return a end
    H.same(L("f4.npy"), {{0, 1, 2}, {3, 4, 5}})
    assert.are.equal("float32", L("f4.npy").dtype)
    H.same(L("b.npy"), {true, false})
    H.same(L("i8be.npy"), {-2, -1, 0, 1})
    assert.are.equal("int64", L("i8be.npy").dtype)
    H.same(L("f8be.npy"), {{1.5, -2.0}})
    H.same(L("f2.npy"), {0.5, 10000})
    H.same(L("u1.npy"), {255, 0})
    H.same(L("i2.npy"), {-3, 3})
    H.same(L("u2.npy"), {65535, 1})
    assert.are.equal("uint16", L("u2.npy").dtype)
    H.same(L("u4be.npy"), {4294967295, 2})
    assert.are.equal("uint32", L("u4be.npy").dtype)
    H.same(L("fort.npy"), {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}})
    H.same(L("scalar.npy"), 2.5)
    H.same(L("v2.npy"), {0, 1, 2})
    H.same(L("v3.npy"), {0, 1, 2})
    local z = cu.load(dir .. "z.npz")
    H.same(z.arr_0, {0, 1, 2})
    H.same(z.w, {{1, 0}, {0, 1}})
    for _, n in ipairs{"f4", "b", "i8be", "f8be", "f2", "u1", "i2", "u2", "u4be", "fort", "scalar", "v2", "v3"} do
      os.remove(dir .. n .. ".npy")
    end
    os.remove(dir .. "z.npz")
  end)

  it("gives a clear answer for numpy.savez_compressed archives", function()
    local p = tmp(".npz")
    py(("import numpy as np\nnp.savez_compressed(%q, x=np.arange(5))\n"):format(p))
    local ok, res = pcall(cu.load, p)
    os.remove(p)
    if ok then
      H.same(res.x, {0, 1, 2, 3, 4})
    else
      assert.truthy(tostring(res):find("compression method 8 is not supported", 1, true), res)
    end
  end)
end)
