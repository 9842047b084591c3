/* Shared-memory tiles for an operand transposed relative to the output in the innermost two
 * dims, shared by copy.cu's transpose and elementwise_tiled.cuh: a CU_TD x CU_TD tile is read
 * along the operand's contiguous dim and then walked along the output's, so that both sides
 * are coalesced. Private to cuda/. */
#ifndef CA_CU_TILE_CUH
#define CA_CU_TILE_CUH

#include "general.cuh"

#ifndef CU_TD
#define CU_TD 64  /* tile side */
#endif
#ifndef CU_TBY
#define CU_TBY 8  /* threads per block: 32 x CU_TBY */
#endif

/* tile[j][k] = in[(r0 + k) + (c0 + j) * sc] for the tile at (r0, c0) of an R x C operand whose
 * dim -2 (r) is contiguous and whose dim -1 (c) has stride sc: each of the 32 x CU_TBY threads
 * reads pairs of adjacent elements along r. Needs even R and sc and a pair-aligned in. */
template <class U>
CU_D void tile_load_pairs(U (&tile)[CU_TD][CU_TD + 1], const U *in, long long sc, int r0, int c0, int R, int C) {
  static_assert(CU_TD == 64, "a warp covers a 64-element tile side in pairs");
  const int tx = threadIdx.x, ty = threadIdx.y;
#pragma unroll
  for (int j = ty; j < CU_TD; j += CU_TBY) {
    const int c = c0 + j, r = r0 + 2 * tx;
    if (r < R && c < C) { /* r even, R even: r + 1 < R too */
      const Vec<U, 2> v = *reinterpret_cast<const Vec<U, 2> *>(in + r + (long long)c * sc);
      tile[j][2 * tx] = v.v[0];
      tile[j][2 * tx + 1] = v.v[1];
    }
  }
}

/* f(r, c, x0, x1) for each pair of output elements (r, c), (r, c + 1) of the tile at (r0, c0)
 * that this thread covers, x0 and x1 their elements of the tile: consecutive threads walk the
 * output's contiguous dim -1. Needs even C. */
template <class U, class F>
CU_D void tile_store_pairs(const U (&tile)[CU_TD][CU_TD + 1], int r0, int c0, int R, int C, F f) {
  const int tx = threadIdx.x, ty = threadIdx.y;
#pragma unroll
  for (int j = ty; j < CU_TD; j += CU_TBY) {
    const int r = r0 + j, c = c0 + 2 * tx;
    if (r < R && c < C) f(r, c, tile[2 * tx][j], tile[2 * tx + 1][j]);
  }
}

#endif
