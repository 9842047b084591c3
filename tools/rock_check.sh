#!/usr/bin/env bash
# `luarocks make` into a fresh temporary tree, for Lua 5.4 and for LuaJIT (as Lua 5.1 with the
# LuaJIT headers), then `require "cuarray"` from that tree in a fresh process outside the checkout,
# and the launcher the rock installs in its bin/.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rockspec=$(ls cuarray-*.rockspec | head -1)
status=0
check() {  # check LUAVERSION INTERPRETER INCDIR
  local ver=$1 lua=$2 inc=$3 tmp
  if ! command -v "$lua" >/dev/null 2>&1 || [ ! -d "$inc" ]; then
    echo "rock-check: skipping Lua $ver ($lua or $inc missing)"; return 0
  fi
  tmp=$(mktemp -d /tmp/cuarray-rock.XXXXXX)
  echo "rock-check: luarocks make --tree=$tmp --lua-version=$ver LUA_INCDIR=$inc"
  if ! env -u LUA_PATH -u LUA_CPATH luarocks make --tree="$tmp" --lua-version="$ver" \
        LUA_INCDIR="$inc" LUA="$(command -v "$lua")" "$rockspec" >"$tmp.log" 2>&1; then
    cat "$tmp.log"; echo "rock-check: luarocks make for Lua $ver FAILED"; status=1
    rm -rf "$tmp" "$tmp.log"; return
  fi
  tail -n 3 "$tmp.log"
  local lv=$ver
  if (cd /tmp && env -u LUA_PATH_5_4 \
        LUA_PATH="$tmp/share/lua/$lv/?.lua;$tmp/share/lua/$lv/?/init.lua;;" \
        LUA_CPATH="$tmp/lib/lua/$lv/?.so;;" \
        "$lua" -e 'local cu = require "cuarray"
          assert(package.searchpath("cuarray.core", package.cpath):find(os.getenv("TREE"), 1, true))
          local ok, s = pcall(function() return cu.arange(4):sum():item() end)
          print("rock-check: required cuarray from the tree; sum(arange(4)) = " .. tostring(s))' ) \
        2>&1; then :; else echo "rock-check: require from the Lua $ver tree FAILED"; status=1; fi
  if "$tmp/bin/cuarray-run" --help 2>&1 | grep -q "usage: cuarray-run"; then
    echo "rock-check: the tree's bin/cuarray-run runs"
  else
    echo "rock-check: bin/cuarray-run missing from the Lua $ver tree"; status=1
  fi
  rm -rf "$tmp" "$tmp.log"
}
export TREE=/tmp/cuarray-rock
check 5.4 lua5.4 "${LUA54_INC:-/usr/include/lua5.4}"
check 5.1 luajit "${LUAJIT_INC:-/usr/include/luajit-2.1}"
exit $status
