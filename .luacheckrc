-- luacheck configuration: `make lint` runs `luacheck lua spec bench examples fuzz/hostile`, and
-- make test counts any warning as a failure.
max_line_length = 100
codes = true

-- Library code must run on LuaJIT (5.1) and Lua 5.4: the union of both standard libraries,
-- so version probes such as `table.unpack or unpack` and `jit`/`bit` checks are allowed.
std = "luajit+lua54"

-- The `cu` style: `local cu = require "cuarray"`; unused `self` and loop variables named `_`
-- are fine, and so are unused function arguments (methods with a fixed signature).
self = false
unused_args = false

-- Specs hold long tables of expected values: no line limit there.
files["spec/"] = { std = "+busted", max_line_length = false }
files["bench/"] = { std = "luajit+lua54" }
files["examples/"] = { std = "luajit+lua54" }
