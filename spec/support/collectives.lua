-- The collective specs shared by one process driving every GPU (spec/multigpu/nccl_single_mgpu.lua)
-- and one process per GPU (spec/multigpu/nccl_ranks_mgpu.lua): the same tests, the same
-- expected values, computed here in plain Lua.
--
-- Rank r of n holds x_r[k] = k % 5 + r + 1 (k counting from 0 in C order): small integers, so
-- every reduction is exact in every dtype, int8 and float16 included.
local cu = require "cuarray"
local busted = require "busted"
local H = require "helper"
local it, assert = busted.it, busted.assert

local C = {}

C.DTYPES = {"float32", "float64", "float16", "bfloat16", "int32", "int64", "int8", "uint8", "uint32",
            "uint64"}
C.SHAPES = {{7}, {3, 5}, {2, 33, 17}, {0}, {1}}
C.OPS = {"sum", "prod", "max", "min", "avg"}

local function size_of(shape)
  local n = 1
  for _, d in ipairs(shape) do n = n * d end
  return n
end

-- flat (1-based list) as nested tables of `shape`
local function nest(flat, shape)
  if #shape == 0 then return flat[1] end
  local pos = 0
  local function build(dim)
    local t = {}
    for i = 1, shape[dim] do
      if dim == #shape then
        pos = pos + 1
        t[i] = flat[pos]
      else
        t[i] = build(dim + 1)
      end
    end
    return t
  end
  return build(1)
end
C.nest = nest

function C.value(k, r) return k % 5 + r + 1 end

-- bool arrays are x_r[k] = (k % 2 == r % 2) instead.
function C.input(r, dtype, shape, device)
  local n = size_of(shape)
  if dtype == "bool" then return (cu.arange(n, {device = device}) % 2):eq(r % 2):reshape(shape) end
  local a = cu.arange(n, {device = device}) % 5 + (r + 1)
  return a:astype(dtype):reshape(shape)
end

local integer = {int8 = true, uint8 = true, int16 = true, int32 = true, int64 = true, uint32 = true,
                 uint64 = true}

local function reduce(op, k, nranks, dtype)
  local acc
  for r = 0, nranks - 1 do
    local v = C.value(k, r)
    if acc == nil then acc = v
    elseif op == "sum" or op == "avg" then acc = acc + v
    elseif op == "prod" then acc = acc * v
    elseif op == "max" then acc = math.max(acc, v)
    else acc = math.min(acc, v) end
  end
  if op == "avg" then
    acc = acc / nranks
    if integer[dtype] then acc = math.floor(acc) end -- NCCL divides integers truncating
  end
  return acc
end

function C.expected(op, dtype, shape, nranks)
  local flat = {}
  for k = 0, size_of(shape) - 1 do flat[k + 1] = reduce(op, k, nranks, dtype) end
  return nest(flat, shape)
end

function C.input_table(r, shape, dtype)
  local flat = {}
  for k = 0, size_of(shape) - 1 do
    if dtype == "bool" then flat[k + 1] = k % 2 == r % 2 else flat[k + 1] = C.value(k, r) end
  end
  return nest(flat, shape)
end

local function shape_str(shape) return "(" .. table.concat(shape, ",") .. ")" end

