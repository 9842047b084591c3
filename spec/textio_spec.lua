-- savetxt and loadtxt (lua/cuarray/textio.lua): the text NumPy 1.24's savetxt writes, and
-- loadtxt's shapes, options and errors.
local cu = require "cuarray"
local H = require "helper"

local slurp = H.read_file
local spit = H.write_file

H.each_device("savetxt and loadtxt", function()
  local path
  before_each(function() path = os.tmpname() end)
  after_each(function() os.remove(path) end)

  it("savetxt writes NumPy's text", function()
    cu.savetxt(path, cu.array({{1, 2.5}, {H.nan, -H.inf}}), {header = "a\nb", footer = "end"})
    assert.are.equal("# a\n# b\n1.000000000000000000e+00 2.500000000000000000e+00\nnan -inf\n"
      .. "# end\n", slurp(path))
    cu.savetxt(path, cu.array({1, 2}), {fmt = "%d"})
    assert.are.equal("1\n2\n", slurp(path))
    cu.savetxt(path, cu.array({{1.5, 2}}), {fmt = {"%d", "%.2f"}, delimiter = ","})
    assert.are.equal("1,2.00\n", slurp(path))
    cu.savetxt(path, cu.array({{-1.5, 2}}), {fmt = "%g|%g", newline = ";"})
    assert.are.equal("-1.5|2;", slurp(path))
    cu.savetxt(path, cu.array({-1.5}), {fmt = "%d", header = "h", comments = "// "})
    assert.are.equal("// h\n-1\n", slurp(path))
  end)

  it("savetxt raises for bad arrays and formats", function()
    H.raises("savetxt: expected a 1-d or 2-d array, got 3-d", cu.savetxt, path, cu.zeros({1, 1, 1}))
    H.raises("savetxt: fmt has 1 formats for 2 columns", cu.savetxt, path, cu.zeros({1, 2}),
      {fmt = {"%d"}})
    H.raises("savetxt: fmt \"%d %d %d\" has 3 conversions for 2 columns", cu.savetxt, path,
      cu.zeros({1, 2}), {fmt = "%d %d %d"})
    H.raises("savetxt: format \"%s\" must hold one numeric conversion", cu.savetxt, path,
      cu.zeros(1), {fmt = "%s"})
    H.raises("savetxt: cannot open", cu.savetxt, "/nonexistent/dir/x.txt", cu.zeros(1))
    H.raises("savetxt: complex arrays are not supported", cu.savetxt, path, cu.array({1}) * cu.j)
  end)

  it("loadtxt reads NumPy's shapes", function()
    spit(path, "5")
    local a = cu.loadtxt(path)
    assert.are.same({}, a.shape)
    assert.are.equal(5, a:item())
    spit(path, "1 2 3")
    H.same(cu.loadtxt(path), {1, 2, 3})
    spit(path, "1\n2\n3\n")
    H.same(cu.loadtxt(path), {1, 2, 3})
    spit(path, "# c\n1,2,3 # x\n\n4,5,6\n7,8,9")
    H.same(cu.loadtxt(path, {delimiter = ",", usecols = {1, 3}, max_rows = 2, skiprows = 1}),
      {{1, 3}, {4, 6}})
    H.same(cu.loadtxt(path, {delimiter = ",", usecols = -1}), {3, 6, 9})
    spit(path, "nan inf -Inf +1e3")
    H.same(cu.loadtxt(path), {H.nan, H.inf, -H.inf, 1000})
    spit(path, "1 2\r\n3 4\r\n")
    local i = cu.loadtxt(path, {dtype = "int32"})
    assert.are.equal("int32", i.dtype)
    H.same(i, {{1, 2}, {3, 4}})
    spit(path, "")
    assert.are.same({0}, cu.loadtxt(path).shape)
  end)

  it("round-trips savetxt", function()
    local x = cu.random.random({3, 4})
    cu.savetxt(path, x)
    H.same(cu.loadtxt(path), x:totable())
    cu.savetxt(path, cu.arange(5), {fmt = "%d", delimiter = ","})
    H.same(cu.loadtxt(path, {dtype = "int64"}), {0, 1, 2, 3, 4})
  end)

  it("loadtxt raises for ragged rows, bad numbers and files", function()
    spit(path, "1 2\n3")
    H.raises("loadtxt: the number of columns changed from 2 to 1 at line 2", cu.loadtxt, path)
    spit(path, "1.5 2")
    H.raises("loadtxt: could not convert \"1.5\" to int64 at line 1, column 1", cu.loadtxt, path,
      {dtype = "int64"})
    spit(path, "1 x")
    H.raises("loadtxt: could not convert \"x\" to float64 at line 1, column 2", cu.loadtxt, path)
    spit(path, "1 2")
    H.raises("loadtxt: usecols entry 1 (3) is out of range for 2 columns at line 1", cu.loadtxt,
      path, {usecols = 3})
    H.raises("loadtxt: cannot open", cu.loadtxt, "/nonexistent/x.txt")
    H.raises("loadtxt: unknown option 'ndmin'", cu.loadtxt, path, {ndmin = 2})
  end)
end)
