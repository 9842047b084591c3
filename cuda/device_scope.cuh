/* cu_scoped<F>::call: the backend entry F run inside a device scope (cu_device_enter and
 * cu_device_leave, cuda/context.cu), so that the caller's current device survives it. The
 * backend table holds these wrappers (cuda/context.cu, cuda/backend.cu). C++ only. */
#ifndef CA_DEVICE_SCOPE_CUH
#define CA_DEVICE_SCOPE_CUH

#include <type_traits>
#include "cuda_internal.h"

template <auto F> struct cu_scoped;
template <typename R, typename... A, R (*F)(ca_backend *, A...)> struct cu_scoped<F> {
  static R call(ca_backend *be, A... a) {
    int restore = cu_device_enter(be->device);
    if constexpr (std::is_void_v<R>) {
      F(be, a...);
      cu_device_leave(restore);
    } else {
      R r = F(be, a...);
      cu_device_leave(restore);
      return r;
    }
  }
};

#endif
