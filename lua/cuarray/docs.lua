-- The signature and one line of documentation of every public function and method, for
-- cu.help(f) and the notebook kernel's inspection (shift-tab). Functions are named
-- "cu.zeros", "cu.random.seed", ...; array methods "a:sum". Every public name needs an
-- entry (spec/docs_spec.lua checks both ways).
-- luacheck: no max line length
local M = {}

local text = [==[
cu.array(value[, {dtype=, device=, pinned=}]) -- A new array from a number, a nested table of numbers or booleans, or an array (always a copy).
cu.asarray(value[, {dtype=, device=}]) -- value itself when it is an array of that dtype and device, else cu.array(value, opts).
cu.empty(shape[, {dtype=, device=, pinned=}]) -- A new array whose elements are not initialised.
cu.zeros(shape[, {dtype=, device=, pinned=}]) -- A new array of zeros (dtype: the default float dtype).
cu.ones(shape[, {dtype=, device=, pinned=}]) -- A new array of ones.
cu.full(shape, value[, {dtype=, device=, pinned=}]) -- A new array filled with value.
cu.empty_like(a[, {dtype=, device=, shape=}]) -- An uninitialised array with a's shape, dtype and device.
cu.zeros_like(a[, {dtype=, device=, shape=}]) -- Zeros with a's shape, dtype and device.
cu.ones_like(a[, {dtype=, device=, shape=}]) -- Ones with a's shape, dtype and device.
cu.full_like(a, value[, {dtype=, device=, shape=}]) -- value in an array with a's shape, dtype and device.
cu.arange([start, ]stop[, step][, {dtype=, device=}]) -- Evenly spaced values in [start, stop), stop excluded, as NumPy's arange.
cu.linspace(start, stop[, num = 50][, {endpoint=, retstep=, dtype=, device=}]) -- num evenly spaced values from start to stop (included unless endpoint = false).
cu.logspace(start, stop[, num = 50][, {base = 10, endpoint=, dtype=, device=}]) -- base ^ x for x in linspace(start, stop, num).
cu.eye(n[, m][, {k=, dtype=, device=}]) -- An n x m array with ones on diagonal k and zeros elsewhere.
cu.identity(n[, {dtype=, device=}]) -- The n x n identity matrix.
cu.reshape(a, shape) -- a with a new shape: a view when the strides allow, else a copy.
cu.ravel(a) -- a flattened in C order: a view when possible, else a copy.
cu.transpose(a[, axes]) -- A view of a with its axes reversed, or permuted by the list axes (1-based).
cu.swapaxes(a, axis1, axis2) -- A view of a with two axes exchanged.
cu.squeeze(a[, axis]) -- A view of a without its size-1 axes (or without the one given).
cu.expand_dims(a, axis) -- A view of a with a new size-1 axis at position axis.
cu.broadcast_to(a, shape) -- A view of a broadcast to shape (repeated entries share memory).
cu.flip(a[, axis]) -- A view of a with the order of elements reversed along every axis, one axis or a list of axes.
cu.copy(a) -- A C-contiguous copy of a on its device.
cu.set_default_dtype(dtype) -- The float dtype constructors use when given none ("float32" or "float64").
cu.get_default_dtype() -- The default float dtype.
cu.set_default_device(device) -- Where new arrays go when no device is given: "cpu", "cuda" or "cuda:N".
cu.get_default_device() -- The default device: "cpu" or "cuda:N".
cu.is_array(v) -- true when v is a cuarray array.
cu.array_repr(a) -- The string print(a) shows: NumPy's repr with the dtype (and the device when not the CPU).
cu.set_printoptions({threshold=, edgeitems=, precision=, linewidth=, suppress=}) -- Changes how arrays print, as NumPy's set_printoptions; nil resets every option.
cu.get_printoptions() -- The printing options as a table.
cu.where(cond[, x, y]) -- Elementwise x where cond is true, else y; cu.where(cond) is cu.nonzero(cond).
cu.clip(a, lo, hi[, {out=}]) -- a limited to [lo, hi] elementwise; lo or hi may be nil.
cu.take(a, indices[, axis]) -- The elements at 1-based integer indices (of a flattened when no axis is given).
cu.nonzero(a) -- A table of int64 arrays, one per axis: the 1-based indices of the nonzero elements.
cu.flatnonzero(a) -- The 1-based positions of the nonzero elements of a flattened.
cu.argwhere(a) -- The 1-based coordinates of the nonzero elements, an int64 (count, ndim) array.
cu.concatenate(list[, axis = 1][, {dtype=}]) -- Joins a list of arrays along an existing axis.
cu.stack(list[, axis = 1][, {dtype=}]) -- Joins a list of arrays of one shape along a new axis.
cu.matmul(a, b[, {out=}]) -- The matrix product, as NumPy's matmul (batched over leading axes; 1-d operands promoted).
cu.dot(a, b) -- NumPy's dot: the inner product of vectors, the matrix product of matrices.
cu.inner(a, b) -- Sums of products over the last axes of a and b.
cu.outer(a, b) -- The outer product of a and b, both flattened.
cu.vdot(a, b) -- The dot product of a and b, both flattened.
cu.set_matmul_precision(precision) -- "highest", or "high" to let float32 products use TF32 on the GPU.
cu.get_matmul_precision() -- The matmul precision: "highest" or "high".
cu.save(path, a) -- Writes a to a NumPy .npy file.
cu.load(path[, {device=}]) -- An array from a .npy file, or a table of arrays by name from a .npz file.
cu.savez(path, {name = a, ...}) -- Writes arrays to an uncompressed NumPy .npz archive (also cu.savez(path, a, b, ...)).
cu.from_pointer(ptr, shape[, {dtype=, device=, owner=, strides=}]) -- An array over existing memory, without a copy; owner is kept alive as long as the memory is used.
cu.from_ffi(ptr, n[, dtype[, {device=}]]) -- A new 1-d array holding a copy of the n elements at ptr.
cu.from_dlpack(ptr[, {versioned=, copy=}]) -- An array sharing the memory of a DLPack tensor.
cu.to_dlpack(a[, {versioned=}]) -- A DLPack tensor pointer sharing a's memory.
cu.data_ptr(a) -- The address of a's first element (device memory for a GPU array).
cu.to_ffi(a[, dst]) -- Copies a's elements in C order into dst, or into a new LuaJIT ffi array.
cu.frombuffer(s[, dtype][, {count=, offset=, device=}]) -- A new 1-d array of the bytes of the Lua string s (from byte offset on), as NumPy's frombuffer.
cu.fromfile(file[, dtype][, {count=, offset=, device=}]) -- A 1-d array of a file's raw bytes: a path, or an open Lua file read from its position.
cu.encode_png(a[, {vmin=, vmax=, cmap=, compress_level=}]) -- The PNG file (a Lua string) of a (h, w) greyscale or (h, w, 3|4) RGB(A) array; floats are scaled from [vmin, vmax].
cu.save_image(path, a[, {vmin=, vmax=, cmap=, compress_level=}]) -- Writes a as a PNG file (path, or an open Lua file), as cu.encode_png makes it.
cu.histogram(a[, bins = 10][, {range = {lo, hi}, density=}]) -- counts, edges: NumPy's histogram of a's values (bins: a count or the edges).
cu.help(f) -- Prints the signature and documentation of a function, a method or a name such as "cu.zeros".
cu.display(value, ...) -- Shows values now: arrays as a table (HTML) and their repr, plots as SVG, anything else as text.
cu.display.image(a[, {vmin=, vmax=, cmap=, scale=, compress_level=}]) -- Shows a (h, w) array as a greyscale (or colour-mapped) image, a (h, w, 3|4) array as RGB(A).
cu.display.html(s) -- Shows the string s as HTML.
cu.display.svg(s) -- Shows the string s as an SVG image.
cu.display.markdown(s) -- Shows the string s as Markdown.
cu.display.png(bytes) -- Shows the bytes of a PNG file.
cu.display.bundle(value) -- The MIME bundle (MIME type -> data) and metadata that show value.
cu.display.set_handler(fn) -- Installs fn(bundle, metadata) as the way to show things (nil: print the text); returns the previous one.
cu.display.show(bundle[, metadata]) -- Shows a MIME bundle through the current handler.
cu.display.text(value) -- value as text, tables as short literals.
cu.plot.figure([{title=, xlabel=, ylabel=, width=, height=, xlim=, ylim=}]) -- An empty figure; fig:line, fig:scatter, fig:hist and fig:imshow draw into it.
cu.plot.line(y[, x][, opts]) -- A line plot of y (one line per column of a 2-d y) against x (default 1, 2, ...); opts: label, color, linewidth, alpha and the figure's.
cu.plot.scatter(x, y[, opts]) -- A scatter plot; opts: label, color, size, alpha and the figure's.
cu.plot.hist(a[, opts]) -- A histogram of a's finite values; opts: bins, range, density, label, color, alpha and the figure's.
cu.plot.imshow(a[, opts]) -- An image of a (h, w) array through a colour map, with a colour bar, or of an (h, w, 3|4) RGB(A) array; opts: cmap, vmin, vmax, colorbar and the figure's.
fig:line(y[, x][, opts]) -- Adds a line to the figure (as cu.plot.line); returns the figure.
fig:scatter(x, y[, opts]) -- Adds points to the figure (as cu.plot.scatter); returns the figure.
fig:hist(a[, opts]) -- Adds a histogram to the figure (as cu.plot.hist); returns the figure.
fig:imshow(a[, opts]) -- Draws an image in the figure (as cu.plot.imshow); returns the figure.
fig:svg() -- The figure as SVG text.
fig:save(path) -- Writes the figure to an .svg file.
cu.random.seed([s]) -- Restarts the random stream from seed s (from the clock when none is given).
cu.random.random([shape][, {dtype=, device=}]) -- Uniform random numbers in [0, 1).
cu.random.rand(d1, d2, ...[, {dtype=, device=}]) -- Uniform random numbers in [0, 1) of shape (d1, d2, ...).
cu.random.uniform([lo = 0[, hi = 1[, shape]]][, {dtype=, device=}]) -- Uniform random numbers in [lo, hi).
cu.random.standard_normal([shape][, {dtype=, device=}]) -- Normally distributed random numbers (mean 0, deviation 1).
cu.random.normal([mean = 0[, std = 1[, shape]]][, {dtype=, device=}]) -- Normally distributed random numbers.
cu.random.randint(lo[, hi[, shape]][, {dtype=, device=}]) -- Random integers in [lo, hi); randint(hi) draws from [0, hi).
cu.random.get_state() -- seed, counter: the position of the random stream.
cu.random.set_state(seed, counter) -- Moves the random stream to a position get_state gave.
cu.fft.fftfreq(n[, d = 1][, {device=}]) -- The sample frequencies of an n-point transform with sample spacing d (float64).
cu.fft.rfftfreq(n[, d = 1][, {device=}]) -- The sample frequencies of the n // 2 + 1 outputs of rfft (float64).
cu.fft.fftshift(x[, axes]) -- x with the zero-frequency term moved to the centre (rolled by n // 2 along each axis).
cu.fft.ifftshift(x[, axes]) -- The inverse of fftshift (rolled by -(n // 2) along each axis).
cu.fft.clear_plan_cache() -- Destroys every CUDA device's cached cuFFT plans and frees their workspaces.
cu.linalg.norm(x[, ord][, axis][, {keepdims=}]) -- The vector or matrix norm of x, as NumPy's linalg.norm.
cu.cuda.is_available() -- true, or false and the reason there is no usable GPU.
cu.cuda.device_count() -- The number of CUDA devices (0 when there are none).
cu.cuda.synchronize() -- Waits until every GPU has finished the work queued so far.
cu.cuda.memory_info([device]) -- {used=, cached=, free=, total=}: the memory pool's and the device's bytes.
cu.cuda.empty_cache() -- Returns the memory pool's cached blocks to the device.
cu.cuda.Event([device]) -- A CUDA event: ev:record(), ev:synchronize(), ev:query(), ev1:elapsed(ev2) in milliseconds.
cu.cuda.Stream([device]) -- A CUDA stream: s:synchronize(), s:query(); use it with cu.cuda.with_stream.
cu.cuda.with_stream(stream, fn, ...) -- Calls fn(...) with stream current on its device, then restores the previous one.
cu.cuda.current_stream([device]) -- The stream GPU work goes to now.
cu.cuda.backend([device]) -- The CUDA backend of a device, for the core (internal).
a:free() -- Releases the array's memory now (views keep theirs until they go).
a:astype(dtype) -- A copy converted to dtype.
a:copy() -- A C-contiguous copy on the same device.
a:to(device) -- The array on device ("cpu", "cuda", "cuda:N"): itself when already there, else a copy.
a:cpu() -- The array on the CPU (a copy unless already there).
a:cuda([n]) -- The array on GPU n (default 0).
a:get() -- A host (CPU) copy, as CuPy's .get().
a:totable() -- The elements as nested Lua tables (a number for a 0-d array).
a:item() -- The one element of a size-1 array as a Lua number or boolean.
a:reshape(shape) -- A view with a new shape when the strides allow, else a copy; also a:reshape(d1, d2, ...).
a:ravel() -- Flattened in C order: a view when possible, else a copy.
a:flatten() -- A flattened copy.
a:transpose([axes]) -- A view with the axes reversed or permuted (also a.T).
a:swapaxes(axis1, axis2) -- A view with two axes exchanged.
a:squeeze([axis]) -- A view without size-1 axes.
a:expand_dims(axis) -- A view with a new size-1 axis.
a:broadcast_to(shape) -- A view broadcast to shape.
a:flip([axis]) -- A view with the elements in reverse order along every axis or the ones given.
a:fill(value) -- Sets every element to value, in place.
a:tobytes([order = "C"]) -- The elements as a Lua string of raw bytes, in C (or "F") order.
a:tofile(file) -- Writes the elements as raw bytes in C order to a path or an open Lua file.
a:data_ptr() -- The address of the first element.
a:to_ffi([dst]) -- Copies the elements into dst, or into a new LuaJIT ffi array.
a:to_dlpack([{versioned=}]) -- A DLPack tensor pointer sharing the memory.
a:matmul(b[, {out=}]) -- The matrix product with b.
a:dot(b) -- NumPy's dot with b.
a:take(indices[, axis]) -- The elements at 1-based integer indices.
a:nonzero() -- The 1-based indices of the nonzero elements, one int64 array per axis.
a:flatnonzero() -- The 1-based positions of the nonzero elements, flattened.
a:argwhere() -- The 1-based coordinates of the nonzero elements.
a:clip(lo, hi[, {out=}]) -- Limited to [lo, hi] elementwise.
cu.eq(x1, x2) -- Elementwise x1 == x2 (a bool array), as cu.equal; Lua's == compares identity.
cu.ne(x1, x2) -- Elementwise x1 ~= x2, as cu.not_equal.
cu.lt(x1, x2) -- Elementwise x1 < x2, as cu.less.
cu.le(x1, x2) -- Elementwise x1 <= x2, as cu.less_equal.
cu.gt(x1, x2) -- Elementwise x1 > x2, as cu.greater.
cu.ge(x1, x2) -- Elementwise x1 >= x2, as cu.greater_equal.
a:eq(b) -- Elementwise a == b (a bool array); Lua's == compares identity.
a:ne(b) -- Elementwise a ~= b.
a:lt(b) -- Elementwise a < b.
a:le(b) -- Elementwise a <= b.
a:gt(b) -- Elementwise a > b.
a:ge(b) -- Elementwise a >= b.
]==]

-- Reductions: cu.f(a[, axis][, opts]) and a:f([axis][, opts]).
-- One value comes back as a Lua number (or boolean); {array = true} keeps it a 0-d array.
local reductions = {
  {"sum", "{keepdims=, dtype=, out=, array=}", "The sum of the elements, over all axes, one axis or a list of axes."},
  {"prod", "{keepdims=, dtype=, out=, array=}", "The product of the elements."},
  {"mean", "{keepdims=, dtype=, out=, array=}", "The arithmetic mean."},
  {"var", "{keepdims=, dtype=, out=, ddof=, array=}", "The variance (ddof: delta degrees of freedom)."},
  {"std", "{keepdims=, dtype=, out=, ddof=, array=}", "The standard deviation."},
  {"min", "{keepdims=, out=, array=}", "The smallest element (NaN when there is one)."},
  {"max", "{keepdims=, out=, array=}", "The largest element (NaN when there is one)."},
  {"amin", "{keepdims=, out=, array=}", "The smallest element (as min)."},
  {"amax", "{keepdims=, out=, array=}", "The largest element (as max)."},
  {"argmin", "{keepdims=, out=, array=}", "The 1-based position of the smallest element (one axis at most)."},
  {"argmax", "{keepdims=, out=, array=}", "The 1-based position of the largest element (one axis at most)."},
  {"all", "{keepdims=, out=, array=}", "Whether every element is true (nonzero)."},
  {"any", "{keepdims=, out=, array=}", "Whether any element is true (nonzero)."},
  {"cumsum", "{dtype=, out=}", "The running sum, over one axis or the flattened array."},
  {"cumprod", "{dtype=, out=}", "The running product, over one axis or the flattened array."},
}

-- Elementwise ops: cu.f(x[, {out=}]) / cu.f(x1, x2[, {out=}]) and the methods.
local unary = {
  negative = "The negation, -x.", abs = "The absolute value.", absolute = "The absolute value.",
  square = "x * x.", sign = "-1, 0 or 1 by the sign of x (NaN for NaN).",
  reciprocal = "1 / x.", floor = "The largest integer <= x.", ceil = "The smallest integer >= x.",
  trunc = "x rounded towards zero.", round = "x rounded to the nearest integer, halves to even.",
  rint = "x rounded to the nearest integer, halves to even.",
  around = "x rounded to the nearest integer, halves to even.",
  exp = "e ^ x.", expm1 = "e ^ x - 1, accurate for small x.", log = "The natural logarithm.",
  log2 = "The base-2 logarithm.", log10 = "The base-10 logarithm.",
  log1p = "log(1 + x), accurate for small x.", sqrt = "The square root.", sin = "The sine.",
  cos = "The cosine.", tan = "The tangent.", arcsin = "The inverse sine.", asin = "The inverse sine.",
  arccos = "The inverse cosine.", acos = "The inverse cosine.", arctan = "The inverse tangent.",
  atan = "The inverse tangent.", sinh = "The hyperbolic sine.", cosh = "The hyperbolic cosine.",
  tanh = "The hyperbolic tangent.", isnan = "Whether x is NaN.", isinf = "Whether x is infinite.",
  isfinite = "Whether x is finite.", logical_not = "not x, as a bool array.",
  invert = "Bitwise NOT (logical NOT for bool).", bitwise_not = "Bitwise NOT (logical NOT for bool).",
}
local binary = {
  add = "x1 + x2.", subtract = "x1 - x2.", multiply = "x1 * x2.", divide = "x1 / x2 (true division).",
  true_divide = "x1 / x2 (true division).", floor_divide = "floor(x1 / x2).",
  mod = "The remainder of floor division (the sign of x2), as NumPy's mod.",
  remainder = "The remainder of floor division (the sign of x2).",
  fmod = "The remainder of truncating division (the sign of x1), as C's fmod.",
  power = "x1 ^ x2.", pow = "x1 ^ x2.", maximum = "The larger of x1 and x2 (NaN propagates).",
  minimum = "The smaller of x1 and x2 (NaN propagates).", arctan2 = "The angle of the point (x2, x1).",
  atan2 = "The angle of the point (x2, x1).", equal = "x1 == x2.", not_equal = "x1 ~= x2.",
  less = "x1 < x2.", less_equal = "x1 <= x2.", greater = "x1 > x2.", greater_equal = "x1 >= x2.",
  logical_and = "x1 and x2, as a bool array.", logical_or = "x1 or x2, as a bool array.",
  logical_xor = "Exactly one of x1 and x2 is true.", bitwise_and = "Bitwise AND.",
  bitwise_or = "Bitwise OR.", bitwise_xor = "Bitwise XOR.", left_shift = "x1 shifted left by x2 bits.",
  right_shift = "x1 shifted right by x2 bits.",
}

local entries = {}

local function add(signature, doc)
  local key = signature:match("^([%w_%.:]+)")
  entries[key] = {signature = signature, doc = doc}
end

for line in text:gmatch("[^\n]+") do
  local sig, doc = line:match("^(.-) %-%- (.*)$")
  add(sig, doc)
end
for _, r in ipairs(reductions) do
  add(("cu.%s(a[, axis][, %s])"):format(r[1], r[2]), r[3])
  add(("a:%s([axis][, %s])"):format(r[1], r[2]), r[3])
end
for name, doc in pairs(unary) do
  add(("cu.%s(x[, {out=}])"):format(name), "Elementwise: " .. doc)
  add(("a:%s([{out=}])"):format(name), "Elementwise: " .. doc)
end
for name, doc in pairs(binary) do
  add(("cu.%s(x1, x2[, {out=}])"):format(name), "Elementwise, broadcasting: " .. doc)
  add(("a:%s(x2[, {out=}])"):format(name), "Elementwise, broadcasting: " .. doc)
end

M.entries = entries

-- The entry for a qualified name ("cu.zeros", "a:sum"), or nil.
function M.get(name) return entries[name] end

-- "signature\n\ndoc" for a name, or nil.
function M.text(name)
  local e = entries[name]
  if not e then return nil end
  return e.signature .. "\n\n" .. e.doc
end

-- The qualified name of a function (or callable table) value: walks cu, its namespaces and
-- the array methods.
function M.name_of(cu, f)
  if type(f) ~= "function" and type(f) ~= "table" then return nil end
  local function search(t, prefix, sep)
    for k, v in pairs(t) do
      if v == f and type(k) == "string" and entries[prefix .. sep .. k] then
        return prefix .. sep .. k
      end
    end
  end
  return search(cu, "cu", ".") or search(cu._methods, "a", ":")
    or search(cu.random, "cu.random", ".") or search(cu.linalg, "cu.linalg", ".")
    or search(cu.fft, "cu.fft", ".")
    or search(cu.cuda, "cu.cuda", ".") or search(cu.plot, "cu.plot", ".")
    or search(cu.display, "cu.display", ".") or search(cu.plot.Figure, "fig", ":")
end

-- The documentation of a value or a name ("cu.zeros", "zeros", "a:sum", "sum"), or nil.
function M.lookup(cu, what)
  if type(what) == "string" then
    return M.text(what) or M.text("cu." .. what) or M.text("a:" .. what)
      or M.text((what:gsub("^[%w_]+:", "a:")))
  end
  local name = M.name_of(cu, what)
  return name and M.text(name)
end

function M.attach(cu)
  -- cu.help(f): prints the signature and documentation of f (a function or a name).
  function cu.help(what)
    local t = M.lookup(cu, what)
    if not t then
      error("help: no documentation for " .. (type(what) == "string" and what or type(what)), 2)
    end
    print(t)
  end
end

return M
