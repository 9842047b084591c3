#!/usr/bin/env bash
# make notebook-test: the kernel through jupyter_client (jupyter/tests/test_protocol.py), the
# example notebooks executed with the kernel on the CPU by nbconvert and their outputs
# checked, then rendered to HTML and checked in headless Chromium (screenshots kept in
# $BUILD/notebooks/). Prints TAP; exits 1 if anything failed. Called by the Makefile with
# BUILD, PYTHON3 and KERNELS (the kernel specs installed in $BUILD/jupyter/kernels).
set -u
BUILD=${BUILD:-build}
PYTHON3=${PYTHON3:-/usr/bin/python3}
KERNELS=${KERNELS:-cuarray-luajit}
out="$BUILD/notebooks"
rm -rf "$out"
mkdir -p "$out"
export JUPYTER_PATH="$PWD/$BUILD/jupyter" PYDEVD_DISABLE_FILE_VALIDATION=1 CUARRAY_DEVICE=cpu
status=0
n=0
t0=$(date +%s)

# TAP for one command: ok / not ok with its log.
step() {
  local name=$1 log=$2; shift 2
  n=$((n + 1))
  if "$@" >"$log" 2>&1; then
    echo "ok $n - $name"
  else
    status=1
    echo "not ok $n - $name"
    tail -n 30 "$log" | sed 's/^/# /'
  fi
}

# one run per kernel, side by side (most of their time is waiting on the kernels)
pids=()
for k in $KERNELS; do
  "$PYTHON3" jupyter/tests/test_protocol.py "$k" >"$out/protocol-$k.tap" 2>"$out/protocol-$k.log" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for k in $KERNELS; do cat "$out/protocol-$k.tap"; done
echo "# protocol tests: $(( $(date +%s) - t0 )) s"

t1=$(date +%s)
step "nbconvert --execute examples/notebooks/*.ipynb (cuarray-luajit, CPU)" "$out/execute.log" \
  "$PYTHON3" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
    --ExecutePreprocessor.kernel_name=cuarray-luajit --output-dir "$out" examples/notebooks/*.ipynb
"$PYTHON3" jupyter/tests/check_notebooks.py "$out"/*.ipynb || status=1
echo "# notebooks executed and checked: $(( $(date +%s) - t1 )) s"

t1=$(date +%s)
step "nbconvert --to html of the executed notebooks" "$out/html.log" \
  "$PYTHON3" -m nbconvert --to html --output-dir "$out" "$out"/*.ipynb
"$PYTHON3" jupyter/tests/browser_check.py "$out" "$out"/*.html || status=1
echo "# rendered and checked in Chromium: $(( $(date +%s) - t1 )) s (screenshots: $out/*.png)"
echo "# notebook tests: $(( $(date +%s) - t0 )) s"
exit $status