-- ctx: nranks; here = {{rank =, device =, comm =}, ...} for the ranks of this process;
-- run(name, arrays, opts) runs the collective on every rank here (arrays and opts.out in the
-- order of `here`) and returns the results in that order; group(fn) runs fn inside a group.
function C.define(ctx)
  local n = ctx.nranks

  it("all_reduce: every op, dtype and shape", function()
    for _, dtype in ipairs(C.DTYPES) do
      for _, shape in ipairs(C.SHAPES) do
        for _, op in ipairs(C.OPS) do
          local xs = {}
          for i, h in ipairs(ctx.here) do xs[i] = C.input(h.rank, dtype, shape, h.device) end
          local rs = ctx.run("all_reduce", xs, {op = op})
          local want = C.expected(op, dtype, shape, n)
          for i in ipairs(ctx.here) do
            assert.are.equal(xs[i], rs[i], "in place")
            local ok, err = pcall(H.same, rs[i], want)
            assert(ok, ("%s %s %s: %s"):format(op, dtype, shape_str(shape), tostring(err)))
          end
        end
      end
    end
  end)

  it("all_reduce of 2^20 elements (NCCL's large-message protocol) equals the CPU's reduction", function()
    local size = 2 ^ 20
    for _, case in ipairs({{"sum", "float32"}, {"max", "int64"}, {"prod", "float64"}}) do
      local op, dtype = case[1], case[2]
      local xs = {}
      for i, h in ipairs(ctx.here) do xs[i] = C.input(h.rank, dtype, {size}, h.device) end
      ctx.run("all_reduce", xs, {op = op})
      local want = C.input(0, dtype, {size}, "cpu")
      for r = 1, n - 1 do
        local x = C.input(r, dtype, {size}, "cpu")
        if op == "sum" then want = want + x
        elseif op == "max" then want = cu.maximum(want, x)
        else want = want * x end
      end
      for i in ipairs(ctx.here) do
        assert.is_true(xs[i]:get():eq(want):all(), op .. " " .. dtype)
      end
    end
  end)

  it("all_reduce into out leaves the input as it was", function()
    local xs, outs = {}, {}
    for i, h in ipairs(ctx.here) do
      xs[i] = C.input(h.rank, "float32", {3, 5}, h.device)
      outs[i] = cu.zeros({15}, {dtype = "float32", device = h.device})
    end
    local rs = ctx.run("all_reduce", xs, {op = "max", out = outs})
    for i, h in ipairs(ctx.here) do
      assert.are.equal(outs[i], rs[i])
      H.same(outs[i]:reshape({3, 5}), C.expected("max", "float32", {3, 5}, n))
      H.same(xs[i], C.input_table(h.rank, {3, 5}))
    end
  end)

  it("bool arrays reduce with max (any) and min (all)", function()
    for _, op in ipairs({"max", "min"}) do
      local xs = {}
      for i, h in ipairs(ctx.here) do
        xs[i] = (cu.arange(12, {device = h.device}) % 3):eq(h.rank) -- true on k % 3 == rank
      end
      ctx.run("all_reduce", xs, {op = op})
      local want = {}
      for k = 0, 11 do want[k + 1] = op == "max" and k % 3 < n or (n == 1 and k % 3 == 0) end
      for i in ipairs(ctx.here) do H.same(xs[i], want) end
    end
  end)

  it("broadcast: from every root, in place and into out, dtypes without an NCCL type too", function()
    for _, dtype in ipairs({"float32", "int64", "int16", "bool", "float16"}) do
      for root = 0, n - 1 do
        local xs = {}
        for i, h in ipairs(ctx.here) do xs[i] = C.input(h.rank, dtype, {4, 3}, h.device) end
        ctx.run("broadcast", xs, {root = root})
        for i in ipairs(ctx.here) do H.same(xs[i], C.input_table(root, {4, 3}, dtype)) end
      end
    end
    local xs, outs = {}, {}
    for i, h in ipairs(ctx.here) do
      xs[i] = C.input(h.rank, "float64", {6}, h.device)
      outs[i] = cu.zeros({2, 3}, {device = h.device})
    end
    ctx.run("broadcast", xs, {root = n - 1, out = outs})
    for i, h in ipairs(ctx.here) do
      H.same(outs[i]:reshape({6}), C.input_table(n - 1, {6}))
      H.same(xs[i], C.input_table(h.rank, {6}))
    end
  end)

  it("reduce: the root gets the reduction, the others keep their arrays", function()
    for _, op in ipairs({"sum", "max"}) do
      local root = n - 1
      local xs = {}
      for i, h in ipairs(ctx.here) do xs[i] = C.input(h.rank, "int32", {9}, h.device) end
      ctx.run("reduce", xs, {op = op, root = root})
      for i, h in ipairs(ctx.here) do
        if h.rank == root then
          H.same(xs[i], C.expected(op, "int32", {9}, n))
        else
          H.same(xs[i], C.input_table(h.rank, {9}))
        end
      end
    end
  end)

  it("all_gather: every rank's array stacked in rank order", function()
    for _, dtype in ipairs({"float32", "int8", "int16", "bool"}) do
      local xs = {}
      for i, h in ipairs(ctx.here) do xs[i] = C.input(h.rank, dtype, {2, 3}, h.device) end
      local rs = ctx.run("all_gather", xs)
      local want = {}
      for r = 0, n - 1 do want[r + 1] = C.input_table(r, {2, 3}, dtype) end
      for i in ipairs(ctx.here) do
        assert.are.same({n, 2, 3}, rs[i].shape)
        H.same(rs[i], want)
      end
    end
    local xs, outs = {}, {}
    for i, h in ipairs(ctx.here) do
      xs[i] = C.input(h.rank, "float64", {5}, h.device)
      outs[i] = cu.zeros({5 * n}, {device = h.device})
    end
    ctx.run("all_gather", xs, {out = outs})
    local flat = {}
    for r = 0, n - 1 do for k = 0, 4 do flat[#flat + 1] = C.value(k, r) end end
    for i in ipairs(ctx.here) do H.same(outs[i], flat) end
  end)

  it("reduce_scatter: rank r keeps block r of the reduction", function()
    for _, op in ipairs({"sum", "min"}) do
      local shape = {3 * n, 4}
      local xs = {}
      for i, h in ipairs(ctx.here) do xs[i] = C.input(h.rank, "float32", shape, h.device) end
      local rs = ctx.run("reduce_scatter", xs, {op = op})
      local full = C.expected(op, "float32", shape, n)
      for i, h in ipairs(ctx.here) do
        assert.are.same({3, 4}, rs[i].shape)
        H.same(rs[i], {full[3 * h.rank + 1], full[3 * h.rank + 2], full[3 * h.rank + 3]})
      end
    end
  end)

  it("send and recv around a ring, inside a group", function()
    local xs, ys = {}, {}
    for i, h in ipairs(ctx.here) do
      xs[i] = C.input(h.rank, "float32", {100}, h.device)
      ys[i] = cu.zeros({100}, {dtype = "float32", device = h.device})
    end
    ctx.group(function()
      for i, h in ipairs(ctx.here) do
        h.comm:send(xs[i], (h.rank + 1) % n)
        h.comm:recv(ys[i], (h.rank - 1) % n)
      end
    end)
    for i, h in ipairs(ctx.here) do H.same(ys[i], C.input_table((h.rank - 1) % n, {100})) end
  end)

  it("refuses what NCCL cannot take, before queuing anything", function()
    local h = ctx.here[1]
    local comm = h.comm
    local x = C.input(h.rank, "float32", {4, 6}, h.device)
    local elsewhere = h.device == "cuda:0" and "cuda:1" or "cuda:0"
    H.raises("nccl.all_reduce: the array is on " .. elsewhere .. ", the communicator (rank "
             .. h.rank .. ") on " .. h.device, comm.all_reduce, comm,
             cu.zeros(3, {device = elsewhere}))
    H.raises("nccl.all_reduce: the array must be C-contiguous", comm.all_reduce, comm, x.T)
    H.raises("nccl.all_reduce: NCCL cannot reduce int16 arrays", comm.all_reduce, comm,
             x:astype("int16"))
    H.raises("or use op max (any) or min (all)", comm.all_reduce, comm, x:gt(1))
    H.raises("nccl.all_reduce: op must be one of \"sum\", \"prod\", \"max\", \"min\", \"avg\", got mean",
             comm.all_reduce, comm, x, {op = "mean"})
    H.raises("nccl.broadcast: root must be a rank from 0 to " .. (n - 1) .. ", got " .. n,
             comm.broadcast, comm, x, {root = n})
    H.raises("nccl.all_reduce: out is float64, the array float32 (NCCL does not convert)",
             comm.all_reduce, comm, x, {out = cu.zeros(24, {device = h.device})})
    H.raises("nccl.all_gather: out has 24 elements, the result " .. 24 * n, comm.all_gather, comm,
             x, {out = cu.zeros(24, {dtype = "float32", device = h.device})})
    H.raises("nccl.reduce_scatter: " .. (n + 1) .. " elements do not split evenly among " .. n
             .. " ranks", comm.reduce_scatter, comm, cu.zeros(n + 1, {dtype = "float32", device = h.device}))
    H.raises("nccl.send: peer must be a rank from 0 to", comm.send, comm, x, n)
    H.raises("nccl.all_reduce: unknown option 'root'", comm.all_reduce, comm, x, {root = 0})
  end)
end

return C
