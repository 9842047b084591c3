#!/usr/bin/env bash
# Runs each example at a small size under $CUARRAY_LUA (default luajit) and prints one TAP line
# per example: ok when it exits 0 and its output has the line the example promises.
# (spec/examples_spec.lua checks the printed values more closely inside the busted suites.)
set -u
lua=${CUARRAY_LUA:-luajit}
out=$(mktemp -d /tmp/cuarray-examples.XXXXXX)
n=0 bad=0
run() {  # run NAME EXPECT-REGEX ARGS...
  local name=$1 expect=$2; shift 2
  n=$((n + 1))
  local log="$out/$name.log"
  if "$lua" "examples/$name.lua" "$@" >"$log" 2>&1 && grep -qE "$expect" "$log"; then
    echo "ok $n - examples/$name.lua $*"
  else
    bad=$((bad + 1))
    echo "not ok $n - examples/$name.lua $*"
    sed 's/^/# /' "$log" | tail -n 20
  fi
}
run quickstart 'shape.*\(50, ?50\)' 50
run monte_carlo_pi 'pi ~' 100000
run distributed_pi 'pi ~ .* on 1 rank ' 100000
run image_filter 'wrote .*\.pgm' 64 "$out/blur.pgm"
run heat_diffusion 'total heat' 32 20
run srgb_to_linear 'array ops: 32x32 image' 32
run fused_particles 'mean energy' 1000 20
echo "1..$n"
rm -rf "$out"
[ "$bad" -eq 0 ]
