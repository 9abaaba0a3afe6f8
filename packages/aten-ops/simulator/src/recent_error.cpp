#include "recent_error.h"

#include <cstdarg>
#include <cstdio>

#include "npu_sim/sim_extensions.h"

namespace npu_sim::aclnn {

aclnnStatus reportError(aclnnStatus status, const char* format, ...) noexcept {
  // Long enough for any message of this library; longer ones are cut, which
  // beats allocating on a path that may be reporting an allocation failure.
  char message[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  npuSimSetRecentErrMsg(message);
  return status;
}

}  // namespace npu_sim::aclnn
