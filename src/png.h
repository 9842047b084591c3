/* PNG writing, pure C: no Lua, no allocation, nothing that aborts; the binding (l_image.c)
 * owns the buffers. 8-bit samples only, colour types grey (1 channel), grey + alpha (2),
 * RGB (3) and RGBA (4), no interlacing (PNG spec, W3C 2003, sections 4-11).
 *
 * The pixels go in as "scanlines": per row one filter-type byte, then width * channels
 * samples. png_filter chooses and applies a filter per row in place; the zlib stream comes
 * from zlib's compress2 where the build has zlib, or from png_zlib_stored (deflate's
 * stored blocks: valid, uncompressed) everywhere; png_frame wraps it in the chunks. */
#ifndef CA_PNG_H
#define CA_PNG_H

#include <stddef.h>
#include <stdint.h>

#define PNG_MAX_DIM 0x7fffffffu     /* the spec's limit for width and height */

/* h * (1 + w * channels), or 0 when that overflows size_t. */
size_t png_scanlines_size(uint32_t w, uint32_t h, int channels);

/* Filters the scanlines in place, bottom row first so each row still sees the unfiltered row
 * above it. adaptive: per row the filter with the least sum of absolute (signed) bytes, the
 * heuristic libpng uses; else filter 0 (None) everywhere. tmp: 4 * w * channels bytes. */
void png_filter(unsigned char *lines, uint32_t w, uint32_t h, int channels, int adaptive,
                unsigned char *tmp);

/* A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 3.2.4) holding in[0..n). */
size_t png_stored_size(size_t n);
size_t png_zlib_stored(const unsigned char *in, size_t n, unsigned char *out);
uint32_t png_adler32(const unsigned char *p, size_t n);

/* The whole file around a zlib stream of zlen bytes: signature, IHDR, IDAT chunks, IEND. */
size_t png_file_size(size_t zlen);
size_t png_frame(unsigned char *out, uint32_t w, uint32_t h, int channels,
                 const unsigned char *z, size_t zlen);

#endif
