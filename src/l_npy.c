/* NumPy's files: cu.save (.npy), cu.savez (.npz, stored), cu.savez_compressed (.npz,
 * deflated, with zlib) and cu.load (.npy, and .npz stored or, with zlib, deflated). The formats themselves are parsed and written by src/npy.c; this
 * file moves the bytes between files and arrays. Every buffer is a userdata and every FILE *
 * sits in one (file_box), so an error anywhere leaves them to the collector. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core.h"
#include "npy.h"
#ifdef CA_HAVE_ZLIB
#include <zlib.h>
#endif

#define FILE_MT "cuarray.file"

/* A FILE * in a userdata, so that an error anywhere leaves it to the collector to close. */
typedef struct file_box {
  FILE *f;
} file_box;

static int file_gc(lua_State *L) {
  file_box *b = (file_box *)luaL_checkudata(L, 1, FILE_MT);
  if (b->f) fclose(b->f);
  b->f = NULL;
  return 0;
}

static file_box *open_file(lua_State *L, const char *path, const char *mode, const char *fname) {
  file_box *b = (file_box *)ca_newuserdata(L, sizeof *b);
  b->f = NULL;
  luaL_getmetatable(L, FILE_MT);
  lua_setmetatable(L, -2);
  b->f = fopen(path, mode);
  if (!b->f) ca_raisef(L, "%s: cannot open '%s': %s", fname, path, strerror(errno));
  return b;
}

static void close_file(lua_State *L, file_box *b, const char *path, const char *fname) {
  int bad = ferror(b->f);
  if (fclose(b->f) != 0) bad = 1;
  b->f = NULL;
  if (bad) ca_raisef(L, "%s: writing '%s' failed: %s", fname, path, strerror(errno));
}

static void write_bytes(lua_State *L, file_box *b, const void *p, size_t n, const char *path,
                        const char *fname) {
  if (n && fwrite(p, 1, n, b->f) != n)
    ca_raisef(L, "%s: writing '%s' failed: %s", fname, path, strerror(errno));
}

/* Where a .npy's bytes are: a range of a file, or memory. */
typedef struct source {
  FILE *f;
  const unsigned char *mem;
  uint64_t start, len;
} source;

static int src_read(source *s, uint64_t off, void *dst, size_t n) {
  if (off > s->len || n > s->len - off) return -1;
  if (!n) return 0;
  if (s->mem) {
    memcpy(dst, s->mem + s->start + off, n);
    return 0;
  }
  if (fseeko(s->f, (off_t)(s->start + off), SEEK_SET) != 0) return -1;
  return fread(dst, 1, n, s->f) == n ? 0 : -1;
}

static int is_f_contiguous(const ca_array *a) {
  int64_t s = 1;
  for (int i = 0; i < a->ndim; i++) {
    if (a->shape[i] != 1 && a->strides[i] != s) return 0;
    s *= a->shape[i];
  }
  return 1;
}

/* Reads one .npy from src and pushes the array (on `device`). *crc (when given) gets the
 * CRC-32 of the bytes read, or stays untouched when trailing bytes were not read. */
