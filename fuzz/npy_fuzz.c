/* libFuzzer target for the .npy header parser and the ZIP directory reader (src/npy.c).
 * Build and run: make -C fuzz run (60 s by default; FUZZ_SECONDS=...). */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "../src/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  npy_header h;
  size_t need = 0;
  /* As the loader does: parse what there is, then again with the length asked for. */
  int r = npy_parse(data, size, &h, &need, err, sizeof err);
  if (r == NPY_NEED_MORE && need <= size) __builtin_trap();
  if (r == NPY_OK) {
    if (h.data_offset > size || h.ndim > NPY_MAXDIMS) __builtin_trap();
    unsigned char out[NPY_WRITE_MAX];
    size_t n = npy_write_header(out, h.dtype, h.fortran, h.ndim, h.shape);
    npy_header h2;
    if (n == 0 || npy_parse(out, n, &h2, &need, err, sizeof err) != NPY_OK) __builtin_trap();
    if (h2.count != h.count || h2.ndim != h.ndim || n % 64 != 0) __builtin_trap();
  }
  /* The same bytes as the tail of a ZIP archive. */
  npy_zip_dir d;
  if (npy_zip_find_dir(data, size, size, &d, err, sizeof err) == NPY_OK) {
    size_t pos = (size_t)d.cd_offset;
    for (uint64_t i = 0; i < d.entries; i++) {
      npy_zip_entry e;
      if (npy_zip_next_entry(data + d.cd_offset, (size_t)d.cd_size, &pos, &e, err, sizeof err)) break;
      if (e.local_offset <= size && size - e.local_offset >= 30) {
        uint64_t skip;
        npy_zip_local_skip(data + e.local_offset, &skip, err, sizeof err);
      }
    }
  }
  return 0;
}
