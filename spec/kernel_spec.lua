-- User kernels without a GPU: signature parsing, placeholder resolution, broadcasting and the
-- generated source, NVRTC compiling every generated kernel for sm_90 (NVRTC needs no GPU), the
-- compile-error path, the disk cache, and the errors for CPU arrays. Launching is in
-- spec/kernel_gpu_spec.lua.
local cu = require "cuarray"
local H = require "helper"
local kernel = require "cuarray.kernel"
local jit = require "cuarray.jit"

local nvrtc = jit.nvrtc_version()

-- A fresh, private disk cache for each test that compiles.
local function with_cache(fn)
  local dir = os.tmpname()
  os.remove(dir)
  local before = cu.kernel_cache_dir()
  cu.set_kernel_cache_dir(dir)
  local ok, err = pcall(fn, dir)
  cu.set_kernel_cache_dir(before)
  os.execute("rm -rf '" .. dir .. "'")
  if not ok then error(err, 0) end
end

describe("kernel signatures", function()
  it("parses typed, placeholder and raw parameters", function()
    local p = kernel.parse_params("float32 x, T y ,raw T z", "f", "in_params")
    assert.are.same({{raw = false, type = "float32", name = "x"}, {raw = false, type = "T", name = "y"},
                     {raw = true, type = "T", name = "z"}}, p)
    assert.are.same({}, kernel.parse_params("  ", "f", "in_params"))
    H.raises("ElementwiseKernel: bad parameter 'float32' in in_params", kernel.parse_params,
             "float32", "ElementwiseKernel", "in_params")
    H.raises("parameter 'x' named twice", kernel.parse_params, "T x, T x", "f", "in_params")
    H.raises("bad parameter 'T x y'", kernel.parse_params, "T x y", "f", "in_params")
  end)

  it("maps a RawKernel signature to argument kinds", function()
    assert.are.equal("pif", kernel.parse_signature("float*, int, float", "f"))
    assert.are.equal("pplIde", kernel.parse_signature(
      "const float *x, double* y, long long n, unsigned int k, double a, __half h", "f"))
    assert.are.equal("fi", kernel.parse_signature("float32, int32", "f"))
    H.raises("unknown parameter type 'complex z'", kernel.parse_signature, "complex z", "RawKernel")
  end)

  it("checks the constructor's arguments", function()
    H.raises("ElementwiseKernel: name must be a C identifier", cu.ElementwiseKernel, "T x", "T y", "y = x;", "a b")
    H.raises("ElementwiseKernel: 'x' is both an input and an output", cu.ElementwiseKernel, "T x", "T x", "", "k")
    H.raises("ElementwiseKernel: needs at least one output parameter", cu.ElementwiseKernel, "T x", "", "", "k")
    H.raises("ElementwiseKernel: unknown option 'preambel'", cu.ElementwiseKernel, "T x", "T y", "", "k",
             {preambel = ""})
    H.raises("RawKernel: backend must be \"nvrtc\"", cu.RawKernel, "", "k", {backend = "nvcc"})
  end)
end)

