-- Interop: wrapping raw pointers (from_pointer / data_ptr), owner lifetime, DLPack round
-- trips and the deleter contract, LuaJIT FFI copies (from_ffi / to_ffi).
-- The C API (cuarray.h) is tested by examples/embed (make -C examples/embed test).
-- luacheck: ignore 311 (dropping references on purpose, to test lifetimes)
local cu = require "cuarray"
local H = require "helper"


local function collect()
  for _ = 1, 4 do collectgarbage("collect") end
end

-- A weak reference: alive() tells whether the object was collected.
local function weak(obj)
  local t = setmetatable({obj}, {__mode = "v"})
  return function() return t[1] ~= nil end
end

H.each_device("from_pointer / data_ptr", function(dev)
  it("wraps memory without a copy", function()
    local a = cu.arange(6, {dtype = "float32"})
    local b = cu.from_pointer(a:data_ptr(), {2, 3}, {dtype = "float32", device = dev, owner = a})
    assert.are.equal(a.device, b.device)
    H.same(b, {{0, 1, 2}, {3, 4, 5}})
    b:fill(7)
    H.same(a, {7, 7, 7, 7, 7, 7})
  end)

  it("takes element strides", function()
    local a = cu.arange(6, {dtype = "int32"})
    local t = cu.from_pointer(a:data_ptr(), {3, 2}, {dtype = "int32", device = dev, owner = a, strides = {1, 3}})
    H.same(t, {{0, 3}, {1, 4}, {2, 5}})
    assert.are.same({1, 3}, t.strides)
  end)

  it("keeps the owner alive as long as any view of the memory", function()
    local base = cu.arange(4, {dtype = "float64"})
    local holder = {base}
    local alive = weak(holder)
    local a = cu.from_pointer(base:data_ptr(), {4}, {dtype = "float64", device = dev, owner = holder})
    holder, base = nil, nil
    collect()
    assert.is_true(alive())
    local v = a:reshape({2, 2})
    a = nil
    collect()
    assert.is_true(alive())
    H.same(v, {{0, 1}, {2, 3}})
    v = nil
    collect()
    assert.is_false(alive())
  end)

  it("releases the owner on free()", function()
    local base = cu.arange(4, {dtype = "float64"})
    local holder = {base}
    local alive = weak(holder)
    local a = cu.from_pointer(base:data_ptr(), 4, {dtype = "float64", device = dev, owner = holder})
    holder, base = nil, nil
    a:free()
    collect()
    assert.is_false(alive())
  end)

  it("rejects null, misaligned and bad pointers", function()
    H.raises("null pointer", cu.from_pointer, 0, {2}, {device = dev})
    H.raises("not aligned to the 4-byte items of float32", cu.from_pointer, 4098, {2},
             {dtype = "float32", device = dev})
    H.raises("must be a pointer", cu.from_pointer, "hello", {2})
    H.raises("must be a pointer", cu.from_pointer, -5, {2})
    H.raises("unknown option 'strdes'", cu.from_pointer, 0, {0}, {strdes = {1}})
    H.raises("strides must be a table of 2 integers", cu.from_pointer, 0, {0, 2}, {strides = {1}})
    H.raises("strides reach beyond the address space", cu.from_pointer, 4096, {3, 3},
             {dtype = "int8", strides = {math.floor(2 ^ 62), 1}})
  end)

  it("refuses memory of the other device, as the driver tells it", function()
    if not cu.cuda.is_available() then
      pending("needs a GPU: only the CUDA driver can tell device memory from host memory")
      return
    end
    local d = cu.arange(4, {dtype = "float64", device = "cuda"})
    local h = cu.arange(4, {dtype = "float64", device = "cpu"})
    H.raises("from_pointer: the pointer is device memory of cuda:0, which the host cannot read",
             cu.from_pointer, d:data_ptr(), {4}, {dtype = "float64", owner = d})
    H.raises("from_pointer: the pointer is host memory, which cuda:0 cannot read",
             cu.from_pointer, h:data_ptr(), {4}, {dtype = "float64", device = "cuda", owner = h})
    H.same(cu.from_pointer(d:data_ptr(), {4}, {dtype = "float64", device = "cuda", owner = d}),
           {0, 1, 2, 3})
    local p = cu.zeros(4, {device = "cpu", pinned = true})
    H.same(cu.from_pointer(p:data_ptr(), {4}, {dtype = "float64", owner = p}), {0, 0, 0, 0})
  end)

  it("accepts a null pointer for an empty array", function()
    local e = cu.from_pointer(0, {0, 3}, {device = dev})
    assert.are.same({0, 3}, e.shape)
  end)
end)

