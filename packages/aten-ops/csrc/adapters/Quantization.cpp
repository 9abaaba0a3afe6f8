// npu_dynamic_quant: the reference's per-token dynamic quantization over CANN's
// aclnnDynamicQuant.
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include <optional>
#include <string_view>

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

}  // namespace

// The reference's schema (op-plugin's op_plugin_functions.yaml).
TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def(
      "npu_dynamic_quant(Tensor input, *, Tensor? smooth_scales=None, Tensor? group_index=None, int? dst_type=None, "
      "str quant_mode=\"pertoken\", float dst_type_max=0.0) -> (Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) { m.impl("npu_dynamic_quant", TORCH_FN(dynamicQuant)); }

}  // namespace torch_npu::ops
