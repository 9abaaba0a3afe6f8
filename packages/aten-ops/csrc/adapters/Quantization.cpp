// npu_dynamic_quant and npu_quant_matmul: the reference's per-token dynamic
// quantization and quantized matmul over CANN's aclnnDynamicQuant and
// aclnnQuantMatmulV4 (which op-plugin called before aclnnQuantMatmulV5).
#include <ATen/ExpandUtils.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

// aclnnDynamicQuant quantizes per token to INT8 and nothing else; the
// reference's other modes need aclnnDynamicQuantV2 and later, not simulated yet.
void checkDynamicQuantMode(const std::optional<at::Tensor>& group_index, std::optional<int64_t> dst_type,
                           std::string_view quant_mode, double dst_type_max) {
  const char* op = "npu_dynamic_quant";
  TORCH_CHECK(!group_index.has_value(), op, ": group_index is not supported yet");
  TORCH_CHECK(!dst_type.has_value() || *dst_type == static_cast<int64_t>(at::kChar), op, ": dst_type ",
              dst_type.value_or(0), " is not supported yet (only torch.int8)");
  TORCH_CHECK(quant_mode == "pertoken", op, ": quant_mode \"", quant_mode,
              "\" is not supported yet (only \"pertoken\")");
  TORCH_CHECK(dst_type_max == 0.0, op, ": dst_type_max is not supported yet (only 0.0, the dtype's own maximum)");
}

void checkDynamicQuantInputs(const at::Tensor& input, const std::optional<at::Tensor>& smooth_scales) {
  const char* op = "npu_dynamic_quant";
  TORCH_CHECK(input.dim() >= 2 && input.dim() <= 8, op, ": input must have 2 to 8 dimensions, got ", input.dim());
  TORCH_CHECK(input.scalar_type() == at::kHalf || input.scalar_type() == at::kBFloat16, op,
              ": input must be float16 or bfloat16, got ", input.scalar_type());
  if (!smooth_scales.has_value()) return;
  TORCH_CHECK(smooth_scales->dim() == 1 && smooth_scales->size(0) == input.size(-1), op,
              ": smooth_scales must be 1-D of input's last dimension (", input.size(-1), "), got ",
              smooth_scales->sizes());
  TORCH_CHECK(smooth_scales->scalar_type() == input.scalar_type(), op, ": smooth_scales must have input's dtype (",
              input.scalar_type(), "), got ", smooth_scales->scalar_type());
}

std::tuple<at::Tensor, at::Tensor> dynamicQuant(const at::Tensor& input, const std::optional<at::Tensor>& smooth_scales,
                                                const std::optional<at::Tensor>& group_index,
                                                std::optional<int64_t> dst_type, c10::string_view quant_mode,
                                                double dst_type_max) {
  checkDynamicQuantMode(group_index, dst_type, std::string_view(quant_mode.data(), quant_mode.size()),
                        dst_type_max);
  checkDynamicQuantInputs(input, smooth_scales);
  const npu::NPUGuard guard(operandsDevice("npu_dynamic_quant", {input, smooth_scales.value_or(at::Tensor())}));
  at::Tensor y = at::empty(input.sizes(), input.options().dtype(at::kChar));
  at::Tensor scale = at::empty(input.sizes().slice(0, input.dim() - 1), input.options().dtype(at::kFloat));
  if (input.numel() > 0) aclnn::DynamicQuant(input, smooth_scales, y, scale);
  return {y, scale};
}

// The dtype npu_quant_matmul writes: output_dtype as a ScalarType number
// (Python passes a torch.dtype), INT8 by default as in the reference.
at::ScalarType quantMatmulOutputType(std::optional<int64_t> output_dtype) {
  if (!output_dtype.has_value()) return at::kChar;
  TORCH_CHECK(*output_dtype >= 0 && *output_dtype < static_cast<int64_t>(at::ScalarType::NumOptions),
              "npu_quant_matmul: output_dtype ", *output_dtype, " is not a dtype");
  return static_cast<at::ScalarType>(*output_dtype);
}

// aclnnQuantMatmulV4 takes float scales only for a float output (BFLOAT16, or
// FLOAT16 with a per-token scale); INT8 and the other FLOAT16 outputs take the
// UINT64 scale that npu_trans_quant_param packs, which is not simulated yet.
void checkQuantMatmulMode(at::ScalarType out_type, const at::Tensor& scale, const std::optional<at::Tensor>& offset,
                          const std::optional<at::Tensor>& pertoken_scale) {
  const char* op = "npu_quant_matmul";
  TORCH_CHECK(out_type == at::kBFloat16 || (out_type == at::kHalf && pertoken_scale.has_value()), op,
              ": output_dtype ", out_type, pertoken_scale.has_value() ? "" : " without pertoken_scale",
              " is not supported yet (torch.bfloat16, or torch.float16 with pertoken_scale)");
  TORCH_CHECK(scale.scalar_type() == at::kFloat || (scale.scalar_type() == at::kBFloat16 && out_type == at::kBFloat16),
              op, ": a ", scale.scalar_type(), " scale is not supported yet (float32, or bfloat16 for a bfloat16 ",
              "output; not npu_trans_quant_param's packed int64)");
  TORCH_CHECK(!offset.has_value(), op, ": offset is not supported yet (it belongs to the int8 output)");
}

