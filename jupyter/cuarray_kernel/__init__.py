"""A Jupyter kernel for cuarray: Lua (LuaJIT or Lua 5.4) with `cu = require "cuarray"`."""

__version__ = "0.1"