static void load_npy(lua_State *L, source *src, int device, const char *where, uint32_t *crc) {
  int top = lua_gettop(L);
  char err[300];
  npy_header h;
  size_t need = 12;
  unsigned char small[12];
  size_t have = src->len < need ? (size_t)src->len : need;
  if (src_read(src, 0, small, have)) ca_raisef(L, "load: %s: read error", where);
  int r = npy_parse(small, have, &h, &need, err, sizeof err);
  const unsigned char *hdr = small;
  if (r == NPY_NEED_MORE) {
    if (need > src->len) ca_raisef(L, "load: %s: truncated .npy header", where);
    unsigned char *buf = (unsigned char *)ca_newuserdata(L, need);
    if (src_read(src, 0, buf, need)) ca_raisef(L, "load: %s: read error", where);
    r = npy_parse(buf, need, &h, &need, err, sizeof err);
    hdr = buf;
    if (r == NPY_NEED_MORE) ca_raisef(L, "load: %s: truncated .npy header", where);
  }
  if (r != NPY_OK) ca_raisef(L, "load: %s: %s", where, err);
  if (h.data_offset > src->len || h.data_bytes > src->len - h.data_offset) {
    char m[400];
    snprintf(m, sizeof m, "load: %s: truncated: the header describes %llu bytes of data but %llu follow",
             where, (unsigned long long)h.data_bytes,
             (unsigned long long)(src->len - (h.data_offset > src->len ? src->len : h.data_offset)));
    ca_raisef(L, "%s", m);
  }
  int64_t shape[NPY_MAXDIMS];
  for (int i = 0; i < h.ndim; i++) shape[i] = h.fortran ? h.shape[h.ndim - 1 - i] : h.shape[i];
  ca_array *a = ca_new(L, ca_backend_get(L, -1), h.dtype, h.ndim, shape);
  char *data = ca_data(a);
  if (src_read(src, h.data_offset, data, (size_t)h.data_bytes))
    ca_raisef(L, "load: %s: read error", where);
  if (crc && h.data_offset + h.data_bytes == src->len)
    *crc = npy_crc32(npy_crc32(0, hdr, h.data_offset), data, (size_t)h.data_bytes);
  if (h.swap) npy_byteswap(data, (size_t)h.count * (h.itemsize / h.swap_size), h.swap_size);
  if (h.dtype == CA_BOOL)
    for (int64_t i = 0; i < h.count; i++) data[i] = data[i] != 0;
  if (device >= 0) a = ca_to_backend(L, a, ca_backend_get(L, device));
  if (h.fortran) { /* the data is the transpose in C order: view it back */
    ca_array *v = ca_view(L, a);
    for (int i = 0; i < a->ndim; i++) {
      v->shape[i] = a->shape[a->ndim - 1 - i];
      v->strides[i] = a->strides[a->ndim - 1 - i];
    }
  }
  lua_replace(L, top + 1);
  lua_settop(L, top + 1);
}

static uint64_t file_size(lua_State *L, FILE *f, const char *path) {
  struct stat st;
  if (fstat(fileno(f), &st) != 0) ca_raisef(L, "load: '%s': %s", path, strerror(errno));
  return (uint64_t)st.st_size;
}

#ifdef CA_HAVE_ZLIB
static void inflate_entry(lua_State *L, FILE *f, uint64_t start, const npy_zip_entry *e,
                          unsigned char **out, const char *where) {
  if (e->csize > (uint64_t)(SIZE_MAX / 2) || e->usize > (uint64_t)(SIZE_MAX / 2) || e->usize > 0xffffffffu)
    ca_raisef(L, "load: %s: entry too large", where);
  unsigned char *in = (unsigned char *)ca_newuserdata(L, (size_t)e->csize ? (size_t)e->csize : 1);
  source s = {f, NULL, start, e->csize};
  if (src_read(&s, 0, in, (size_t)e->csize)) ca_raisef(L, "load: %s: read error", where);
  *out = (unsigned char *)ca_newuserdata(L, (size_t)e->usize ? (size_t)e->usize : 1);
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, -15) != Z_OK) ca_raisef(L, "load: %s: zlib failed", where);
  z.next_in = in;
  z.avail_in = (uInt)e->csize;
  z.next_out = *out;
  z.avail_out = (uInt)e->usize;
  int zr = inflate(&z, Z_FINISH);
  uLong got = z.total_out;
  inflateEnd(&z);
  if (zr != Z_STREAM_END || got != e->usize) ca_raisef(L, "load: %s: corrupt deflate data", where);
  lua_remove(L, -2);
}
#endif

