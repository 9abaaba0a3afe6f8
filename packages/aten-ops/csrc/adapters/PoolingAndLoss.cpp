// Operators returning two tensors: max_pool2d_with_indices and nll_loss_forward.
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

int64_t pooledSize(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation, bool ceil_mode) {
  const int64_t span = in + 2 * padding - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = span / stride + 1;
  // A window must start inside the input or its left padding.
  if (ceil_mode && (out - 1) * stride >= in + padding) {
    --out;
  }
  return out;
}

// ATen's defaults: one value for both dims; an empty stride means the kernel size.
int64_t pick(at::IntArrayRef values, size_t dim, int64_t fallback) {
  if (values.empty()) {
    return fallback;
  }
  return values.size() == 1 ? values[0] : values[dim];
}

std::tuple<at::Tensor, at::Tensor> max_pool2d_with_indices(const at::Tensor& self, at::IntArrayRef kernel_size,
                                                           at::IntArrayRef stride, at::IntArrayRef padding,
                                                           at::IntArrayRef dilation, bool ceil_mode) {
  const c10::Device device = commonDevice({self});
  const npu::NPUGuard guard(device);
  std::vector<int64_t> shape(self.sizes().begin(), self.sizes().end() - 2);
  std::array<int64_t, 2> kernels{}, strides{}, paddings{}, dilations{};
  for (size_t d = 0; d < 2; ++d) {
    kernels[d] = pick(kernel_size, d, 1);
    strides[d] = pick(stride, d, kernels[d]);
    paddings[d] = pick(padding, d, 0);
    dilations[d] = pick(dilation, d, 1);
    shape.push_back(pooledSize(self.size(self.dim() - 2 + d), kernels[d], strides[d], paddings[d], dilations[d],
                               ceil_mode));
  }
  at::Tensor out = at::empty(shape, self.options());
  at::Tensor indices = at::empty(shape, self.options().dtype(at::kLong));
  aclnn::MaxPool2dWithIndices(self, kernels, strides, paddings, dilations, ceil_mode, out, indices);
  return {out, indices};
}

std::tuple<at::Tensor, at::Tensor> nll_loss_forward(const at::Tensor& self, const at::Tensor& target,
                                                    const std::optional<at::Tensor>& weight, int64_t reduction,
                                                    int64_t ignore_index) {
  const c10::Device device = commonDevice({self, target});
  const npu::NPUGuard guard(device);
  at::Tensor out = reduction == at::Reduction::None && self.dim() > 1 ? at::empty({self.size(0)}, self.options())
                                                                      : at::empty({}, self.options());
  at::Tensor total_weight = at::empty({}, self.options());
  aclnn::NLLLoss(self, target, weight, reduction, ignore_index, out, total_weight);
  return {out, total_weight};
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("max_pool2d_with_indices", TORCH_FN(max_pool2d_with_indices));
  m.impl("nll_loss_forward", TORCH_FN(nll_loss_forward));
}

}  // namespace torch_npu::ops
