// npu_prompt_flash_attention: the reference's inference attention over a whole
// prompt, over CANN's aclnnPromptFlashAttentionV3, as op-plugin calls it
// (forward only: the reference registers no gradient). The int8 quantization
// (deq_scale1 .. quant_offset2, an int8 query) and pse_shift are not supported
// yet; padding_mask is accepted and unused, as in the reference.
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include <optional>
#include <string>
#include <utility>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

constexpr const char* kPromptOp = "npu_prompt_flash_attention";
// op-plugin's sparse modes 10 to 14: modes 0 to 4 in the high-precision mode.
constexpr int64_t kHighPrecisionSparseModes = 10;

bool given(const std::optional<at::Tensor>& tensor) { return tensor.has_value() && tensor->defined(); }

void checkNotQuantized(const char* op, std::initializer_list<std::pair<const char*, const std::optional<at::Tensor>*>> scales) {
  for (const auto& [name, tensor] : scales) {
    TORCH_CHECK(!given(*tensor), op, ": ", name, " (int8 quantization) is not supported yet");
  }
}

at::Tensor promptFlashAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                                const std::optional<at::Tensor>& padding_mask,
                                const std::optional<at::Tensor>& atten_mask,
                                const std::optional<at::Tensor>& pse_shift, at::OptionalIntArrayRef actual_seq_lengths,
                                const std::optional<at::Tensor>& deq_scale1,
                                const std::optional<at::Tensor>& quant_scale1,
                                const std::optional<at::Tensor>& deq_scale2,
                                const std::optional<at::Tensor>& quant_scale2,
                                const std::optional<at::Tensor>& quant_offset2, int64_t num_heads, double scale_value,
                                int64_t pre_tokens, int64_t next_tokens, c10::string_view input_layout,
                                int64_t num_key_value_heads, at::OptionalIntArrayRef actual_seq_lengths_kv,
                                int64_t sparse_mode) {
  (void)padding_mask;  // reserved by CANN; the reference does not pass it either
  const std::string layout(input_layout);
  TORCH_CHECK(!layout.empty(), "input_layout is empty");
  TORCH_CHECK(layout == "BSH" || layout == "BSND" || layout == "BNSD", kPromptOp, ": input_layout ", layout,
              " is not supported yet (BSH, BSND and BNSD are)");
  checkNotQuantized(kPromptOp, {{"deq_scale1", &deq_scale1}, {"quant_scale1", &quant_scale1},
                                {"deq_scale2", &deq_scale2}, {"quant_scale2", &quant_scale2},
                                {"quant_offset2", &quant_offset2}});
  TORCH_CHECK(!given(pse_shift), kPromptOp, ": pse_shift is not supported yet");
  TORCH_CHECK(query.scalar_type() == at::kHalf || query.scalar_type() == at::kBFloat16 ||
                  query.scalar_type() == at::kFloat,
              kPromptOp, ": query must be float16, bfloat16 or float32, not ", query.scalar_type(),
              " (int8 is not supported yet)");
  TORCH_CHECK(key.scalar_type() == query.scalar_type() && value.scalar_type() == query.scalar_type(), kPromptOp,
              ": query, key and value must have one dtype, got ", query.scalar_type(), ", ", key.scalar_type(),
              " and ", value.scalar_type());
  const int64_t rank = static_cast<int64_t>(layout.size());
  TORCH_CHECK(query.dim() == rank && key.dim() == rank && value.dim() == rank, kPromptOp, ": layout ", layout,
              " takes ", rank, "-dimensional query, key and value, got ", query.dim(), ", ", key.dim(), " and ",
              value.dim());
  TORCH_CHECK(num_heads > 0, kPromptOp, ": num_heads must be positive, got ", num_heads);
  TORCH_CHECK(num_key_value_heads >= 0 && (num_key_value_heads == 0 || num_heads % num_key_value_heads == 0),
              kPromptOp, ": num_key_value_heads ", num_key_value_heads, " must divide num_heads ", num_heads);
  TORCH_CHECK(!given(atten_mask) || atten_mask->scalar_type() == at::kBool ||
                  atten_mask->scalar_type() == at::kChar || atten_mask->scalar_type() == at::kByte,
              kPromptOp, ": atten_mask must be bool, int8 or uint8, not ", atten_mask->scalar_type());
  int64_t inner_precise = 1;
  if (sparse_mode >= kHighPrecisionSparseModes && sparse_mode <= kHighPrecisionSparseModes + 4) {
    inner_precise = 0;
    sparse_mode -= kHighPrecisionSparseModes;
  }
  TORCH_CHECK(sparse_mode >= 0 && sparse_mode <= 4, kPromptOp, ": sparse_mode ", sparse_mode,
              " is not supported yet (0 to 4 and 10 to 14 are)");
  const npu::NPUGuard guard(operandsDevice(kPromptOp, {query, key, value, atten_mask.value_or(at::Tensor())}));
  at::Tensor out = at::empty(query.sizes(), query.options());
  const c10::IntArrayRef none;
  aclnn::PromptFlashAttentionV3(query, key, value, pse_shift, atten_mask, actual_seq_lengths.value_or(none),
                                actual_seq_lengths_kv.value_or(none), deq_scale1, quant_scale1, deq_scale2,
                                quant_scale2, quant_offset2, num_heads, scale_value, pre_tokens, next_tokens, layout,
                                num_key_value_heads, sparse_mode, inner_precise, out);
  return out;
}

}  // namespace

// The reference's schema (op-plugin's op_plugin_functions.yaml).
TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def(
      "npu_prompt_flash_attention(Tensor query, Tensor key, Tensor value, *, Tensor? padding_mask=None, "
      "Tensor? atten_mask=None, Tensor? pse_shift=None, int[]? actual_seq_lengths=None, Tensor? deq_scale1=None, "
      "Tensor? quant_scale1=None, Tensor? deq_scale2=None, Tensor? quant_scale2=None, Tensor? quant_offset2=None, "
      "int num_heads=1, float scale_value=1.0, int pre_tokens=2147483647, int next_tokens=0, "
      "str input_layout=\"BSH\", int num_key_value_heads=0, int[]? actual_seq_lengths_kv=None, "
      "int sparse_mode=0) -> Tensor");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) { m.impl("npu_prompt_flash_attention", TORCH_FN(promptFlashAttention)); }

}  // namespace torch_npu::ops
