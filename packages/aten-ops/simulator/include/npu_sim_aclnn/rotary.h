// The rotation of aclnnRotaryPositionEmbedding's last dimension, and its adjoint
// (what the gradient applies): mode 0 turns the halves (x1, x2) into (-x2, x1),
// mode 1 each pair (a, b) into (-b, a).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace npu_sim::aclnn {

at::Tensor rotate(const at::Tensor& x, int64_t mode);
at::Tensor rotateAdjoint(const at::Tensor& grad, int64_t mode);

}  // namespace npu_sim::aclnn
