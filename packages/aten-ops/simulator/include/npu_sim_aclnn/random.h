// Random numbers of the simulated aclnn operators: a CPU generator seeded
// from the (seed, offset) position the caller reserved in the NPU generator
// (npu_common/philox_position.h).
#pragma once

#include <ATen/CPUGeneratorImpl.h>

#include <cstdint>

#include "npu_common/philox_position.h"

namespace npu_sim::aclnn {

inline at::Generator generatorAt(int64_t seed, int64_t offset) {
  return at::detail::createCPUGenerator(
      npu_common::cpuSeedAt(static_cast<uint64_t>(seed), static_cast<uint64_t>(offset)));
}

}  // namespace npu_sim::aclnn
