// convolution_overrideable and its backward: the entry points ATen's
// _convolution takes for PrivateUse1 devices.
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

std::vector<int64_t> outputShape(const at::Tensor& input, const at::Tensor& weight, at::IntArrayRef stride,
                                 at::IntArrayRef padding, at::IntArrayRef dilation, bool transposed,
                                 at::IntArrayRef output_padding, int64_t groups) {
  std::vector<int64_t> shape{input.size(0), transposed ? weight.size(1) * groups : weight.size(0)};
  for (size_t d = 0; d < stride.size(); ++d) {
    const int64_t in = input.size(d + 2);
    const int64_t kernel = dilation[d] * (weight.size(d + 2) - 1) + 1;
    shape.push_back(transposed ? (in - 1) * stride[d] - 2 * padding[d] + kernel + output_padding[d]
                               : (in + 2 * padding[d] - kernel) / stride[d] + 1);
  }
  return shape;
}

at::Tensor convolution(const at::Tensor& input, const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                       at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation, bool transposed,
                       at::IntArrayRef output_padding, int64_t groups) {
  const c10::Device device = commonDevice({input, weight});
  const npu::NPUGuard guard(device);
  at::Tensor output = at::empty(
      outputShape(input, weight, stride, padding, dilation, transposed, output_padding, groups), input.options());
  aclnn::Convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, output,
                     npu::conv_cube_math_type());
  return output;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> convolution_backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool transposed, at::IntArrayRef output_padding,
    int64_t groups, std::array<bool, 3> output_mask) {
  const c10::Device device = commonDevice({grad_output, input, weight});
  const npu::NPUGuard guard(device);
  at::Tensor grad_input = output_mask[0] ? at::empty(input.sizes(), input.options()) : at::Tensor();
  at::Tensor grad_weight = output_mask[1] ? at::empty(weight.sizes(), weight.options()) : at::Tensor();
  const int64_t bias_size = grad_output.size(1);
  at::Tensor grad_bias = output_mask[2] ? at::empty({bias_size}, grad_output.options()) : at::Tensor();
  aclnn::ConvolutionBackward(grad_output, input, weight, {bias_size}, stride, padding, dilation, transposed,
                             output_padding, groups, output_mask, npu::conv_cube_math_type(), grad_input,
                             grad_weight, grad_bias);
  return {grad_input, grad_weight, grad_bias};
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("convolution_overrideable", TORCH_FN(convolution));
  m.impl("convolution_backward_overrideable", TORCH_FN(convolution_backward));
}

}  // namespace torch_npu::ops
