// Operators returning two tensors: max_pool2d_with_indices and nll_loss_forward.
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_strided.h>
#include <ATen/ops/max_pool2d_with_indices.h>
#include <torch/library.h>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

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
  // ATen's own checks (with its messages) and output shape, from its meta kernel.
  const at::Tensor shaped = std::get<0>(at::max_pool2d_with_indices(
      at::empty_strided(self.sizes(), self.strides(), self.options().device(at::kMeta)), kernel_size, stride,
      padding, dilation, ceil_mode));
  const npu::NPUGuard guard(device);
  std::array<int64_t, 2> kernels{}, strides{}, paddings{}, dilations{};
  for (size_t d = 0; d < 2; ++d) {
    kernels[d] = pick(kernel_size, d, 1);
    strides[d] = pick(stride, d, kernels[d]);
    paddings[d] = pick(padding, d, 0);
    dilations[d] = pick(dilation, d, 1);
  }
  at::Tensor out = at::empty(shaped.sizes(), self.options());
  at::Tensor indices = at::empty(shaped.sizes(), self.options().dtype(at::kLong));
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