H.each_device("DLPack", function(dev)
  it("round trips versioned and legacy tensors, sharing memory", function()
    for _, versioned in ipairs{true, false} do
      local a = cu.arange(6, {dtype = "float32"}):reshape({2, 3})
      local b = cu.from_dlpack(a:to_dlpack({versioned = versioned}), {versioned = versioned})
      assert.are.equal(a.device, b.device)
      assert.are.equal("float32", b.dtype)
      H.same(b, {{0, 1, 2}, {3, 4, 5}})
      b:fill(2)
      H.same(a, {{2, 2, 2}, {2, 2, 2}})
    end
  end)

  it("keeps strides, offsets and every dtype", function()
    for _, dt in ipairs(cu.dtypes) do
      local a = cu.arange(12, {dtype = dt ~= "bool" and dt or nil}):reshape({3, 4}):astype(dt)
      local v = a:transpose():flip(1)
      local b = cu.from_dlpack(v:to_dlpack())
      assert.are.equal(dt, b.dtype)
      assert.are.same(v.strides, b.strides)
      H.same(b, v:totable())
    end
    local z = cu.from_dlpack(cu.zeros({0, 4}):to_dlpack())
    assert.are.same({0, 4}, z.shape)
  end)

  it("keeps the storage until the deleter runs, and runs it once", function()
    local base = cu.arange(3, {dtype = "float64"})
    local holder = {base}
    local alive = weak(holder)
    local w = cu.from_pointer(base:data_ptr(), 3, {dtype = "float64", device = dev, owner = holder})
    holder, base = nil, nil
    local p = w:to_dlpack()
    w = nil
    collect()
    assert.is_true(alive()) -- the exported tensor holds the memory
    local c = cu.from_dlpack(p)
    H.raises("already consumed", cu.from_dlpack, p)
    H.same(c, {0, 1, 2})
    c:free()                -- calls the deleter, which drops the last reference
    collect()
    assert.is_false(alive())
  end)

  it("rejects bad pointers", function()
    H.raises("null pointer", cu.from_dlpack, 0)
    H.raises("unknown option", cu.from_dlpack, 0, {version = 1})
  end)
end)

if jit then
  local ffi = require "ffi"
  pcall(ffi.cdef, [[
    typedef struct { uint32_t major, minor; } ca_DLPackVersion;
    typedef struct { int device_type; int32_t device_id; } ca_DLDevice;
    typedef struct { uint8_t code, bits; uint16_t lanes; } ca_DLDataType;
    typedef struct { void *data; ca_DLDevice device; int32_t ndim; ca_DLDataType dtype;
                     int64_t *shape; int64_t *strides; uint64_t byte_offset; } ca_DLTensor;
    typedef struct ca_DLMTV { ca_DLPackVersion version; void *manager_ctx;
                              void (*deleter)(struct ca_DLMTV *); uint64_t flags;
                              ca_DLTensor dl_tensor; } ca_DLMTV;
  ]])

  H.each_device("FFI", function(dev)
    it("data_ptr is a void * cdata", function()
      local a = cu.arange(3, {dtype = "int32"})
      local p = a:data_ptr()
      assert.are.equal("cdata", type(p))
      assert.is_true(ffi.istype("void *", p))
      if dev == "cpu" then assert.are.equal(2, ffi.cast("int32_t *", p)[2]) end
    end)

    it("wraps an ffi array, keeping it alive", function()
      local buf = ffi.new("double[4]", {1, 2, 3, 4})
      local alive = weak(buf)
      if dev == "cpu" then
        local a = cu.from_pointer(buf, {2, 2})
        buf = nil
        collect()
        assert.is_true(alive())
        a[{1, 1}] = 9
        H.same(a, {{9, 2}, {3, 4}})
        a = nil
        collect()
        assert.is_false(alive())
      end
    end)

    it("copies with from_ffi and to_ffi", function()
      local src = ffi.new("float[5]", {1, 2, 3, 4, 5})
      local a = cu.from_ffi(src, 5, "float32")
      assert.are.equal(cu.get_default_device() == "cpu" and "cpu" or a.device, a.device)
      src[0] = 100 -- a copy, not a view
      H.same(a, {1, 2, 3, 4, 5})
      local out = (a * 2):to_ffi()
      assert.is_true(ffi.istype("float[?]", out))
      assert.are.equal(10, out[4])
      local dst = ffi.new("int16_t[3]")
      cu.arange(3, {dtype = "int16"}):flip(1):to_ffi(dst)
      assert.are.same({2, 1, 0}, {dst[0], dst[1], dst[2]})
      local b = cu.from_ffi(ffi.new("uint8_t[2]", {7, 250}), 2, "uint8")
      H.same(b, {7, 250})
    end)

    it("honours the deleter contract of foreign DLPack tensors", function()
      local count = 0
      local deleter = ffi.cast("void (*)(ca_DLMTV *)", function() count = count + 1 end)
      local data = ffi.new("int32_t[6]", {1, 2, 3, 4, 5, 6})
      local shape = ffi.new("int64_t[2]", {2, 3})
      local function tensor(code, bits, devtype, major)
        local m = ffi.new("ca_DLMTV")
        m.version.major, m.version.minor = major or 1, 1
        m.deleter = deleter
        m.dl_tensor.data = data
        m.dl_tensor.device.device_type = devtype or 1
        m.dl_tensor.ndim = 2
        m.dl_tensor.dtype.code, m.dl_tensor.dtype.bits, m.dl_tensor.dtype.lanes = code, bits, 1
        m.dl_tensor.shape = shape
        m.dl_tensor.strides = nil -- compact row-major
        return m
      end
      local keep = {}
      local function check(m, fragment)
        keep[#keep + 1] = m
        local before = count
        H.raises(fragment, cu.from_dlpack, m)
        assert.are.equal(before + 1, count)
      end
      check(tensor(5, 32), "unsupported DLPack dtype (code 5")
      check(tensor(1, 24), "unsupported DLPack dtype (code 1, 24 bits")
      check(tensor(0, 32, 7), "unsupported DLPack device type 7")
      check(tensor(0, 32, 1, 2), "DLPack major version 2 is not supported")
      local m = tensor(0, 32, 1)
      local a = cu.from_dlpack(m)
      H.same(a, {{1, 2, 3}, {4, 5, 6}})
      local before = count
      a:free()
      assert.are.equal(before + 1, count)
      m = tensor(0, 32, 1)
      m.flags = 1 -- read-only: copied, and given back at once
      before = count
      local c = cu.from_dlpack(m)
      assert.are.equal(before + 1, count)
      H.same(c, {{1, 2, 3}, {4, 5, 6}})
      deleter:free()
    end)
  end)
end
