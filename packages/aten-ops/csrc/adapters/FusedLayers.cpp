// The reference's fused layers: npu_rms_norm, npu_add_rms_norm, npu_swiglu,
// npu_fast_gelu, npu_gelu_mul and npu_linear, with their backward operators, over
// CANN's aclnn operators.
#include <ATen/WrapDimUtils.h>
#include <ATen/ops/addmm.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/mm.h>
#include <torch/library.h>

#include <vector>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

void checkNormalizedShape(const char* op, const at::Tensor& self, const at::Tensor& gamma) {
  TORCH_CHECK(gamma.dim() >= 1 && gamma.dim() <= self.dim() &&
                  self.sizes().slice(self.dim() - gamma.dim()) == gamma.sizes(),
              op, ": gamma's shape ", gamma.sizes(), " must be the trailing dimensions of self's ", self.sizes());
}

// rstd's shape: self's with gamma's dimensions reduced to 1.
std::vector<int64_t> rstdShape(const at::Tensor& self, const at::Tensor& gamma) {
  std::vector<int64_t> shape(self.sizes().begin(), self.sizes().end());
  for (int64_t d = self.dim() - gamma.dim(); d < self.dim(); ++d) shape[d] = 1;
  return shape;
}

std::tuple<at::Tensor, at::Tensor> rmsNorm(const at::Tensor& self, const at::Tensor& gamma, double epsilon) {
  checkNormalizedShape("npu_rms_norm", self, gamma);
  const npu::NPUGuard guard(operandsDevice("npu_rms_norm", {self, gamma}));
  at::Tensor y = at::empty(self.sizes(), self.options());
  at::Tensor rstd = at::empty(rstdShape(self, gamma), self.options().dtype(at::kFloat));
  aclnn::RmsNorm(self, gamma, epsilon, y, rstd);
  return {y, rstd};
}

std::tuple<at::Tensor, at::Tensor> rmsNormBackward(const at::Tensor& dy, const at::Tensor& self,
                                                   const at::Tensor& gamma, const at::Tensor& rstd) {
  checkNormalizedShape("npu_rms_norm_backward", self, gamma);
  TORCH_CHECK(dy.sizes() == self.sizes(), "npu_rms_norm_backward: dy must have self's shape ", self.sizes(),
              ", got ", dy.sizes());
  const npu::NPUGuard guard(operandsDevice("npu_rms_norm_backward", {dy, self, gamma, rstd}));
  at::Tensor dx = at::empty(self.sizes(), self.options());
  at::Tensor dgamma = at::empty(gamma.sizes(), gamma.options());
  aclnn::RmsNormGrad(dy, self, rstd, gamma, dx, dgamma);
  return {dx, dgamma};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> addRmsNorm(const at::Tensor& x1, const at::Tensor& x2,
                                                          const at::Tensor& gamma, double epsilon) {
  TORCH_CHECK(x1.sizes() == x2.sizes(), "npu_add_rms_norm: x1 and x2 must have one shape, got ", x1.sizes(), " and ",
              x2.sizes());
  checkNormalizedShape("npu_add_rms_norm", x1, gamma);
  const npu::NPUGuard guard(operandsDevice("npu_add_rms_norm", {x1, x2, gamma}));
  at::Tensor y = at::empty(x1.sizes(), x1.options());
  at::Tensor rstd = at::empty(rstdShape(x1, gamma), x1.options().dtype(at::kFloat));
  at::Tensor x = at::empty(x1.sizes(), x1.options());
  aclnn::AddRmsNorm(x1, x2, gamma, epsilon, y, rstd, x);
  return {y, rstd, x};
}

// The halved dimension, checked: it must split evenly.
int64_t halvedDim(const char* op, const at::Tensor& self, int64_t dim) {
  TORCH_CHECK(self.dim() > 0, op, ": self must have at least one dimension");
  const int64_t wrapped = at::maybe_wrap_dim(dim, self.dim());
  TORCH_CHECK(self.size(wrapped) % 2 == 0, op, ": dimension ", dim, " of size ", self.size(wrapped),
              " cannot be split into two halves");
  return wrapped;
}

at::Tensor swiglu(const at::Tensor& self, int64_t dim) {
  const int64_t wrapped = halvedDim("npu_swiglu", self, dim);
  const npu::NPUGuard guard(operandsDevice("npu_swiglu", {self}));
  std::vector<int64_t> shape(self.sizes().begin(), self.sizes().end());
  shape[wrapped] /= 2;
  at::Tensor out = at::empty(shape, self.options());
  aclnn::SwiGlu(self, wrapped, out);
  return out;
}

at::Tensor swigluBackward(const at::Tensor& grad_output, const at::Tensor& self, int64_t dim) {
  const int64_t wrapped = halvedDim("npu_swiglu_backward", self, dim);
  const npu::NPUGuard guard(operandsDevice("npu_swiglu_backward", {grad_output, self}));
  at::Tensor out = at::empty(self.sizes(), self.options());
  aclnn::SwiGluGrad(grad_output, self, wrapped, out);
  return out;
}

void checkFloating(const char* op, const at::Tensor& self) {
  TORCH_CHECK(at::isFloatingType(self.scalar_type()), op, ": expected a floating-point tensor, got ",
              self.scalar_type());
}

at::Tensor fastGelu(const at::Tensor& self) {
  checkFloating("npu_fast_gelu", self);
  const npu::NPUGuard guard(operandsDevice("npu_fast_gelu", {self}));
  at::Tensor out = at::empty(self.sizes(), self.options());
  aclnn::FastGelu(self, out);
  return out;
}

at::Tensor fastGeluBackward(const at::Tensor& grad, const at::Tensor& self) {
  checkFloating("npu_fast_gelu_backward", self);
  TORCH_CHECK(grad.sizes() == self.sizes(), "npu_fast_gelu_backward: grad must have self's shape ", self.sizes(),
              ", got ", grad.sizes());
  const npu::NPUGuard guard(operandsDevice("npu_fast_gelu_backward", {grad, self}));
  at::Tensor grad_input = at::empty(self.sizes(), self.options());
  aclnn::FastGeluBackward(grad, self, grad_input);
  return grad_input;
}

at::Tensor geluMul(const at::Tensor& input, c10::string_view approximate) {
  checkFloating("npu_gelu_mul", input);
  TORCH_CHECK(input.dim() >= 2 && input.dim() <= 8, "npu_gelu_mul: input must have 2 to 8 dimensions, got ",
              input.dim());
  halvedDim("npu_gelu_mul", input, -1);
  const npu::NPUGuard guard(operandsDevice("npu_gelu_mul", {input}));
  std::vector<int64_t> shape(input.sizes().begin(), input.sizes().end());
  shape.back() /= 2;
  at::Tensor out = at::empty(shape, input.options());
  aclnn::GeluMul(input, checkedGeluApproximate(approximate), out);
  return out;
}

void checkLinear(const at::Tensor& input, const at::Tensor& weight) {
  TORCH_CHECK(input.dim() == 2 && weight.dim() == 2, "npu_linear: input and weight must be 2-D, got ", input.dim(),
              "-D and ", weight.dim(), "-D");
  TORCH_CHECK(input.size(1) == weight.size(1), "npu_linear: input's ", input.size(1),
              " features do not match weight's ", weight.size(1));
}

at::Tensor linear(const at::Tensor& input, const at::Tensor& weight, const std::optional<at::Tensor>& bias) {
  checkLinear(input, weight);
  if (bias.has_value() && bias->defined()) return at::addmm(*bias, input, weight.t());
  return at::mm(input, weight.t());
}

std::tuple<at::Tensor, at::Tensor> linearBackward(const at::Tensor& grad, const at::Tensor& input,
                                                  const at::Tensor& weight) {
  checkLinear(input, weight);
  return {at::mm(grad, weight), at::mm(grad.t(), input)};
}

}  // namespace

