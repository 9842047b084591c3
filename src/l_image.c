/* cu._encode_png(fname, a[, {vmin =, vmax =, compress_level =, lut =}]): the PNG file (a Lua
 * string) of an image array, raising in the name of fname (the function the user called);
 * lua/cuarray/image.lua builds cu.encode_png and cu.save_image on it (colour maps by name
 * become `lut`).
 *
 * Shapes: (h, w) and (h, w, 1) are greyscale, (h, w, 2) grey + alpha, (h, w, 3) RGB,
 * (h, w, 4) RGBA. Samples become bytes: bool as 0 / 255; uint8 as it is unless vmin or vmax
 * is given; anything else (and uint8 with a range) scaled so vmin -> 0 and vmax -> 255,
 * rounded to nearest, clipped, NaN -> 0. The range defaults to the finite minimum and maximum
 * of a greyscale image (matplotlib's imsave), and to 0..1 (floats) or 0..255 (integers) for
 * 2 to 4 channels. `lut` (256 * 3 or 256 * 4 bytes) maps the bytes of a greyscale image to
 * RGB or RGBA. compress_level 1-9 deflates with zlib when the build has it; 0, or a build
 * without zlib, stores the data in uncompressed deflate blocks, which every reader accepts. */
#include <math.h>
#include <string.h>
#include "convert.h"
#include "core.h"
#include "hostio.h"
#include "png.h"
#ifdef CA_HAVE_ZLIB
#include <zlib.h>
#endif

/* Element i of host data p of dtype as a double (convert.h's rules). */
#define OPTS 3 /* the options table's argument */

static double sample(const void *p, int dtype, size_t i) {
  return ca_load_d(dtype, (const char *)p + i * ca_itemsize(dtype));
}

static int opt_number(lua_State *L, int idx, const char *key, double *out, const char *fname) {
  if (!lua_istable(L, idx)) return 0;
  lua_getfield(L, idx, key);
  int given = !lua_isnil(L, -1);
  if (given) {
    if (lua_type(L, -1) != LUA_TNUMBER || lua_tonumber(L, -1) != lua_tonumber(L, -1))
      ca_raisef(L, "%s: %s must be a number, got %s", fname, key, luaL_typename(L, -1));
    *out = lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  return given;
}

typedef struct image_args {
  uint32_t h, w;
  int channels;        /* of the array */
  int out_channels;    /* of the PNG (3 or 4 through a lut) */
  int scale;           /* samples are scaled from [vmin, vmax] */
  double vmin, vmax;
  int level;
  const unsigned char *lut;
} image_args;

static void check_shape(lua_State *L, const ca_array *a, image_args *g, const char *fname) {
  char s[256];
  ca_format_shape(s, sizeof s, a->ndim, a->shape);
  if (a->ndim == 2) g->channels = 1;
  else if (a->ndim == 3 && a->shape[2] >= 1 && a->shape[2] <= 4) g->channels = (int)a->shape[2];
  else ca_raisef(L, "%s: expected an image of shape (h, w) or (h, w, c) with c from 1 to 4, got %s",
                 fname, s);
  if (a->shape[0] == 0 || a->shape[1] == 0)
    ca_raisef(L, "%s: an image needs at least one row and one column, got shape %s", fname, s);
  if (a->shape[0] > (int64_t)PNG_MAX_DIM || a->shape[1] > (int64_t)PNG_MAX_DIM)
    ca_raisef(L, "%s: a PNG holds at most 2^31 - 1 rows and columns, got shape %s", fname, s);
  g->h = (uint32_t)a->shape[0];
  g->w = (uint32_t)a->shape[1];
}

static void read_options(lua_State *L, const ca_array *a, image_args *g, const char *fname) {
  static const char *const known[] = {"vmin", "vmax", "compress_level", "lut", NULL};
  ca_opt_check(L, OPTS, fname, known);
  int has_min = opt_number(L, OPTS, "vmin", &g->vmin, fname);
  int has_max = opt_number(L, OPTS, "vmax", &g->vmax, fname);
  g->scale = a->dtype != CA_BOOL && (a->dtype != CA_UINT8 || has_min || has_max);
  if (!has_min) g->vmin = g->channels == 1 ? NAN : 0;
  if (!has_max) g->vmax = g->channels == 1 ? NAN : ca_is_float(a->dtype) ? 1 : 255;
  if (has_min && has_max && g->vmin > g->vmax)
    ca_raisef(L, "%s: vmin (%g) is greater than vmax (%g)", fname, g->vmin, g->vmax);
  g->level = 6;
  if (lua_istable(L, OPTS)) {
    lua_getfield(L, OPTS, "compress_level");
    int64_t v = 6;
    if (!lua_isnil(L, -1) && (!ca_tointeger(L, -1, &v) || v < 0 || v > 9))
      ca_raisef(L, "%s: compress_level must be an integer from 0 to 9", fname);
    if (!lua_isnil(L, -1)) g->level = (int)v;
    lua_pop(L, 1);
  }
  g->out_channels = g->channels;
  g->lut = NULL;
  if (lua_istable(L, OPTS)) {
    lua_getfield(L, OPTS, "lut"); /* the options table keeps the string alive */
    if (!lua_isnil(L, -1)) {
      size_t n = 0;
      const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
      if (!s || (n != 256 * 3 && n != 256 * 4))
        ca_raisef(L, "%s: lut must be a string of 256 RGB or RGBA entries", fname);
      if (g->channels != 1)
        ca_raisef(L, "%s: a colour map applies to greyscale images, not to %d channels", fname,
                  g->channels);
      g->lut = (const unsigned char *)s;
      g->out_channels = (int)(n / 256);
    }
    lua_pop(L, 1);
  }
}

/* A greyscale image's default range: its finite minimum and maximum. */
static void data_range(const void *p, int dtype, size_t n, image_args *g) {
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double v = sample(p, dtype, i);
    if (v - v != 0) continue; /* NaN or infinite */
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) lo = hi = 0; /* nothing finite */
  if (g->vmin != g->vmin) g->vmin = lo;
  if (g->vmax != g->vmax) g->vmax = hi;
}

