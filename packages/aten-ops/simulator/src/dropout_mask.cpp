#include "npu_sim_aclnn/dropout_mask.h"

#include <ATen/ATen.h>
#include <c10/util/accumulate.h>

#include "aclnn/aclnn_random.h"

namespace npu_sim::aclnn {
namespace {

void checkMask(const char* op, const at::Tensor& mask, int64_t numel) {
  TORCH_CHECK(mask.scalar_type() == at::kByte, op, ": the mask must be UINT8, not ", mask.scalar_type());
  const int64_t bytes = aclnn_format::dropoutMaskBytes(numel);
  TORCH_CHECK(mask.numel() == bytes, op, ": the mask of ", numel, " elements must have align(numel, 128) / 8 = ", bytes,
              " bytes, not ", mask.numel());
}

void checkProbability(const char* op, double prob) {
  TORCH_CHECK(prob >= 0.0 && prob <= 1.0, op, ": prob must be in [0, 1], not ", prob);
}

// The value of bit j of a byte, j = 0 (least significant) .. 7.
at::Tensor bitValues() {
  return at::tensor({1, 2, 4, 8, 16, 32, 64, 128}, at::TensorOptions().dtype(at::kByte));
}

}  // namespace

void generateDropoutMask(at::Tensor& mask, at::IntArrayRef shape, double prob, const at::Generator& generator) {
  const int64_t numel = c10::multiply_integers(shape);
  checkMask("aclnnDropoutGenMaskV2", mask, numel);
  checkProbability("aclnnDropoutGenMaskV2", prob);
  // One bit per element, then the zero padding, eight to a byte.
  at::Tensor bits = at::zeros({mask.numel() * 8}, at::kByte);
  bits.narrow(0, 0, numel).bernoulli_(1.0 - prob, generator);
  mask.copy_(bits.view({-1, 8}).mul(bitValues()).sum(1, /*keepdim=*/false, at::kByte));
}

void applyDropoutMask(const at::Tensor& self, const at::Tensor& mask, double prob, at::Tensor& out) {
  checkMask("aclnnDropoutDoMask", mask, self.numel());
  checkProbability("aclnnDropoutDoMask", prob);
  if (prob == 0.0) {
    out.copy_(self);
    return;
  }
  if (prob == 1.0) {
    out.zero_();
    return;
  }
  // As ATen's dropout computes it: input * mask * (1 / (1 - p)).
  at::mul_out(out, self, keptByDropoutMask(mask, self.sizes())).mul_(1.0 / (1.0 - prob));
}

at::Tensor keptByDropoutMask(const at::Tensor& mask, at::IntArrayRef shape) {
  const int64_t numel = c10::multiply_integers(shape);
  checkMask("the dropout mask", mask, numel);
  return mask.reshape({-1, 1}).bitwise_and(bitValues()).ne(0).view({-1}).narrow(0, 0, numel).view(shape);
}

}  // namespace npu_sim::aclnn