/* A .npz: a table of the arrays by name (".npy" stripped). */
static void load_npz(lua_State *L, FILE *f, const char *path, int device) {
  char err[300], where[400];
  uint64_t fsize = file_size(L, f, path);
  size_t tail_len = fsize < NPY_ZIP_EOCD_SCAN ? (size_t)fsize : NPY_ZIP_EOCD_SCAN;
  unsigned char *tail = (unsigned char *)ca_newuserdata(L, tail_len ? tail_len : 1);
  source whole = {f, NULL, 0, fsize};
  if (src_read(&whole, fsize - tail_len, tail, tail_len)) ca_raisef(L, "load: '%s': read error", path);
  npy_zip_dir d;
  if (npy_zip_find_dir(tail, tail_len, fsize, &d, err, sizeof err))
    ca_raisef(L, "load: '%s': %s", path, err);
  lua_pop(L, 1);
  unsigned char *cd = (unsigned char *)ca_newuserdata(L, d.cd_size ? (size_t)d.cd_size : 1);
  if (src_read(&whole, d.cd_offset, cd, (size_t)d.cd_size)) ca_raisef(L, "load: '%s': read error", path);
  lua_newtable(L);
  size_t pos = 0;
  for (uint64_t i = 0; i < d.entries; i++) {
    npy_zip_entry e;
    if (npy_zip_next_entry(cd, (size_t)d.cd_size, &pos, &e, err, sizeof err))
      ca_raisef(L, "load: '%s': %s", path, err);
    snprintf(where, sizeof where, "'%s' (entry '%s')", path, e.name);
    size_t nlen = strlen(e.name);
    if (nlen < 5 || strcmp(e.name + nlen - 4, ".npy") != 0) continue; /* not an array */
    unsigned char local[30];
    uint64_t skip;
    if (src_read(&whole, e.local_offset, local, 30)) ca_raisef(L, "load: %s: truncated archive", where);
    if (npy_zip_local_skip(local, &skip, err, sizeof err)) ca_raisef(L, "load: %s: %s", where, err);
    uint64_t start = e.local_offset + skip;
    if (start > fsize || e.csize > fsize - start) ca_raisef(L, "load: %s: truncated archive", where);
    uint32_t crc = e.crc;
    if (e.method == 0) {
      if (e.csize != e.usize) ca_raisef(L, "load: %s: corrupt sizes", where);
      source s = {f, NULL, start, e.csize};
      load_npy(L, &s, device, where, &crc);
#ifdef CA_HAVE_ZLIB
    } else if (e.method == 8) {
      unsigned char *buf;
      inflate_entry(L, f, start, &e, &buf, where);
      source s = {NULL, buf, 0, e.usize};
      load_npy(L, &s, device, where, &crc);
      lua_remove(L, -2);
#endif
    } else {
      ca_raisef(L, "load: %s: compression method %d is not supported (%s)", where, e.method,
#ifdef CA_HAVE_ZLIB
                 "cuarray reads stored and deflated entries"
#else
                 "this build reads stored entries; numpy.savez_compressed archives need "
                 "cuarray built with zlib (-DCA_HAVE_ZLIB -lz)"
#endif
      );
    }
    if (crc != e.crc) ca_raisef(L, "load: %s: CRC-32 mismatch (corrupt archive)", where);
    lua_pushlstring(L, e.name, nlen - 4);
    lua_insert(L, -2);
    lua_settable(L, -3);
  }
  lua_remove(L, -2);
}

/* cu.load(path[, {device =}]): an array from a .npy file, or a table of arrays from a .npz. */
static int l_load(lua_State *L) {
  static const char *const opts[] = {"device", NULL};
  const char *path = ca_check_string(L, 1, "load", "path");
  ca_opt_check(L, 2, "load", opts);
  int device = ca_opt_device(L, 2, ca_state_get(L)->default_device, "load");
  file_box *b = open_file(L, path, "rb", "load");
  unsigned char magic[4] = {0};
  size_t n = fread(magic, 1, 4, b->f);
  if (n == 4 && magic[0] == 'P' && magic[1] == 'K' && (magic[2] == 3 || magic[2] == 5)) {
    load_npz(L, b->f, path, device);
  } else {
    char where[300];
    snprintf(where, sizeof where, "'%s'", path);
    source s = {b->f, NULL, 0, file_size(L, b->f, path)};
    load_npy(L, &s, device, where, NULL);
  }
  fclose(b->f);
  b->f = NULL;
  return 1;
}

/* The bytes of a .npy for the array at idx: pushes what keeps them alive (2 or 3 values). */
typedef struct npy_bytes {
  unsigned char hdr[NPY_WRITE_MAX];
  size_t hdr_len;
  const void *data;
  size_t nbytes;
} npy_bytes;

static void npy_prepare(lua_State *L, int idx, npy_bytes *out, const char *fname) {
  ca_array *a = ca_check(L, idx);
  if (!npy_descr(a->dtype)) /* NumPy has no bfloat16 */
    ca_raisef(L, "%s: .npy has no %s dtype: save a:astype(\"float32\"), or its bits as "
              "a:view(\"uint16\")", fname, ca_dtype_name(a->dtype));
  int fortran = a->ndim > 1 && !ca_is_contiguous(a) && is_f_contiguous(a);
  ca_array *c = a;
  if (fortran) lua_pushvalue(L, idx);
  else c = ca_push_contiguous(L, idx);
  /* A view of our own holds the storage: out->data must outlive any finalizer run by later
   * allocations, which may free the caller's array. */
  c = ca_view(L, c);
  out->nbytes = (size_t)c->size * ca_itemsize(c->dtype);
  out->hdr_len = npy_write_header(out->hdr, c->dtype, fortran, c->ndim, c->shape);
  if (!out->hdr_len) ca_raisef(L, "%s: cannot describe this array in a .npy header", fname);
  ca_backend *be = ca_be(c);
  if (be->device < 0 || !out->nbytes) {
    out->data = ca_data(c);
  } else {
    void *buf = ca_newuserdata(L, out->nbytes);
    CA_CHECK(L, be, be->download(be, buf, ca_data(c), out->nbytes), fname);
    out->data = buf;
  }
}

