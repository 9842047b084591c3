-- The printer (lua/cuarray/format.lua through __tostring): NumPy's repr layout with the dtype
-- always shown and the device when it is not the CPU. Expected strings are NumPy 1.24's repr
-- of the same array with the dtype forced on (and True/False as true/false).
local cu = require "cuarray"
local H = require "helper"


-- Evaluates a constructor expression with `cu` and `math` in scope.
local function eval(src)
  local env = {cu = cu, math = math}
  local loadstring = rawget(_G, "loadstring")
  local f
  if loadstring then -- Lua 5.1 and LuaJIT
    f = assert(loadstring("return " .. src, "=case"))
    setfenv(f, env)
  else
    f = assert(load("return " .. src, "=case", "t", env))
  end
  return f()
end

-- The expected text on `device`: NumPy's, with ", device=..." after the dtype; as NumPy does
-- for the dtype, the tail goes on a line of its own when it would pass the line width.
local function on_device(expected, device, linewidth)
  if device == "cpu" then return expected end
  local body, dtype = expected:match("^(.-,)%s+(dtype=%w+)%)$")
  local tail = dtype .. ", device=" .. device .. ")"
  local last = body:match("[^\n]*$")
  if #last + #tail + 1 > (linewidth or 75) then return body .. "\n      " .. tail end
  return body .. " " .. tail
end

