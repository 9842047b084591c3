#!/usr/bin/env bash
# What a user does with the rock, checked as they would do it (make rock-check, part of make
# test): the LICENSE is there, both rockspecs pass `luarocks lint` and agree on everything but
# version and source, the release rockspec and CHANGELOG.md name the version of src/cuarray.h,
# and `luarocks make --local` into a fresh home (no root) builds and
# installs for Lua 5.4 and for LuaJIT; then, in a fresh process started from / with nothing
# but `eval "$(luarocks path)"` on the paths, `require "cuarray"` loads that tree's modules,
# cu._VERSION names the release and cu.show_config() runs. The LuaJIT build passes
# HAVE_CUDA=0 through LuaRocks; the 5.4 build finds CUDA as the Makefile did (HAVE_CUDA in the
# environment, from `make rock-check`). LuaRocks runs with a user's PATH (no sbin directories)
# and must find the BLAS that make found (BLAS in the environment).
set -u
MAKE=${MAKE:-make}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
status=0
fail() { echo "rock-check: $*"; status=1; }

[ -s LICENSE ] && grep -q 'MIT License' LICENSE || fail "LICENSE is missing or is not the MIT licence"
scm=cuarray-scm-1.rockspec
release=$(ls cuarray-[0-9]*.rockspec 2>/dev/null | sort -V | tail -1)
[ -n "$release" ] || fail "no release rockspec (cuarray-X.Y.Z-N.rockspec)"
for r in $scm $release; do
  if luarocks lint "$r" >/dev/null 2>&1; then echo "rock-check: luarocks lint $r: clean"
  else luarocks lint "$r"; fail "luarocks lint $r failed"; fi
done
# The two rockspecs differ in version and source only.
diff <(sed -e '/^version = /d' -e '/^  branch = /d' -e '/^  tag = /d' "$scm") \
     <(sed -e '/^version = /d' -e '/^  branch = /d' -e '/^  tag = /d' "$release") \
  || fail "$scm and $release differ beyond version and source"
version=$(sed -n 's/^#define CUARRAY_VERSION "\(.*\)"/\1/p' src/cuarray.h)
case "$release" in cuarray-"$version"-*.rockspec) ;;
  *) fail "$release does not name the version of src/cuarray.h ($version)";; esac
grep -q "tag = \"v$version\"" "$release" || fail "$release's source is not the tag v$version"
grep -q "^## $version " CHANGELOG.md || fail "CHANGELOG.md has no section for $version"

# The rockspec hands LuaRocks' HAVE_CUDA and CUDA_ARCH to make (seen with MAKE=echo), and the
# Makefile takes them.
home=$(mktemp -d /tmp/cuarray-rock.XXXXXX)
line=$(env HOME="$home" luarocks make --local --lua-version=5.4 MAKE=echo HAVE_CUDA=0 \
       CUDA_ARCH=sm_75 "$scm" 2>&1 | grep '^rock ')
rm -rf "$home"
case " $line " in *" CUARRAY_HAVE_CUDA=0 "*) ;; *) fail "HAVE_CUDA=0 did not reach make: $line";; esac
case " $line " in *" CUARRAY_CUDA_ARCH=sm_75 "*) ;; *) fail "CUDA_ARCH did not reach make: $line";; esac
$MAKE -s --no-print-directory configure CUARRAY_HAVE_CUDA=0 | grep -q '^  CUDA:  no (turned off' ||
  [ -z "${HAVE_CUDA:-}" ] || fail "make rock does not read CUARRAY_HAVE_CUDA=0"
if [ -n "${HAVE_CUDA:-}" ]; then
  $MAKE -s --no-print-directory configure CUARRAY_CUDA_ARCH=sm_75 | grep -q ' for sm_75$' ||
    fail "make rock does not read CUARRAY_CUDA_ARCH"
fi