/* cu.save(path, a): NumPy .npy, version 1.0, data aligned to 64 bytes. */
static int l_save(lua_State *L) {
  const char *path = ca_check_string(L, 1, "save", "path");
  ca_check_arg(L, 2, "save");
  npy_bytes *nb = (npy_bytes *)ca_newuserdata(L, sizeof *nb);
  npy_prepare(L, 2, nb, "save");
  file_box *b = open_file(L, path, "wb", "save");
  write_bytes(L, b, nb->hdr, nb->hdr_len, path, "save");
  write_bytes(L, b, nb->data, nb->nbytes, path, "save");
  close_file(L, b, path, "save");
  return 0;
}

static int cmp_names(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

typedef struct zip_rec {
  const char *name;
  uint32_t crc, csize, usize, offset;
} zip_rec;

#ifdef CA_HAVE_ZLIB
/* The raw deflate stream (as ZIP's method 8 holds it) of the entry nb, in a new userdata left
 * on the stack; its length in *csize. The buffer is allocated before zlib's state, and no Lua
 * call comes between deflateInit2 and deflateEnd, so an error cannot leak either. */
static unsigned char *deflate_entry(lua_State *L, const npy_bytes *nb, uint64_t *csize,
                                    const char *fname) {
  uLong usize = (uLong)(nb->hdr_len + nb->nbytes);
  uLong bound = compressBound(usize);
  if ((uint64_t)bound >= 0xffffffffu)
    ca_raisef(L, "%s: archives over 4 GiB are not supported (use cu.save per array)", fname);
  unsigned char *out = (unsigned char *)ca_newuserdata(L, (size_t)bound);
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    ca_raisef(L, "%s: zlib failed to start", fname);
  z.next_out = out;
  z.avail_out = (uInt)bound;
  z.next_in = (Bytef *)nb->hdr;
  z.avail_in = (uInt)nb->hdr_len;
  int zr = deflate(&z, Z_NO_FLUSH);
  if (zr == Z_OK) {
    z.next_in = (Bytef *)nb->data;
    z.avail_in = (uInt)nb->nbytes;
    zr = deflate(&z, Z_FINISH);
  }
  *csize = (uint64_t)z.total_out;
  deflateEnd(&z);
  if (zr != Z_STREAM_END) ca_raisef(L, "%s: zlib failed to compress an entry", fname);
  return out;
}
#endif

/* cu.savez and cu.savez_compressed: (path, {name = a, ...}) or (path, a, b, ...): a .npz that
 * numpy.load reads, its entries stored or deflated (arrays given by position are named arr_0,
 * arr_1, ... as NumPy does). */
static int write_npz(lua_State *L, const char *fname, int compress) {
  const char *path = ca_check_string(L, 1, fname, "path");
#ifndef CA_HAVE_ZLIB
  if (compress)
    ca_raisef(L, "%s: this build has no zlib (cuarray built without -DCA_HAVE_ZLIB -lz); "
              "cu.savez writes uncompressed archives", fname);
#endif
  int nargs = lua_gettop(L);
  lua_newtable(L); /* name -> array */
  int map = lua_gettop(L);
  int count = 0;
  if (nargs == 2 && lua_istable(L, 2) && !ca_test(L, 2)) {
    lua_pushnil(L);
    while (lua_next(L, 2)) {
      if (!ca_test(L, -1)) ca_raisef(L, "%s: every value must be an array", fname);
      if (lua_type(L, -2) == LUA_TNUMBER) {
        int64_t k = 0;
        if (!ca_tointeger(L, -2, &k) || k < 1) ca_raisef(L, "%s: keys must be names or 1, 2, ...", fname);
        lua_pushfstring(L, "arr_%d", (int)(k - 1));
      } else if (lua_type(L, -2) == LUA_TSTRING) {
        lua_pushvalue(L, -2);
      } else {
        ca_raisef(L, "%s: keys must be strings", fname);
      }
      lua_pushvalue(L, -2);
      lua_settable(L, map);
      lua_pop(L, 1);
      count++;
    }
  } else {
    for (int i = 2; i <= nargs; i++) {
      ca_check(L, i);
      lua_pushfstring(L, "arr_%d", i - 2);
      lua_pushvalue(L, i);
      lua_settable(L, map);
      count++;
    }
  }
  if (count > 65000) ca_raisef(L, "%s: too many arrays", fname);
  zip_rec *recs = (zip_rec *)ca_newuserdata(L, sizeof(zip_rec) * (size_t)(count ? count : 1));
  const char **names = (const char **)ca_newuserdata(L, sizeof(char *) * (size_t)(count ? count : 1));
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, map)) {
    lua_pop(L, 1);
    const char *k = lua_tostring(L, -1);
    if (strlen(k) == 0 || strlen(k) > 200) ca_raisef(L, "%s: array names must have 1 to 200 bytes", fname);
    names[n++] = k; /* anchored by map */
  }
  qsort(names, (size_t)n, sizeof *names, cmp_names);
  file_box *b = open_file(L, path, "wb", fname);
  int fidx = lua_gettop(L);
  uint64_t off = 0;
  unsigned char hbuf[46 + 256];
  char ename[256];
  npy_bytes *nb = (npy_bytes *)ca_newuserdata(L, sizeof *nb);
  int method = compress ? 8 : 0;
  for (int i = 0; i < n; i++) {
    int top = lua_gettop(L);
    lua_getfield(L, map, names[i]);
    npy_prepare(L, -1, nb, fname);
    uint64_t size = nb->hdr_len + (uint64_t)nb->nbytes;
    snprintf(ename, sizeof ename, "%s.npy", names[i]);
    if (size >= 0xffffffffu)
      ca_raisef(L, "%s: archives over 4 GiB are not supported (use cu.save per array)", fname);
    uint64_t csize = size;
    unsigned char *packed = NULL;
#ifdef CA_HAVE_ZLIB
    if (compress) packed = deflate_entry(L, nb, &csize, fname);
#endif
    if (off + csize + 30 + strlen(ename) >= 0xffffffffu)
      ca_raisef(L, "%s: archives over 4 GiB are not supported (use cu.save per array)", fname);
    recs[i].name = names[i];
    recs[i].crc = npy_crc32(npy_crc32(0, nb->hdr, nb->hdr_len), nb->data, nb->nbytes);
    recs[i].csize = (uint32_t)csize;
    recs[i].usize = (uint32_t)size;
    recs[i].offset = (uint32_t)off;
    size_t hl = npy_zip_local_header(hbuf, ename, method, recs[i].crc, recs[i].csize,
                                     recs[i].usize);
    write_bytes(L, b, hbuf, hl, path, fname);
    if (packed) {
      write_bytes(L, b, packed, (size_t)csize, path, fname);
    } else {
      write_bytes(L, b, nb->hdr, nb->hdr_len, path, fname);
      write_bytes(L, b, nb->data, nb->nbytes, path, fname);
    }
    off += hl + csize;
    lua_settop(L, top);
  }
  uint64_t cd_start = off;
  for (int i = 0; i < n; i++) {
    snprintf(ename, sizeof ename, "%s.npy", recs[i].name);
    size_t hl = npy_zip_central_header(hbuf, ename, method, recs[i].crc, recs[i].csize,
                                       recs[i].usize, recs[i].offset);
    write_bytes(L, b, hbuf, hl, path, fname);
    off += hl;
  }
  if (off >= 0xffffffffu) ca_raisef(L, "%s: archives over 4 GiB are not supported", fname);
  size_t el = npy_zip_end(hbuf, (uint16_t)n, (uint32_t)(off - cd_start), (uint32_t)cd_start);
  write_bytes(L, b, hbuf, el, path, fname);
  close_file(L, b, path, fname);
  (void)fidx;
  return 0;
}

static int l_savez(lua_State *L) { return write_npz(L, "savez", 0); }
static int l_savez_compressed(lua_State *L) { return write_npz(L, "savez_compressed", 1); }

void ca_open_npy(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"save", l_save}, {"load", l_load}, {"savez", l_savez},
    {"savez_compressed", l_savez_compressed}, {NULL, NULL}
  };
  if (luaL_newmetatable(L, FILE_MT)) {
    lua_pushcfunction(L, file_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  ca_register(L, funcs, NULL);
}
