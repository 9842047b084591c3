#!/bin/sh
# Writes seed inputs for the fuzzer into $1: valid .npy headers of each version and a
# small stored ZIP archive (printf only, so no Python is needed).
set -e
d=$1
mkdir -p "$d"
hdr="{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
pad=$(printf '%*s' $((118 - ${#hdr} - 1)) '')
printf '\223NUMPY\001\000\166\000%s%s\n' "$hdr" "$pad" > "$d/v1.npy"
printf '\223NUMPY\002\000\164\000\000\000%s%s\n' "$hdr" "$(printf '%*s' $((116 - ${#hdr} - 1)) '')" > "$d/v2.npy"
printf '\223NUMPY\003\000\164\000\000\000{"descr": ">i8", "fortran_order": True, "shape": (5,)}\n' > "$d/v3.npy"
printf '\223NUMPY\001\000\060\000{'"'"'descr'"'"': '"'"'|b1'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': ()}\n' > "$d/scalar.npy"
# An empty stored ZIP archive (just the end record).
printf 'PK\005\006\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' > "$d/empty.zip"