// The reference's schemas (op-plugin's npu_native_functions.yaml).
TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def("npu_rms_norm(Tensor self, Tensor gamma, float epsilon=1e-06) -> (Tensor, Tensor)");
  m.def("npu_rms_norm_backward(Tensor dy, Tensor self, Tensor gamma, Tensor rstd) -> (Tensor, Tensor)");
  m.def("npu_add_rms_norm(Tensor x1, Tensor x2, Tensor gamma, float epsilon=1e-06) -> (Tensor, Tensor, Tensor)");
  m.def("npu_swiglu(Tensor self, int dim=-1) -> Tensor");
  m.def("npu_swiglu_backward(Tensor grad_output, Tensor self, int dim=-1) -> Tensor");
  m.def("npu_fast_gelu(Tensor self) -> Tensor");
  m.def("npu_fast_gelu_backward(Tensor grad, Tensor self) -> Tensor");
  m.def("fast_gelu(Tensor self) -> Tensor");
  m.def("npu_gelu_mul(Tensor input, *, str approximate='none') -> Tensor");
  m.def("npu_linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor");
  m.def("npu_linear_backward(Tensor grad, Tensor input, Tensor weight) -> (Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) {
  m.impl("npu_rms_norm", TORCH_FN(rmsNorm));
  m.impl("npu_rms_norm_backward", TORCH_FN(rmsNormBackward));
  m.impl("npu_swiglu", TORCH_FN(swiglu));
  m.impl("npu_swiglu_backward", TORCH_FN(swigluBackward));
  m.impl("npu_add_rms_norm", TORCH_FN(addRmsNorm));
  m.impl("npu_fast_gelu", TORCH_FN(fastGelu));
  m.impl("npu_fast_gelu_backward", TORCH_FN(fastGeluBackward));
  m.impl("fast_gelu", TORCH_FN(fastGelu));
  m.impl("npu_gelu_mul", TORCH_FN(geluMul));
  m.impl("npu_linear", TORCH_FN(linear));
  m.impl("npu_linear_backward", TORCH_FN(linearBackward));
}

}  // namespace torch_npu::ops
