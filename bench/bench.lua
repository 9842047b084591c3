-- bench/bench.lua: times the benchmark contract's workloads (the same names and sizes as
-- .gpu/peers.py runs through CuPy and PyTorch) and prints one JSON object per line on stdout,
--   {"lib": "cuarray", "op": NAME, "ms": median}     ("us" for the per-op host-time ops)
-- plus a readable table on stderr.
--
--   luajit bench/bench.lua [--device cuda|cpu] [--only NAME,...] [--quick]
--
-- Device ops are timed with CUDA events around the op after warm-up; CPU ops with a monotonic
-- wall clock. Medians of 20 repeats (5 for the slow ones). Every timed op produces its full
-- result (nothing here is lazy), which is freed outside the timed region. --device cpu runs
-- smaller sizes; --quick runs tiny sizes in a few seconds (spec/examples_spec.lua uses it).
local cu = require "cuarray"

-- ---- arguments ---------------------------------------------------------------------------
local opts = {device = nil, only = nil, quick = false}
do
  local argv = arg or {}
  local i = 1
  while i <= #argv do
    local a = argv[i]
    if a == "--device" then opts.device = argv[i + 1]; i = i + 1
    elseif a:match("^%-%-device=") then opts.device = a:match("=(.*)")
    elseif a == "--only" then opts.only = argv[i + 1]; i = i + 1
    elseif a:match("^%-%-only=") then opts.only = a:match("=(.*)")
    elseif a == "--quick" then opts.quick = true
    elseif a == "-h" or a == "--help" then
      io.stderr:write("usage: luajit bench/bench.lua [--device cuda|cpu] [--only NAME,...]",
                      " [--quick]\n")
      os.exit(0)
    else
      io.stderr:write("bench.lua: unknown argument ", a, "\n")
      os.exit(2)
    end
    i = i + 1
  end
end
if not opts.device then
  opts.device = cu.cuda.is_available() and "cuda" or "cpu"
end
local on_gpu = opts.device:match("^cuda") ~= nil
if on_gpu and not cu.cuda.is_available() then
  io.stderr:write("bench.lua: --device cuda but ", tostring(select(2, cu.cuda.is_available())),
                  "\n")
  os.exit(1)
end
local wanted
if opts.only then
  wanted = {}
  for name in opts.only:gmatch("[^,%s]+") do wanted[name] = true end
end
cu.set_default_device(opts.device)

-- ---- sizes (the contract) -----------------------------------------------------------------
local N, M, MATMUL, REPS, SLOW_REPS, TINY_LOOP
if opts.quick then
  N, M, MATMUL, REPS, SLOW_REPS, TINY_LOOP = 2 ^ 12, 64, {16, 32}, 3, 2, 200
elseif on_gpu then
  N, M, MATMUL, REPS, SLOW_REPS, TINY_LOOP = 2 ^ 28, 16384, {1024, 4096, 8192}, 20, 5, 20000
else
  N, M, MATMUL, REPS, SLOW_REPS, TINY_LOOP = 2 ^ 24, 4096, {256, 512, 1024}, 20, 5, 20000
end
local WARMUP = opts.quick and 1 or 3

-- ---- clocks --------------------------------------------------------------------------------
-- A monotonic wall clock in seconds: clock_gettime(CLOCK_MONOTONIC) through LuaJIT's FFI.
-- os.clock is CPU time (wrong for waits and for multi-threaded BLAS), so it is only the
-- fallback on a Lua without FFI, with a warning.
local now
do
  local ok, ffi = pcall(require, "ffi")
  if ok then
    pcall(ffi.cdef, [[
      typedef struct { long tv_sec; long tv_nsec; } cuarray_bench_timespec;
      int clock_gettime(int clk_id, cuarray_bench_timespec *tp);
    ]])
    local ts = ffi.new("cuarray_bench_timespec")
    local CLOCK_MONOTONIC = 1
    local works = pcall(ffi.C.clock_gettime, CLOCK_MONOTONIC, ts)
    if works then
      now = function()
        ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
        return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
      end
    end
  end
  if not now then
    io.stderr:write("bench.lua: no FFI (run it under LuaJIT); CPU times use os.clock\n")
    now = os.clock
  end
end