# check LUAVERSION INTERPRETER INCDIR EXPECT_CUDA VAR=VALUE...: a user's install and use
check() {
  local ver=$1 lua=$2 inc=$3 expect_cuda=$4
  shift 4
  if ! command -v "$lua" >/dev/null 2>&1 || [ ! -d "$inc" ]; then
    echo "rock-check: skipping Lua $ver ($lua or $inc missing)"; return 0
  fi
  home=$(mktemp -d /tmp/cuarray-rock.XXXXXX)
  echo "rock-check: HOME=$home luarocks make --local --lua-version=$ver LUA_INCDIR=$inc $*"
  # A user's PATH: no sbin directories (ldconfig lives there on Debian).
  if ! env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4 HOME="$home" \
        PATH="$user_path" luarocks make --local --lua-version="$ver" LUA_INCDIR="$inc" \
        LUA="$(command -v "$lua")" "$@" "$scm" >"$home.log" 2>&1; then
    cat "$home.log"; fail "luarocks make for Lua $ver FAILED"
    rm -rf "$home" "$home.log"; return
  fi
  sed -n '/: configuration$/,/^  CUDA:/p' "$home.log"
  tail -n 2 "$home.log"
  grep -q "^  BLAS:  ${BLAS:-NONE}\$" "$home.log" ||
    fail "Lua $ver: the rock found another BLAS than make did (${BLAS:-NONE})"
  local so="$home/.luarocks/lib/lua/$ver/cuarray/cuda.so"
  if [ "$expect_cuda" = yes ] && [ ! -f "$so" ]; then fail "Lua $ver: cuda.so was not installed"; fi
  if [ "$expect_cuda" = no ] && [ -f "$so" ]; then fail "Lua $ver: cuda.so was installed"; fi
  # The C library for host programs stays in the rock's directory, under c/.
  local pc
  pc=$(find "$home/.luarocks/lib/luarocks" -path '*/c/lib/pkgconfig/cuarray.pc' | head -1)
  if [ -n "$pc" ] && PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --exists --print-errors cuarray &&
     [ -f "$(dirname "$pc")/../libcuarray.a" ] && [ -f "$(dirname "$pc")/../../include/cuarray/cuarray.h" ] &&
     readelf -d "$(dirname "$pc")/../libcuarray.so" | grep -q 'SONAME.*libcuarray.so.1'; then
    echo "rock-check: the rock holds the C library: ${pc#"$home"/}"
  else
    echo "rock-check: the C library (c/lib/libcuarray.so, .a, cuarray.pc, c/include) is missing from the Lua $ver rock"
    status=1
  fi
  if find "$home/.luarocks/lib/lua" -name 'libcuarray*' | grep -q .; then
    echo "rock-check: libcuarray was deployed among the Lua modules"; status=1
  fi
  # A fresh process in /, with only what `luarocks path` gives.
  if (cd / && env -i PATH="$PATH" HOME="$home" EXPECT_TREE="$home/.luarocks" \
        EXPECT_VERSION="$version" sh -c 'eval "$(luarocks path --lua-version='"$ver"')" &&
        exec "$0" -e "$1"' "$lua" '
          local cu = require "cuarray"
          local where = package.searchpath("cuarray.core", package.cpath)
          assert(where:find(os.getenv("EXPECT_TREE"), 1, true), "cuarray.core from " .. where)
          assert(cu._VERSION == "cuarray " .. os.getenv("EXPECT_VERSION"), cu._VERSION)
          assert(cu.show_config({mode = "dicts"}).version == cu._VERSION)
          cu.show_config()
          print("rock-check: " .. cu._VERSION .. " from " .. where .. "; sum(arange(4)) = " ..
                tostring(cu.arange(4):sum()))') 2>&1; then :
  else fail "require from the Lua $ver tree FAILED"; fi
  if "$home/.luarocks/bin/cuarray-run" --help 2>&1 | grep -q "usage: cuarray-run"; then
    echo "rock-check: the tree's bin/cuarray-run runs"
  else fail "bin/cuarray-run missing from the Lua $ver tree"; fi
  rm -rf "$home" "$home.log"
}
user_path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v 'sbin' | paste -sd:)
# The CUDA module's compile is the longest part of a rock's build: `make test` checks the rocks
# without it (HAVE_CUDA=0 through LuaRocks) and `make rock-check ROCK_CUDA=1` with it.
if [ -n "${HAVE_CUDA:-}" ] && [ -n "${ROCK_CUDA:-}" ]; then
  check 5.4 lua5.4 "${LUA54_INC:-/usr/include/lua5.4}" yes
else
  check 5.4 lua5.4 "${LUA54_INC:-/usr/include/lua5.4}" no HAVE_CUDA=0
fi
check 5.1 luajit "${LUAJIT_INC:-/usr/include/luajit-2.1}" no HAVE_CUDA=0
exit $status
