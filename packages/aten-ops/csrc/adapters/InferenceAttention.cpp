// npu_prompt_flash_attention and npu_incre_flash_attention: the reference's
// inference attention over a whole prompt and for one decoding step (over a
// dense or paged key/value cache), over CANN's aclnnPromptFlashAttentionV3 and
// aclnnIncreFlashAttentionV4, as op-plugin calls them (forward only: the
// reference registers no gradient). The quantization (deq/dequant/quant scales
// and offsets, antiquant, an int8 query), pse_shift and kv_padding_size are not
// supported yet; padding_mask is accepted and unused, as in the reference.
#include <ATen/core/ATen_fwd.h>
#include <ATen/ops/empty.h>
#include <c10/core/SymInt.h>
#include <torch/library.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

constexpr const char* kPromptOp = "npu_prompt_flash_attention";
// op-plugin's sparse modes 10 to 14: modes 0 to 4 in the high-precision mode.
constexpr int64_t kHighPrecisionSparseModes = 10;

bool given(const std::optional<at::Tensor>& tensor) { return tensor.has_value() && tensor->defined(); }

using NamedTensors = std::initializer_list<std::pair<const char*, const std::optional<at::Tensor>*>>;

void checkNotQuantized(const char* op, NamedTensors scales) {
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

constexpr const char* kIncreOp = "npu_incre_flash_attention";

at::Tensor increFlashAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                               const std::optional<at::Tensor>& padding_mask,
                               const std::optional<at::Tensor>& atten_mask,
                               const std::optional<at::Tensor>& pse_shift,
                               at::OptionalSymIntArrayRef actual_seq_lengths,
                               const std::optional<at::Tensor>& antiquant_scale,
                               const std::optional<at::Tensor>& antiquant_offset,
                               const std::optional<at::Tensor>& block_table,
                               const std::optional<at::Tensor>& dequant_scale1,
                               const std::optional<at::Tensor>& quant_scale1,
                               const std::optional<at::Tensor>& dequant_scale2,
                               const std::optional<at::Tensor>& quant_scale2,
                               const std::optional<at::Tensor>& quant_offset2,
                               const std::optional<at::Tensor>& kv_padding_size, int64_t num_heads,
                               double scale_value, c10::string_view input_layout, int64_t num_key_value_heads,
                               int64_t block_size, int64_t inner_precise) {
  (void)padding_mask;  // reserved by CANN; the reference does not pass it either
  const std::string layout(input_layout);
  TORCH_CHECK(!layout.empty(), "input_layout is empty");
  TORCH_CHECK(layout == "BSH" || layout == "BSND" || layout == "BNSD", kIncreOp, ": input_layout ", layout,
              " is not supported yet (BSH, BSND and BNSD are)");
  checkNotQuantized(kIncreOp, {{"antiquant_scale", &antiquant_scale}, {"antiquant_offset", &antiquant_offset},
                               {"dequant_scale1", &dequant_scale1}, {"quant_scale1", &quant_scale1},
                               {"dequant_scale2", &dequant_scale2}, {"quant_scale2", &quant_scale2},
                               {"quant_offset2", &quant_offset2}});
  TORCH_CHECK(!given(pse_shift), kIncreOp, ": pse_shift is not supported yet");
  TORCH_CHECK(!given(kv_padding_size), kIncreOp, ": kv_padding_size is not supported yet");
  TORCH_CHECK(query.scalar_type() == at::kHalf || query.scalar_type() == at::kBFloat16 ||
                  query.scalar_type() == at::kFloat,
              kIncreOp, ": query must be float16, bfloat16 or float32, not ", query.scalar_type(),
              " (int8 is not supported yet)");
  TORCH_CHECK(key.scalar_type() == query.scalar_type() && value.scalar_type() == query.scalar_type(), kIncreOp,
              ": query, key and value must have one dtype, got ", query.scalar_type(), ", ", key.scalar_type(),
              " and ", value.scalar_type());
  TORCH_CHECK(num_heads > 0, kIncreOp, ": num_heads must be positive, got ", num_heads);
  TORCH_CHECK(num_key_value_heads >= 0 && (num_key_value_heads == 0 || num_heads % num_key_value_heads == 0),
              kIncreOp, ": num_key_value_heads ", num_key_value_heads, " must divide num_heads ", num_heads);
  TORCH_CHECK(!given(atten_mask) || atten_mask->scalar_type() == at::kBool ||
                  atten_mask->scalar_type() == at::kChar || atten_mask->scalar_type() == at::kByte,
              kIncreOp, ": atten_mask must be bool, int8 or uint8, not ", atten_mask->scalar_type());
  TORCH_CHECK(!given(block_table) || block_table->scalar_type() == at::kInt, kIncreOp,
              ": block_table must be int32, not ", block_table->scalar_type());
  TORCH_CHECK(!given(block_table) || (block_size > 0 && actual_seq_lengths.has_value()), kIncreOp,
              ": a paged cache (block_table) needs a positive block_size and actual_seq_lengths");
  std::vector<int64_t> lengths;
  if (actual_seq_lengths.has_value()) {
    for (const c10::SymInt& length : *actual_seq_lengths) lengths.push_back(length.expect_int());
  }
  const npu::NPUGuard guard(operandsDevice(
      kIncreOp, {query, key, value, atten_mask.value_or(at::Tensor()), block_table.value_or(at::Tensor())}));
  at::Tensor out = at::empty(query.sizes(), query.options());
  aclnn::IncreFlashAttentionV4(query, key, value, pse_shift, atten_mask, lengths, dequant_scale1, quant_scale1,
                               dequant_scale2, quant_scale2, quant_offset2, antiquant_scale, antiquant_offset,
                               block_table, kv_padding_size, num_heads, scale_value, layout, num_key_value_heads,
                               block_size, inner_precise, out);
  return out;
}

}  // namespace

// The reference's schemas (op-plugin's op_plugin_functions.yaml).
TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def(
      "npu_prompt_flash_attention(Tensor query, Tensor key, Tensor value, *, Tensor? padding_mask=None, "
      "Tensor? atten_mask=None, Tensor? pse_shift=None, int[]? actual_seq_lengths=None, Tensor? deq_scale1=None, "
      "Tensor? quant_scale1=None, Tensor? deq_scale2=None, Tensor? quant_scale2=None, Tensor? quant_offset2=None, "
      "int num_heads=1, float scale_value=1.0, int pre_tokens=2147483647, int next_tokens=0, "
      "str input_layout=\"BSH\", int num_key_value_heads=0, int[]? actual_seq_lengths_kv=None, "
      "int sparse_mode=0) -> Tensor");
  m.def(
      "npu_incre_flash_attention(Tensor query, Tensor key, Tensor value, *, Tensor? padding_mask=None, "
      "Tensor? atten_mask=None, Tensor? pse_shift=None, SymInt[]? actual_seq_lengths=None, "
      "Tensor? antiquant_scale=None, Tensor? antiquant_offset=None, Tensor? block_table=None, "
      "Tensor? dequant_scale1=None, Tensor? quant_scale1=None, Tensor? dequant_scale2=None, "
      "Tensor? quant_scale2=None, Tensor? quant_offset2=None, Tensor? kv_padding_size=None, int num_heads=1, "
      "float scale_value=1.0, str input_layout=\"BSH\", int num_key_value_heads=0, int block_size=0, "
      "int inner_precise=1) -> Tensor");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) {
  m.impl("npu_prompt_flash_attention", TORCH_FN(promptFlashAttention));
  m.impl("npu_incre_flash_attention", TORCH_FN(increFlashAttention));
}

}  // namespace torch_npu::ops
