-- cu.nccl: collectives between GPUs through NCCL, in one process (one communicator per
-- device) or across processes and hosts (one rank per process).
--
--   local comm = cu.nccl.init()            -- under cuarray-run: RANK, WORLD_SIZE, LOCAL_RANK
--   local x = cu.random.random({1000})     -- on this rank's GPU
--   comm:all_reduce(x)                     -- in place: the sum over every rank
--
-- This file checks arrays and options and hands raw buffers to the C binding (cuda/l_nccl.c),
-- which queues each operation on the current stream of the communicator's device, like any
-- other op. Ranks count from 0, as RANK, NCCL and MPI count them; devices are CUDA ordinals.
local options = require "cuarray.options"
local unpack = table.unpack or unpack
local has_ffi, ffi = pcall(require, "ffi")

local OPS = {sum = 0, prod = 1, max = 2, min = 3, avg = 4}
-- NCCL's type codes for our dtypes; bool, int16 and uint16 have none and travel as bytes, so
-- they go through the data-moving collectives (and bool through max and min, as any and all).
local NCCL_TYPE = {int8 = 0, uint8 = 1, int32 = 2, uint32 = 3, int64 = 4, uint64 = 5, float16 = 6,
                   float32 = 7, float64 = 8, bfloat16 = 9}
local AS_BYTES = {bool = 1, int16 = 2, uint16 = 2}
local UINT8 = 1
-- The operation numbers of the C binding (comm:_op).
local KIND = {all_reduce = 0, broadcast = 1, reduce = 2, all_gather = 3, reduce_scatter = 4,
              send = 5, recv = 6}
local KIND_NAME = {}
for k, v in pairs(KIND) do KIND_NAME[v] = k end

local pack = require("cuarray.args").pack

local function fail(level, fmt, ...) error(("nccl." .. fmt):format(...), level + 1) end

local function address(a)
  local p = a:data_ptr()
  if has_ffi and type(p) == "cdata" then return tonumber(ffi.cast("uintptr_t", p)) end
  return p
end

-- options.check with NCCL's names: known_options(opts, "all_reduce", {"op", "out"}). A tail
-- call, so that check's error points at the caller of the function asking.
local function known_options(opts, fname, names)
  local set = {}
  for _, n in ipairs(names) do set[n] = true end
  return options.check(opts, "nccl." .. fname, set)
end

local function env_number(name)
  local v = os.getenv(name)
  if v == nil or v == "" then return nil end
  local n = tonumber(v)
  if not n or n < 0 or n % 1 ~= 0 then
    error(("nccl: %s=%s is not a non-negative integer"):format(name, v), 4)
  end
  return n
end

local function default_timeout()
  local t = tonumber(os.getenv("CUARRAY_NCCL_TIMEOUT") or "")
  return t and t >= 0 and t or 600
end

