#!/usr/bin/env bash
# Runs every part of `make test` (or of `make test-gpu` with GPU=1, of `make test-multigpu` with
# MULTIGPU=1), each through make, shows its output, and tallies it: TAP parts count their `ok` /
# `not ok` lines (a `# SKIP` counts as skipped), every other part counts as one test. The last
# line printed is `N passed, N failed`; the summary gives each part's seconds.
# Called by the Makefile with BUILD, MAKE and TEST_FLAVOURS set; exits 1 if anything failed.
set -u
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
TEST_FLAVOURS=${TEST_FLAVOURS:-luajit lua5.4 lua5.1}
logdir="$BUILD/test-logs"
rm -rf "$logdir"; mkdir -p "$logdir"
passed=0 failed=0 skipped=0
report=()

# tally NAME LOG STATUS: counts the `ok` / `not ok` lines of a TAP log that a command exiting
# with STATUS wrote
tally() {
  local name=$1 log=$2 rc=$3 took=${4:-}
  local ok notok skip
  ok=$(grep -cE '^ok [0-9]+ ' "$log")
  skip=$(grep -cE '^ok [0-9]+ - # SKIP' "$log")
  notok=$(grep -cE '^not ok [0-9]+ ' "$log")
  ok=$((ok - skip))
  # A crash, or an error busted reports outside any test, leaves no `not ok` line: count it.
  if [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then notok=1; fi
  passed=$((passed + ok)); failed=$((failed + notok)); skipped=$((skipped + skip))
  report+=("$(printf '%-28s %5d passed %5d failed %5d skipped (exit %d)%s' "$name" "$ok" "$notok" "$skip" "$rc" "$took")")
}

# tap NAME CMD...: a busted run with TAP output
tap() {
  local name=$1; shift
  local log="$logdir/$name.log"
  local t0=$SECONDS
  echo "==== $name: $*"
  "$@" 2>&1 | tee "$log"
  tally "$name" "$log" "${PIPESTATUS[0]}" " $((SECONDS - t0)) s"
}

# tap_start NAME CMD... / tap_finish NAME: a busted run with TAP output in the background (each
# run is one process; CI has two cores), its log shown and counted when it has finished
tap_start() {
  local name=$1; shift
  local log="$logdir/$name.log"
  echo "==== $name (runs beside the next part): $*"
  ( t0=$SECONDS; "$@" > "$log" 2>&1; echo $? > "$log.rc"; echo $((SECONDS - t0)) > "$log.took" ) &
  eval "pid_${name//[^a-zA-Z0-9]/_}=$!"
}
tap_finish() {
  local name=$1 pid
  local log="$logdir/$name.log"
  eval "pid=\$pid_${name//[^a-zA-Z0-9]/_}"
  wait "$pid"
  echo "==== $name (finished)"
  cat "$log"
  tally "$name" "$log" "$(cat "$log.rc" 2>/dev/null || echo 1)" " $(cat "$log.took" 2>/dev/null) s"
}

# step NAME CMD...: one test, passing when CMD exits 0
step() {
  local name=$1; shift
  local log="$logdir/$name.log" t0=$SECONDS
  echo "==== $name: $*"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); r=pass; else failed=$((failed + 1)); r=FAIL; fi
  report+=("$(printf '%-28s %s (exit %d) %d s' "$name" "$r" "$rc" "$((SECONDS - t0))")")
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
  step "notebooks-cuda" m notebook-gpu-check
  if compgen -G 'spec/*_gpu_spec.lua' >/dev/null; then
    tap "busted-luajit-gpu-specs" env CUARRAY_TEST_DEVICES=cpu,cuda $MAKE --no-print-directory -s \
      busted-luajit BUSTED_ARGS=--run=gpu
  fi
elif [ "${MULTIGPU:-}" = 1 ]; then
  # Every part is bounded: MULTIGPU_BUDGET seconds in all (default 540), each part its own cap.
  deadline=$((SECONDS + ${MULTIGPU_BUDGET:-540}))
  bounded() { # bounded SECONDS CMD...: CMD (a command or a function below) under `timeout`,
               # given at most what is left of the budget
    local t=$1 left=$((deadline - SECONDS)); shift
    [ "$left" -lt "$t" ] && t=$left
    if [ "$t" -le 0 ]; then echo "no time left in MULTIGPU_BUDGET"; return 124; fi
    timeout -k 10 "$t" bash -c '"$@"' bounded "$@"
  }
  # bin/cuarray-run with the checkout's module paths; its --grace stays below timeout's -k.
  launch() { $MAKE --no-print-directory -s launch LAUNCH_ARGS="--grace 5 $(printf '%q ' "$@")"; }
  expect() { # expect REGEX CMD...: CMD succeeds and prints a line matching REGEX
    local pattern=$1 out rc; shift
    out=$("$@" 2>&1); rc=$?
    printf '%s\n' "$out"
    [ "$rc" -eq 0 ] && grep -qE "$pattern" <<<"$out"
  }
  export MAKE
  export -f launch expect
  mdir="$logdir/multigpu"; mkdir -p "$mdir"
  step "two-gpus-and-nccl" bounded 60 $MAKE --no-print-directory -s gpu-check GPU_CHECK_ARGS="--gpus 2 --nccl"
  if [ "$failed" -ne 0 ]; then echo "test-multigpu: needs two GPUs and NCCL"; echo "$passed passed, $failed failed"; exit 1; fi
  tap "multigpu-devices" bounded 120 $MAKE --no-print-directory -s busted-luajit \
    BUSTED_ARGS=spec/multigpu/devices_mgpu.lua
  tap "multigpu-nccl-one-process" bounded 150 $MAKE --no-print-directory -s busted-luajit \
    BUSTED_ARGS=spec/multigpu/nccl_single_mgpu.lua
  step "multigpu-nccl-two-processes" bounded 180 launch -n 2 --timeout 170 --log-dir "$mdir/ranks" \
    -- "$BUSTED" -o TAP spec/multigpu/nccl_ranks_mgpu.lua
  for r in 0 1; do
    [ -f "$mdir/ranks/rank-$r.log" ] && cat "$mdir/ranks/rank-$r.log" && tally "nccl-rank-$r" "$mdir/ranks/rank-$r.log" 0
  done
  for mode in late dead dead-wait; do
    step "nccl-dead-peer-$mode" bounded 70 expect "^ok $mode" launch -n 2 --timeout 60 spec/multigpu/dead_peer.lua "$mode"
  done
  step "example-distributed-pi" bounded 90 expect "^pi ~ 3\.1[0-9]* from 200000000 points on 2 ranks" \
    launch -n 2 --timeout 85 examples/distributed_pi.lua 100000000
  step "bench-peer-copy" bounded 90 $MAKE --no-print-directory -s bench-multigpu-peer
  step "bench-allreduce" bounded 150 launch -n 2 --timeout 140 bench/multigpu.lua allreduce
  step "bench-torch-peer-copy" bounded 120 python3 bench/torch_multigpu_peer.py peer
  step "bench-torch-allreduce" bounded 180 python3 -m torch.distributed.run --nproc_per_node=2 \
    bench/torch_multigpu_peer.py allreduce
  grep -h '^{"lib": ' "$logdir"/bench-*.log > "$mdir/bench.jsonl"
  echo "==== benchmark (JSON lines in $mdir/bench.jsonl)"
  cat "$mdir/bench.jsonl"
  python3 bench/multigpu_compare.py "$mdir/bench.jsonl"
else
  # the three flavours' suites and the sanitizer's, two at a time; the FFT engine's C tests
  # (one process) beside the examples, notebooks and embeddings
  has lua5.1 && tap_start "busted-lua5.1" m busted-lua5.1
  has luajit && tap "busted-luajit" m busted-luajit
  has lua5.1 && tap_finish "busted-lua5.1"
  has lua5.4 && tap_start "asan+ubsan-lua5.4" m busted-asan
  has lua5.4 && tap "busted-lua5.4" m busted-lua5.4
  has lua5.4 && tap_finish "asan+ubsan-lua5.4"
  step "oracle-design" m oracle-design-check
  has luajit && tap "oracle-luajit" m oracle-luajit
  has lua5.4 && tap "oracle-lua5.4" m oracle-lua5.4
  has lua5.1 && tap "oracle-lua5.1" m oracle-lua5.1
  tap_start "fft-engine-c" m fft-engine-test
  has luajit && tap "examples" m examples
  has luajit && tap "notebooks" m notebook-test
  has luajit && step "embed-luajit" m embed-luajit
  has lua5.4 && step "embed-lua5.4" m embed-lua5.4
  has lua5.1 && step "embed-lua5.1" m embed-lua5.1
  step "luacheck" m lint
  tap_finish "fft-engine-c"
  step "header-check" m header-check
  step "op-rows-check" m op-rows-check
  step "structure-check" m structure-check
  step "luarocks-make" m rock-check
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
