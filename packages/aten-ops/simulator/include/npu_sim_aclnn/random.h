// Random numbers of the simulated aclnn operators.
//
// Random operators receive the (seed, offset) position their caller reserved
// in the NPU generator's Philox stream. The simulator draws from a CPU
// generator seeded from that position, so a seeded run is reproducible and
// two calls never share numbers. The derivation matches torch_npu's CPU
// fallback (csrc/aten/CpuFallback.cpp), so an operator draws the same numbers
// whether it ran natively or fell back.
#pragma once

#include <ATen/CPUGeneratorImpl.h>

#include <cstdint>

namespace npu_sim::aclnn {

inline at::Generator generatorAt(int64_t seed, int64_t offset) {
  constexpr uint64_t kGoldenRatio = 0x9E3779B97F4A7C15ULL;
  return at::detail::createCPUGenerator(static_cast<uint64_t>(seed) ^ (static_cast<uint64_t>(offset) * kGoldenRatio));
}

}  // namespace npu_sim::aclnn
