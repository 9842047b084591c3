-- cuarray: NumPy-style n-d arrays for Lua and LuaJIT, on the CPU and on NVIDIA GPUs.
--
--   local cu = require "cuarray"
--   local x = cu.random.random({1000, 1000})
--   print(cu.matmul(x, x):sum())
--
-- This file is thin: it loads the C module cuarray.core, copies its functions into the module
-- table, adds the compositions written in Lua (lua/cuarray/create.lua: the _like forms and
-- identity; lua/cuarray/random.lua: cu.random's positional forms; lua/cuarray/stats.lua:
-- average, cov, corrcoef; lua/cuarray/linalg.lua: cu.linalg; einsum.lua, products.lua,
-- diagonal.lua: einsum, tensordot, kron, cross, diagonal, trace, diag; the manipulation
-- families; lua/cuarray/ufuncs.lua: isclose, round with decimals, nan_to_num and the other
-- elementwise compositions, also as methods), attaches the namespaces (cu.random, cu.fft,
-- cu.linalg, cu.cuda, cu.nccl) and the device scopes (lua/cuarray/devices.lua), chooses the
-- default device and installs the printer
-- (lua/cuarray/format.lua), adds the array methods written in Lua (lua/cuarray/methods.lua) and
-- makes the module tables strict (lua/cuarray/strict.lua: a misspelled field raises). Lists
-- (dtypes, function names) come from the modules themselves.
local core = require "cuarray.core"
local format = require "cuarray.format"
local devices = require "cuarray.devices"
local nccl = require "cuarray.nccl"

local cu = {}
for k, v in pairs(core) do cu[k] = v end
-- The compositions written in Lua, one file per family (each returns name -> function).
for _, m in ipairs({"cuarray.create", "cuarray.products", "cuarray.diagonal", "cuarray.einsum",
                    "cuarray.join", "cuarray.rearrange", "cuarray.differences", "cuarray.triangles",
                    "cuarray.grids", "cuarray.positions", "cuarray.picking", "cuarray.editing",
                    "cuarray.layout", "cuarray.stats", "cuarray.indices",
                    "cuarray.polynomial", "cuarray.numerics", "cuarray.apply", "cuarray.bits",
                    "cuarray.textio", "cuarray.convolve"}) do
  for k, v in pairs(require(m)) do
    assert(cu[k] == nil, m .. " redefines cu." .. k)
    cu[k] = v
  end
end
cu["repeat"] = cu.repeat_interleave
cu.pad = require("cuarray.pad").pad

-- Sorting, searching, sets, counting and order statistics composed over the core's sort,
-- searchsorted and bincount (lua/cuarray/sorting.lua, lua/cuarray/quantile.lua); NumPy's
-- methods among them become methods too.
do
  local sorting, quantile = require "cuarray.sorting", require "cuarray.quantile"
  for _, mod in ipairs({sorting, require "cuarray.unique", quantile}) do
    for k, v in pairs(mod) do
      if k:sub(1, 1) ~= "_" then cu[k] = v end
    end
  end
  for _, name in ipairs({"searchsorted", "partition", "argpartition", "topk", "index_add"}) do
    core._methods[name] = sorting[name]
  end
end

-- The elementwise compositions (lua/cuarray/ufuncs.lua: isclose, round with decimals,
-- nan_to_num, ...); some replace the core's simpler forms, and some are methods too.
do
  local ufuncs = require "cuarray.ufuncs"
  for _, name in ipairs(ufuncs.methods) do core._methods[name] = ufuncs[name] end
  ufuncs.methods = nil
  for k, v in pairs(ufuncs) do cu[k] = v end
end

cu.random = require "cuarray.random"
cu.lib = {stride_tricks = require "cuarray.strided"}
cu.fft = require "cuarray.fft"
cu.linalg = require "cuarray.linalg"

-- dtypes: the names (cu.dtypes, from the core), and a constant per name (cu.float32 == "float32")
cu.dtypes = {}
for i, name in ipairs(core.dtypes) do
  cu.dtypes[i] = name
  cu[name] = name
end

-- ---- int64 on LuaJIT -----------------------------------------------------------------------

-- LuaJIT numbers are doubles, exact up to 2^53. Beyond, int64 values reach scripts as int64
-- cdata (as `5LL` writes them) and uint64 values as uint64 cdata (`5ULL`), and both are
-- accepted where an exact integer is needed.
do
  local has_ffi, ffi = pcall(require, "ffi")
  local has_bit, bit = pcall(require, "bit")
  if has_ffi and has_bit and core._set_int64 then
    local int64_t, uint64_t = ffi.typeof("int64_t"), ffi.typeof("uint64_t")
    local two63, low32 = uint64_t(2 ^ 63), int64_t(0xffffffff)
    local function make(hi, lo, unsigned)
      return (unsigned and uint64_t or int64_t)(hi) * 4294967296 + lo
    end
    local function parts(v)
      if ffi.istype(uint64_t, v) then
        if v >= two63 then
          return tonumber(bit.rshift(v, 32)), tonumber(bit.band(v, low32)), true
        end
        v = int64_t(v)
      elseif not ffi.istype(int64_t, v) then
        return nil
      end
      return tonumber(bit.arshift(v, 32)), tonumber(bit.band(v, low32))
    end
    core._set_int64(make, parts)
  end
end

-- ---- complex values -----------------------------------------------------------------------

