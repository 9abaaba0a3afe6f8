// The simulator's one time source: steady-clock nanoseconds.
#pragma once

#include <chrono>
#include <cstdint>

namespace npu_sim {

inline int64_t steadyNowNs() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace npu_sim
