// The calling thread's most recent error text, as aclGetRecentErrMsg reports it.
#pragma once

#include "acl/acl_base.h"

namespace npu_sim {

// Records a printf-style message as the calling thread's most recent error and
// returns `code`, so failures read `return fail(code, "...", ...);`.
aclError fail(aclError code, const char* format, ...) noexcept __attribute__((format(printf, 2, 3), nonnull(2)));

// The calling thread's most recent error message; "" when there was none. The
// text stays valid until the thread's next failing simulator call.
const char* recentErrorMessage() noexcept;

}  // namespace npu_sim