local cases = {
    {[[cu.array({{1, 2}, {3, 4}}, {dtype = "float32"})]],
     "array([[1., 2.],\n" ..
     "       [3., 4.]], dtype=float32)"},
    {[[cu.array(3.5)]],
     "array(3.5, dtype=float64)"},
    {[[cu.array(7)]],
     "array(7, dtype=int64)"},
    {[[cu.array(0 / 0)]],
     "array(nan, dtype=float64)"},
    {[[cu.array(true)]],
     "array(true, dtype=bool)"},
    {[[cu.array({1, 2, 3})]],
     "array([1, 2, 3], dtype=int64)"},
    {[[cu.array({true, false})]],
     "array([ true, false], dtype=bool)"},
    {[[cu.array({{true}, {true}})]],
     "array([[ true],\n" ..
     "       [ true]], dtype=bool)"},
    {[[cu.array({-1, 10, 100}, {dtype = "int8"})]],
     "array([ -1,  10, 100], dtype=int8)"},
    {[[cu.array({255, 0}, {dtype = "uint8"})]],
     "array([255,   0], dtype=uint8)"},
    {[[cu.array({1, 2}, {dtype = "float64"})]],
     "array([1., 2.], dtype=float64)"},
    {[[cu.array({-1.5, 2.25, 100})]],
     "array([ -1.5 ,   2.25, 100.  ], dtype=float64)"},
    {[[cu.array({1e-5, 1.5, 0 / 0, -math.huge})]],
     "array([1.0e-05, 1.5e+00,     nan,    -inf], dtype=float64)"},
    {[[cu.array({0 / 0, math.huge})]],
     "array([nan, inf], dtype=float64)"},
    {[[cu.array({0 / 0, 1.5})]],
     "array([nan, 1.5], dtype=float64)"},
    {[[cu.array({-1e-5, 1.5, 123456789})]],
     "array([-1.00000000e-05,  1.50000000e+00,  1.23456789e+08], dtype=float64)"},
    {[[cu.array({0.3, 1 / 3}, {dtype = "float32"})]],
     "array([0.3       , 0.33333334], dtype=float32)"},
    {[[cu.array({1 / 3, 2 / 3, 1e3})]],
     "array([3.33333333e-01, 6.66666667e-01, 1.00000000e+03], dtype=float64)"},
    {[[cu.array({1e20, 1.5})]],
     "array([1.0e+20, 1.5e+00], dtype=float64)"},
    {[[cu.array(1e100)]],
     "array(1.e+100, dtype=float64)"},
    {[[cu.array({1e-5, 1e100})]],
     "array([1.e-005, 1.e+100], dtype=float64)"},
    {[[cu.array({0.1, 0.2}, {dtype = "float16"})]],
     "array([0.1, 0.2], dtype=float16)"},
    {[[cu.array({-0.5, 0.5})]],
     "array([-0.5,  0.5], dtype=float64)"},
    {[[cu.array({0.5, 0})]],
     "array([0.5, 0. ], dtype=float64)"},
    {[[cu.array({1e8, 1}, {dtype = "float64"})]],
     "array([1.e+08, 1.e+00], dtype=float64)"},
    {[[cu.array({1e-4, 0.1})]],
     "array([0.0001, 0.1   ], dtype=float64)"},
    {[[cu.array({0.123456789123, 2})]],
     "array([0.12345679, 2.        ], dtype=float64)"},
    {[[cu.arange(30) * 1.1]],
     "array([ 0. ,  1.1,  2.2,  3.3,  4.4,  5.5,  6.6,  7.7,  8.8,  9.9, 11. ,\n" ..
     "       12.1, 13.2, 14.3, 15.4, 16.5, 17.6, 18.7, 19.8, 20.9, 22. , 23.1,\n" ..
     "       24.2, 25.3, 26.4, 27.5, 28.6, 29.7, 30.8, 31.9], dtype=float64)"},
    {[[cu.arange(2000)]],
     "array([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int64)"},
    {[[cu.arange(24):reshape(2, 3, 4)]],
     "array([[[ 0,  1,  2,  3],\n" ..
     "        [ 4,  5,  6,  7],\n" ..
     "        [ 8,  9, 10, 11]],\n" ..
     "\n" ..
     "       [[12, 13, 14, 15],\n" ..
     "        [16, 17, 18, 19],\n" ..
     "        [20, 21, 22, 23]]], dtype=int64)"},
    {[[cu.arange(10000):reshape(100, 100)]],
     "array([[   0,    1,    2, ...,   97,   98,   99],\n" ..
     "       [ 100,  101,  102, ...,  197,  198,  199],\n" ..
     "       [ 200,  201,  202, ...,  297,  298,  299],\n" ..
     "       ...,\n" ..
     "       [9700, 9701, 9702, ..., 9797, 9798, 9799],\n" ..
     "       [9800, 9801, 9802, ..., 9897, 9898, 9899],\n" ..
     "       [9900, 9901, 9902, ..., 9997, 9998, 9999]], dtype=int64)"},
    {[[cu.arange(1200):reshape(2, 600) * 0.5]],
     "array([[0.000e+00, 5.000e-01, 1.000e+00, ..., 2.985e+02, 2.990e+02,\n" ..
     "        2.995e+02],\n" ..
     "       [3.000e+02, 3.005e+02, 3.010e+02, ..., 5.985e+02, 5.990e+02,\n" ..
     "        5.995e+02]], dtype=float64)"},
    {[[cu.arange(4000):reshape(10, 10, 40)]],
     "array([[[   0,    1,    2, ...,   37,   38,   39],\n" ..
     "        [  40,   41,   42, ...,   77,   78,   79],\n" ..
     "        [  80,   81,   82, ...,  117,  118,  119],\n" ..
     "        ...,\n" ..
     "        [ 280,  281,  282, ...,  317,  318,  319],\n" ..
     "        [ 320,  321,  322, ...,  357,  358,  359],\n" ..
     "        [ 360,  361,  362, ...,  397,  398,  399]],\n" ..
     "\n" ..
     "       [[ 400,  401,  402, ...,  437,  438,  439],\n" ..
     "        [ 440,  441,  442, ...,  477,  478,  479],\n" ..
     "        [ 480,  481,  482, ...,  517,  518,  519],\n" ..
     "        ...,\n" ..
     "        [ 680,  681,  682, ...,  717,  718,  719],\n" ..
     "        [ 720,  721,  722, ...,  757,  758,  759],\n" ..
     "        [ 760,  761,  762, ...,  797,  798,  799]],\n" ..
     "\n" ..
     "       [[ 800,  801,  802, ...,  837,  838,  839],\n" ..
     "        [ 840,  841,  842, ...,  877,  878,  879],\n" ..
     "        [ 880,  881,  882, ...,  917,  918,  919],\n" ..
     "        ...,\n" ..
     "        [1080, 1081, 1082, ..., 1117, 1118, 1119],\n" ..
     "        [1120, 1121, 1122, ..., 1157, 1158, 1159],\n" ..
     "        [1160, 1161, 1162, ..., 1197, 1198, 1199]],\n" ..
     "\n" ..
     "       ...,\n" ..
     "\n" ..
     "       [[2800, 2801, 2802, ..., 2837, 2838, 2839],\n" ..
     "        [2840, 2841, 2842, ..., 2877, 2878, 2879],\n" ..
     "        [2880, 2881, 2882, ..., 2917, 2918, 2919],\n" ..
     "        ...,\n" ..
     "        [3080, 3081, 3082, ..., 3117, 3118, 3119],\n" ..
     "        [3120, 3121, 3122, ..., 3157, 3158, 3159],\n" ..
     "        [3160, 3161, 3162, ..., 3197, 3198, 3199]],\n" ..
     "\n" ..
     "       [[3200, 3201, 3202, ..., 3237, 3238, 3239],\n" ..
     "        [3240, 3241, 3242, ..., 3277, 3278, 3279],\n" ..
     "        [3280, 3281, 3282, ..., 3317, 3318, 3319],\n" ..
     "        ...,\n" ..
     "        [3480, 3481, 3482, ..., 3517, 3518, 3519],\n" ..
     "        [3520, 3521, 3522, ..., 3557, 3558, 3559],\n" ..
     "        [3560, 3561, 3562, ..., 3597, 3598, 3599]],\n" ..
     "\n" ..
     "       [[3600, 3601, 3602, ..., 3637, 3638, 3639],\n" ..
     "        [3640, 3641, 3642, ..., 3677, 3678, 3679],\n" ..
     "        [3680, 3681, 3682, ..., 3717, 3718, 3719],\n" ..
     "        ...,\n" ..
     "        [3880, 3881, 3882, ..., 3917, 3918, 3919],\n" ..
     "        [3920, 3921, 3922, ..., 3957, 3958, 3959],\n" ..
     "        [3960, 3961, 3962, ..., 3997, 3998, 3999]]], dtype=int64)"},
    {[[cu.zeros({0})]],
     "array([], dtype=float64)"},
    {[[cu.zeros({0, 3})]],
     "array([], shape=(0, 3), dtype=float64)"},
    {[[cu.zeros({2, 0}, {dtype = "int32"})]],
     "array([], shape=(2, 0), dtype=int32)"},
    {[[cu.array({{1, 2, 3}, {4, 5, 6}}).T]],
     "array([[1, 4],\n" ..
     "       [2, 5],\n" ..
     "       [3, 6]], dtype=int64)"},
    {[[cu.array({{1.5, 2, 3}, {4, 5, 6}}):flip(2)]],
     "array([[3. , 2. , 1.5],\n" ..
     "       [6. , 5. , 4. ]], dtype=float64)"},
    {[[cu.full(1, 2 ^ 62)]],
     "array([4611686018427387904], dtype=int64)"},
    {[[cu.full(1, -2 ^ 63)]],
     "array([-9223372036854775808], dtype=int64)"},
    {[[cu.linspace(0, 1, 20):reshape(2, 10)]],
     "array([[0.        , 0.05263158, 0.10526316, 0.15789474, 0.21052632,\n" ..
     "        0.26315789, 0.31578947, 0.36842105, 0.42105263, 0.47368421],\n" ..
     "       [0.52631579, 0.57894737, 0.63157895, 0.68421053, 0.73684211,\n" ..
     "        0.78947368, 0.84210526, 0.89473684, 0.94736842, 1.        ]],\n" ..
     "      dtype=float64)"},
    {[[cu.array({{1e-10, 1}, {2, 3}})]],
     "array([[1.e-10, 1.e+00],\n" ..
     "       [2.e+00, 3.e+00]], dtype=float64)"},
}