describe("ElementwiseKernel code generation", function()
  local add = cu.ElementwiseKernel("T x, T y", "T z", "z = x + y;", "my_add")

  it("resolves placeholders from the arrays and weak scalars", function()
    local x = cu.arange(4, {dtype = "float32"})
    local src = add:source(x, x)
    assert.truthy(src:find("typedef float T;", 1, true))
    assert.truthy(src:find('extern "C" __global__ void my_add(', 1, true))
    -- a scalar takes the array's type
    assert.truthy(add:source(x, 2):find("float _s_y", 1, true))
    -- only scalars: a Lua integer is int64, with a size
    local s = add:source(1, 2, {size = 3})
    assert.truthy(s:find("typedef long long T;", 1, true))
    H.raises("ElementwiseKernel my_add: type T is float32 from an earlier argument but int32 from 'y'",
             add.source, add, x, cu.zeros(4, {dtype = "int32"}))
    H.raises("cannot tell the loop's size", add.source, add, 1, 2)
  end)

  it("counts arguments and checks outputs", function()
    local x = cu.zeros({2, 3}, {dtype = "float64"})
    H.raises("ElementwiseKernel my_add: takes 2 arguments (or 3 with the outputs), got 1", add.source, add, x)
    H.raises("output 'z' is float32 but the kernel makes float64", add.source, add, x, x,
             cu.zeros({2, 3}, {dtype = "float32"}))
    H.raises("output 'z' has shape (3), the result has (2,3)", add.source, add, x, x, cu.zeros(3))
    H.raises("shapes (2,3) (2) cannot be broadcast together", add.source, add, x, cu.zeros(2))
    H.raises("argument 'y' must be an array or a number, got string", add.source, add, x, "a")
  end)

  it("broadcasts: contiguous operands take a flat loop, broadcast ones a strided one", function()
    local a = cu.zeros({4, 5}, {dtype = "float32"})
    local flat = add:source(a, a)
    assert.truthy(flat:find("_a_x.p[i]", 1, true))
    assert.falsy(flat:find("_r /=", 1, true))
    local row = cu.zeros(5, {dtype = "float32"})
    local strided = add:source(a, row)
    assert.truthy(strided:find("_o_y += _q * _a_y.stride[_d];", 1, true))
    assert.truthy(strided:find("ca_view<float, 2> _a_y", 1, true))
    -- a transposed view walks in C order, so it is strided too (i is the C-order position)
    assert.truthy(add:source(a:transpose(), cu.zeros({5, 4}, {dtype = "float32"})):find("_r /=", 1, true))
  end)

  it("converts fixed-type parameters through convert.h, float16 through its bits", function()
    local k = cu.ElementwiseKernel("float32 x, float16 h", "float16 z", "z = x * h;", "mixed")
    local src = k:source(cu.zeros(3, {dtype = "int64"}), cu.zeros(3, {dtype = "float16"}))
    assert.truthy(src:find("ca_store_i_float32(ca_load_i_int64(", 1, true))
    assert.truthy(src:find("const float h = ca_float16_to_f(", 1, true))
    assert.truthy(src:find("= ca_store_f_float16(z);", 1, true))
  end)

  it("raises for CPU arrays at the call", function()
    local x = cu.zeros(3, {device = "cpu"})
    H.raises("ElementwiseKernel my_add needs a CUDA device", add, x, x)
  end)
end)

describe("ReductionKernel code generation", function()
  local l2 = cu.ReductionKernel("T x", "T y", "x * x", "a + b", "y = sqrt(a);", "0", "l2norm")

  it("checks its arguments, axes and outputs", function()
    H.raises("ReductionKernel: identity must be a string, got number", cu.ReductionKernel,
             "T x", "T y", "x", "a + b", "y = a;", 0, "k")
    H.raises("ReductionKernel: raw parameters are not supported ('x')", cu.ReductionKernel,
             "raw T x", "T y", "x", "a + b", "y = a;", "0", "k")
    local x = cu.zeros({3, 4}, {dtype = "float32"})
    H.raises("ReductionKernel l2norm: axis 3 is out of range for 2 dimensions", l2.source, l2, x, {axis = 3})
    H.raises("ReductionKernel l2norm: axis -1 repeated", l2.source, l2, x, {axis = {2, -1}})
    H.raises("ReductionKernel l2norm: output 'y' has shape (3), the result has (4)", l2.source, l2, x,
             cu.zeros(3, {dtype = "float32"}), {axis = 1})
    H.raises("ReductionKernel l2norm: takes 1 argument (or 2 with the outputs), got 3", l2.source, l2, x, x, x)
    H.raises("ReductionKernel l2norm needs a CUDA device", l2,
             cu.zeros({3, 4}, {dtype = "float32", device = "cpu"}))
  end)

  it("splits kept and reduced dimensions, each coalesced", function()
    local x = cu.zeros({2, 3, 4}, {dtype = "float32"})
    local src = l2:source(x, {axis = {2, 3}})
    assert.truthy(src:find("ca_view<float, 2> _a_x", 1, true), src)
    assert.truthy(src:find("ca_view<float, 1> _a_y", 1, true))
    assert.truthy(src:find("_acc = (a + b);", 1, true))
    assert.truthy(l2:source(x):find("ca_view<float, 2> _a_x", 1, true))
    assert.truthy(l2:source(x, {axis = 2, keepdims = true}):find("ca_view<float, 3> _a_x", 1, true))
  end)
end)

