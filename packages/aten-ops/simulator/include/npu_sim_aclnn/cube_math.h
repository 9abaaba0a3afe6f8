// The precision of the cube unit (matmuls, convolutions) by aclnn's cubeMathType,
// as an Atlas A2 (Ascend910B) computes: 0 KEEP_DTYPE, 1 ALLOW_FP32_DOWN_PRECISION
// (float32 operands in HFLOAT32), 2 USE_FP16, 3 USE_HF32 (float32 only). The
// products accumulate in float32 either way, so only the operands are rounded.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace npu_sim::aclnn {

// `operand` as the cube unit reads it under `cubeMathType`: itself when the mode
// keeps its type, else a copy rounded to HFLOAT32 or float16. Raises CANN's
// message for a mode outside 0-3 or one its type does not support.
at::Tensor cubeOperand(const at::Tensor& operand, int8_t cubeMathType);

// `value` rounded to HFLOAT32 (float32's range, 11 mantissa bits), to nearest even.
float roundToHf32(float value);

}  // namespace npu_sim::aclnn