H.each_device("tostring", function()
  for _, c in ipairs(cases) do
    it("prints " .. c[1], function()
      local a = eval(c[1])
      assert.are.equal(on_device(c[2], a.device), tostring(a))
    end)
  end

  it("prints through print() and cu.array_repr alike", function()
    local a = cu.array({1, 2})
    assert.are.equal(tostring(a), cu.array_repr(a))
    H.raises("array_repr: expected an array", cu.array_repr, 3)
    local f = cu.zeros(2)
    f:free()
    assert.are.equal("array(<freed>)", cu.array_repr(f))
  end)

  it("prints a freed array without touching its memory", function()
    local a = cu.array({1, 2})
    a:free()
    assert.are.equal("array(<freed>)", tostring(a))
  end)

  it("puts the dtype on its own line when the last line is full", function()
    local a = cu.arange(20)
    cu.set_printoptions{linewidth = 30}
    local ok, s = pcall(tostring, a)
    cu.set_printoptions()
    assert(ok, s)
    assert.are.equal(on_device("array([ 0,  1,  2,  3,  4,\n" ..
                               "        5,  6,  7,  8,  9,\n" ..
                               "       10, 11, 12, 13, 14,\n" ..
                               "       15, 16, 17, 18, 19],\n" ..
                               "      dtype=int64)", a.device, 30), s)
  end)
end)

