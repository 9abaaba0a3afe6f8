#include "npu_sim_aclnn/cube_math.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstring>

namespace npu_sim::aclnn {
namespace {

constexpr int8_t kKeepDtype = 0;
constexpr int8_t kAllowFp32DownPrecision = 1;
constexpr int8_t kUseFp16 = 2;
constexpr int8_t kUseHf32 = 3;

at::Tensor roundedToHf32(const at::Tensor& operand) {
  const at::Tensor source = operand.contiguous();
  at::Tensor rounded = at::empty_like(source);
  const float* in = source.const_data_ptr<float>();
  float* out = rounded.mutable_data_ptr<float>();
  at::parallel_for(0, source.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = roundToHf32(in[i]);
  });
  return rounded;
}

}  // namespace

float roundToHf32(float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  constexpr uint32_t kSign = 0x80000000u;
  constexpr uint32_t kInfinity = 0x7f800000u;
  constexpr int kDroppedBits = 23 - 11;  // float32's mantissa bits less HFLOAT32's
  constexpr uint32_t kHalfUlp = (1u << (kDroppedBits - 1)) - 1;
  const uint32_t magnitude = bits & ~kSign;
  if (magnitude >= kInfinity) return value;  // infinities and NaNs stay as they are
  const uint32_t odd = (magnitude >> kDroppedBits) & 1u;  // ties go to the even neighbour
  const uint32_t rounded = ((magnitude + kHalfUlp + odd) >> kDroppedBits) << kDroppedBits;
  bits = (bits & kSign) | rounded;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

at::Tensor cubeOperand(const at::Tensor& operand, int8_t cubeMathType) {
  TORCH_CHECK(cubeMathType >= kKeepDtype && cubeMathType <= kUseHf32,
              "The value of cubeMathType only support {0: KEEP_DTYPE, 1: ALLOW_FP32_DOWN_PRECISION, 2: USE_FP16, "
              "3: USE_HF32}, but got ", static_cast<int>(cubeMathType));
  const at::ScalarType type = operand.scalar_type();
  switch (cubeMathType) {
    case kAllowFp32DownPrecision:
      return type == at::kFloat ? roundedToHf32(operand) : operand;
    case kUseFp16:
      TORCH_CHECK(type != at::kBFloat16, "cubeMathType USE_FP16 does not support BFLOAT16 inputs");
      return type == at::kFloat ? operand.to(at::kHalf).to(at::kFloat) : operand;
    case kUseHf32:
      TORCH_CHECK(type == at::kFloat, "cubeMathType USE_HF32 supports FLOAT32 inputs only, got ", type);
      return roundedToHf32(operand);
    default:
      return operand;
  }
}

}  // namespace npu_sim::aclnn
