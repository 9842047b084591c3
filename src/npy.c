/* .npy header parsing and writing, byte swapping, CRC-32, and stored ZIP records (npy.h).
 * Pure C: every read is bounded by the length it is given. */
#include <stdio.h>
#include <string.h>
#include "npy.h"
#include "dtype.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), NPY_ERR)

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const unsigned char *p) { return rd32(p) | ((uint64_t)rd32(p + 4) << 32); }
static void wr16(unsigned char *p, uint32_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void wr32(unsigned char *p, uint32_t v) { wr16(p, v & 0xffff); wr16(p + 2, v >> 16); }

static int host_is_little(void) {
  const uint16_t one = 1;
  return *(const unsigned char *)&one == 1;
}

/* ---- descr ------------------------------------------------------------------------- */

/* NULL: a dtype NumPy lacks (bfloat16) */
static const char *const descrs[CA_NDTYPES] = {"|b1", "|i1", "|u1", "<i2", "<i4", "<i8",
                                               "<f2", "<f4", "<f8", "<c8", "<c16",
                                               "<u2", "<u4", NULL, "<u8"};

const char *npy_descr(int dtype) {
  return dtype >= 0 && dtype < CA_NDTYPES ? descrs[dtype] : NULL;
}

/* "<f4", ">i8", "|b1", "=f8", "f4", "?"...: our dtype, and whether the data is swapped. */
static int parse_descr(const char *s, npy_header *h, char *err, size_t errlen) {
  const char *p = s;
  char order = '=';
  if (*p == '<' || *p == '>' || *p == '|' || *p == '=') order = *p++;
  char kind = *p ? *p++ : 0;
  int size = 0;
  if (kind == 'O') return ERR("object arrays (pickled Python objects) are not supported");
  if (kind == '?' && !*p) {
    size = 1;
    kind = 'b';
  } else {
    if (!(*p >= '1' && *p <= '9')) goto unknown;
    while (*p >= '0' && *p <= '9' && size < 1000) size = size * 10 + (*p++ - '0');
    if (*p) goto unknown;
  }
  int dt = -1;
  switch (kind) {
  case 'b': dt = size == 1 ? CA_BOOL : -1; break;
  case 'i': dt = size == 1 ? CA_INT8 : size == 2 ? CA_INT16 : size == 4 ? CA_INT32 : size == 8 ? CA_INT64 : -1; break;
  case 'u':
    dt = size == 1 ? CA_UINT8 : size == 2 ? CA_UINT16 : size == 4 ? CA_UINT32
         : size == 8 ? CA_UINT64 : -1;
    break;
  case 'f': dt = size == 2 ? CA_FLOAT16 : size == 4 ? CA_FLOAT32 : size == 8 ? CA_FLOAT64 : -1; break;
  case 'c': dt = size == 8 ? CA_COMPLEX64 : size == 16 ? CA_COMPLEX128 : -1; break;
  default: break;
  }
  if (dt < 0) goto unknown;
  h->dtype = dt;
  h->itemsize = ca_itemsize(dt);
  int big = order == '>' || (order == '=' && !host_is_little());
  h->swap = h->itemsize > 1 && big == host_is_little();
  if (kind == 'c') h->swap_size = h->itemsize / 2; /* each part swapped on its own */
  else h->swap_size = h->itemsize;
  return NPY_OK;
unknown:
  return ERR("unsupported dtype '%s' (cuarray reads bool, int8, uint8, int16, uint16, int32, "
             "uint32, int64, uint64, float16, float32, float64, complex64 and complex128)", s);
}

/* ---- the header dict -------------------------------------------------------------- */

typedef struct cursor {
  const unsigned char *p, *end;
} cursor;

static void skip_ws(cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int eat(cursor *c, char ch) {
  skip_ws(c);
  if (c->p < c->end && *c->p == (unsigned char)ch) { c->p++; return 1; }
  return 0;
}

/* A quoted string without escapes, up to cap - 1 bytes. */
static int parse_string(cursor *c, char *out, size_t cap, char *err, size_t errlen) {
  skip_ws(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return ERR("header: expected a string");
  unsigned char q = *c->p++;
  size_t n = 0;
  while (c->p < c->end && *c->p != q) {
    if (*c->p == '\\' || *c->p < 0x20) return ERR("header: unexpected character in a string");
    if (n + 1 >= cap) return ERR("header: string too long");
    out[n++] = (char)*c->p++;
  }
  if (c->p >= c->end) return ERR("header: unterminated string");
  c->p++;
  out[n] = 0;
  return NPY_OK;
}

static int parse_word(cursor *c, const char *w) {
  size_t n = strlen(w);
  skip_ws(c);
  if ((size_t)(c->end - c->p) >= n && memcmp(c->p, w, n) == 0) { c->p += n; return 1; }
  return 0;
}

static int parse_shape(cursor *c, npy_header *h, char *err, size_t errlen) {
  if (!eat(c, '(')) return ERR("header: 'shape' must be a tuple of integers");
  h->ndim = 0;
  for (;;) {
    if (eat(c, ')')) return NPY_OK;
    skip_ws(c);
    if (c->p < c->end && *c->p == '-') return ERR("header: negative dimension in 'shape'");
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return ERR("header: 'shape' must be a tuple of integers");
    uint64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
      v = v * 10 + (uint64_t)(*c->p++ - '0');
      if (v > (uint64_t)INT64_MAX) return ERR("header: a dimension in 'shape' is too large");
    }
    if (c->p < c->end && (*c->p == 'L' || *c->p == 'l')) c->p++; /* Python 2 long */
    if (h->ndim >= NPY_MAXDIMS) return ERR("header: too many dimensions (at most %d)", NPY_MAXDIMS);
    h->shape[h->ndim++] = (int64_t)v;
    if (eat(c, ',')) continue;
    if (eat(c, ')')) return NPY_OK;
    return ERR("header: 'shape' must be a tuple of integers");
  }
}

static int parse_dict(cursor *c, npy_header *h, char *err, size_t errlen) {
  int seen_descr = 0, seen_order = 0, seen_shape = 0;
  if (!eat(c, '{')) return ERR("header is not a dictionary");
  for (;;) {
    if (eat(c, '}')) break;
    char key[32], val[64];
    if (parse_string(c, key, sizeof key, err, errlen)) return NPY_ERR;
    if (!eat(c, ':')) return ERR("header: expected ':' after '%s'", key);
    if (strcmp(key, "descr") == 0 && !seen_descr) {
      seen_descr = 1;
      skip_ws(c);
      if (c->p < c->end && (*c->p == '[' || *c->p == '('))
        return ERR("structured dtypes are not supported");
      if (parse_string(c, val, sizeof val, err, errlen)) return NPY_ERR;
      if (parse_descr(val, h, err, errlen)) return NPY_ERR;
    } else if (strcmp(key, "fortran_order") == 0 && !seen_order) {
      seen_order = 1;
      if (parse_word(c, "True")) h->fortran = 1;
      else if (parse_word(c, "False")) h->fortran = 0;
      else return ERR("header: 'fortran_order' must be True or False");
    } else if (strcmp(key, "shape") == 0 && !seen_shape) {
      seen_shape = 1;
      if (parse_shape(c, h, err, errlen)) return NPY_ERR;
    } else {
      return ERR("header: unexpected or repeated key '%s'", key);
    }
    if (eat(c, ',')) continue;
    if (eat(c, '}')) break;
    return ERR("header: expected ',' or '}'");
  }
  if (!seen_descr || !seen_order || !seen_shape)
    return ERR("header lacks '%s'", !seen_descr ? "descr" : !seen_order ? "fortran_order" : "shape");
  skip_ws(c);
  if (c->p != c->end) return ERR("header: unexpected text after the dictionary");
  return NPY_OK;
}

int npy_parse(const unsigned char *buf, size_t len, npy_header *h, size_t *need, char *err,
              size_t errlen) {
  memset(h, 0, sizeof *h);
  *need = 0;
  if (memcmp(buf, npy_magic, len < 6 ? len : 6) != 0) return ERR("not a .npy file (bad magic)");
  if (len < 8) { *need = 8; return NPY_NEED_MORE; }
  h->major = buf[6];
  h->minor = buf[7];
  if (!((h->major == 1 || h->major == 2 || h->major == 3) && h->minor == 0))
    return ERR("unsupported .npy format version %d.%d (1.0, 2.0 and 3.0 are read)", h->major, h->minor);
  size_t lenbytes = h->major == 1 ? 2 : 4;
  if (len < 8 + lenbytes) { *need = 8 + lenbytes; return NPY_NEED_MORE; }
  uint32_t hlen = h->major == 1 ? rd16(buf + 8) : rd32(buf + 8);
  if (hlen > NPY_HEADER_MAX) return ERR("header length %lu is too large", (unsigned long)hlen);
  size_t total = 8 + lenbytes + hlen;
  if (len < total) { *need = total; return NPY_NEED_MORE; }
  cursor c = {buf + 8 + lenbytes, buf + total};
  if (parse_dict(&c, h, err, errlen)) return NPY_ERR;
  int64_t n = 1;
  for (int i = 0; i < h->ndim; i++) {
    if (h->shape[i] && n > INT64_MAX / h->shape[i]) return ERR("shape is too large: its size overflows");
    n *= h->shape[i];
  }
  if ((uint64_t)n > (uint64_t)INT64_MAX / h->itemsize) return ERR("shape is too large: its byte size overflows");
  h->count = n;
  h->data_bytes = (uint64_t)n * h->itemsize;
  h->data_offset = total;
  return NPY_OK;
}

size_t npy_write_header(unsigned char *out, int dtype, int fortran, int ndim, const int64_t *shape) {
  const char *d = npy_descr(dtype);
  if (!d || ndim < 0 || ndim > NPY_MAXDIMS) return 0;
  char dict[NPY_WRITE_MAX];
  size_t n = (size_t)snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': (",
                              d, fortran ? "True" : "False");
  for (int i = 0; i < ndim; i++)
    n += (size_t)snprintf(dict + n, sizeof dict - n, i ? ", %lld" : "%lld", (long long)shape[i]);
  n += (size_t)snprintf(dict + n, sizeof dict - n, "%s), }", ndim == 1 ? "," : "");
  /* As numpy.save: pad with spaces, end in '\n', the data starting at a multiple of 64. */
  int major = n + 1 + 10 <= 65535 + 10 ? 1 : 2;
  size_t pre = major == 1 ? 10 : 12;
  size_t pad = 64 - (pre + n + 1) % 64;
  size_t hlen = n + pad + 1;
  if (pre + hlen > NPY_WRITE_MAX) return 0;
  memcpy(out, npy_magic, 6);
  out[6] = (unsigned char)major;
  out[7] = 0;
  if (major == 1) wr16(out + 8, (uint32_t)hlen);
  else wr32(out + 8, (uint32_t)hlen);
  memcpy(out + pre, dict, n);
  memset(out + pre + n, ' ', pad);
  out[pre + hlen - 1] = '\n';
  return pre + hlen;
}

void npy_byteswap(void *data, size_t count, size_t itemsize) {
  unsigned char *p = (unsigned char *)data;
  for (size_t i = 0; i < count; i++, p += itemsize)
    for (size_t a = 0, b = itemsize - 1; a < b; a++, b--) {
      unsigned char t = p[a];
      p[a] = p[b];
      p[b] = t;
    }
}

static const uint32_t crc_table[256] = {
  0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
  0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
  0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
  0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
  0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
  0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
  0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
  0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
  0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
  0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
  0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
  0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
  0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
  0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
  0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
  0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
  0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
  0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
  0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
  0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
  0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
  0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
  0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
  0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
  0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
  0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
  0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
  0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
  0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
  0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
  0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
  0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
  0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
  0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
  0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
  0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
  0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
  0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
  0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
  0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
  0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
  0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
  0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du
};

uint32_t npy_crc32(uint32_t crc, const void *data, size_t n) {
  const unsigned char *p = (const unsigned char *)data;
  crc = ~crc;
  while (n--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

/* ---- ZIP ------------------------------------------------------------------------------ */

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_LOC64 0x07064b50u

int npy_zip_find_dir(const unsigned char *tail, size_t tail_len, uint64_t file_size,
                     npy_zip_dir *d, char *err, size_t errlen) {
  if (tail_len < 22 || tail_len > file_size) return ERR("not a ZIP archive (too short)");
  size_t pos = tail_len - 22;
  for (;;) {
    if (rd32(tail + pos) == SIG_END && rd16(tail + pos + 20) <= tail_len - pos - 22) break;
    if (pos == 0) return ERR("not a ZIP archive (no end of central directory)");
    pos--;
  }
  const unsigned char *e = tail + pos;
  if (rd16(e + 4) != 0 || rd16(e + 6) != 0) return ERR("multi-disk ZIP archives are not supported");
  d->entries = rd16(e + 10);
  d->cd_size = rd32(e + 12);
  d->cd_offset = rd32(e + 16);
  if (d->entries == 0xffff || d->cd_size == 0xffffffffu || d->cd_offset == 0xffffffffu) {
    /* ZIP64: a locator right before, pointing to the ZIP64 end record. */
    if (pos < 20 || rd32(e - 20) != SIG_LOC64) return ERR("ZIP64 archive without a ZIP64 locator");
    uint64_t rec = rd64(e - 20 + 8);
    uint64_t tail_start = file_size - tail_len;
    if (rec < tail_start || rec > file_size - 56 || file_size < 56)
      return ERR("ZIP64 end record out of reach");
    const unsigned char *r = tail + (rec - tail_start);
    if (rd32(r) != SIG_END64) return ERR("bad ZIP64 end record");
    d->entries = rd64(r + 32);
    d->cd_size = rd64(r + 40);
    d->cd_offset = rd64(r + 48);
  }
  if (d->cd_offset > file_size || d->cd_size > file_size - d->cd_offset)
    return ERR("corrupt ZIP archive (central directory out of the file)");
  if (d->entries > d->cd_size / 46) return ERR("corrupt ZIP archive (entry count)");
  return NPY_OK;
}

int npy_zip_next_entry(const unsigned char *cd, size_t cd_len, size_t *pos, npy_zip_entry *e,
                       char *err, size_t errlen) {
  size_t p = *pos;
  if (p > cd_len || cd_len - p < 46 || rd32(cd + p) != SIG_CENTRAL)
    return ERR("corrupt ZIP archive (central directory record)");
  const unsigned char *r = cd + p;
  size_t nlen = rd16(r + 28), xlen = rd16(r + 30), clen = rd16(r + 32);
  if (cd_len - p - 46 < nlen + xlen + clen) return ERR("corrupt ZIP archive (record length)");
  if (rd16(r + 8) & 1) return ERR("encrypted ZIP entries are not supported");
  if (nlen == 0 || nlen >= sizeof e->name) return ERR("ZIP entry name is empty or too long");
  memcpy(e->name, r + 46, nlen);
  e->name[nlen] = 0;
  if (memchr(e->name, 0, nlen)) return ERR("ZIP entry name contains a NUL byte");
  e->method = rd16(r + 10);
  e->crc = rd32(r + 16);
  e->csize = rd32(r + 20);
  e->usize = rd32(r + 24);
  e->local_offset = rd32(r + 42);
  /* ZIP64 extra field: the 64-bit values of the fields set to 0xffffffff, in this order. */
  const unsigned char *x = r + 46 + nlen, *xend = x + xlen;
  while (xend - x >= 4) {
    unsigned id = rd16(x), sz = rd16(x + 2);
    if ((size_t)(xend - x - 4) < sz) return ERR("corrupt ZIP archive (extra field)");
    if (id == 1) {
      const unsigned char *q = x + 4, *qend = q + sz;
      if (e->usize == 0xffffffffu) { if (qend - q < 8) goto bad64; e->usize = rd64(q); q += 8; }
      if (e->csize == 0xffffffffu) { if (qend - q < 8) goto bad64; e->csize = rd64(q); q += 8; }
      if (e->local_offset == 0xffffffffu) { if (qend - q < 8) goto bad64; e->local_offset = rd64(q); }
    }
    x += 4 + sz;
  }
  *pos = p + 46 + nlen + xlen + clen;
  return NPY_OK;
bad64:
  return ERR("corrupt ZIP archive (ZIP64 extra field)");
}

int npy_zip_local_skip(const unsigned char *local, uint64_t *skip, char *err, size_t errlen) {
  if (rd32(local) != SIG_LOCAL) return ERR("corrupt ZIP archive (local header)");
  *skip = 30 + (uint64_t)rd16(local + 26) + rd16(local + 28);
  return NPY_OK;
}

/* Entries carry a fixed date (1980-01-01) so archives are reproducible. */
size_t npy_zip_local_header(unsigned char *out, const char *name, int method, uint32_t crc,
                            uint32_t csize, uint32_t usize) {
  size_t n = strlen(name);
  wr32(out, SIG_LOCAL);
  wr16(out + 4, 20);      /* version needed */
  wr16(out + 6, 0);       /* flags */
  wr16(out + 8, (uint32_t)method);
  wr16(out + 10, 0);      /* time */
  wr16(out + 12, 0x21);   /* date */
  wr32(out + 14, crc);
  wr32(out + 18, csize);
  wr32(out + 22, usize);
  wr16(out + 26, (uint32_t)n);
  wr16(out + 28, 0);
  memcpy(out + 30, name, n);
  return 30 + n;
}

size_t npy_zip_central_header(unsigned char *out, const char *name, int method, uint32_t crc,
                              uint32_t csize, uint32_t usize, uint32_t local_offset) {
  size_t n = strlen(name);
  wr32(out, SIG_CENTRAL);
  wr16(out + 4, 20);      /* version made by */
  wr16(out + 6, 20);      /* version needed */
  wr16(out + 8, 0);
  wr16(out + 10, (uint32_t)method);
  wr16(out + 12, 0);
  wr16(out + 14, 0x21);
  wr32(out + 16, crc);
  wr32(out + 20, csize);
  wr32(out + 24, usize);
  wr16(out + 28, (uint32_t)n);
  wr16(out + 30, 0);
  wr16(out + 32, 0);
  wr16(out + 34, 0);
  wr16(out + 36, 0);
  wr32(out + 38, 0);
  wr32(out + 42, local_offset);
  memcpy(out + 46, name, n);
  return 46 + n;
}

size_t npy_zip_end(unsigned char *out, uint16_t entries, uint32_t cd_size, uint32_t cd_offset) {
  wr32(out, SIG_END);
  wr16(out + 4, 0);
  wr16(out + 6, 0);
  wr16(out + 8, entries);
  wr16(out + 10, entries);
  wr32(out + 12, cd_size);
  wr32(out + 16, cd_offset);
  wr16(out + 20, 0);
  return 22;
}
