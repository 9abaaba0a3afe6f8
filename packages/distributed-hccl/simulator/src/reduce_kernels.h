// The one place of the simulator's reduction arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hccl/hccl_types.h"

namespace npu_sim_hccl {

// Bytes of one element; 0 for a type the simulator cannot move or reduce.
size_t elementSize(HcclDataType type);

// Whether `type` can be reduced with `op` (INT128 has no CPU arithmetic).
bool canReduce(HcclDataType type, HcclReduceOp op);

// out[i] = op(inputs[0][i], ..., inputs[n - 1][i]) for i < count, applied in
// the inputs' order (two inputs commute exactly). `out` may be one of the inputs.
void reduce(void* out, const void* const* inputs, size_t n, size_t count, HcclDataType type, HcclReduceOp op);

}  // namespace npu_sim_hccl
