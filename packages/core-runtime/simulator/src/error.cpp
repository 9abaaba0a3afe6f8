#include "error.h"

#include <cstdarg>
#include <cstdio>
#include <string>

namespace npu_sim {
namespace {

// Per thread, like CANN: a failure on one thread never overwrites the message
// another thread is about to read.
thread_local std::string t_recent_error;

}  // namespace

aclError fail(aclError code, const char* format, ...) noexcept {
  va_list args;
  va_start(args, format);
  va_list measuring;
  va_copy(measuring, args);
  const int length = std::vsnprintf(nullptr, 0, format, measuring);
  va_end(measuring);
  try {
    if (length < 0) {
      t_recent_error = format;
    } else {
      t_recent_error.resize(static_cast<size_t>(length));
      std::vsnprintf(t_recent_error.data(), t_recent_error.size() + 1, format, args);
    }
  } catch (...) {
    // No memory for the text: the error code alone must still get through.
    t_recent_error.clear();
  }
  va_end(args);
  return code;
}

const char* recentErrorMessage() noexcept { return t_recent_error.c_str(); }

}  // namespace npu_sim
