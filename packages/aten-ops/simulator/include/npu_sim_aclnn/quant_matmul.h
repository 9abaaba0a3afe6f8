// The simulated kernel of aclnnQuantMatmulV4 (see aclnn/aclnn_quant.h for the
// arguments and formulas) for INT8 x1 and x2, float scales and a FLOAT16 or
// BFLOAT16 output: the integer product summed exactly, then dequantized in
// float over CPU views. Bad arguments raise with the operator's name.
#pragma once

#include <ATen/core/Tensor.h>

namespace npu_sim::aclnn {

// x1 (..., m, k) and x2 (..., k, n), already untransposed; `offset`,
// `pertoken_scale` and `bias` may be undefined.
void quantMatmul(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& scale, const at::Tensor& offset,
                 const at::Tensor& pertoken_scale, const at::Tensor& bias, at::Tensor& out);

}  // namespace npu_sim::aclnn
