/* Pacing the collector by array memory, which Lua's collector does not see: the core's
 * allocations (ca_gc_allocated) and releases (ca_gc_released) counted per memory space. */
#include "core.h"

/* The memory space of a backend's allocations: the host (the CPU and pinned memory), or a
 * CUDA device. */
static int gc_space_of(const ca_backend *be) {
  if (be->device < 0) return 0;
  return 1 + (be->device < CA_GC_SPACES - 2 ? be->device : CA_GC_SPACES - 2);
}

/* Unless cu.set_gc_threshold says otherwise, garbage may pile up on a GPU to this share of its
 * memory before a collection (about 1 GiB on a 141 GB H200, the 64 MiB threshold on an 8 GB
 * GPU): every collection marks the whole Lua heap, and a loop of whole-array steps on 4096^2
 * float32 arrays (a stencil, a softmax) ran three times slower collecting every 64 MiB.
 * Host garbage stays at the threshold: past the CPU block cache, new blocks fault in. */
#define CA_GC_DEVICE_SHARE 128

static int64_t gc_floor(ca_state *s, ca_gc_space *g, ca_backend *be) {
  if (g->floor) return g->floor;
  g->floor = s->gc_threshold;
  size_t used = 0, cached = 0, free_bytes = 0;
  if (!s->gc_threshold_set && be->device >= 0 && be->mem_info &&
      be->mem_info(be, &used, &cached, &free_bytes) == CA_OK) {
    int64_t share = (int64_t)((used + cached + free_bytes) / CA_GC_DEVICE_SHARE);
    if (share > g->floor) g->floor = share;
  }
  return g->floor;
}

/* The collector does not see array memory: count what is allocated less what was released
 * (a:free() and finalizers), per memory space, and once as much again as was live in a space
 * at the last collection has been allocated there (gc_floor at least), collect. Arrays freed
 * explicitly leave no debt, so a loop that frees its results does not run a full collection
 * on every large allocation; and what was live at the last collection counts no longer once
 * released, so that after a script frees its large arrays, its garbage is not left to pile up
 * by as much again. Spaces are paced apart: with one count, gigabytes live on a GPU let host
 * garbage (a:get() in a loop) pile up by as much again before a collection. Either way the
 * garbage outgrew what the CPU backend's block cache keeps, and every new array faulted its
 * pages in afresh. */
void ca_gc_allocated(lua_State *L, ca_state *s, ca_storage *st) {
  st->state = s;
  st->gc_space = gc_space_of(st->be);
  st->gc_epoch = s->gc_epoch;
  ca_gc_space *g = &s->gc[st->gc_space];
  g->live_bytes += (int64_t)st->nbytes;
  g->gc_debt -= g->freed_bytes < g->gc_debt ? g->freed_bytes : g->gc_debt;
  g->freed_bytes = 0;
  g->gc_debt += (int64_t)st->nbytes;
  int64_t floor = gc_floor(s, g, st->be);
  if (g->gc_debt < (g->live_at_gc > floor ? g->live_at_gc : floor)) return;
  lua_gc(L, LUA_GCCOLLECT, 0);
  s->gc_epoch++;
  for (int k = 0; k < CA_GC_SPACES; k++) {
    s->gc[k].gc_debt = 0;
    s->gc[k].live_at_gc = s->gc[k].live_bytes;
    s->gc[k].freed_bytes = 0; /* what this collection freed earns no credit */
  }
}

void ca_gc_released(ca_storage *st) {
  ca_gc_space *g = &st->state->gc[st->gc_space];
  int64_t n = (int64_t)st->nbytes;
  g->live_bytes -= n;
  if (st->gc_epoch == st->state->gc_epoch) g->freed_bytes += n;
  else g->live_at_gc -= n < g->live_at_gc ? n : g->live_at_gc;
}
