// Random operators: each reserves numbers of the NPU generator's Philox
// stream (its own or the device's default) and hands the position to aclnn.
#include <ATen/core/DistributionsHelper.h>
#include <ATen/native/Resize.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/result_type.h>
#include <torch/library.h>

#include "AclnnCallers.h"
#include "aclnn/aclnn_random.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

at::Tensor& uniform_(at::Tensor& self, double from, double to, std::optional<at::Generator> generator) {
  TORCH_CHECK(from <= to, "uniform_ expects to return a [from, to) range, but found from=", from, " > to=", to);
  const c10::Device device = commonDevice({self});
  const npu::NPUGuard guard(device);
  const auto [seed, offset] = reservePhilox(generator, device, self.numel());
  aclnn::InplaceUniform(self, from, to, seed, offset);
  return self;
}

at::Tensor& normal_(at::Tensor& self, double mean, double std, std::optional<at::Generator> generator) {
  TORCH_CHECK(std >= 0.0, "normal expects std >= 0.0, but found std ", std);
  const c10::Device device = commonDevice({self});
  const npu::NPUGuard guard(device);
  const auto [seed, offset] = reservePhilox(generator, device, self.numel());
  aclnn::InplaceNormal(self, mean, std, seed, offset);
  return self;
}

at::Tensor& bernoulli_(at::Tensor& self, double p, std::optional<at::Generator> generator) {
  TORCH_CHECK(0 <= p && p <= 1, "bernoulli_ expects p to be in [0, 1], but got p=", p);
  const c10::Device device = commonDevice({self});
  const npu::NPUGuard guard(device);
  const auto [seed, offset] = reservePhilox(generator, device, self.numel());
  aclnn::InplaceBernoulli(self, p, seed, offset);
  return self;
}

at::Tensor& randperm_out(int64_t n, std::optional<at::Generator> generator, at::Tensor& out) {
  TORCH_CHECK(n >= 0, "n must be non-negative, got", n);
  const c10::Device device = commonDevice({out});
  const npu::NPUGuard guard(device);
  at::native::resize_output(out, {n});
  const auto [seed, offset] = reservePhilox(generator, device, n);
  aclnn::Randperm(n, seed, offset, out);
  return out;
}

// Dropout as op-plugin runs it on CANN: the bit mask (its format is in
// aclnn/aclnn_random.h), then the mask applied. ATen's native_dropout returns
// the mask as a bool tensor shaped like the input, so the bits are expanded on
// the device by CANN's own operators: the mask applied to ones (1 / (1 - p)
// where kept, 0 elsewhere), cast to bool.
std::tuple<at::Tensor, at::Tensor> native_dropout(const at::Tensor& input, double p, std::optional<bool> train) {
  const c10::Device device = commonDevice({input});
  const npu::NPUGuard guard(device);
  at::Tensor out = at::empty(input.sizes(), input.options());
  at::Tensor mask = at::empty(input.sizes(), input.options().dtype(at::kBool));
  if (!train.value_or(true) || p == 0) {
    out.copy_(input);
    mask.fill_(true);
    return {out, mask};
  }
  if (input.numel() == 0) {
    return {out, mask};
  }
  const auto [seed, offset] = reservePhilox(std::nullopt, device, input.numel());
  at::Tensor bits = at::empty({aclnn_format::dropoutMaskBytes(input.numel())}, input.options().dtype(at::kByte));
  aclnn::DropoutGenMaskV2(input.sizes(), p, seed, offset, input.scalar_type(), bits);
  aclnn::DropoutDoMask(input, bits, p, out);
  at::Tensor kept_scale = at::empty(input.sizes(), input.options());
  aclnn::DropoutDoMask(at::ones(input.sizes(), input.options()), bits, p, kept_scale);
  aclnn::Cast(kept_scale, at::kBool, mask);
  return {out, mask};
}

// Autograd hands the backward the bool mask native_dropout returned, not the
// bits DoMask reads, so it computes ATen's own formula, grad * mask * scale.
at::Tensor native_dropout_backward(const at::Tensor& grad_output, const at::Tensor& mask, double scale) {
  const npu::NPUGuard guard(commonDevice({grad_output, mask}));
  at::Tensor masked = pointwiseOutput({grad_output, mask}, resultType({grad_output, mask}));
  aclnn::Mul(grad_output, mask, masked);
  at::Tensor result = at::empty(masked.sizes(), masked.options().dtype(at::result_type(masked, scale)));
  aclnn::Muls(masked, scale, result);
  return result;
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("uniform_", TORCH_FN(uniform_));
  m.impl("normal_", TORCH_FN(normal_));
  m.impl("bernoulli_.float", TORCH_FN(bernoulli_));
  m.impl("randperm.generator_out", TORCH_FN(randperm_out));
  m.impl("native_dropout", TORCH_FN(native_dropout));
  m.impl("native_dropout_backward", TORCH_FN(native_dropout_backward));
}

}  // namespace torch_npu::ops
