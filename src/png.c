/* PNG writing: see png.h. */
#include <string.h>
#include "png.h"
#include "npy.h" /* npy_crc32: the CRC-32 PNG chunks use (ISO-HDLC, as ZIP's) */

/* Split IDAT data in chunks of at most this many bytes (the spec allows 2^31 - 1). */
#define IDAT_MAX ((size_t)1 << 30)

size_t png_scanlines_size(uint32_t w, uint32_t h, int channels) {
  uint64_t row = 1 + (uint64_t)w * (uint64_t)channels;
  if (h && row > (uint64_t)SIZE_MAX / h) return 0;
  return (size_t)(row * h);
}

static unsigned paeth(unsigned a, unsigned b, unsigned c) {
  int p = (int)a + (int)b - (int)c;
  int pa = p > (int)a ? p - (int)a : (int)a - p;
  int pb = p > (int)b ? p - (int)b : (int)b - p;
  int pc = p > (int)c ? p - (int)c : (int)c - p;
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/* Filter type t (1 Sub, 2 Up, 3 Average, 4 Paeth) of row cur over prev (NULL: the first row,
 * whose row above is zeros) into out; returns the sum of the bytes taken as signed. */
static uint64_t filter_row(int t, const unsigned char *cur, const unsigned char *prev,
                           size_t n, int bpp, unsigned char *out) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned a = i >= (size_t)bpp ? cur[i - bpp] : 0;
    unsigned b = prev ? prev[i] : 0;
    unsigned c = prev && i >= (size_t)bpp ? prev[i - bpp] : 0;
    unsigned pred = t == 1 ? a : t == 2 ? b : t == 3 ? (a + b) / 2 : paeth(a, b, c);
    unsigned char v = (unsigned char)(cur[i] - pred);
    out[i] = v;
    sum += v < 128 ? v : 256u - v;
  }
  return sum;
}

void png_filter(unsigned char *lines, uint32_t w, uint32_t h, int channels, int adaptive,
                unsigned char *tmp) {
  size_t n = (size_t)w * (size_t)channels, row = n + 1;
  for (uint32_t y = h; y-- > 0;) {
    unsigned char *line = lines + (size_t)y * row;
    line[0] = 0;
    if (!adaptive) continue;
    const unsigned char *cur = line + 1, *prev = y ? line + 1 - row : NULL;
    uint64_t best = 0;
    for (size_t i = 0; i < n; i++) best += cur[i] < 128 ? cur[i] : 256u - cur[i];
    int best_t = 0;
    for (int t = 1; t <= 4; t++) {
      uint64_t s = filter_row(t, cur, prev, n, channels, tmp + (size_t)(t - 1) * n);
      if (s < best) {
        best = s;
        best_t = t;
      }
    }
    if (best_t) {
      memcpy(line + 1, tmp + (size_t)(best_t - 1) * n, n);
      line[0] = (unsigned char)best_t;
    }
  }
}

uint32_t png_adler32(const unsigned char *p, size_t n) {
  uint32_t a = 1, b = 0;
  while (n) {
    size_t k = n < 5552 ? n : 5552; /* the most bytes before b can overflow 32 bits */
    n -= k;
    while (k--) {
      a += *p++;
      b += a;
    }
    a %= 65521u;
    b %= 65521u;
  }
  return (b << 16) | a;
}

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

size_t png_stored_size(size_t n) {
  size_t blocks = n ? (n + 65534) / 65535 : 1;
  return 2 + blocks * 5 + n + 4;
}

size_t png_zlib_stored(const unsigned char *in, size_t n, unsigned char *out) {
  unsigned char *o = out;
  *o++ = 0x78; /* deflate, 32 KiB window */
  *o++ = 0x01; /* no dictionary, fastest; (0x78 * 256 + 0x01) % 31 == 0 */
  size_t left = n;
  do {
    size_t k = left < 65535 ? left : 65535;
    left -= k;
    *o++ = left ? 0 : 1; /* BFINAL on the last block, BTYPE 00 (stored) */
    *o++ = (unsigned char)(k & 0xff);
    *o++ = (unsigned char)(k >> 8);
    *o++ = (unsigned char)(~k & 0xff);
    *o++ = (unsigned char)((~k >> 8) & 0xff);
    if (k) memcpy(o, in, k);
    o += k;
    in += k;
  } while (left);
  put32(o, png_adler32(in - n, n));
  return (size_t)(o + 4 - out);
}

static size_t idat_chunks(size_t zlen) { return zlen ? (zlen + IDAT_MAX - 1) / IDAT_MAX : 1; }

size_t png_file_size(size_t zlen) { return 8 + (12 + 13) + 12 * idat_chunks(zlen) + zlen + 12; }

/* One chunk: length, type, data, CRC-32 of type and data. */
static unsigned char *chunk(unsigned char *o, const char *type, const unsigned char *data,
                            size_t n) {
  put32(o, (uint32_t)n);
  memcpy(o + 4, type, 4);
  if (n) memcpy(o + 8, data, n);
  put32(o + 8 + n, npy_crc32(0, o + 4, n + 4));
  return o + 12 + n;
}

size_t png_frame(unsigned char *out, uint32_t w, uint32_t h, int channels,
                 const unsigned char *z, size_t zlen) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  static const unsigned char colour_type[5] = {0, 0, 4, 2, 6};
  unsigned char ihdr[13];
  put32(ihdr, w);
  put32(ihdr + 4, h);
  ihdr[8] = 8;                       /* bits per sample */
  ihdr[9] = colour_type[channels];
  ihdr[10] = ihdr[11] = ihdr[12] = 0; /* deflate, adaptive filtering, no interlace */
  unsigned char *o = out;
  memcpy(o, sig, 8);
  o = chunk(o + 8, "IHDR", ihdr, 13);
  size_t left = zlen;
  do {
    size_t k = left < IDAT_MAX ? left : IDAT_MAX;
    o = chunk(o, "IDAT", z, k);
    z += k;
    left -= k;
  } while (left);
  o = chunk(o, "IEND", NULL, 0);
  return (size_t)(o - out);
}
