// npu_rms_norm and npu_swiglu with their backward operators: the reference's
// custom operators over CANN's aclnnRmsNorm/aclnnSwiGlu pairs.
#include <ATen/WrapDimUtils.h>
#include <ATen/ops/empty.h>
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
  const npu::NPUGuard guard(commonDevice({self, gamma}));
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
  const npu::NPUGuard guard(commonDevice({dy, self, gamma, rstd}));
  at::Tensor dx = at::empty(self.sizes(), self.options());
  at::Tensor dgamma = at::empty(gamma.sizes(), gamma.options());
  aclnn::RmsNormGrad(dy, self, rstd, gamma, dx, dgamma);
  return {dx, dgamma};
}

// The halved dimension, checked: it must split evenly.
int64_t swigluDim(const char* op, const at::Tensor& self, int64_t dim) {
  TORCH_CHECK(self.dim() > 0, op, ": self must have at least one dimension");
  const int64_t wrapped = at::maybe_wrap_dim(dim, self.dim());
  TORCH_CHECK(self.size(wrapped) % 2 == 0, op, ": dimension ", dim, " of size ", self.size(wrapped),
              " cannot be split into two halves");
  return wrapped;
}

at::Tensor swiglu(const at::Tensor& self, int64_t dim) {
  const int64_t wrapped = swigluDim("npu_swiglu", self, dim);
  const npu::NPUGuard guard(commonDevice({self}));
  std::vector<int64_t> shape(self.sizes().begin(), self.sizes().end());
  shape[wrapped] /= 2;
  at::Tensor out = at::empty(shape, self.options());
  aclnn::SwiGlu(self, wrapped, out);
  return out;
}

at::Tensor swigluBackward(const at::Tensor& grad_output, const at::Tensor& self, int64_t dim) {
  const int64_t wrapped = swigluDim("npu_swiglu_backward", self, dim);
  const npu::NPUGuard guard(commonDevice({grad_output, self}));
  at::Tensor out = at::empty(self.sizes(), self.options());
  aclnn::SwiGluGrad(grad_output, self, wrapped, out);
  return out;
}

}  // namespace

// The reference's schemas (op-plugin's npu_native_functions.yaml).
TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def("npu_rms_norm(Tensor self, Tensor gamma, float epsilon=1e-06) -> (Tensor, Tensor)");
  m.def("npu_rms_norm_backward(Tensor dy, Tensor self, Tensor gamma, Tensor rstd) -> (Tensor, Tensor)");
  m.def("npu_swiglu(Tensor self, int dim=-1) -> Tensor");
  m.def("npu_swiglu_backward(Tensor grad_output, Tensor self, int dim=-1) -> Tensor");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) {
  m.impl("npu_rms_norm", TORCH_FN(rmsNorm));
  m.impl("npu_rms_norm_backward", TORCH_FN(rmsNormBackward));
  m.impl("npu_swiglu", TORCH_FN(swiglu));
  m.impl("npu_swiglu_backward", TORCH_FN(swigluBackward));
}

}  // namespace torch_npu::ops
