-- User kernels on the GPU: every kernel kind and placeholder form, broadcasting, raw
-- parameters, outputs given and made, streams, the disk cache across processes, launch
-- errors. Runs under `make test-gpu` only (spec/*_gpu_spec.lua); the code generation and
-- compilation are also checked without a GPU in spec/kernel_spec.lua.
local cu = require "cuarray"
local H = require "helper"

describe("user kernels on the GPU", function()
  if not cu.cuda.is_available() then
    it("needs a GPU", function() error("cuarray.cuda reports no GPU: " .. select(2, cu.cuda.is_available())) end)
    return
  end
  local dev = "cuda"
  local function arr(t, dt) return cu.array(t, {dtype = dt or "float32", device = dev}) end

  it("ElementwiseKernel: placeholders, scalars, made and given outputs", function()
    local k = cu.ElementwiseKernel("T x, T y", "T z", "z = x * y + 1;", "ew_fma")
    H.same(k(arr({1, 2, 3}), arr({4, 5, 6})):totable(), {5, 11, 19})
    local x = arr({1, 2, 3}, "int32")
    local z = k(x, 10)
    assert.are.equal("int32", z.dtype)
    H.same(z:totable(), {11, 21, 31})
    local out = cu.zeros(3, {dtype = "int32", device = dev})
    assert.are.equal(out, k(x, x, out))
    H.same(out:totable(), {2, 5, 10})
    for _, dt in ipairs({"bool", "int8", "uint8", "int16", "int64", "float16", "float64"}) do
      local a = cu.array({0, 1, 1}, {dtype = dt, device = dev})
      local got = cu.ElementwiseKernel("T x", "T y", "y = x;", "ew_copy")(a)
      assert.are.equal(dt, got.dtype)
      H.same(got:totable(), a:totable())
    end
  end)

  it("ElementwiseKernel and cu.fuse: a call of a layout seen before takes its own arguments", function()
    local k = cu.ElementwiseKernel("T x, T y", "T z", "z = x * 2 + y;", "ew_layouts")
    local f = cu.fuse(function(x, y) return x * 2 + y end, {name = "fused_layouts"})
    local a = cu.arange(16, {dtype = "float32", device = dev}):reshape({4, 4})
    local b = cu.arange(16, {dtype = "float32", device = dev}):reshape({4, 4}) * 10
    local every_other = cu.arange(32, {dtype = "float32", device = dev}):reshape({4, 8})[{{}, {1, 8, 2}}]
    local views = {a, a.T, a, every_other, b, b.T, a}
    for _, v in ipairs(views) do
      local want = (v * 2 + b):totable()
      H.same(k(v, b):totable(), want)
      H.same(f(v, b):totable(), want)
    end
    for n = 1, 70 do -- more layouts than a kernel keeps
      local x = cu.ones(n, {dtype = "float32", device = dev})
      H.same(k(x, x):totable(), (x * 3):totable())
    end
    H.same(k(a, b):totable(), (a * 2 + b):totable())
    local out = cu.zeros({4, 4}, {dtype = "float32", device = dev})
    assert.are.equal(out, k(a.T, b, out))
    H.same(out:totable(), (a.T * 2 + b):totable())
    local z = k(a, 3)
    assert.are.equal("float32", z.dtype)
    H.same(z:totable(), (a * 2 + 3):totable())
    local i = cu.arange(16, {dtype = "int32", device = dev}):reshape({4, 4})
    H.same(k(i, 3):totable(), (i * 2 + 3):totable())
    assert.are.equal("int32", k(i, 3).dtype)
  end)

  it("ElementwiseKernel: fixed types convert as astype; float16 rounds once", function()
    local k = cu.ElementwiseKernel("float32 x, float16 h", "float64 z", "z = x + h;", "ew_mixed")
    local z = k(arr({1.5, -2.75, 3}, "int64"), cu.array({0.1, 0.2, 0.3}, {dtype = "float16", device = dev}))
    local h = cu.array({0.1, 0.2, 0.3}, {dtype = "float16"}):astype("float64"):totable()
    H.same(z:totable(), {1 + h[1], -2 + h[2], 3 + h[3]})
  end)

  it("ElementwiseKernel: broadcasting, strided and 0-d operands agree with the core ops", function()
    local k = cu.ElementwiseKernel("T x, T y", "T z", "z = x - y;", "ew_sub")
    local a = cu.random.random({7, 5, 3}, {device = dev})
    local b = cu.random.random({5, 1}, {device = dev})
    H.same(k(a, b):totable(), (a - b):totable())
    H.same(k(a:transpose(), 2.5):totable(), (a:transpose() - 2.5):totable())
    local strided, row = a[{{}, 2, {1, 3, 2}}], b[{{1, 2}}]:reshape(1, 2)     -- (7, 2) and (1, 2)
    H.same(k(strided, row):totable(), (strided - row):totable())
    H.same(k(cu.array(3, {device = dev}), cu.array(1, {device = dev})):totable(), 2)
    assert.are.same({0, 4}, k(cu.zeros({0, 4}, {device = dev}), 1).shape)
  end)

  it("ElementwiseKernel: raw parameters, i and _ind.size()", function()
    local rev = cu.ElementwiseKernel("raw T x", "T y", "y = x[_ind.size() - 1 - i];", "ew_rev")
    local x = arr({1, 2, 3, 4, 5})
    H.same(rev(x, cu.empty(5, {dtype = "float32", device = dev})):totable(), {5, 4, 3, 2, 1})
    local idx = cu.ElementwiseKernel("", "int64 y", "y = i;", "ew_iota")
    H.same(idx(cu.empty(4, {dtype = "int64", device = dev})):totable(), {0, 1, 2, 3})
    -- a raw strided view is indexed in C order
    local m = cu.arange(12, {dtype = "float32", device = dev}):reshape(3, 4):transpose()
    H.same(rev(m, cu.empty({4, 3}, {dtype = "float32", device = dev})):totable(), m:flip():totable())
  end)

  it("ElementwiseKernel: preamble and options", function()
    local k = cu.ElementwiseKernel("T x", "T y", "y = sq(x);", "ew_pre",
      {preamble = "template <typename U> __device__ U sq(U v) { return v * v; }", options = {"--use_fast_math"}})
    H.same(k(arr({1, 2, 3})):totable(), {1, 4, 9})
  end)

  it("RawKernel: pointers, typed scalars, shared memory and a stream", function()
    local k = cu.RawKernel([[
extern "C" __global__ void axpy(float *y, const float *x, int n, float a) {
  extern __shared__ float tile[];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  tile[threadIdx.x] = i < n ? x[i] : 0.0f;
  __syncthreads();
  if (i < n) y[i] += a * tile[threadIdx.x];
}]], "axpy", {signature = "float*, const float*, int, float"})
    local y, x = arr({1, 1, 1, 1, 1}), arr({1, 2, 3, 4, 5})
    k({2}, {4}, {y, x, 5, 0.5}, {shared_mem = 4 * 4})
    H.same(y:totable(), {1.5, 2, 2.5, 3, 3.5})
    local s = cu.cuda.Stream()
    k(1, 8, {y, x, 5, 2}, {shared_mem = 32, stream = s})
    s:synchronize()
    H.same(y:totable(), {3.5, 6, 8.5, 11, 13.5})
    H.raises("RawKernel axpy: the signature has 4 parameters, got 3", k, 1, 1, {y, x, 5})
    H.raises("RawKernel axpy: argument 3 is a number but the signature wants a pointer", cu.RawKernel(k.code, "axpy",
      {signature = "float*, float*, float*, float"}), 1, 1, {y, x, 5, 1})
    H.raises("RawKernel axpy: launch failed", k, 1, 4096, {y, x, 5, 1})
    H.raises("RawKernel nope: no kernel named 'nope'", cu.RawKernel(k.code, "nope"), 1, 1, {})
  end)

  it("ReductionKernel: axes, keepdims, broadcasting, given outputs, empty reductions", function()
    local l2 = cu.ReductionKernel("T x", "T y", "x * x", "a + b", "y = sqrt(a);", "0", "rk_l2")
    local x = cu.random.random({6, 7, 300}, {device = dev})
    H.same(l2(x):totable(), math.sqrt((x * x):sum()), 1e-12)
    H.same(l2(x, {axis = 3}):totable(), cu.sqrt((x * x):sum(3)):totable(), 1e-12)
    H.same(l2(x, {axis = {1, -1}}):totable(), cu.sqrt((x * x):sum({1, 3})):totable(), 1e-12)
    H.same(l2(x, {axis = 2, keepdims = true}):totable(), cu.sqrt((x * x):sum(2, {keepdims = true})):totable(), 1e-12)
    H.same(l2(x:transpose(), {axis = 1}):totable(), cu.sqrt((x * x):sum(3)):transpose():totable(), 1e-12)
    local out = cu.zeros(7, {device = dev})
    assert.are.equal(out, l2(x, out, {axis = {1, 3}}))
    H.same(out:totable(), cu.sqrt((x * x):sum({1, 3})):totable(), 1e-12)
    H.same(l2(cu.zeros({3, 0}, {device = dev}), {axis = 2}):totable(), {0, 0, 0})
    local wsum = cu.ReductionKernel("T x, T w", "float64 y", "x * w", "a + b", "y = a;", "0", "rk_wsum",
                                    {reduce_type = "float64"})
    local a = cu.arange(12, {dtype = "float32", device = dev}):reshape(3, 4)
    H.same(wsum(a, cu.array({1, 0, 0, 2}, {dtype = "float32", device = dev}), {axis = 2}):totable(), {6, 18, 30})
    local amax = cu.ReductionKernel("T x", "T y", "x", "max(a, b)", "y = a;", "-1e30", "rk_max")
    local h = cu.array({{1, 5, 2}, {7, -1, 3}}, {dtype = "float16", device = dev})
    H.same(amax(h, {axis = 2}):totable(), {5, 7})
  end)

  it("RawModule: several kernels from one source", function()
    local m = cu.RawModule([[
extern "C" __global__ void fill(double *x, double v) { x[threadIdx.x] = v; }
extern "C" __global__ void twice(double *x) { x[threadIdx.x] *= 2; }]])
    local x = cu.zeros(4, {device = dev})
    m:get_function("fill", {signature = "double*, double"})(1, 4, {x, 1.25})
    m:get_function("twice")(1, 4, {x})
    H.same(x:totable(), {2.5, 2.5, 2.5, 2.5})
  end)

  it("loads a kernel from the disk cache in a second process", function()
    local dir = os.tmpname()
    os.remove(dir)
    local lua = os.getenv("CUARRAY_LUA") or "luajit"
    local script = ([[
local cu = require "cuarray"; local jit = require "cuarray.jit"
cu.set_kernel_cache_dir(%q)
local k = cu.ElementwiseKernel("T x", "T y", "y = x * 7;", "ew_disk")
local y = k(cu.array({1, 2}, {device = "cuda"}))
io.write(("%%g"):format(y:totable()[2]), " ", jit.stats.compiles, " ", jit.stats.disk_hits, "\n")]]):format(dir)
    local function child()
      local f = io.popen(lua .. " -e '" .. script:gsub("'", "'\\''") .. "' 2>&1")
      local out = f:read("*a")
      f:close()
      return out
    end
    assert.are.equal("14 1 0\n", child())
    assert.are.equal("14 0 1\n", child())
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)
