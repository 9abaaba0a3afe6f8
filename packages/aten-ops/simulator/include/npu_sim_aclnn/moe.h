// The simulated kernels of CANN's mixture-of-experts operators (see
// aclnn/aclnn_moe.h for the arguments and formulas), computed with ATen over
// CPU views. Bad arguments raise with the operator's name.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace npu_sim::aclnn {

// aclnnMoeGatingTopKSoftmax. `finished` may be undefined.
void moeGatingTopKSoftmax(const at::Tensor& x, const at::Tensor& finished, int64_t k, at::Tensor& y,
                          at::Tensor& expert_idx, at::Tensor& row_idx);

// aclnnMoeInitRouting.
void moeInitRouting(const at::Tensor& x, const at::Tensor& row_idx, const at::Tensor& expert_idx,
                    at::Tensor& expanded_x, at::Tensor& expanded_row_idx, at::Tensor& expanded_expert_idx);

// aclnnMoeFinalizeRouting. `x2` may be undefined.
void moeFinalizeRouting(const at::Tensor& expanded_x, const at::Tensor& x1, const at::Tensor& x2,
                        const at::Tensor& bias, const at::Tensor& scales, const at::Tensor& expanded_row_idx,
                        const at::Tensor& expanded_expert_idx, at::Tensor& out);

}  // namespace npu_sim::aclnn