/* Writes the samples as bytes into the scanlines (after each row's filter byte). */
static void to_bytes(const void *p, int dtype, const image_args *g, unsigned char *lines) {
  size_t per_row = (size_t)g->w * (size_t)g->channels;
  size_t row = 1 + (size_t)g->w * (size_t)g->out_channels;
  double span = g->vmax - g->vmin;
  for (uint32_t y = 0; y < g->h; y++) {
    unsigned char *o = lines + (size_t)y * row + 1;
    for (size_t i = 0, k = (size_t)y * per_row; i < per_row; i++, k++) {
      unsigned b;
      if (!g->scale) {
        b = dtype == CA_BOOL ? (((const unsigned char *)p)[k] ? 255 : 0) : ((const uint8_t *)p)[k];
      } else {
        double t = span > 0 ? (sample(p, dtype, k) - g->vmin) / span : 0;
        b = t > 0 ? (t < 1 ? (unsigned)(t * 255.0 + 0.5) : 255) : 0; /* NaN fails t > 0 */
      }
      if (g->lut) {
        memcpy(o, g->lut + (size_t)b * (size_t)g->out_channels, (size_t)g->out_channels);
        o += g->out_channels;
      } else {
        *o++ = (unsigned char)b;
      }
    }
  }
}

/* The zlib stream of the scanlines at the top of the stack: pushes a scratch holding it. */
static size_t deflate_lines(lua_State *L, const unsigned char *lines, size_t n, int level,
                            unsigned char **z, const char *fname) {
#ifdef CA_HAVE_ZLIB
  if (level > 0) {
    uLongf zlen = compressBound((uLong)n);
    *z = (unsigned char *)ca_scratch_push(L, zlen, fname);
    if (compress2(*z, &zlen, lines, (uLong)n, level) != Z_OK)
      ca_raisef(L, "%s: zlib failed to compress %zu bytes", fname, n);
    return zlen;
  }
#else
  (void)level;
#endif
  *z = (unsigned char *)ca_scratch_push(L, png_stored_size(n), fname);
  return png_zlib_stored(lines, n, *z);
}

static int l_encode_png(lua_State *L) {
  const char *fname = ca_caller_name(L, 1, "_encode_png");
  ca_array *a = ca_check_arg(L, 2, fname);
  image_args g;
  check_shape(L, a, &g, fname);
  read_options(L, a, &g, fname);
  size_t nlines = png_scanlines_size(g.w, g.h, g.out_channels);
  if (!nlines) ca_raisef(L, "%s: the image is too large", fname);
  int top = lua_gettop(L);
  size_t count = (size_t)a->size;
  void *host = ca_scratch_push(L, count * ca_itemsize(a->dtype), fname);
  ca_read_host(L, a, host);
  if (g.scale && (g.vmin != g.vmin || g.vmax != g.vmax)) data_range(host, a->dtype, count, &g);
  unsigned char *lines = (unsigned char *)ca_scratch_push(L, nlines, fname);
  to_bytes(host, a->dtype, &g, lines);
  ca_scratch_free(L, top + 1);
  unsigned char *tmp = (unsigned char *)ca_scratch_push(L, 4 * (nlines / g.h), fname);
  png_filter(lines, g.w, g.h, g.out_channels, g.level > 0, tmp);
  ca_scratch_free(L, -1);
  unsigned char *z;
  size_t zlen = deflate_lines(L, lines, nlines, g.level, &z, fname);
  ca_scratch_free(L, top + 2);
  unsigned char *png = (unsigned char *)ca_scratch_push(L, png_file_size(zlen), fname);
  size_t n = png_frame(png, g.w, g.h, g.out_channels, z, zlen);
  ca_scratch_free(L, -2);
  lua_pushlstring(L, (const char *)png, n);
  ca_scratch_free(L, -2);
  return 1;
}

void ca_open_image(lua_State *L) {
  static const luaL_Reg funcs[] = {{"_encode_png", l_encode_png}, {NULL, NULL}};
  ca_register(L, funcs, NULL);
}
