/* The printer's data reader, cu._print_data: what lua/cuarray/format.lua shows of an array,
 * read from the device in one transfer, with the shortest digits that round-trip each float. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "convert.h"

/* The fewest significant digits that read back as the same value of dtype. */
static int shortest_digits(double x, int dtype) {
  char buf[48];
  if (!isfinite(x)) return 0;
  for (int d = 1; d <= 17; d++) {
    snprintf(buf, sizeof buf, "%.*e", d - 1, x);
    if (dtype == CA_FLOAT32) {
      if (strtof(buf, NULL) == (float)x) return d;
    } else if (dtype == CA_FLOAT16) {
      if (ca_double_to_half(strtod(buf, NULL)) == ca_double_to_half(x)) return d;
    } else if (dtype == CA_BFLOAT16) {
      if (ca_double_to_bf16(strtod(buf, NULL)) == ca_double_to_bf16(x)) return d;
    } else if (strtod(buf, NULL) == x) {
      return d;
    }
  }
  return 17;
}

/* cu._print_data(a[, edgeitems]) -> values, digits, shape: the elements the printer shows,
 * read with one transfer. With edgeitems, every axis longer than 2 * edgeitems keeps only its
 * first and last edgeitems entries (gathered on the device first). values is a flat list in
 * C order: booleans, integers as decimal strings (exact for int64 on every Lua), floats as
 * numbers, complex values as two numbers (the real part, then the imaginary part); digits
 * (floats and complex only) holds each number's shortest round-trip digit count in its dtype
 * (0 for NaN and infinities). */
static int l_print_data(lua_State *L) {
  ca_array *a = ca_check_arg(L, 1, "_print_data");
  int64_t edge = 0;
  if (!lua_isnoneornil(L, 2) && (!ca_tointeger(L, 2, &edge) || edge < 1))
    return ca_raisef(L, "_print_data: edgeitems must be a positive integer");
  const ca_array *data = a;
  int axes[CA_MAXDIMS], k = 0;
  if (edge > 0)
    for (int i = 0; i < a->ndim; i++)
      if (a->shape[i] - edge > edge) axes[k++] = i; /* shape > 2 * edge, without overflow */
  if (k > 20) return ca_raisef(L, "_print_data: too many long axes to summarise (%d)", k);
  if (k > 0) {
    int64_t shape[CA_MAXDIMS];
    memcpy(shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
    for (int j = 0; j < k; j++) shape[axes[j]] = 2 * edge;
    ca_array *dst = ca_new(L, ca_be(a), a->dtype, a->ndim, shape);
    for (long mask = 0; mask < (1L << k); mask++) {
      ca_array *sv = ca_view(L, a), *dv = ca_view(L, dst);
      int64_t size = 1;
      for (int j = 0; j < k; j++) {
        int ax = axes[j], tail = (int)((mask >> j) & 1);
        sv->shape[ax] = dv->shape[ax] = edge;
        if (tail) {
          sv->offset += (a->shape[ax] - edge) * a->strides[ax];
          dv->offset += edge * dst->strides[ax];
        }
      }
      for (int i = 0; i < a->ndim; i++) size *= sv->shape[i];
      sv->size = dv->size = size;
      ca_copy_into(L, dv, sv);
      lua_pop(L, 2);
    }
    data = dst;
  }
  size_t isz = ca_itemsize(data->dtype), nbytes = ca_nbytes(L, data, "_print_data");
  char *buf = (char *)ca_newuserdata(L, nbytes ? nbytes : 1);
  ca_read_host(L, data, buf);
  int fl = ca_is_inexact(data->dtype), cplx = ca_is_complex(data->dtype);
  int pdt = ca_real_of(data->dtype); /* the dtype whose digits identify a part */
  lua_createtable(L, (int)data->size, 0);
  int vt = lua_gettop(L);
  if (fl) lua_createtable(L, (int)data->size, 0);
  int n = 0; /* values pushed */
  for (int64_t i = 0; i < data->size; i++) {
    const char *p = buf + i * (int64_t)isz;
    if (data->dtype == CA_BOOL) {
      lua_pushboolean(L, *p != 0);
    } else if (fl) {
      ca_c16 z = ca_load_z(data->dtype, p);
      for (int part = 0; part <= cplx; part++) {
        double x = part ? z.im : z.re;
        lua_pushnumber(L, x);
        lua_pushinteger(L, shortest_digits(x, pdt));
        lua_rawseti(L, vt + 1, n + 1);
        if (part < cplx) lua_rawseti(L, vt, ++n);
      }
    } else {
      char s[32];
      if (data->dtype == CA_UINT64)
        snprintf(s, sizeof s, "%llu", (unsigned long long)ca_load_u(data->dtype, p));
      else
        snprintf(s, sizeof s, "%lld", (long long)ca_load_i(data->dtype, p));
      lua_pushstring(L, s);
    }
    lua_rawseti(L, vt, ++n);
  }
  if (!fl) lua_pushnil(L);
  lua_createtable(L, data->ndim, 0);
  for (int i = 0; i < data->ndim; i++) {
    ca_pushinteger(L, data->shape[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 3;
}

void ca_open_print(lua_State *L) {
  static const luaL_Reg funcs[] = {{"_print_data", l_print_data}, {NULL, NULL}};
  ca_register(L, funcs, NULL);
}
