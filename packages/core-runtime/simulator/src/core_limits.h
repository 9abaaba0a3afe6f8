// How many cube cores (AI Cores) and vector cores the kernels of a device or
// of a stream may use (aclrtSetDeviceResLimit, aclrtSetStreamResLimit).
//
// The simulator keeps, checks and reports the limits as CANN does; its
// kernels run on host threads, so a limit does not change their speed.
#pragma once

#include <atomic>
#include <cstdint>

#include "acl/acl_rt.h"

namespace npu_sim {

struct CoreCounts {
  uint32_t cube = 0;
  uint32_t vector = 0;
};

// Ascend910B1's: 24 AI Cores, each with two vector cores beside its cube.
inline constexpr CoreCounts kDeviceCores{24, 48};

class CoreLimits {
 public:
  // A stream's limits start unset (0): it uses its device's.
  explicit CoreLimits(CoreCounts initial = {}) noexcept : cube_(initial.cube), vector_(initial.vector) {}

  uint32_t get(aclrtDevResLimitType type) const noexcept { return slot(type).load(std::memory_order_relaxed); }
  void set(aclrtDevResLimitType type, uint32_t value) noexcept { slot(type).store(value, std::memory_order_relaxed); }
  void reset(CoreCounts to) noexcept {
    cube_.store(to.cube, std::memory_order_relaxed);
    vector_.store(to.vector, std::memory_order_relaxed);
  }

  // Whether a caller's raw aclrtDevResLimitType names a kind of core.
  static bool knownType(int64_t raw_type) noexcept {
    return raw_type == ACL_RT_DEV_RES_CUBE_CORE || raw_type == ACL_RT_DEV_RES_VECTOR_CORE;
  }
  // The device's physical count of `type`'s cores: the largest limit.
  static uint32_t physical(aclrtDevResLimitType type) noexcept {
    return type == ACL_RT_DEV_RES_CUBE_CORE ? kDeviceCores.cube : kDeviceCores.vector;
  }

 private:
  std::atomic<uint32_t>& slot(aclrtDevResLimitType type) noexcept {
    return type == ACL_RT_DEV_RES_CUBE_CORE ? cube_ : vector_;
  }
  const std::atomic<uint32_t>& slot(aclrtDevResLimitType type) const noexcept {
    return type == ACL_RT_DEV_RES_CUBE_CORE ? cube_ : vector_;
  }

  std::atomic<uint32_t> cube_;
  std::atomic<uint32_t> vector_;
};

}  // namespace npu_sim
