// The one way torch-npu reports a failed CANN call.
#pragma once

#include <c10/util/Exception.h>

#include "acl/acl_base.h"

namespace torch_npu::npu {

// Raises c10::Error (or c10::OutOfMemoryError for memory-allocation codes)
// with the call's text, the CANN error code and CANN's recent-error message.
[[noreturn]] void throwAclError(aclError error, const char* call, const char* file, int line);

// The same report for another CANN library's status codes (HCCL's HcclResult):
// "<library> function error: <call>, error code is <code>\n[Error]: <description>"
// and CANN's recent-error message, which such libraries also set.
[[noreturn]] void throwCannError(const char* library, int code, const char* description, const char* call,
                                 const char* file, int line);

// Runs `release` (freeing `what`) where nothing may throw: destructors and
// DataPtr deleters. A failure becomes a warning; the memory stays unused.
template <typename Release>
void releaseWithoutThrowing(const char* what, const void* ptr, Release&& release) noexcept {
  try {
    release();
  } catch (const std::exception& error) {
    try {
      TORCH_WARN("could not free ", what, " ", ptr, "; its memory is not reused: ", error.what());
    } catch (...) {  // a warning handler that raises (warnings as errors) must not escape either
    }
  }
}

}  // namespace torch_npu::npu

#define NPU_CHECK(expr)                                                         \
  do {                                                                          \
    const aclError torch_npu_acl_error = (expr);                                \
    if (C10_UNLIKELY(torch_npu_acl_error != ACL_SUCCESS)) {                     \
      ::torch_npu::npu::throwAclError(torch_npu_acl_error, #expr, __FILE__, __LINE__); \
    }                                                                           \
  } while (0)
