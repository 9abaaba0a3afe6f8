#include "npu_sim_aclnn/quant_matmul.h"

#include <ATen/ATen.h>

namespace npu_sim::aclnn {

void quantMatmul(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& scale, const at::Tensor& offset,
                 const at::Tensor& pertoken_scale, const at::Tensor& bias, at::Tensor& out) {
  constexpr const char* op = "aclnnQuantMatmulV4";
  TORCH_CHECK(x1.scalar_type() == at::kChar && x2.scalar_type() == at::kChar, op,
              ": only INT8 x1 and x2 are simulated, got ", x1.scalar_type(), " and ", x2.scalar_type());
  TORCH_CHECK(scale.scalar_type() == at::kFloat || scale.scalar_type() == at::kBFloat16, op, ": a ",
              scale.scalar_type(), " scale is not simulated (FLOAT32 and BFLOAT16 are, not the packed UINT64/INT64 ",
              "form of aclnnTransQuantParam)");
  TORCH_CHECK(out.scalar_type() == at::kHalf || out.scalar_type() == at::kBFloat16, op, ": a ", out.scalar_type(),
              " output is not simulated (FLOAT16 and BFLOAT16 are)");
  // INT8 products summed in int64 are exact, as the cube unit's int32 accumulation is.
  at::Tensor product = x1.to(at::kLong).matmul(x2.to(at::kLong));
  const bool integer_bias = bias.defined() && bias.scalar_type() == at::kInt;
  if (integer_bias) product += bias;
  at::Tensor y = product.to(at::kFloat) * scale.to(at::kFloat);
  if (pertoken_scale.defined()) y *= pertoken_scale.to(at::kFloat).unsqueeze(-1);
  if (offset.defined()) y += offset.to(at::kFloat);
  if (bias.defined() && !integer_bias) y += bias.to(at::kFloat);
  out.copy_(y);
}

}  // namespace npu_sim::aclnn