-- An element of a complex array reaches Lua as a complex value (lua/cuarray/complex.lua):
-- z.real, z.imag, arithmetic, tostring as Python's. cu.j is the imaginary unit, so
-- 1 + 2 * cu.j is (1+2j); cu.complex(re, im) makes one from two numbers, or a complex array
-- from two real arrays (or numbers) that broadcast together.
do
  local complex = require "cuarray.complex"
  complex.cu = cu
  if core._set_complex then core._set_complex(complex.new, complex.mt) end
  cu.j = complex.new(0, 1)
  cu.is_complex = complex.is_complex
  -- The parts are copied in rather than computed as re + 1j * im, where an infinite or NaN
  -- imaginary part would spoil the real one (1j * nan is nan+nanj).
  function cu.complex(re, im)
    im = im or 0
    if type(re) == "number" and type(im) == "number" then return complex.new(re, im) end
    local device
    for _, p in ipairs({{"real", re}, {"imaginary", im}}) do
      local part = p[2]
      if cu.is_array(part) then
        if part.dtype == "complex64" or part.dtype == "complex128" then
          error(("complex: the %s part must be real, got %s"):format(p[1], part.dtype), 2)
        end
        if device and part.device ~= device then
          error(("complex: the parts are on different devices (%s and %s)")
                :format(device, part.device), 2)
        end
        device = part.device
      elseif type(part) ~= "number" then
        error(("complex: the %s part must be a real array or a number, got %s")
              :format(p[1], cu.is_complex(part) and "a complex value" or type(part)), 2)
      end
    end
    -- float16 and float32 parts give complex64, any other complex128 (NumPy's re + 1j * im)
    local rt = cu.result_type(re, im)
    local dtype = (rt == "float16" or rt == "float32") and "complex64" or "complex128"
    local rs, is = type(re) == "number" and {} or re.shape, type(im) == "number" and {} or im.shape
    local shape = require("cuarray.args").broadcast_shapes({rs, is})
    if not shape then
      error(("complex: shapes (%s) and (%s) cannot be broadcast together")
            :format(table.concat(rs, ","), table.concat(is, ",")), 2)
    end
    local z = cu.empty(shape, {dtype = dtype, device = device})
    cu.copyto(z.real, re, {casting = "unsafe"})
    cu.copyto(z.imag, im, {casting = "unsafe"})
    return z
  end
  cu.conjugate = cu.conj
end

-- ---- CUDA --------------------------------------------------------------------------------

-- Stands in for cuarray.cuda when it cannot be loaded: is_available() says why, and every
-- other function of the module raises that reason (the stand-in knows no list of them).
local function cuda_unavailable(reason)
  local t = {}
  function t.is_available() return false, reason end
  return setmetatable(t, {__index = function(_, name)
    if type(name) ~= "string" then return nil end
    return function()
      error("cuda." .. name .. ": CUDA is not available (" .. reason .. ")", 2)
    end
  end})
end

do
  local ok, mod = pcall(require, "cuarray.cuda")
  if ok and type(mod) == "table" then
    cu.cuda = mod
  else
    local why = tostring(mod):match("^[^\n]*"):gsub("[:%s]+$", "")
    if not ok and tostring(mod):find("module 'cuarray.cuda' not found", 1, true) then
      why = "the module cuarray.cuda is not installed (cuarray was built without CUDA)"
    end
    cu.cuda = cuda_unavailable(why)
  end
end

-- Device scopes (cu.with_device, cu.cuda.with_device, cu.cuda.device) and collectives (cu.nccl).
devices(cu, core)
cu.nccl = nccl(cu)

-- User kernels (cu.ElementwiseKernel, cu.RawKernel, ...) and cu.fuse: lua/cuarray/kernel.lua.
require("cuarray.kernel").install(cu)

-- ---- default device ----------------------------------------------------------------------

do
  local env = os.getenv("CUARRAY_DEVICE")
  if env and env ~= "" then
    local ok, err = pcall(core.set_default_device, env)
    if not ok then
      error("cuarray: CUARRAY_DEVICE=" .. env .. " cannot be used: " .. tostring(err), 0)
    end
  elseif cu.cuda.is_available() then
    -- a GPU that is present but fails to start leaves the CPU as the default
    pcall(core.set_default_device, "cuda")
  end
end

-- ---- printing ----------------------------------------------------------------------------

local print_data = core._print_data

cu.set_printoptions = format.set_printoptions
cu.get_printoptions = format.get_printoptions

-- cu.array_repr(a): the string print(a) shows (its __tostring: "array(<freed>)" for a freed
-- array).
function cu.array_repr(a)
  if not core.is_array(a) then
    error("array_repr: expected an array, got " .. type(a), 2)
  end
  return tostring(a)
end

core._set_formatter(function(a) return format.repr(a, print_data) end)

-- ---- images, rich display, plots ----------------------------------------------------------

local image = require "cuarray.image"
cu.encode_png, cu.save_image = image.encode_png, image.save_image
do
  local h, hdd = require "cuarray.histogram", require "cuarray.histogramdd"
  cu.histogram, cu.histogram_bin_edges = h.histogram, h.histogram_bin_edges
  cu.histogramdd, cu.histogram2d = hdd.histogramdd, hdd.histogram2d
end
cu.display = require("cuarray.display").attach(cu)
cu.plot = require("cuarray.plot").attach(cu)
require("cuarray.docs").attach(cu)        -- cu.help

cu.show_config = require("cuarray.config").bind(cu, core._build)

for k, v in pairs(require "cuarray.methods") do core._methods[k] = v end

local strict = require("cuarray.strict").strict
strict(cu.random, "cuarray.random")
strict(cu.fft, "cuarray.fft")
strict(cu.linalg, "cuarray.linalg")
return strict(cu, "cuarray")