local function sync()
  if on_gpu then cu.cuda.synchronize() end
end

-- frees a result: an array, or a list of arrays (the factorizations' several results)
local function release(r)
  if cu.is_array(r) then
    r:free()
  elseif type(r) == "table" then
    for _, x in ipairs(r) do release(x) end
  end
end

local function median(t)
  table.sort(t)
  local n = #t
  if n % 2 == 1 then return t[(n + 1) / 2] end
  return (t[n / 2] + t[n / 2 + 1]) / 2
end

local ev1, ev2
if on_gpu then ev1, ev2 = cu.cuda.Event(), cu.cuda.Event() end

-- time_ms(fn, reps): median milliseconds of fn(), after warm-up.
local function time_ms(fn, reps)
  for _ = 1, WARMUP do release(fn()) end
  sync()
  collectgarbage("collect")
  local ts = {}
  for i = 1, reps do
    local r
    if on_gpu then
      ev1:record()
      r = fn()
      ev2:record()
      ev2:synchronize()
      ts[i] = ev1:elapsed(ev2)
    else
      local t0 = now()
      r = fn()
      ts[i] = (now() - t0) * 1e3
    end
    release(r)
  end
  return median(ts)
end

-- time_us_per_op(fn): host time per op in a loop of TINY_LOOP with one synchronize at the end.
local function time_us_per_op(fn)
  for _ = 1, math.min(1000, TINY_LOOP) do fn() end
  sync()
  collectgarbage("collect")
  local t0 = now()
  for _ = 1, TINY_LOOP do fn() end
  sync()
  return (now() - t0) / TINY_LOOP * 1e6
end

-- ---- output --------------------------------------------------------------------------------
local rows = {}
local function emit(op, unit, value, note)
  io.stdout:write(('{"lib": "cuarray", "op": "%s", "%s": %.4f}\n'):format(op, unit, value))
  io.stdout:flush()
  rows[#rows + 1] = {op, unit, value, note or ""}
  io.stderr:write(("%-18s %12.4f %-2s  %s\n"):format(op, value, unit, note or ""))
end

local function gbps(bytes, ms) return ("%8.1f GB/s"):format(bytes / (ms * 1e-3) / 1e9) end
local function tflops(n, ms) return ("%8.2f TFLOP/s"):format(2 * n ^ 3 / (ms * 1e-3) / 1e12) end

local function want(name) return not wanted or wanted[name] end

-- bench(name, reps, fn, bytes): time and emit one device-time workload
local function bench(name, reps, fn, bytes)
  if not want(name) then return end
  local ms = time_ms(fn, reps)
  emit(name, "ms", ms, bytes and gbps(bytes, ms))
end

io.stderr:write(("cuarray bench on %s: N = %d float32, M = %d%s\n")
  :format(opts.device, N, M, opts.quick and " (quick)" or ""))

-- ---- workloads -----------------------------------------------------------------------------
local F32 = {dtype = "float32"}
-- A reduction over all elements returns a Lua value (reading it synchronises); this keeps the
-- 0-d result on the device instead.
local ON_DEVICE = {array = true}
local B4 = 4
cu.random.seed(0)

local needs_big = false
for _, name in ipairs({"add_f32", "add_f32_alloc", "axpb_f32", "exp_f32", "bcast_add_f32",
                       "sum_f32", "max_f32", "sum_axis_f32", "transpose_f32", "slice_step2_f32",
                       "d2h_1gib", "hypot_f32", "logaddexp_f32", "modf_f32",
                       "fused_axpb_f32_2p28", "fused_gauss_f32_2p28", "fused_sumsq_f32_2p28",
                       "fused_rowdot_f32"}) do
  if want(name) then needs_big = true end
end

if needs_big then
  local a = cu.random.random({N}, F32)
  local b = cu.random.random({N}, F32)
  local c = cu.empty({N}, F32)
  local m = a[{{1, M * M}}]:reshape({M, M})      -- a view: (M, M) over a's first M*M elements
  local v = b[{{1, M}}]                          -- (M,)
  bench("add_f32", REPS, function() cu.add(a, b, {out = c}) end, 3 * N * B4)
  bench("add_f32_alloc", REPS, function() return a + b end, 3 * N * B4)
  bench("axpb_f32", REPS, function() return a * 2 + b end, 3 * N * B4)
  bench("exp_f32", REPS, function() cu.exp(a, {out = c}) end, 2 * N * B4)
  bench("hypot_f32", REPS, function() cu.hypot(a, b, {out = c}) end, 3 * N * B4)
  bench("logaddexp_f32", REPS, function() cu.logaddexp(a, b, {out = c}) end, 3 * N * B4)
  -- two results (allocated per call): one read, two writes
  bench("modf_f32", REPS, function() return cu.modf(a) end, 3 * N * B4)
  bench("bcast_add_f32", REPS, function() return m + v end, 2 * M * M * B4)
  -- {array = true}: the 0-d result stays on the device, as CuPy's and PyTorch's do
  bench("sum_f32", REPS, function() return a:sum(ON_DEVICE) end, N * B4)
  bench("max_f32", REPS, function() return a:max(ON_DEVICE) end, N * B4)
  bench("sum_axis_f32", REPS, function() return m:sum(-1) end, M * M * B4)
  bench("transpose_f32", REPS, function() return m.T:copy() end, 2 * M * M * B4)
  bench("slice_step2_f32", REPS, function() return a[{{1, -1, 2}}]:copy() end, N * B4)
  -- cu.fuse: one kernel on the GPU (the first call, in the warm-up, compiles or loads it)
  local axpb = cu.fuse(function(x, y) return x * 2 + y end, {name = "axpb"})
  local gauss = cu.fuse(function(x, y) return cu.exp(-x * x) * y + 0.5 * x end, {name = "gauss"})
  bench("fused_axpb_f32_2p28", REPS, function() return axpb(a, b) end, 3 * N * B4)
  bench("fused_gauss_f32_2p28", REPS, function() return gauss(a, b) end, 3 * N * B4)
  -- fused reductions: the chain in registers, folded in the same kernel (the sum over every
  -- element split over many blocks)
  local sumsq = cu.fuse(function(x, y) return cu.sum((x - y) ^ 2, ON_DEVICE) end, {name = "sumsq"})
  local rowdot = cu.fuse(function(x, w) return (x * w):sum(2) end, {name = "rowdot"})
  bench("fused_sumsq_f32_2p28", REPS, function() return sumsq(a, b) end, 2 * N * B4)
  bench("fused_rowdot_f32", REPS, function() return rowdot(m, v) end, M * M * B4)
  if on_gpu then
    bench("d2h_1gib", SLOW_REPS, function() return a:get() end, N * B4)
  end
  m, v = nil, nil
  a:free(); b:free(); c:free()
  collectgarbage("collect")
end

-- The narrow dtypes (the peers' "dtypes" group): uint32 integers below 2^30 (CuPy's row;
-- PyTorch has no uint32 add on CUDA) and bfloat16 (PyTorch's row; CuPy has no bfloat16), N
-- elements (2^28 on the GPU), two operands read and one result written.
if want("add_u32_2p28") then
  local u = cu.random.randint(0, 2 ^ 30, {N}, {dtype = "uint32"})
  bench("add_u32_2p28", REPS, function() return u + u end, 3 * N * B4)
  u:free()
  collectgarbage("collect")
end
if want("add_bf16_2p28") then
  local h = cu.random.random({N}, {dtype = "bfloat16"})
  bench("add_bf16_2p28", REPS, function() return h + h end, 3 * N * 2)
  h:free()
  collectgarbage("collect")
end
-- complex64 (the same group): two operands of N / 2 elements (2^27 on the GPU), 8 bytes each.
if want("add_c64_2p27") or want("mul_c64_2p27") or want("abs_c64_2p27") then
  local half = N / 2
  local c1 = cu.complex(cu.random.random({half}, F32), cu.random.random({half}, F32))
  local c2 = c1 * 2
  bench("add_c64_2p27", REPS, function() return c1 + c2 end, 3 * half * 8)
  bench("mul_c64_2p27", REPS, function() return c1 * c2 end, 3 * half * 8)
  bench("abs_c64_2p27", REPS, function() return cu.abs(c1) end, half * 12)
  c1:free(); c2:free()
  collectgarbage("collect")
end

bench("rand_f32", REPS, function() return cu.random.random({N}, F32) end, N * B4)
local normal = cu.random.standard_normal
bench("randn_f32", REPS, function() return normal({N}, F32) end, N * B4)

for _, n in ipairs(MATMUL) do
  local n32, n64 = "matmul_f32_" .. n, "matmul_f64_" .. n
  if want(n32) or want(n64) then
    local x = cu.random.random({n, n}, F32)
    local y = cu.random.random({n, n}, F32)
    if want(n32) then
      local ms = time_ms(function() return cu.matmul(x, y) end, REPS)
      emit(n32, "ms", ms, tflops(n, ms))
    end
    if want(n64) then
      local xd, yd = x:astype("float64"), y:astype("float64")
      local ms = time_ms(function() return cu.matmul(xd, yd) end, SLOW_REPS)
      emit(n64, "ms", ms, tflops(n, ms))
      xd:free(); yd:free()
    end
    x:free(); y:free()
    collectgarbage("collect")
  end
end

-- Linear algebra (peers_more.py's group linalg): a = rand + n I (well conditioned), spd = a a^T,
-- the SVD of a's leading half, stacks of 32 x 32 systems, and two einsum contractions.
do
  local LA = opts.quick and 32 or on_gpu and 4096 or 512
  local HALF = math.floor(LA / 2)
  local BATCH = opts.quick and 8 or on_gpu and 4096 or 256
  local EB, EI, EJ = 64, 512, 256
  local E = opts.quick and 64 or on_gpu and 8192 or 2048
  if opts.quick then EB, EI, EJ = 2, 16, 8 elseif not on_gpu then EB = 8 end
  local rows_of = {"solve", "inv", "det", "cholesky", "qr", "eigh"}
  for _, tag in ipairs({"f32", "f64"}) do
    local names, any = {}, false
    for _, r in ipairs(rows_of) do
      names[r] = r .. "_" .. tag .. "_" .. LA
      any = any or want(names[r])
    end
    names.svd = "svd_" .. tag .. "_" .. HALF
    any = any or want(names.svd)
    if any then
      local dt = {dtype = tag == "f32" and "float32" or "float64"}
      local a = cu.random.random({LA, LA}, dt) + cu.eye(LA, dt) * LA
      local b = cu.random.random({LA, 1}, dt)
      local spd = cu.matmul(a, a.T)
      local la = cu.linalg
      bench(names.solve, SLOW_REPS, function() return la.solve(a, b) end)
      bench(names.inv, SLOW_REPS, function() return la.inv(a) end)
      bench(names.det, SLOW_REPS, function() return la.det(a, ON_DEVICE) end)
      bench(names.cholesky, SLOW_REPS, function() return la.cholesky(spd) end)
      bench(names.qr, 3, function() return {la.qr(a)} end)
      bench(names.eigh, 3, function() return {la.eigh(spd)} end)
      local s = a[{{1, HALF}, {1, HALF}}]
      bench(names.svd, 3, function() return {la.svd(s)} end)
      a:free(); b:free(); spd:free()
      collectgarbage("collect")
    end
  end
  local sb, ib = "solve_batched_f32_" .. BATCH .. "x32", "inv_batched_f32_" .. BATCH .. "x32"
  if want(sb) or want(ib) then
    local ab = cu.random.random({BATCH, 32, 32}, F32) + cu.eye(32, F32) * 32
    local bb = cu.random.random({BATCH, 32, 1}, F32)
    bench(sb, REPS, function() return cu.linalg.solve(ab, bb) end)
    bench(ib, REPS, function() return cu.linalg.inv(ab) end)
    ab:free(); bb:free()
  end
  local e1 = ("einsum_bij_bjk_%dx%d"):format(EB, EI)
  if want(e1) then
    local p = cu.random.random({EB, EI, EJ}, F32)
    local q = cu.random.random({EB, EJ, EI}, F32)
    bench(e1, REPS, function() return cu.einsum("bij,bjk->bik", p, q) end)
    p:free(); q:free()
  end
  local e2 = "einsum_ij_ij_" .. E
  if want(e2) then
    local x = cu.random.random({E, E}, F32)
    local y = cu.random.random({E, E}, F32)
    bench(e2, REPS, function() return cu.einsum("ij,ij->", x, y, ON_DEVICE) end, 2 * E * E * B4)
    x:free(); y:free()
  end
  collectgarbage("collect")
end

-- The statistics and random rows of the peers' "stats" and "sort" groups (peers_more.py), at
-- their sizes on the GPU (2^26) and at 2^22 on the CPU (bench/numpy_peer.py likewise); the
-- size is part of the name.
do
  local bits = opts.quick and 12 or on_gpu and 26 or 22
  local n = 2 ^ bits
  local sfx = "_2p" .. bits
  if want("nansum_f32" .. sfx) or want("nanmax_f32" .. sfx) then
    local xn = cu.random.random({n}, F32)
    xn[{{1, -1, 7}}] = 0 / 0
    bench("nansum_f32" .. sfx, REPS, function() return xn:nansum(ON_DEVICE) end, n * B4)
    bench("nanmax_f32" .. sfx, REPS, function() return xn:nanmax(ON_DEVICE) end, n * B4)
    xn:free()
  end
  bench("permutation" .. sfx, REPS, function() return cu.random.permutation(n) end, n * 8)
  collectgarbage("collect")
end

if on_gpu and want("h2d_1gib") then
  local h = cu.random.random({N}, {dtype = "float32", device = "cpu"})
  bench("h2d_1gib", SLOW_REPS, function() return h:to(opts.device) end, N * B4)
  h:free()
end

-- Sorting and order statistics: the names of the peers' "sort" and "stats" groups, at their
-- sizes on the GPU (2^26 elements, 16384 rows of 4096) and smaller on the CPU.
do
  local SN, RM, RN
  if opts.quick then SN, RM, RN = 2 ^ 12, 16, 256
  elseif on_gpu then SN, RM, RN = 2 ^ 26, 16384, 4096
  else SN, RM, RN = 2 ^ 22, 1024, 4096 end
  local names = {"sort_f32_2p26", "argsort_f32_2p26", "sort_rows_f32_16384x4096",
                 "searchsorted_2p24_in_2p26", "unique_i32_2p26", "unique_counts_i32_2p26",
                 "topk_rows_16384x4096_k16", "bincount_2p26_1024", "histogram_f32_2p26_256",
                 "median_f32_2p26", "quantile_f32_2p24_q3"}
  local any = false
  for _, name in ipairs(names) do any = any or want(name) end
  if any then
    local x = cu.random.random({SN}, F32)
    local m = cu.random.random({RM, RN}, F32)
    bench("sort_f32_2p26", SLOW_REPS, function() return cu.sort(x) end, 2 * SN * B4)
    bench("argsort_f32_2p26", SLOW_REPS, function() return cu.argsort(x) end, SN * (B4 + 8))
    bench("sort_rows_f32_16384x4096", SLOW_REPS, function() return cu.sort(m, -1) end,
      2 * RM * RN * B4)
    if want("searchsorted_2p24_in_2p26") then
      local hay, q = cu.sort(x), cu.random.random({SN / 4}, F32)
      bench("searchsorted_2p24_in_2p26", REPS, function() return cu.searchsorted(hay, q) end,
        SN / 4 * (B4 + 8))
      hay:free(); q:free()
    end
    if want("unique_i32_2p26") or want("unique_counts_i32_2p26") then
      local u = cu.random.randint(0, 2 ^ 20, {SN}, {dtype = "int32"})
      bench("unique_i32_2p26", SLOW_REPS, function() return cu.unique(u) end, SN * B4)
      bench("unique_counts_i32_2p26", SLOW_REPS,
        function() return cu.unique(u, {return_counts = true}).counts end, SN * B4)
      u:free()
    end
    bench("topk_rows_16384x4096_k16", SLOW_REPS, function() return (cu.topk(m, 16)) end,
      RM * RN * B4)
    if want("bincount_2p26_1024") then
      local b = cu.random.randint(0, 1024, {SN}, {dtype = "int32"})
      bench("bincount_2p26_1024", REPS, function() return cu.bincount(b, {minlength = 1024}) end,
        SN * B4)
      b:free()
    end
    bench("histogram_f32_2p26_256", REPS,
      function() return (cu.histogram(x, {bins = 256, range = {0, 1}})) end, SN * B4)
    bench("median_f32_2p26", SLOW_REPS, function() return cu.median(x, {array = true}) end,
      SN * B4)
    local x24 = x[{{1, SN / 4}}]
    bench("quantile_f32_2p24_q3", SLOW_REPS,
      function() return cu.percentile(x24, {25, 50, 75}) end, SN / 4 * B4)
    x:free(); m:free()
    collectgarbage("collect")
  end
end

-- cu.fft, the rows of the fft group of the peers' script (complex64 inputs are transforms of
-- float32 ones). At their full sizes: on the GPU unless --quick, or when named.
if rawget(cu.fft, "fft") then
  local function fft_row(name) return want(name) and ((on_gpu and not opts.quick) or wanted) end
  if fft_row("fft_c64_2p24") or fft_row("ifft_c64_2p24") then
    local c = cu.fft.fft(cu.random.random({2 ^ 24}, F32))
    bench("fft_c64_2p24", REPS, function() return cu.fft.fft(c) end)
    bench("ifft_c64_2p24", REPS, function() return cu.fft.ifft(c) end)
    c:free()
  end
  if fft_row("rfft_f32_2p26") then
    local r = cu.random.random({2 ^ 26}, F32)
    bench("rfft_f32_2p26", REPS, function() return cu.fft.rfft(r) end)
    r:free()
  end
  if fft_row("rfft2_f32_4096") or fft_row("fft2_c64_4096") then
    local img = cu.random.random({4096, 4096}, F32)
    bench("rfft2_f32_4096", REPS, function() return cu.fft.rfft2(img) end)
    local c2 = cu.fft.fft2(img)
    bench("fft2_c64_4096", REPS, function() return cu.fft.fft2(c2) end)
    img:free()
    c2:free()
  end
  if fft_row("rfft_rows_f32_16384x1024") then
    local bat = cu.random.random({16384, 1024}, F32)
    bench("rfft_rows_f32_16384x1024", REPS, function() return cu.fft.rfft(bat, nil, -1) end)
    bat:free()
  end
end

-- Layouts, mixed dtypes, selection and indexing (the peers' "layout" group, same names and
-- sizes on the GPU, smaller on the CPU): reductions over the first axis and along rows, an
-- operand read transposed, int32 + float32, float16, mask selection, gathers and scatters of
-- 1-based indices, and the cumulative sum.
do
  local SQ, R, C, LB, IB
  if opts.quick then SQ, R, C, LB, IB = 64, 64, 32, 12, 10
  elseif on_gpu then SQ, R, C, LB, IB = 16384, 16384, 4096, 26, 24
  else SQ, R, C, LB, IB = 2048, 2048, 1024, 22, 20 end
  local LN, LI = 2 ^ LB, 2 ^ IB
  local rc, ln, li = ("%dx%d"):format(R, C), "_2p" .. LB, "_2p" .. IB
  local transposed = "add_transposed_f32_" .. SQ
  if want(transposed) then
    local m = cu.random.random({SQ, SQ}, F32)
    bench(transposed, REPS, function() return m.T + m end, 3 * SQ * SQ * B4)
    m:free()
  end
  local yrows = {"mean_axis0_f32_", "std_axis0_f32_", "argmax_axis1_f32_", "var_axis1_f32_"}
  local any = false
  for _, r in ipairs(yrows) do any = any or want(r .. rc) end
  if any then
    local y = cu.random.random({R, C}, F32)
    bench("mean_axis0_f32_" .. rc, REPS, function() return y:mean(1) end, R * C * B4)
    bench("std_axis0_f32_" .. rc, REPS, function() return y:std(1) end, R * C * B4)
    bench("argmax_axis1_f32_" .. rc, REPS, function() return y:argmax(2) end, R * C * B4)
    bench("var_axis1_f32_" .. rc, REPS, function() return y:var(2) end, R * C * B4)
    y:free()
  end
  local sel, gather = "mask_select_f32" .. ln, ("gather_f32%s_of%s"):format(li, ln)
  local scatter, cumsum = ("scatter_f32%s_into%s"):format(li, ln), "cumsum_f32" .. ln
  local mixed, half = "add_i32_f32" .. ln, "add_f16" .. ln
  any = false
  for _, r in ipairs({sel, gather, scatter, cumsum, mixed, half}) do any = any or want(r) end
  if any then
    local z = cu.random.random({LN}, F32)
    bench(sel, REPS, function() return z[z:gt(0.5)] end, LN * (B4 + 1))
    local idx = cu.random.randint(1, LN + 1, {LI})
    bench(gather, REPS, function() return z[idx] end, LI * (8 + 2 * B4))
    local v = cu.random.random({LI}, F32)
    bench(scatter, REPS, function() z[idx] = v end, LI * (8 + 2 * B4))
    bench(cumsum, REPS, function() return cu.cumsum(z) end, 2 * LN * B4)
    local p = cu.random.randint(0, 100, {LN}, {dtype = "int32"})
    bench(mixed, REPS, function() return p + z end, 3 * LN * B4)
    local h = z:astype("float16")
    bench(half, REPS, function() return h + h end, 3 * LN * 2)
    z:free(); idx:free(); v:free(); p:free(); h:free()
  end
  collectgarbage("collect")
end

-- Host <-> device copies by size (the peers' "transfer" group): a:get() and h:to(device) of
-- float32 arrays from 2^10 to 2^24 elements, pageable host memory.
if on_gpu then
  for _, bits in ipairs({10, 14, 18, 20, 22, 24}) do
    local n = 2 ^ bits
    local d2h, h2d = ("d2h_f32_%d"):format(n), ("h2d_f32_%d"):format(n)
    if want(d2h) or want(h2d) then
      local d = cu.random.random({n}, F32)
      local h = cu.random.random({n}, {dtype = "float32", device = "cpu"})
      bench(d2h, REPS, function() return d:get() end, n * B4)
      bench(h2d, REPS, function() return h:to(opts.device) end, n * B4)
      d:free(); h:free()
    end
  end
  collectgarbage("collect")
end

-- End to end: a script's whole time on the host clock (bench/e2e_peers.py runs the same in CuPy
-- and PyTorch), ending in a read to the host or a synchronisation; the temporaries are left to
-- the collector, as a script leaves them. The seed example (random, dot, get), a row softmax, a
-- five-point stencil step through slices and assignment, and a chain of small ops.
local function e2e(name, reps, fn)
  if not want(name) then return end
  for _ = 1, WARMUP do fn() end
  sync()
  local ts = {}
  for i = 1, reps do
    local t0 = now()
    fn()
    sync()
    ts[i] = (now() - t0) * 1e3
  end
  emit(name, "ms", median(ts))
end
do
  local S, SEED = 4096, 1000
  if opts.quick then S, SEED = 64, 64 elseif not on_gpu then S = 1024 end
  e2e("e2e_seed_" .. SEED, REPS, function()
    local x = cu.random.random({SEED, SEED}, F32)
    return cu.dot(x, x):get()
  end)
  local x = cu.random.random({S, S}, F32)
  e2e("e2e_softmax_" .. S, REPS, function()
    local e = cu.exp(x - x:max(2, {keepdims = true}))
    return e / e:sum(2, {keepdims = true})
  end)
  local u = cu.random.random({S, S}, F32)
  local inner = {{2, -2}, {2, -2}}
  e2e("e2e_stencil_" .. S, REPS, function()
    u[inner] = (u[{{1, -3}, {2, -2}}] + u[{{3, -1}, {2, -2}}] + u[{{2, -2}, {1, -3}}]
                + u[{{2, -2}, {3, -1}}]) * 0.25
  end)
  local w = cu.random.random({1000}, F32)
  e2e("e2e_chain_1000", REPS, function()
    local y = w
    for _ = 1, 10 do y = y * 1.0001 + w end
    return y:sum()
  end)
  x:free(); u:free(); w:free()
  collectgarbage("collect")
end

do
  local x = cu.ones({1000}, F32)
  local y = cu.ones({1000}, F32)
  if want("tiny_add_us") then
    emit("tiny_add_us", "us", time_us_per_op(function() return x + y end))
  end
  if want("tiny_sum_us") then
    emit("tiny_sum_us", "us", time_us_per_op(function() return x:sum(ON_DEVICE) end))
  end
end

