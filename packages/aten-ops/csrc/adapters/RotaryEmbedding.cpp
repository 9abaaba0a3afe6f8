// npu_rotary_mul and its backward: the reference's rotary position embedding
// over CANN's aclnnRotaryPositionEmbedding(Grad).
#include <ATen/ExpandUtils.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include <string_view>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

// The modes of the simulated SoC (Ascend910B); CANN numbers them so.
int64_t rotaryMode(c10::string_view rotary_mode) {
  if (rotary_mode == "half") return 0;
  if (rotary_mode == "interleave") return 1;
  TORCH_CHECK(false, "npu_rotary_mul: rotary_mode must be 'half' or 'interleave', got '", rotary_mode, "'");
}

void checkRotaryOperands(const at::Tensor& self, const at::Tensor& r1, const at::Tensor& r2) {
  TORCH_CHECK(self.dim() == 4 && r1.dim() == 4 && r2.dim() == 4,
              "npu_rotary_mul: self, r1 and r2 must be 4-D, got ", self.dim(), "-D, ", r1.dim(), "-D and ",
              r2.dim(), "-D");
  TORCH_CHECK(self.size(-1) % 2 == 0, "npu_rotary_mul: the rotary dimension (the last, ", self.size(-1),
              ") must be even");
  TORCH_CHECK(r1.sizes() == r2.sizes(), "npu_rotary_mul: r1 and r2 must have one shape, got ", r1.sizes(), " and ",
              r2.sizes());
  TORCH_CHECK(at::is_expandable_to(r1.sizes(), self.sizes()), "npu_rotary_mul: r1's shape ", r1.sizes(),
              " does not broadcast to self's ", self.sizes());
}

at::Tensor rotaryMul(const at::Tensor& self, const at::Tensor& r1, const at::Tensor& r2,
                     c10::string_view rotary_mode, const std::optional<at::Tensor>& rotate) {
  TORCH_CHECK(!rotate.has_value(), "npu_rotary_mul: a rotate matrix is not supported yet");
  checkRotaryOperands(self, r1, r2);
  const int64_t mode = rotaryMode(rotary_mode);
  const npu::NPUGuard guard(operandsDevice("npu_rotary_mul", {self, r1, r2}));
  at::Tensor out = at::empty(self.sizes(), self.options());
  // CANN takes cos and sin in x's dtype.
  aclnn::RotaryPositionEmbedding(self, r1.to(self.scalar_type()), r2.to(self.scalar_type()), mode, out);
  return out;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> rotaryMulBackward(const at::Tensor& grad, const at::Tensor& self,
                                                                 const at::Tensor& r1, const at::Tensor& r2,
                                                                 c10::string_view rotary_mode) {
  checkRotaryOperands(self, r1, r2);
  TORCH_CHECK(grad.sizes() == self.sizes(), "npu_rotary_mul_backward: grad must have self's shape ", self.sizes(),
              ", got ", grad.sizes());
  const int64_t mode = rotaryMode(rotary_mode);
  const npu::NPUGuard guard(operandsDevice("npu_rotary_mul_backward", {grad, self, r1, r2}));
  at::Tensor dx = at::empty(grad.sizes(), self.options());
  at::Tensor dr1 = at::empty(r1.sizes(), self.options());
  at::Tensor dr2 = at::empty(r2.sizes(), self.options());
  aclnn::RotaryPositionEmbeddingGrad(grad, r1.to(self.scalar_type()), r2.to(self.scalar_type()), self, mode, dx,
                                     dr1, dr2);
  return {dx, dr1, dr2};
}

}  // namespace

// The reference's schemas (op-plugin's op_plugin_functions.yaml).
TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def("npu_rotary_mul(Tensor self, Tensor r1, Tensor r2, str rotary_mode='half', Tensor? rotate=None) -> Tensor");
  m.def(
      "npu_rotary_mul_backward(Tensor grad, Tensor self, Tensor r1, Tensor r2, str rotary_mode='half') -> "
      "(Tensor, Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) {
  m.impl("npu_rotary_mul", TORCH_FN(rotaryMul));
  m.impl("npu_rotary_mul_backward", TORCH_FN(rotaryMulBackward));
}

}  // namespace torch_npu::ops
