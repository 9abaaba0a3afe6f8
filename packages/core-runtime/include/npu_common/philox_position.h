// Where random operators that run on the CPU start drawing.
//
// An NPU random operator reserves a position (seed, offset) in its NPU
// generator's Philox stream. When its numbers are drawn by a CPU generator
// instead (the simulator's aclnn kernels, the CPU fallback), that generator is
// seeded from the position, so seeded runs repeat and two calls never share
// numbers; both paths use this one derivation, so an operator draws the same
// numbers whether it ran natively or fell back.
#pragma once

#include <cstdint>

namespace npu_common {

inline uint64_t cpuSeedAt(uint64_t seed, uint64_t offset) {
  constexpr uint64_t kGoldenRatio = 0x9E3779B97F4A7C15ULL;
  return seed ^ (offset * kGoldenRatio);
}

}  // namespace npu_common
