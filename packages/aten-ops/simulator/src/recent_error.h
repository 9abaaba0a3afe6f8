// Reporting aclnn failures through aclGetRecentErrMsg, as CANN's operator
// libraries do: the simulator runtime keeps the message for the calling
// thread (npuSimSetRecentErrMsg).
#pragma once

#include "aclnn/acl_meta.h"

namespace npu_sim::aclnn {

// Records a printf-style message as the calling thread's recent error and
// returns `status`, so failures read `return reportError(status, "...", ...);`.
aclnnStatus reportError(aclnnStatus status, const char* format, ...) noexcept
    __attribute__((format(printf, 2, 3), nonnull(2)));

}  // namespace npu_sim::aclnn
