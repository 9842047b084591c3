/* Finding and loading libnccl.so.2 at run time.
 *
 * Search order, first hit wins:
 *   1. $CUARRAY_NCCL: the library file, or a directory holding libnccl.so.2. When set, nothing
 *      else is tried (a wrong path is reported, not silently replaced by another library).
 *   2. dlopen("libnccl.so.2"): LD_LIBRARY_PATH, this module's run path (the CUDA toolkit it was
 *      built with), the ldconfig cache, /lib and /usr/lib.
 *   3. The CUDA toolkit: $CUDA_HOME/lib64, $CUDA_PATH/lib64, /usr/local/cuda/lib64.
 *   4. NCCL's Python wheel (nvidia-nccl-cu12/-cu13, what PyTorch installs): nvidia/nccl/lib or
 *      nvidia/cu13/lib under the site-packages of $VIRTUAL_ENV, $CONDA_PREFIX, the prefix of
 *      every python3 on PATH, ~/.local, /usr/local and /usr. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nccl.h"

#if defined(__has_include)
#if __has_include(<nccl.h>)
#include <nccl.h>
/* Our declarations against the header, where the build has one. */
_Static_assert(sizeof(ncclUniqueId) == sizeof(cu_nccl_id), "ncclUniqueId size");
_Static_assert((int)ncclSuccess == (int)CU_NCCL_SUCCESS && (int)ncclInProgress == (int)CU_NCCL_IN_PROGRESS,
               "ncclResult_t");
_Static_assert(ncclInt8 == 0 && ncclUint8 == 1 && ncclInt32 == 2 && ncclUint32 == 3 && ncclInt64 == 4 &&
                   ncclUint64 == 5 && ncclFloat16 == 6 && ncclFloat32 == 7 && ncclFloat64 == 8,
               "ncclDataType_t");
_Static_assert(ncclSum == 0 && ncclProd == 1 && ncclMax == 2 && ncclMin == 3 && ncclAvg == 4, "ncclRedOp_t");
#endif
#endif

/* Appends to the report of what was tried. */
__attribute__((format(printf, 3, 4))) static void note(char *why, size_t len, const char *fmt, ...) {
  size_t used = strlen(why);
  if (used + 1 >= len) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why + used, len - used, fmt, ap);
  va_end(ap);
}

static int resolve(cu_nccl_lib *lib, void *dl, const char *path, char *why, size_t len) {
#define CU_SYM(field, name)                                              \
  if (!(*(void **)&lib->field = dlsym(dl, name))) {                      \
    snprintf(why, len, "%s does not export %s: not NCCL 2.x", path, name); \
    return 0;                                                            \
  }
  CU_SYM(GetVersion, "ncclGetVersion")
  CU_SYM(GetUniqueId, "ncclGetUniqueId")
  CU_SYM(CommInitRank, "ncclCommInitRank")
  CU_SYM(CommInitAll, "ncclCommInitAll")
  CU_SYM(CommDestroy, "ncclCommDestroy")
  CU_SYM(CommAbort, "ncclCommAbort")
  CU_SYM(CommGetAsyncError, "ncclCommGetAsyncError")
  CU_SYM(GetErrorString, "ncclGetErrorString")
  CU_SYM(GetLastError, "ncclGetLastError")
  CU_SYM(AllReduce, "ncclAllReduce")
  CU_SYM(Broadcast, "ncclBroadcast")
  CU_SYM(Reduce, "ncclReduce")
  CU_SYM(AllGather, "ncclAllGather")
  CU_SYM(ReduceScatter, "ncclReduceScatter")
  CU_SYM(Send, "ncclSend")
  CU_SYM(Recv, "ncclRecv")
  CU_SYM(GroupStart, "ncclGroupStart")
  CU_SYM(GroupEnd, "ncclGroupEnd")
#undef CU_SYM
  int v = 0;
  if (lib->GetVersion(&v) != CU_NCCL_SUCCESS || v < CU_NCCL_MIN_VERSION) {
    snprintf(why, len, "%s is NCCL %d.%d.%d; cuarray needs 2.13 or later", path, v / 10000, (v / 100) % 100,
             v % 100);
    return 0;
  }
  lib->version = v;
  lib->dl = dl;
  return 1;
}

