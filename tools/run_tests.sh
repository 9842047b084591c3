#!/usr/bin/env bash
# Runs every part of `make test` (or of `make test-gpu` with GPU=1), each through make, shows
# its output, and tallies it: TAP parts count their `ok` / `not ok` lines (a `# SKIP` counts as
# skipped), every other part counts as one test. The last line printed is `N passed, N failed`.
# Called by the Makefile with BUILD, MAKE and TEST_FLAVOURS set; exits 1 if anything failed.
set -u
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
TEST_FLAVOURS=${TEST_FLAVOURS:-luajit lua5.4 lua5.1}
logdir="$BUILD/test-logs"
rm -rf "$logdir"; mkdir -p "$logdir"
passed=0 failed=0 skipped=0
report=()

# tap NAME CMD...: a busted run with TAP output
tap() {
  local name=$1; shift
  local log="$logdir/$name.log"
  echo "==== $name: $*"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local ok notok skip
  ok=$(grep -cE '^ok [0-9]+ ' "$log")
  skip=$(grep -cE '^ok [0-9]+ - # SKIP' "$log")
  notok=$(grep -cE '^not ok [0-9]+ ' "$log")
  ok=$((ok - skip))
  # A crash, or an error busted reports outside any test, leaves no `not ok` line: count it.
  if [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then notok=1; fi
  passed=$((passed + ok)); failed=$((failed + notok)); skipped=$((skipped + skip))
  report+=("$(printf '%-28s %5d passed %5d failed %5d skipped (exit %d)' "$name" "$ok" "$notok" "$skip" "$rc")")
}

# step NAME CMD...: one test, passing when CMD exits 0
step() {
  local name=$1; shift
  local log="$logdir/$name.log"
  echo "==== $name: $*"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); r=pass; else failed=$((failed + 1)); r=FAIL; fi
  report+=("$(printf '%-28s %s (exit %d)' "$name" "$r" "$rc")")
}

has() { case " $TEST_FLAVOURS " in *" $1 "*) return 0;; esac; return 1; }
m() { $MAKE --no-print-directory -s "$@"; }

if [ "${GPU:-}" = 1 ]; then
  step "gpu-present" m gpu-check
  if [ "$failed" -ne 0 ]; then echo "test-gpu: cuarray.cuda reports no GPU"; echo "$passed passed, $failed failed"; exit 1; fi
  tap "busted-luajit-cuda" env CUARRAY_TEST_DEVICES=cuda $MAKE --no-print-directory -s busted-luajit
  tap "busted-luajit-cpu,cuda" env CUARRAY_TEST_DEVICES=cpu,cuda $MAKE --no-print-directory -s busted-luajit
  step "embed-luajit-cuda" m embed-luajit EMBED_DEVICE=cuda
  tap "oracle-luajit-cuda" env CUARRAY_TEST_DEVICES=cuda $MAKE --no-print-directory -s oracle-luajit
  step "hostile-luajit-cuda" m hostile-luajit HOSTILE_DEVICE=cuda
  if compgen -G 'spec/*_gpu_spec.lua' >/dev/null; then
    tap "busted-luajit-gpu-specs" env CUARRAY_TEST_DEVICES=cpu,cuda $MAKE --no-print-directory -s \
      busted-luajit BUSTED_ARGS=--run=gpu
  fi
else
  has luajit && tap "busted-luajit" m busted-luajit
  has lua5.4 && tap "busted-lua5.4" m busted-lua5.4
  has lua5.1 && tap "busted-lua5.1" m busted-lua5.1
  step "oracle-design" m oracle-design-check
  has luajit && tap "oracle-luajit" m oracle-luajit
  has lua5.4 && tap "oracle-lua5.4" m oracle-lua5.4
  has lua5.1 && tap "oracle-lua5.1" m oracle-lua5.1
  has luajit && tap "examples" m examples
  has luajit && step "embed-luajit" m embed-luajit
  has lua5.4 && step "embed-lua5.4" m embed-lua5.4
  has lua5.1 && step "embed-lua5.1" m embed-lua5.1
  step "luacheck" m lint
  step "header-check" m header-check
  step "op-rows-check" m op-rows-check
  step "structure-check" m structure-check
  step "luarocks-make" m rock-check
  has lua5.4 && tap "asan+ubsan-lua5.4" m busted-asan
  has lua5.4 && tap "oracle-asan+ubsan-lua5.4" m oracle-asan
  has lua5.4 && step "hostile-asan+ubsan-lua5.4" m hostile-asan
  has luajit && step "hostile-luajit" m hostile-luajit
  has lua5.1 && step "hostile-lua5.1" m hostile-lua5.1
fi

echo "==== summary"
for r in "${report[@]}"; do echo "$r"; done
echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