return function(cu)
  local C = type(cu.cuda._nccl) == "table" and cu.cuda._nccl or nil
  local M = {}
  local groups = {}             -- open groups: each a list of the raw communicators used

  -- ---- availability -----------------------------------------------------------------------

  -- cu.nccl.library(): the path and version of the NCCL found, or nil and why not. Needs no GPU.
  function M.library()
    if not C then
      local _, why = cu.cuda.is_available()
      return nil, "cuarray.cuda is not available (" .. tostring(why) .. ")"
    end
    return C.library()
  end

  -- cu.nccl.is_available(): true, or false and the reason (no GPU, or no NCCL library).
  function M.is_available()
    local ok, why = cu.cuda.is_available()
    if not ok then return false, "no usable CUDA device (" .. tostring(why) .. ")" end
    local path, err = M.library()
    if not path then return false, err end
    return true
  end

  function M.version()
    local path, v = M.library()
    if not path then error("nccl.version: NCCL is not available: " .. v, 2) end
    return v
  end

  local function need(fname)
    if C then return C end
    local _, why = M.library()
    fail(3, "%s: NCCL is not available: %s", fname, why)
  end

  -- cu.nccl.get_unique_id(): a new id (a string of 256 hex digits) to pass to every rank by any
  -- channel. The process that makes it hosts NCCL's rendezvous until the ranks have joined.
  function M.get_unique_id() return need("get_unique_id").unique_id() end

  -- ---- groups -----------------------------------------------------------------------------

  function M.group_start()
    need("group_start").group_start()
    groups[#groups + 1] = {}
  end

  local function used_in_group(raw)
    local list = groups[#groups]
    if not list then return end
    for _, c in ipairs(list) do if c == raw then return end end
    list[#list + 1] = raw
  end

  function M.group_end()
    local list = groups[#groups]
    if not list then error("nccl.group_end: no group is open", 2) end
    groups[#groups] = nil
    -- an inner group's operations start with the outermost one: so does their watch
    for _, raw in ipairs(list) do used_in_group(raw) end
    C.group_end(list)
  end

  -- cu.nccl.group(fn, ...): fn(...) between group_start and group_end, so that the operations
  -- it queues (send/recv pairs, one collective per device of this process) start together.
  function M.group(fn, ...)
    if type(fn) ~= "function" then error("nccl.group: expected a function, got " .. type(fn), 2) end
    M.group_start()
    local r = pack(pcall(fn, ...))
    local ok, err = pcall(M.group_end)
    if not r[1] then error(r[2], 0) end
    if not ok then error(err, 0) end
    return unpack(r, 2, r.n)
  end

  -- ---- communicators ----------------------------------------------------------------------

  local Comm = {}
  Comm.__index = Comm

  local function wrap(raw, check)
    local rank, nranks, device, timeout = raw:_info()
    return setmetatable({_c = raw, rank = rank, nranks = nranks, device = "cuda:" .. device,
                         timeout = timeout, check = check or false}, Comm)
  end

  local function want_check(opts)
    if opts.check ~= nil then return opts.check and true or false end
    local e = os.getenv("CUARRAY_NCCL_CHECK")
    return e ~= nil and e ~= "" and e ~= "0"
  end

  local function opt_timeout(opts, fname)
    local t = opts.timeout
    if t == nil then return default_timeout() end
    if type(t) ~= "number" or t < 0 then
      fail(3, "%s: timeout must be a number of seconds >= 0 (0: wait without bound)", fname)
    end
    return t
  end

  -- cu.nccl.Communicator(nranks, id, rank[, {device =, timeout =, check =}]): this process's
  -- rank of a communicator of nranks ranks; every rank passes the same id. Waits for the others
  -- at most `timeout` seconds (default 600, or $CUARRAY_NCCL_TIMEOUT; 0 waits without bound),
  -- which also bounds each operation (a dead peer ends in an error, not a hang).
  function M.Communicator(nranks, id, rank, opts)
    opts = known_options(opts, "Communicator", {"device", "timeout", "check"})
    local lib = need("Communicator")
    if type(nranks) ~= "number" or nranks < 1 or nranks % 1 ~= 0 then
      fail(2, "Communicator: nranks must be a positive integer, got %s", tostring(nranks))
    end
    if type(rank) ~= "number" or rank < 0 or rank >= nranks or rank % 1 ~= 0 then
      fail(2, "Communicator: rank must be an integer from 0 to %d, got %s", nranks - 1,
           tostring(rank))
    end
    local timeout = opt_timeout(opts, "Communicator")
    local ok, raw = pcall(lib.init_rank, nranks, id, rank, opts.device, timeout)
    if not ok then error(raw, 2) end
    return wrap(raw, want_check(opts))
  end

  function Comm:__tostring() return tostring(self._c) end

  -- The array at an operation: on this communicator's device and C-contiguous.
  local function check_array(self, a, fname, what)
    if not cu.is_array(a) then fail(3, "%s: %s must be an array, got %s", fname, what, type(a)) end
    if a.device ~= self.device then
      fail(3, "%s: %s is on %s, the communicator (rank %d) on %s", fname, what, a.device, self.rank,
           self.device)
    end
    if not a.is_contiguous then
      fail(3, "%s: %s must be C-contiguous (a:copy() gives such a copy)", fname, what)
    end
    return a
  end

  -- NCCL's type and element count for a, for a collective reducing with `op` (nil: moving data).
  local function nccl_type(a, fname, op)
    local t = NCCL_TYPE[a.dtype]
    if t then return t, a.size end
    if op == nil or (a.dtype == "bool" and (op == OPS.max or op == OPS.min)) then
      return UINT8, a.size * AS_BYTES[a.dtype]
    end
    local hint = a.dtype == "bool" and ", or use op max (any) or min (all)" or ""
    fail(3, "%s: NCCL cannot reduce %s arrays (it has no such type); convert them first, e.g. "
         .. "a:astype(\"int32\")%s", fname, a.dtype, hint)
  end

  local function reduction(opts, fname)
    local name = opts.op == nil and "sum" or opts.op
    local op = OPS[name]
    if not op then
      fail(3, "%s: op must be one of \"sum\", \"prod\", \"max\", \"min\", \"avg\", got %s", fname,
           tostring(name))
    end
    return op
  end

  local function check_rank(self, r, fname, what)
    if type(r) ~= "number" or r < 0 or r >= self.nranks or r % 1 ~= 0 then
      fail(3, "%s: %s must be a rank from 0 to %d, got %s", fname, what, self.nranks - 1,
           tostring(r))
    end
    return r
  end

  -- `out` for a result of `size` elements of a's dtype.
  local function check_out(self, out, a, size, fname)
    check_array(self, out, fname, "out")
    if out.dtype ~= a.dtype then
      fail(3, "%s: out is %s, the array %s (NCCL does not convert)", fname, out.dtype, a.dtype)
    end
    if out.size ~= size then
      fail(3, "%s: out has %d elements, the result %d", fname, out.size, size)
    end
    return out
  end

  local function describe(row)
    local dts = {}
    for k, v in pairs(NCCL_TYPE) do dts[v] = k end
    return ("%s of %d elements (NCCL type %s, op %d, root %d)"):format(KIND_NAME[row[1]] or "?",
      row[3], dts[row[2]] or tostring(row[2]), row[4], row[5])
  end

  -- With check on: every rank compares what it is about to do with the others (one small
  -- all_gather and a synchronisation per collective; outside groups only).
  local function cross_check(self, fname, t, n, op, root)
    if not self.check or #groups > 0 then return end
    local desc = cu.array({KIND[fname], t, n, op, root}, {dtype = "int64", device = self.device})
    local all = cu.empty({self.nranks, 5}, {dtype = "int64", device = self.device})
    self._c:_op(KIND.all_gather, address(desc), address(all), 5, NCCL_TYPE.int64, 0, 0)
    local rows = all:totable()
    local why = self._c:failure()
    if why then fail(4, "%s: the communicator was aborted: %s", fname, why) end
    local mine = rows[self.rank + 1]
    for r, row in ipairs(rows) do
      for k = 1, 5 do
        if row[k] ~= mine[k] then
          fail(4, "%s: the ranks disagree: rank %d does %s, rank %d does %s", fname, self.rank,
               describe(mine), r - 1, describe(row))
        end
      end
    end
  end

  local function run(self, fname, send, recv, n, t, op, root)
    cross_check(self, fname, t, n, op, root)
    self._c:_op(KIND[fname], send and address(send), recv and address(recv), n, t, op, root)
    used_in_group(self._c)
  end

  -- comm:all_reduce(a[, {op =, out =}]): the reduction over every rank's a, in every rank's a
  -- (or out). op: "sum" (default), "prod", "max", "min", "avg".
  function Comm:all_reduce(a, opts)
    opts = known_options(opts, "all_reduce", {"op", "out"})
    check_array(self, a, "all_reduce", "the array")
    local op = reduction(opts, "all_reduce")
    local out = opts.out and check_out(self, opts.out, a, a.size, "all_reduce") or a
    local t, n = nccl_type(a, "all_reduce", op)
    run(self, "all_reduce", a, out, n, t, op, 0)
    return out
  end

  -- comm:broadcast(a[, {root = 0, out =}]): root's a, into every rank's a (or out).
  function Comm:broadcast(a, opts)
    opts = known_options(opts, "broadcast", {"root", "out"})
    check_array(self, a, "broadcast", "the array")
    local root = check_rank(self, opts.root or 0, "broadcast", "root")
    local out = opts.out and check_out(self, opts.out, a, a.size, "broadcast") or a
    local t, n = nccl_type(a, "broadcast", nil)
    run(self, "broadcast", a, out, n, t, 0, root)
    return out
  end

  -- comm:reduce(a[, {op =, root = 0, out =}]): the reduction over every rank's a, into root's a
  -- (or out); the other ranks' arrays are left as they were.
  function Comm:reduce(a, opts)
    opts = known_options(opts, "reduce", {"op", "root", "out"})
    check_array(self, a, "reduce", "the array")
    local op = reduction(opts, "reduce")
    local root = check_rank(self, opts.root or 0, "reduce", "root")
    local out = opts.out and check_out(self, opts.out, a, a.size, "reduce") or a
    local t, n = nccl_type(a, "reduce", op)
    run(self, "reduce", a, out, n, t, op, root)
    return out
  end

  -- comm:all_gather(a[, {out =}]): every rank's a, stacked in rank order: a new array of shape
  -- (nranks, a's shape...), or any C-contiguous out of nranks * a.size elements.
  function Comm:all_gather(a, opts)
    opts = known_options(opts, "all_gather", {"out"})
    check_array(self, a, "all_gather", "the array")
    local out = opts.out
    if out then
      check_out(self, out, a, a.size * self.nranks, "all_gather")
    else
      out = cu.empty({self.nranks, unpack(a.shape)}, {dtype = a.dtype, device = self.device})
    end
    local t, n = nccl_type(a, "all_gather", nil)
    run(self, "all_gather", a, out, n, t, 0, 0)
    return out
  end

  -- comm:reduce_scatter(a[, {op =, out =}]): the reduction over every rank's a, of which rank r
  -- keeps block r along the first axis: a new array of shape (a.shape[1] / nranks, ...), or any
  -- C-contiguous out of a.size / nranks elements.
  function Comm:reduce_scatter(a, opts)
    opts = known_options(opts, "reduce_scatter", {"op", "out"})
    check_array(self, a, "reduce_scatter", "the array")
    local op = reduction(opts, "reduce_scatter")
    local out = opts.out
    if a.size % self.nranks ~= 0 then
      fail(2, "reduce_scatter: %d elements do not split evenly among %d ranks", a.size, self.nranks)
    end
    local per_rank = a.size / self.nranks
    if out then
      check_out(self, out, a, per_rank, "reduce_scatter")
    else
      if a.ndim == 0 or a.shape[1] % self.nranks ~= 0 then
        fail(2, "reduce_scatter: the first axis (%s) does not split evenly among %d ranks; pass "
             .. "{out =} for another layout", a.ndim == 0 and "none" or tostring(a.shape[1]),
             self.nranks)
      end
      local shape = a.shape
      shape[1] = shape[1] / self.nranks
      out = cu.empty(shape, {dtype = a.dtype, device = self.device})
    end
    local t, n = nccl_type(a, "reduce_scatter", op)
    run(self, "reduce_scatter", a, out, n / self.nranks, t, op, 0)
    return out
  end

  -- comm:send(a, peer) and comm:recv(a, peer): a point-to-point transfer into peer's a, of the
  -- same dtype and size. Both sides must be queued together: pair them inside cu.nccl.group
  -- when a rank both sends and receives.
  local function point_to_point(self, fname, a, peer)
    check_array(self, a, fname, "the array")
    check_rank(self, peer, fname, "peer")
    local t, n = nccl_type(a, fname, nil)
    local p = address(a)
    if fname == "send" then
      self._c:_op(KIND.send, p, nil, n, t, 0, peer)
    else
      self._c:_op(KIND.recv, nil, p, n, t, 0, peer)
    end
    used_in_group(self._c)
    return a
  end
  function Comm:send(a, peer) return point_to_point(self, "send", a, peer) end
  function Comm:recv(a, peer) return point_to_point(self, "recv", a, peer) end

  -- comm:synchronize([{timeout =}]): waits for the work queued on the device's current stream;
  -- raises (and aborts the communicator) on NCCL's asynchronous error or after the timeout.
  function Comm:synchronize(opts)
    opts = known_options(opts, "synchronize", {"timeout"})
    local ok, err = pcall(self._c.synchronize, self._c, opts.timeout)
    if not ok then error(err, 2) end
  end

  -- comm:abort(): ends the communicator at once, its unfinished operations with it.
  function Comm:abort() self._c:abort() end
  -- comm:destroy(): waits for its operations (at most the timeout), then frees it. Also
  -- the finalizer, and __close for `local comm <close> = ...` on Lua 5.4.
  function Comm:destroy() self._c:destroy() end
  Comm.__close = Comm.destroy
  -- comm:failure(): why the communicator was aborted, or nil.
  function Comm:failure() return self._c:failure() end

  -- ---- one process, several devices -------------------------------------------------------

  local List = {}
  List.__index = List

  -- cu.nccl.init_all([devices][, {timeout =, check =}]): one communicator per device (default:
  -- every device), ranks in the order given, all in this process. The list has the collectives
  -- above taking a list of arrays (arrays[i] on comms[i].device), run as one group.
  function M.init_all(devices, opts)
    if type(devices) == "table" and opts == nil and devices[1] == nil and next(devices) ~= nil then
      devices, opts = nil, devices
    end
    opts = known_options(opts, "init_all", {"timeout", "check"})
    local lib = need("init_all")
    if devices == nil then
      devices = {}
      for d = 0, cu.cuda.device_count() - 1 do devices[#devices + 1] = d end
    end
    if type(devices) ~= "table" then
      fail(2, "init_all: devices must be a list, got %s", type(devices))
    end
    local ok, raws = pcall(lib.init_all, devices, opt_timeout(opts, "init_all"))
    if not ok then error(raws, 2) end
    local list = {}
    for i, raw in ipairs(raws) do list[i] = wrap(raw, want_check(opts)) end
    return setmetatable(list, List)
  end

  local function per_device(name)
    return function(self, arrays, opts)
      local fname = name
      if type(arrays) ~= "table" or #arrays ~= #self then
        fail(2, "%s: expected a list of %d arrays, one per communicator", fname, #self)
      end
      opts = opts or {}
      if type(opts) ~= "table" then fail(2, "%s: options must be a table", fname) end
      -- Everything is checked before the group starts: a collective queued on some devices
      -- only would wait for the others until the timeout.
      for i, a in ipairs(arrays) do
        if not cu.is_array(a) then fail(2, "%s: arrays[%d] is not an array", fname, i) end
        if a.device ~= self[i].device or not a.is_contiguous then
          fail(2, "%s: arrays[%d] must be C-contiguous and on %s (it is %s on %s)", fname, i,
               self[i].device, a.is_contiguous and "contiguous" or "not contiguous", a.device)
        end
        if a.dtype ~= arrays[1].dtype or a.size ~= arrays[1].size then
          fail(2, "%s: arrays[%d] (%s, %d elements) differs from arrays[1] (%s, %d elements)",
               fname, i, a.dtype, a.size, arrays[1].dtype, arrays[1].size)
        end
      end
      local outs = opts.out
      if outs ~= nil and (type(outs) ~= "table" or cu.is_array(outs) or #outs ~= #self) then
        fail(2, "%s: out must be a list of %d arrays", fname, #self)
      end
      local results = {}
      M.group(function()
        for i, c in ipairs(self) do
          local o = {}
          for k, v in pairs(opts) do o[k] = v end
          o.out = opts.out and opts.out[i]
          results[i] = c[name](c, arrays[i], o)
        end
      end)
      return results
    end
  end
  for _, name in ipairs({"all_reduce", "broadcast", "reduce", "all_gather", "reduce_scatter"}) do
    List[name] = per_device(name)
  end
  function List:synchronize(opts) for _, c in ipairs(self) do c:synchronize(opts) end end
  function List:destroy() for _, c in ipairs(self) do c:destroy() end end
  List.__close = List.destroy

  -- ---- from the launcher's environment ----------------------------------------------------

  local function write_id(path, id)
    local tmp = path .. ".tmp" -- only rank 0 writes
    local f, err = io.open(tmp, "w")
    if not f then fail(3, "init: cannot write the rendezvous file: %s", err) end
    f:write(id, "\n")
    f:close()
    local ok, rerr = os.rename(tmp, path)
    if not ok then fail(3, "init: cannot move the rendezvous file into place: %s", rerr) end
  end

  -- RANK and WORLD_SIZE, or an error naming fname.
  local function job(fname)
    local rank, size = env_number("RANK"), env_number("WORLD_SIZE")
    if not rank or not size then
      error(("nccl.%s: RANK and WORLD_SIZE are not set: start the script with cuarray-run -n N "
             .. "script.lua, or set RANK, WORLD_SIZE and LOCAL_RANK"):format(fname), 4)
    end
    if rank >= size then fail(4, "%s: RANK=%d is not below WORLD_SIZE=%d", fname, rank, size) end
    return rank, size
  end

  local function rendezvous(fname, timeout)
    local rank, size = job(fname)
    local id = os.getenv("CUARRAY_NCCL_ID")
    if id and id ~= "" then return id end
    local lib = need(fname)
    if os.getenv("NCCL_COMM_ID") or size == 1 then return lib.unique_id() end
    local path = os.getenv("CUARRAY_RENDEZVOUS")
    if not path or path == "" then
      fail(3, "%s: no way to share the NCCL id: start the processes with cuarray-run, or set "
           .. "CUARRAY_NCCL_ID, NCCL_COMM_ID=host:port or CUARRAY_RENDEZVOUS=<shared file>", fname)
    end
    if rank == 0 then
      id = lib.unique_id()
      write_id(path, id)
      return id
    end
    local got, why = lib.wait_file(path, timeout)
    if not got then fail(3, "%s: rank %d got no id from rank 0: %s", fname, rank, why) end
    return got
  end

  -- cu.nccl.rendezvous([{timeout =}]): the NCCL id of the job cuarray-run (or any launcher
  -- setting RANK and WORLD_SIZE) started, the same string on every rank: $CUARRAY_NCCL_ID when
  -- set; a new id on every rank when NCCL_COMM_ID=host:port is set (NCCL's own rendezvous, rank
  -- 0 hosting it) or the job has one rank; else rank 0 makes one and writes it to the file
  -- $CUARRAY_RENDEZVOUS, where the other ranks wait for it (at most the timeout).
  function M.rendezvous(opts)
    opts = known_options(opts, "rendezvous", {"timeout"})
    return rendezvous("rendezvous", opt_timeout(opts, "rendezvous"))
  end

  -- cu.nccl.init([{device =, timeout =, check =, id =}]): this process's rank of the job that
  -- cuarray-run (or any launcher setting RANK, WORLD_SIZE and LOCAL_RANK) started, with the id
  -- from {id =} or cu.nccl.rendezvous(). The device is cuda:LOCAL_RANK unless given, and
  -- becomes the default device.
  function M.init(opts)
    opts = known_options(opts, "init", {"device", "timeout", "check", "id"})
    local timeout = opt_timeout(opts, "init")
    local rank, size = job("init")
    local id = opts.id or rendezvous("init", timeout)
    local device = opts.device or ("cuda:" .. (env_number("LOCAL_RANK") or rank))
    cu.set_default_device(device)
    local ok, comm = pcall(M.Communicator, size, id, rank,
                           {device = device, timeout = timeout, check = opts.check})
    if not ok then error(comm, 2) end
    return comm
  end

  return M
end