H.each_device("set_printoptions", function()
  after_each(function() cu.set_printoptions() end)

  local cases_opts = {
    {{precision = 3}, "cu.array({1 / 3, 2 / 3, 10})",
     "array([ 0.333,  0.667, 10.   ], dtype=float64)"},
    {{threshold = 5}, "cu.arange(10)", "array([0, 1, 2, ..., 7, 8, 9], dtype=int64)"},
    {{threshold = 5, edgeitems = 1}, "cu.arange(20):reshape(4, 5)",
     "array([[ 0, ...,  4],\n       ...,\n       [15, ..., 19]], dtype=int64)"},
    {{suppress = true}, "cu.array({1e-10, 1.5})", "array([0. , 1.5], dtype=float64)"},
    {{precision = 2}, "cu.array({1e-10, 1.5})", "array([1.0e-10, 1.5e+00], dtype=float64)"},
  }
  for i, c in ipairs(cases_opts) do
    it("applies the options, case " .. i, function()
      local a = eval(c[2])
      cu.set_printoptions(c[1])
      assert.are.equal(on_device(c[3], a.device), tostring(a))
    end)
  end

  it("reports and resets the options", function()
    local d = cu.get_printoptions()
    assert.are.same({threshold = 1000, edgeitems = 3, precision = 8, linewidth = 75,
                     suppress = false}, d)
    cu.set_printoptions{precision = 4}
    assert.are.equal(4, cu.get_printoptions().precision)
    assert.are.equal(1000, cu.get_printoptions().threshold)
    cu.set_printoptions()
    assert.are.same(d, cu.get_printoptions())
  end)

  it("raises on unknown options and bad values", function()
    H.raises("set_printoptions: unknown option 'width'", cu.set_printoptions, {width = 3})
    H.raises("set_printoptions: precision must be an integer from 0 to 17",
             cu.set_printoptions, {precision = -1})
    H.raises("set_printoptions: edgeitems must be a positive integer",
             cu.set_printoptions, {edgeitems = 0.5})
    H.raises("set_printoptions: expected a table of options", cu.set_printoptions, 3)
    assert.are.equal(8, cu.get_printoptions().precision)
  end)
end)

H.each_device("summarised printing", function()
  it("reads only the edge items from the device", function()
    local a = cu.arange(1000000):reshape(1000, 1000)
    local values, digits, shape = cu._print_data(a, 3)
    assert.are.same({6, 6}, shape)
    assert.are.equal(36, #values)
    assert.is_nil(digits)
    assert.are.same({"0", "1", "2", "997", "998", "999"}, {(table.unpack or unpack)(values, 1, 6)})
    assert.are.same({"999000", "999001", "999002", "999997", "999998", "999999"},
                    {(table.unpack or unpack)(values, 31, 36)})
  end)

  it("summarises views without copying them whole", function()
    local a = cu.arange(3000):reshape(1000, 3).T
    assert.are.equal(on_device("array([[   0,    3,    6, ..., 2991, 2994, 2997],\n" ..
                               "       [   1,    4,    7, ..., 2992, 2995, 2998],\n" ..
                               "       [   2,    5,    8, ..., 2993, 2996, 2999]], dtype=int64)",
                               a.device), tostring(a))
  end)

  it("formats floats from the edge items only", function()
    local a = cu.zeros(5000)
    local s = tostring(a)
    assert.are.equal(on_device("array([0., 0., 0., ..., 0., 0., 0.], dtype=float64)", a.device), s)
  end)
end)
