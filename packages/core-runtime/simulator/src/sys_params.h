// System options (aclSysParamOpt): the process's (aclrtSetSysParamOpt) and
// each device context's (aclrtCtxSetSysParamOpt), which follows the process's
// until it is set.
//
// They are kept and reported. The simulator's kernels are deterministic
// whatever ACL_OPT_DETERMINISTIC says, and it has no debug kernels.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <optional>

#include "acl/acl_base.h"

namespace npu_sim {

class SysParams {
 public:
  static bool knownOption(int64_t raw) noexcept { return raw >= 0 && raw < static_cast<int64_t>(kOptions); }
  // Both options are switches.
  static bool validValue(int64_t value) noexcept { return value == 0 || value == 1; }

  // Nothing when it was never set here.
  std::optional<int64_t> get(aclSysParamOpt opt) const noexcept {
    const int64_t value = values_[opt].load(std::memory_order_relaxed);
    return value == kUnset ? std::nullopt : std::optional<int64_t>(value);
  }
  void set(aclSysParamOpt opt, int64_t value) noexcept { values_[opt].store(value, std::memory_order_relaxed); }

 private:
  static constexpr size_t kOptions = 2;  // ACL_OPT_DETERMINISTIC, ACL_OPT_ENABLE_DEBUG_KERNEL
  static constexpr int64_t kUnset = std::numeric_limits<int64_t>::min();
  std::array<std::atomic<int64_t>, kOptions> values_{kUnset, kUnset};
};

}  // namespace npu_sim
