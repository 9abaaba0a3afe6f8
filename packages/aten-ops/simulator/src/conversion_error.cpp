#include "conversion_error.h"

namespace npu_sim::aclnn {
namespace {

// The flag keeps the common case (no error) to one thread-local load.
thread_local bool t_failed = false;
thread_local std::string t_what;

}  // namespace

void recordConversionError(const char* what) noexcept {
  // The first error explains the call best; later ones are often its echo.
  if (t_failed) return;
  t_failed = true;
  try {
    t_what = what;
  } catch (...) {
    t_what.clear();
  }
}

std::optional<std::string> takeConversionError() noexcept {
  if (!t_failed) return std::nullopt;
  t_failed = false;
  std::optional<std::string> what;
  try {
    what = t_what.empty() ? std::string("an argument could not be converted") : std::move(t_what);
  } catch (...) {
    // Still an error, only without its text.
    what.emplace();
  }
  t_what.clear();
  return what;
}

}  // namespace npu_sim::aclnn
