/* NumPy .npy headers and stored (uncompressed) ZIP archives for .npz: pure C, no Lua, so the
 * parsers can be fuzzed on their own (fuzz/). Every parser reads only the bytes it is given
 * and reports failures as text in `err`; nothing here allocates or aborts.
 *
 * .npy layout (numpy/lib/_format_impl.py): "\x93NUMPY", major, minor, HEADER_LEN (uint16 LE
 * in 1.0, uint32 LE in 2.0 and 3.0), a Python dict literal with exactly the keys 'descr',
 * 'fortran_order' and 'shape', padded with spaces and ending in '\n', then the raw data. */
#ifndef CA_NPY_H
#define CA_NPY_H

#include <stdint.h>
#include <stddef.h>

#define NPY_MAXDIMS 32
#define NPY_PREAMBLE_MAX 12          /* magic + version + a 4-byte length */
#define NPY_HEADER_MAX (1u << 20)    /* HEADER_LEN we accept at most (NumPy's own cap: 10000) */
#define NPY_WRITE_MAX 4096           /* bytes npy_write_header may produce (with 32 dims) */

/* The dtypes, numbered as src/dtype.h numbers them (CA_BOOL ... CA_FLOAT64). */
typedef struct npy_header {
  int major, minor;          /* file format version */
  int dtype;                 /* a ca_dtype */
  size_t itemsize;
  int swap;                  /* the data is big-endian: swap each element's bytes */
  size_t swap_size;          /* the bytes swapped as one (a complex element's parts apart) */
  int fortran;               /* the data is in Fortran (column-major) order */
  int ndim;
  int64_t shape[NPY_MAXDIMS];
  int64_t count;             /* product of shape */
  uint64_t data_bytes;       /* count * itemsize */
  size_t data_offset;        /* bytes from the start of the file to the data */
} npy_header;

enum {
  NPY_OK = 0,
  NPY_ERR = -1,        /* malformed or unsupported: see err */
  NPY_NEED_MORE = 1    /* the header is longer than the bytes given: see *need */
};

/* Parses magic, version, length and the header dict from buf[0..len). Returns NPY_OK,
 * NPY_ERR (message in err), or NPY_NEED_MORE with *need = the bytes required (then call
 * again with at least that many). */
int npy_parse(const unsigned char *buf, size_t len, npy_header *h, size_t *need,
              char *err, size_t errlen);

/* Writes the preamble and header for (dtype, order, shape) to out (NPY_WRITE_MAX bytes),
 * version 1.0 (or 2.0 if it must), padded to a multiple of 64 bytes. Returns its length,
 * 0 on a bad dtype or ndim. */
size_t npy_write_header(unsigned char *out, int dtype, int fortran, int ndim, const int64_t *shape);

/* The descr NumPy uses for a dtype ("<f4", "|b1", ...), NULL when unknown. */
const char *npy_descr(int dtype);

/* Reverses the bytes of each of `count` items of `itemsize` bytes. */
void npy_byteswap(void *data, size_t count, size_t itemsize);

/* CRC-32 (ISO-HDLC, as ZIP uses it); start with crc = 0. */
uint32_t npy_crc32(uint32_t crc, const void *data, size_t n);

/* ---- ZIP (for .npz) ---------------------------------------------------------------------
 * Reading: locate the central directory from the last bytes of the file, then walk it.
 * Writing: local headers, the data (stored, or deflated by the caller), the central directory. Entries and
 * archives over 4 GiB use ZIP64 records when reading; the writer refuses them. */
#define NPY_ZIP_EOCD_SCAN (65535 + 22 + 20)  /* tail bytes enough to find the end records */

typedef struct npy_zip_dir {
  uint64_t cd_offset;    /* where the central directory starts */
  uint64_t cd_size;
  uint64_t entries;
} npy_zip_dir;

typedef struct npy_zip_entry {
  char name[256];        /* NUL-terminated; longer names are refused */
  int method;            /* 0 stored, 8 deflate */
  uint32_t crc;
  uint64_t csize, usize; /* compressed and uncompressed sizes */
  uint64_t local_offset; /* where its local header starts */
} npy_zip_entry;

/* tail = the last tail_len bytes of a file of file_size bytes. */
int npy_zip_find_dir(const unsigned char *tail, size_t tail_len, uint64_t file_size,
                     npy_zip_dir *d, char *err, size_t errlen);
/* Parses one central directory record at cd[*pos..cd_len); advances *pos. */
int npy_zip_next_entry(const unsigned char *cd, size_t cd_len, size_t *pos, npy_zip_entry *e,
                       char *err, size_t errlen);
/* Given the 30-byte local header at `local`, the bytes from the local header to the data. */
int npy_zip_local_skip(const unsigned char *local, uint64_t *skip, char *err, size_t errlen);

/* Writers: fill `out` and return the byte count. An entry is stored (method 0, csize ==
 * usize) or deflated (method 8); crc is that of the uncompressed bytes. */
size_t npy_zip_local_header(unsigned char *out /* 30 + name */, const char *name, int method,
                            uint32_t crc, uint32_t csize, uint32_t usize);
size_t npy_zip_central_header(unsigned char *out /* 46 + name */, const char *name, int method,
                              uint32_t crc, uint32_t csize, uint32_t usize,
                              uint32_t local_offset);
size_t npy_zip_end(unsigned char *out /* 22 */, uint16_t entries, uint32_t cd_size,
                   uint32_t cd_offset);

#endif
