-- cu.savez_compressed (src/l_npy.c): deflated .npz entries that cu.load (and numpy.load) read
-- back, NumPy's names, and the errors of cu.savez.
local cu = require "cuarray"
local H = require "helper"

local bytes = H.read_file

H.each_device("savez_compressed", function()
  local path
  before_each(function() path = os.tmpname() .. ".npz" end)
  after_each(function() os.remove(path) end)

  it("writes deflated entries that load back", function()
    if not cu.show_config({mode = "dicts"}).zlib then
      H.raises("savez_compressed: this build has no zlib", cu.savez_compressed, path, cu.zeros(1))
      return
    end
    local b = cu.random.random({3, 4}, {dtype = "float32"})
    cu.savez_compressed(path, {a = cu.arange(1000), b = b, e = cu.zeros({0, 2})})
    local s = bytes(path)
    -- the first local header: signature PK\3\4, then version, flags and method 8 (deflate)
    assert.are.equal("PK\3\4", s:sub(1, 4))
    assert.are.equal(8, s:byte(9) + 256 * s:byte(10))
    local t = cu.load(path)
    H.same(t.a, cu.arange(1000):totable())
    assert.are.equal("float32", t.b.dtype)
    H.same(t.b, b:totable())
    assert.are.same({0, 2}, t.e.shape)
    -- compressible data takes less room than cu.savez's stored entries
    local stored = path .. ".stored.npz"
    cu.savez(stored, {a = cu.arange(1000)})
    assert.is_true(#s < #bytes(stored))
    os.remove(stored)
    cu.savez_compressed(path, cu.arange(3), cu.eye(2))
    t = cu.load(path)
    H.same(t.arr_0, {0, 1, 2})
    H.same(t.arr_1, {{1, 0}, {0, 1}})
  end)

  it("raises as cu.savez does", function()
    H.raises("savez_compressed: every value must be an array", cu.savez_compressed, path, {a = 1})
    H.raises("savez_compressed: cannot open", cu.savez_compressed, "/nonexistent/x.npz",
      cu.zeros(1))
  end)
end)

local python, have_numpy = H.python, H.have_numpy

describe("savez_compressed and NumPy", function()
  if not have_numpy() or not cu.show_config({mode = "dicts"}).zlib then
    pending("NumPy at " .. python .. " and zlib are needed")
    return
  end

  it("numpy.load reads the archive, and sees deflated entries", function()
    local path = os.tmpname() .. ".npz"
    cu.savez_compressed(path, {x = cu.arange(12, {dtype = "int32"}):reshape(3, 4),
                               y = cu.array({1.5, -2})})
    local out = H.run_code(python, ([[
import numpy as np, zipfile
d = np.load(%q)
print(d["x"].dtype, d["x"].sum(), d["x"][2, 3], d["y"].tolist())
print(sorted({i.compress_type for i in zipfile.ZipFile(%q).infolist()}))
]]):format(path, path), ".py")
    os.remove(path)
    assert.are.equal("int32 66 11 [1.5, -2.0]\n[8]\n", out)
  end)
end)