describe("NVRTC", function()
  if not nvrtc then
    it("is not available here", function() pending("no NVRTC: " .. select(2, jit.nvrtc_version())) end)
    return
  end

  it("compiles every generated kernel form for sm_90", function()
    with_cache(function()
      local x = cu.zeros({3, 4}, {dtype = "float32"})
      local add = cu.ElementwiseKernel("T x, T y", "T z", "z = x + y;", "k_add")
      assert.is_true(add:compile(x, x) > 0)
      assert.is_true(add:compile(x, cu.zeros(4, {dtype = "float32"})) > 0)
      assert.is_true(add:compile(x, 2.5) > 0)
      for _, dt in ipairs({"bool", "int8", "uint8", "int16", "int32", "int64", "uint64", "float16",
                           "float64"}) do
        assert.is_true(add:compile(cu.zeros(3, {dtype = dt}), cu.zeros(3, {dtype = dt})) > 0, dt)
      end
      local raw = cu.ElementwiseKernel("raw T x, int32 n", "T y", "y = x[n - 1 - i] + _ind.size();", "k_rev",
                                       {preamble = "// reversal\n", options = {"--use_fast_math"}})
      assert.is_true(raw:compile(x:reshape(12), 12, cu.zeros(12, {dtype = "float32"})) > 0)
      local math_k = cu.ElementwiseKernel("float64 x", "float64 y", "y = ca_exp_d(-x * x) + sin(x);", "k_math")
      assert.is_true(math_k:compile(cu.zeros(3, {dtype = "float16"})) > 0)
      local rk = cu.RawKernel([[
extern "C" __global__ void scale(float *x, int n, float a) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] *= a;
}]], "scale", {signature = "float*, int, float"})
      assert.is_true(rk:compile({arch = "sm_80"}) > 0)
      local l2 = cu.ReductionKernel("T x, T w", "T y", "x * x * w", "a + b", "y = sqrt(a);", "0", "k_l2",
                                    {reduce_type = "float64"})
      local m = cu.zeros({3, 4, 5}, {dtype = "float32"})
      assert.is_true(l2:compile(m, 2, {axis = {1, 3}}) > 0)
      assert.is_true(l2:compile(m, m[1], {axis = -1, keepdims = true}) > 0)
      local amax = cu.ReductionKernel("T x", "int64 y", "x", "max(a, b)", "y = (long long)a;", "-1e30", "k_max")
      assert.is_true(amax:compile(cu.zeros(3, {dtype = "float16"})) > 0)
    end)
  end)

  it("puts NVRTC's log, the kernel's name and the numbered source in the error", function()
    with_cache(function()
      local bad = cu.ElementwiseKernel("T x", "T y", "y = x + undefined_thing;", "k_bad")
      local ok, err = pcall(bad.compile, bad, cu.zeros(2))
      assert.is_false(ok)
      assert.truthy(err:find("ElementwiseKernel k_bad: NVRTC could not compile the kernel", 1, true), err)
      assert.truthy(err:find("undefined_thing", 1, true))
      assert.truthy(err:find("k_bad%.cu%(%d+%): error"), err)
      assert.truthy(err:find("y = x + undefined_thing;", 1, true))
      assert.truthy(err:find("\n%s+%d+ | "), err)
      local rk = cu.RawKernel("extern \"C\" __global__ void f() { nope; }", "f")
      H.raises("RawKernel f: NVRTC could not compile the kernel", rk.compile, rk)
    end)
  end)

  it("caches compiled images in memory and on disk, and rebuilds corrupt entries", function()
    with_cache(function(dir)
      local k = cu.ElementwiseKernel("T x", "T y", "y = x * 3;", "k_cache_" .. os.time())
      local x = cu.zeros(5, {dtype = "int32"})
      local s0 = {}
      for key, v in pairs(jit.stats) do s0[key] = v end
      local size = k:compile(x)
      assert.are.equal(s0.compiles + 1, jit.stats.compiles)
      assert.are.equal(s0.disk_writes + 1, jit.stats.disk_writes)
      k:compile(x)
      assert.are.equal(s0.memory_hits + 1, jit.stats.memory_hits)
      -- a new process would find it on disk: forget the memory cache's entry by a new key
      local files = {}
      local p = io.popen("ls '" .. dir .. "'")
      for f in p:lines() do files[#files + 1] = f end
      p:close()
      assert.are.equal(1, #files)
      assert.truthy(files[1]:match("^%x+%.cubin$"))
      -- the disk path, from a second process
      local lua = os.getenv("CUARRAY_LUA") or "luajit"
      local script = ([[
local cu = require "cuarray"; local jit = require "cuarray.jit"
cu.set_kernel_cache_dir(%q)
local k = cu.ElementwiseKernel("T x", "T y", "y = x * 3;", %q)
local n = k:compile(cu.zeros(5, {dtype = "int32"}))
io.write(n, " ", jit.stats.compiles, " ", jit.stats.disk_hits)]]):format(dir, k.name)
      local function child()
        local f = io.popen(lua .. " -e '" .. script:gsub("'", "'\\''") .. "' 2>&1")
        local out = f:read("*a")
        f:close()
        return out
      end
      assert.are.equal(size .. " 0 1", child())
      -- corrupt the entry: the next process compiles again and replaces it
      local path = dir .. "/" .. files[1]
      local f = io.open(path, "r+b")
      f:seek("set", 200)
      f:write("garbage")
      f:close()
      assert.are.equal(size .. " 1 0", child())
      assert.are.equal(size .. " 0 1", child())
      -- truncated to its header
      f = io.open(path, "rb")
      local head = f:read("*l")
      f:close()
      f = io.open(path, "wb")
      f:write(head, "\n")
      f:close()
      assert.are.equal(size .. " 1 0", child())
    end)
  end)

  it("survives processes writing the same entry at once", function()
    with_cache(function(dir)
      local lua = os.getenv("CUARRAY_LUA") or "luajit"
      local name = "k_race_" .. os.time()
      local script = ([[
local cu = require "cuarray"
cu.set_kernel_cache_dir(%q)
local k = cu.ElementwiseKernel("T x", "T y", "y = x - 1;", %q)
io.write(k:compile(cu.zeros(5, {dtype = "float64"})), "\n")]]):format(dir, name)
      local cmd = lua .. " -e '" .. script:gsub("'", "'\\''") .. "'"
      local p = io.popen("for i in 1 2 3 4; do " .. cmd .. " > '" .. dir .. ".out'$i & done; wait; cat '"
                         .. dir .. ".out'1 '" .. dir .. ".out'2 '" .. dir .. ".out'3 '" .. dir .. ".out'4; echo")
      local out = p:read("*a")
      p:close()
      os.execute("rm -f '" .. dir .. ".out'*")
      local sizes = {}
      for n in out:gmatch("%d+") do sizes[#sizes + 1] = n end
      assert.are.equal(4, #sizes, out)
      for i = 2, 4 do assert.are.equal(sizes[1], sizes[i]) end
      local ls = io.popen("ls '" .. dir .. "'")
      local listing = ls:read("*a")
      ls:close()
      assert.falsy(listing:find("tmp", 1, true), listing)
    end)
  end)
end)