/* dlopen and resolve; on failure appends "path: reason; " to why. */
static int try_path(cu_nccl_lib *lib, const char *path, char *why, size_t len) {
  void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!dl) {
    const char *e = dlerror();
    note(why, len, "%s (%s); ", path, e ? e : "cannot be opened");
    return 0;
  }
  char msg[512] = "";
  if (!resolve(lib, dl, path, msg, sizeof msg)) {
    note(why, len, "%s; ", msg);
    return 0; /* left loaded: unloading what we cannot vouch for is riskier than keeping it */
  }
  /* The file the loader picked, for reports. */
  Dl_info info;
  const char *where = dladdr(*(void **)&lib->GetVersion, &info) && info.dli_fname ? info.dli_fname : path;
  snprintf(lib->path, sizeof lib->path, "%s", where);
  return 1;
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Tries the wheel's library under one installation prefix. */
static int try_prefix(cu_nccl_lib *lib, const char *prefix, char *why, size_t len) {
  static const char *const pats[] = {
    "%s/lib/python3*/site-packages/nvidia/nccl/lib/libnccl.so.2",
    "%s/lib/python3*/site-packages/nvidia/cu13/lib/libnccl.so.2",
    "%s/lib/python3*/dist-packages/nvidia/nccl/lib/libnccl.so.2",
    "%s/lib/python3*/dist-packages/nvidia/cu13/lib/libnccl.so.2",
  };
  char pat[1200];
  for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
    glob_t g;
    snprintf(pat, sizeof pat, pats[k], prefix);
    if (glob(pat, 0, NULL, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; i++)
        if (try_path(lib, g.gl_pathv[i], why, len)) {
          globfree(&g);
          return 1;
        }
    }
    globfree(&g);
  }
  return 0;
}

static int try_wheels(cu_nccl_lib *lib, char *why, size_t len) {
  const char *envs[] = {"VIRTUAL_ENV", "CONDA_PREFIX"};
  for (size_t i = 0; i < 2; i++) {
    const char *p = getenv(envs[i]);
    if (p && *p && try_prefix(lib, p, why, len)) return 1;
  }
  const char *path = getenv("PATH");
  if (path) {
    char dir[1024];
    for (const char *s = path; *s;) {
      size_t n = strcspn(s, ":");
      if (n > 0 && n < sizeof dir - 16) {
        memcpy(dir, s, n);
        dir[n] = 0;
        char py[1100];
        snprintf(py, sizeof py, "%s/python3", dir);
        char *slash = strrchr(dir, '/');
        if (access(py, X_OK) == 0 && slash && slash != dir) { /* <prefix>/bin/python3 */
          *slash = 0;
          if (try_prefix(lib, dir, why, len)) return 1;
        }
      }
      s += n;
      if (*s == ':') s++;
    }
  }
  const char *home = getenv("HOME");
  if (home && *home) {
    char local[1100];
    snprintf(local, sizeof local, "%s/.local", home);
    if (try_prefix(lib, local, why, len)) return 1;
  }
  return try_prefix(lib, "/usr/local", why, len) || try_prefix(lib, "/usr", why, len);
}

int cu_nccl_lib_load(cu_nccl_lib *lib, char *why, size_t len) {
  memset(lib, 0, sizeof *lib);
  why[0] = 0;
  const char *env = getenv("CUARRAY_NCCL");
  if (env && *env) {
    char path[1100];
    snprintf(path, sizeof path, is_dir(env) ? "%s/libnccl.so.2" : "%s", env);
    if (try_path(lib, path, why, len)) return 1;
    char tried[1100];
    snprintf(tried, sizeof tried, "%s", why);
    size_t n = strlen(tried);
    if (n >= 2) tried[n - 2] = 0; /* the trailing "; " */
    snprintf(why, len, "CUARRAY_NCCL=%s: %s", env, tried);
    return 0;
  }
  note(why, len, "libnccl.so.2 was not found; tried ");
  if (try_path(lib, "libnccl.so.2", why, len)) return 1;
  const char *homes[] = {getenv("CUDA_HOME"), getenv("CUDA_PATH"), "/usr/local/cuda"};
  for (size_t i = 0; i < 3; i++) {
    if (!homes[i] || !*homes[i]) continue;
    char path[1100];
    snprintf(path, sizeof path, "%s/lib64/libnccl.so.2", homes[i]);
    if (access(path, F_OK) != 0) {
      note(why, len, "%s (absent); ", path);
      continue;
    }
    if (try_path(lib, path, why, len)) return 1;
  }
  if (try_wheels(lib, why, len)) return 1;
  note(why, len, "no nvidia-nccl wheel under the Python prefixes on PATH; set CUARRAY_NCCL to the "
                 "library's path");
  return 0;
}
