// Batch normalization, forward and backward, in every ATen spelling that
// training and evaluation reach: one aclnn operator pair serves them all;
// and layer normalization's backward (its forward is ATen's composite).
#include <ATen/OpMathType.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

using Normalized = std::tuple<at::Tensor, at::Tensor, at::Tensor>;

Normalized batchNorm(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                     const std::optional<at::Tensor>& bias, const std::optional<at::Tensor>& running_mean,
                     const std::optional<at::Tensor>& running_var, bool training, double momentum, double eps) {
  const npu::NPUGuard guard(commonDevice({input}));
  const int64_t channels = input.dim() > 1 ? input.size(1) : 1;
  // Statistics are saved (in float for reduced-precision inputs) only when training.
  const at::TensorOptions statistics = input.options().dtype(at::toOpMathType(input.scalar_type()));
  at::Tensor output = at::empty(input.sizes(), input.options());
  at::Tensor save_mean = at::empty({training ? channels : 0}, statistics);
  at::Tensor save_invstd = at::empty({training ? channels : 0}, statistics);
  aclnn::BatchNorm(input, weight, bias, running_mean, running_var, training, momentum, eps, output, save_mean,
                   save_invstd);
  return {output, save_mean, save_invstd};
}

Normalized legit(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                 const std::optional<at::Tensor>& bias, at::Tensor& running_mean, at::Tensor& running_var,
                 bool training, double momentum, double eps) {
  return batchNorm(input, weight, bias, running_mean, running_var, training, momentum, eps);
}

Normalized legitNoStats(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                        const std::optional<at::Tensor>& bias, bool training, double momentum, double eps) {
  return batchNorm(input, weight, bias, std::nullopt, std::nullopt, training, momentum, eps);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> withUpdate(
    const at::Tensor& input, const std::optional<at::Tensor>& weight, const std::optional<at::Tensor>& bias,
    at::Tensor& running_mean, at::Tensor& running_var, double momentum, double eps) {
  auto [output, save_mean, save_invstd] =
      batchNorm(input, weight, bias, running_mean, running_var, true, momentum, eps);
  at::Tensor reserve = at::empty({0}, input.options().dtype(at::kByte));
  return {output, save_mean, save_invstd, reserve};
}

Normalized backward(const at::Tensor& grad_out, const at::Tensor& input, const std::optional<at::Tensor>& weight,
                    const std::optional<at::Tensor>& running_mean, const std::optional<at::Tensor>& running_var,
                    const std::optional<at::Tensor>& save_mean, const std::optional<at::Tensor>& save_invstd,
                    bool train, double eps, std::array<bool, 3> output_mask) {
  const npu::NPUGuard guard(commonDevice({grad_out, input}));
  const int64_t channels = input.dim() > 1 ? input.size(1) : 1;
  const at::TensorOptions parameters =
      weight.has_value() && weight->defined() ? weight->options() : input.options();
  at::Tensor grad_input = output_mask[0] ? at::empty(input.sizes(), input.options()) : at::Tensor();
  at::Tensor grad_weight = output_mask[1] ? at::empty({channels}, parameters) : at::Tensor();
  at::Tensor grad_bias = output_mask[2] ? at::empty({channels}, parameters) : at::Tensor();
  aclnn::BatchNormBackward(grad_out, input, weight, running_mean, running_var, save_mean, save_invstd, train, eps,
                           output_mask, grad_input, grad_weight, grad_bias);
  return {grad_input, grad_weight, grad_bias};
}

Normalized newBackward(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& weight,
                       const std::optional<at::Tensor>& running_mean, const std::optional<at::Tensor>& running_var,
                       const std::optional<at::Tensor>& save_mean, const std::optional<at::Tensor>& save_var,
                       bool update, double eps, std::array<bool, 3> output_mask, const at::Tensor& reserve) {
  return backward(grad_out, input, weight, running_mean, running_var, save_mean, save_var, update, eps,
                  output_mask);
}

Normalized layerNormBackward(const at::Tensor& grad_out, const at::Tensor& input, c10::IntArrayRef normalized_shape,
                             const at::Tensor& mean, const at::Tensor& rstd, const std::optional<at::Tensor>& weight,
                             const std::optional<at::Tensor>& bias, std::array<bool, 3> output_mask) {
  const npu::NPUGuard guard(commonDevice({grad_out, input, mean, rstd}));
  const auto parameter = [&](const std::optional<at::Tensor>& given) {
    return given.has_value() && given->defined() ? at::empty(given->sizes(), given->options())
                                                 : at::empty(normalized_shape, input.options());
  };
  at::Tensor grad_input = output_mask[0] ? at::empty(input.sizes(), input.options()) : at::Tensor();
  at::Tensor grad_weight = output_mask[1] ? parameter(weight) : at::Tensor();
  at::Tensor grad_bias = output_mask[2] ? parameter(bias) : at::Tensor();
  aclnn::LayerNormBackward(grad_out, input, normalized_shape, mean, rstd, weight, bias, output_mask, grad_input,
                           grad_weight, grad_bias);
  return {grad_input, grad_weight, grad_bias};
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("native_layer_norm_backward", TORCH_FN(layerNormBackward));
  m.impl("native_batch_norm", TORCH_FN(batchNorm));
  m.impl("_native_batch_norm_legit", TORCH_FN(legit));
  m.impl("_native_batch_norm_legit.no_stats", TORCH_FN(legitNoStats));
  m.impl("_batch_norm_with_update", TORCH_FN(withUpdate));
  m.impl("native_batch_norm_backward", TORCH_FN(backward));
  m.impl("batch_norm_backward", TORCH_FN(newBackward));
}

}  // namespace torch_npu::ops