// x1 (..., m, k) and x2 (..., k, n) give (broadcast batch..., m, n).
std::vector<int64_t> quantMatmulShape(const at::Tensor& x1, const at::Tensor& x2) {
  const char* op = "npu_quant_matmul";
  TORCH_CHECK(x1.scalar_type() == at::kChar && x2.scalar_type() == at::kChar, op,
              ": x1 and x2 must be int8 (int32-packed int4 is not supported yet), got ", x1.scalar_type(), " and ",
              x2.scalar_type());
  TORCH_CHECK(x1.dim() >= 2 && x1.dim() <= 6 && x2.dim() >= 2 && x2.dim() <= 6, op,
              ": x1 and x2 must have 2 to 6 dimensions, got ", x1.dim(), " and ", x2.dim());
  TORCH_CHECK(x1.size(-1) == x2.size(-2), op, ": x1's k (", x1.size(-1), ") must equal x2's (", x2.size(-2), ")");
  std::vector<int64_t> shape = at::infer_size(x1.sizes().slice(0, x1.dim() - 2), x2.sizes().slice(0, x2.dim() - 2));
  shape.push_back(x1.size(-2));
  shape.push_back(x2.size(-1));
  return shape;
}

void checkQuantMatmulScales(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& scale,
                            const std::optional<at::Tensor>& pertoken_scale, const std::optional<at::Tensor>& bias,
                            at::ScalarType out_type) {
  const char* op = "npu_quant_matmul";
  const int64_t m = x1.size(-2);
  const int64_t n = x2.size(-1);
  TORCH_CHECK(scale.dim() == 1 && (scale.numel() == 1 || scale.numel() == n), op,
              ": scale must be 1-D of 1 or n = ", n, " elements, got ", scale.sizes());
  if (pertoken_scale.has_value()) {
    TORCH_CHECK(pertoken_scale->dim() == 1 && pertoken_scale->numel() == m &&
                    pertoken_scale->scalar_type() == at::kFloat,
                op, ": pertoken_scale must be 1-D float32 of m = ", m, " elements, got a ",
                pertoken_scale->scalar_type(), " tensor of shape ", pertoken_scale->sizes());
  }
  if (!bias.has_value()) return;
  TORCH_CHECK(bias->dim() == 1 && bias->numel() == n, op, ": bias must be 1-D of n = ", n, " elements, got ",
              bias->sizes());
  const at::ScalarType type = bias->scalar_type();
  TORCH_CHECK(type == at::kInt || type == at::kFloat || type == out_type, op,
              ": bias must be int32, float32 or the output's dtype ", out_type, ", got ", type);
}

at::Tensor quantMatmul(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& scale,
                       const std::optional<at::Tensor>& offset, const std::optional<at::Tensor>& pertoken_scale,
                       const std::optional<at::Tensor>& bias, std::optional<int64_t> output_dtype,
                       std::optional<int64_t> x1_dtype, std::optional<int64_t> x2_dtype,
                       std::optional<int64_t> pertoken_scale_dtype, std::optional<int64_t> scale_dtype,
                       at::OptionalIntArrayRef group_sizes, const std::optional<at::Tensor>& y_scale) {
  const char* op = "npu_quant_matmul";
  for (const auto& [given, name] : {std::pair{x1_dtype.has_value(), "x1_dtype"},
                                    {x2_dtype.has_value(), "x2_dtype"},
                                    {pertoken_scale_dtype.has_value(), "pertoken_scale_dtype"},
                                    {scale_dtype.has_value(), "scale_dtype"},
                                    {group_sizes.has_value(), "group_sizes"},
                                    {y_scale.has_value(), "y_scale"}}) {
    TORCH_CHECK(!given, op, ": ", name, " is not supported yet");
  }
  const at::ScalarType out_type = quantMatmulOutputType(output_dtype);
  checkQuantMatmulMode(out_type, scale, offset, pertoken_scale);
  const std::vector<int64_t> shape = quantMatmulShape(x1, x2);
  checkQuantMatmulScales(x1, x2, scale, pertoken_scale, bias, out_type);
  const npu::NPUGuard guard(
      operandsDevice(op, {x1, x2, scale, pertoken_scale.value_or(at::Tensor()), bias.value_or(at::Tensor())}));
  at::Tensor out = at::empty(shape, x1.options().dtype(out_type));
  if (out.numel() > 0) {
    aclnn::QuantMatmulV4(x1, x2, scale, std::nullopt, pertoken_scale, bias, /*transposeX1=*/false,
                         /*transposeX2=*/false, out);
  }
  return out;
}

}  // namespace

// The reference's schemas (op-plugin's op_plugin_functions.yaml).
TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def(
      "npu_dynamic_quant(Tensor input, *, Tensor? smooth_scales=None, Tensor? group_index=None, int? dst_type=None, "
      "str quant_mode=\"pertoken\", float dst_type_max=0.0) -> (Tensor, Tensor)");
  m.def(
      "npu_quant_matmul(Tensor x1, Tensor x2, Tensor scale, *, Tensor? offset=None, Tensor? pertoken_scale=None, "
      "Tensor? bias=None, int? output_dtype=None, int? x1_dtype=None, int? x2_dtype=None, "
      "int? pertoken_scale_dtype=None, int? scale_dtype=None, int[]? group_sizes=None, Tensor? y_scale=None) -> "
      "Tensor");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) {
  m.impl("npu_dynamic_quant", TORCH_FN(dynamicQuant));
  m.impl("npu_quant_matmul", TORCH_FN(quantMatmul));
}

}  // namespace torch_npu::ops
