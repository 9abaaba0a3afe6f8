// npu_fusion_attention and its gradient: the reference's custom operators
// over CANN's aclnnFlashAttentionScore pair (for layout TND, the
// VarLenScore/UnpaddingScoreGrad pair), as op-plugin calls them. Dropout
// is a bit mask drawn from the device generator (aclnnDropoutGenMaskV2) at
// (seed, offset); the forward returns them so that the gradient draws the
// same mask again instead of keeping it.
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "adapters/FusionAttention.h"

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "aclnn/aclnn_random.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

constexpr int64_t kSoftmaxStatisticsWidth = 8;  // CANN repeats each row's max and sum 8 times

// The sizes the layout names, checked as op-plugin checks them.
struct AttentionShape {
  int64_t batch, heads, q_len, kv_len;
};

AttentionShape shapeOf(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value, int64_t head_num,
                       const std::string& layout) {
  TORCH_CHECK(layout == "BSH" || layout == "SBH" || layout == "BSND" || layout == "BNSD" || layout == "TND",
              "npu_fusion_attention: input_layout must be one of BSH, SBH, BSND, BNSD and TND, not ", layout);
  const int64_t rank = static_cast<int64_t>(layout.size());
  TORCH_CHECK(query.dim() == rank && key.dim() == rank && value.dim() == rank, "npu_fusion_attention: layout ",
              layout, " takes ", rank, "-dimensional query, key and value, got ", query.dim(), ", ", key.dim(),
              " and ", value.dim());
  TORCH_CHECK(query.scalar_type() == key.scalar_type() && key.scalar_type() == value.scalar_type(),
              "npu_fusion_attention: query, key and value must have one dtype, got ", query.scalar_type(), ", ",
              key.scalar_type(), " and ", value.scalar_type());
  TORCH_CHECK(query.scalar_type() == at::kHalf || query.scalar_type() == at::kBFloat16 ||
                  query.scalar_type() == at::kFloat,
              "npu_fusion_attention: query must be float16, bfloat16 or float32, not ", query.scalar_type());
  TORCH_CHECK(head_num > 0, "npu_fusion_attention: head_num must be positive, got ", head_num);
  if (layout == "BSH" || layout == "SBH") {
    TORCH_CHECK(query.size(2) % head_num == 0, "npu_fusion_attention: head_num ", head_num,
                " does not divide the hidden size ", query.size(2));
    const int64_t head_dim = query.size(2) / head_num;
    TORCH_CHECK(key.size(2) % head_dim == 0 && head_num % (key.size(2) / head_dim) == 0,
                "npu_fusion_attention: key's hidden size ", key.size(2),
                " must be a number of heads of size ", head_dim, " that divides head_num ", head_num);
    return layout == "BSH" ? AttentionShape{query.size(0), head_num, query.size(1), key.size(1)}
                           : AttentionShape{query.size(1), head_num, query.size(0), key.size(0)};
  }
  if (layout == "TND") {
    TORCH_CHECK(query.size(1) == head_num, "npu_fusion_attention: query has ", query.size(1),
                " heads, head_num is ", head_num);
    TORCH_CHECK(key.size(1) > 0 && head_num % key.size(1) == 0, "npu_fusion_attention: key's ", key.size(1),
                " heads must divide head_num ", head_num);
    return {1, head_num, query.size(0), key.size(0)};  // all tokens as one batch; see scoreCount
  }
  const bool bsnd = layout == "BSND";
  const int64_t heads = query.size(bsnd ? 2 : 1);
  const int64_t kv_heads = key.size(bsnd ? 2 : 1);
  TORCH_CHECK(heads == head_num, "npu_fusion_attention: query has ", heads, " heads, head_num is ", head_num);
  TORCH_CHECK(kv_heads > 0 && head_num % kv_heads == 0, "npu_fusion_attention: key's ", kv_heads,
              " heads must divide head_num ", head_num);
  return bsnd ? AttentionShape{query.size(0), heads, query.size(1), key.size(1)}
              : AttentionShape{query.size(0), heads, query.size(2), key.size(2)};
}

void checkOptions(const std::string& layout, double keep_prob, int64_t sparse_mode,
                  const std::optional<at::Tensor>& atten_mask, at::OptionalIntArrayRef actual_seq_qlen,
                  at::OptionalIntArrayRef actual_seq_kvlen, int64_t q_tokens, int64_t kv_tokens) {
  TORCH_CHECK(keep_prob > 0.0 && keep_prob <= 1.0, "npu_fusion_attention: keep_prob must be in (0, 1], got ",
              keep_prob);
  TORCH_CHECK(sparse_mode >= 0 && sparse_mode <= 4, "npu_fusion_attention: sparse_mode ", sparse_mode,
              " is not implemented yet (0 to 4 are)");
  TORCH_CHECK(!atten_mask.has_value() || !atten_mask->defined() || atten_mask->scalar_type() == at::kBool ||
                  atten_mask->scalar_type() == at::kByte,
              "npu_fusion_attention: atten_mask must be bool or uint8, not ", atten_mask->scalar_type());
  if (layout != "TND") {
    TORCH_CHECK(!actual_seq_qlen.has_value() && !actual_seq_kvlen.has_value(),
                "npu_fusion_attention: actual_seq_qlen/actual_seq_kvlen belong to layout TND, not ", layout);
    return;
  }
  TORCH_CHECK(actual_seq_qlen.has_value() && actual_seq_kvlen.has_value() &&
                  actual_seq_qlen->size() == actual_seq_kvlen->size() && !actual_seq_qlen->empty(),
              "npu_fusion_attention: layout TND needs actual_seq_qlen and actual_seq_kvlen, one cumulative length "
              "per sequence each");
  for (const auto& [ends, tokens, name] : {std::tuple{*actual_seq_qlen, q_tokens, "actual_seq_qlen"},
                                           std::tuple{*actual_seq_kvlen, kv_tokens, "actual_seq_kvlen"}}) {
    TORCH_CHECK(std::is_sorted(ends.begin(), ends.end()) && ends.front() >= 0 && ends.back() == tokens,
                "npu_fusion_attention: ", name, " must be cumulative sequence lengths ending at the ", tokens,
                " tokens, got ", ends);
  }
}

// How many scores dropout draws for: B * N * S1 * S2, or for TND the sum over
// the sequences of N * S1 * S2.
int64_t scoreCount(const std::string& layout, const AttentionShape& shape, at::OptionalIntArrayRef q_ends,
                   at::OptionalIntArrayRef kv_ends) {
  if (layout != "TND") return shape.batch * shape.heads * shape.q_len * shape.kv_len;
  int64_t count = 0;
  for (size_t i = 0; i < q_ends->size(); ++i) {
    const int64_t q_len = (*q_ends)[i] - (i == 0 ? 0 : (*q_ends)[i - 1]);
    const int64_t kv_len = (*kv_ends)[i] - (i == 0 ? 0 : (*kv_ends)[i - 1]);
    count += shape.heads * q_len * kv_len;
  }
  return count;
}

// The dropout mask at (seed, offset), or none when nothing is dropped.
std::optional<at::Tensor> dropMask(const at::Tensor& query, int64_t scores, double keep_prob, int64_t seed,
                                   int64_t offset) {
  if (keep_prob == 1.0) return std::nullopt;
  at::Tensor mask = at::empty({aclnn_format::dropoutMaskBytes(scores)}, query.options().dtype(at::kByte));
  aclnn::DropoutGenMaskV2({scores}, 1.0 - keep_prob, seed, offset, query.scalar_type(), mask);
  return mask;
}

}  // namespace

AttentionResult fusionAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                                int64_t head_num, c10::string_view input_layout,
                                const std::optional<at::Tensor>& pse, const std::optional<at::Tensor>& padding_mask,
                                const std::optional<at::Tensor>& atten_mask, double scale, double keep_prob,
                                int64_t pre_tockens, int64_t next_tockens, int64_t inner_precise,
                                at::OptionalIntArrayRef prefix, at::OptionalIntArrayRef actual_seq_qlen,
                                at::OptionalIntArrayRef actual_seq_kvlen, int64_t sparse_mode,
                                bool gen_mask_parallel, bool sync) {
  const std::string layout(input_layout);
  const AttentionShape shape = shapeOf(query, key, value, head_num, layout);
  checkOptions(layout, keep_prob, sparse_mode, atten_mask, actual_seq_qlen, actual_seq_kvlen, query.size(0),
               key.size(0));
  const c10::Device device = operandsDevice("npu_fusion_attention", {query, key, value});
  const npu::NPUGuard guard(device);
  const int64_t numels = keep_prob == 1.0 ? 0 : scoreCount(layout, shape, actual_seq_qlen, actual_seq_kvlen);
  const auto [seed, offset] = numels == 0 ? std::pair<int64_t, int64_t>{0, 0} : reservePhilox(std::nullopt, device, numels);

  const at::TensorOptions statistics = query.options().dtype(at::kFloat);
  const std::vector<int64_t> statistics_shape =
      layout == "TND" ? std::vector<int64_t>{shape.q_len, shape.heads, kSoftmaxStatisticsWidth}
                      : std::vector<int64_t>{shape.batch, shape.heads, shape.q_len, kSoftmaxStatisticsWidth};
  at::Tensor softmax_max = at::empty(statistics_shape, statistics);
  at::Tensor softmax_sum = at::empty(statistics_shape, statistics);
  at::Tensor softmax_out = at::empty({0}, query.options());
  at::Tensor attention_out = at::empty(query.sizes(), query.options());
  const std::optional<at::Tensor> drop_mask = dropMask(query, numels, keep_prob, seed, offset);
  const c10::IntArrayRef no_prefix;
  if (layout == "TND") {
    aclnn::FlashAttentionVarLenScore(query, key, value, pse, drop_mask, padding_mask, atten_mask,
                                     prefix.value_or(no_prefix), *actual_seq_qlen, *actual_seq_kvlen, scale,
                                     keep_prob, pre_tockens, next_tockens, head_num, layout, inner_precise,
                                     sparse_mode, softmax_max, softmax_sum, softmax_out, attention_out);
  } else {
    aclnn::FlashAttentionScore(query, key, value, pse, drop_mask, padding_mask, atten_mask,
                               prefix.value_or(no_prefix), scale, keep_prob, pre_tockens, next_tockens, head_num,
                               layout, inner_precise, sparse_mode, softmax_max, softmax_sum, softmax_out,
                               attention_out);
  }
  return {attention_out, softmax_max, softmax_sum, softmax_out, seed, offset, numels};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> fusionAttentionGrad(
    const at::Tensor& query, const at::Tensor& key, const at::Tensor& value, const at::Tensor& dy, int64_t head_num,
    c10::string_view input_layout, const std::optional<at::Tensor>& pse,
    const std::optional<at::Tensor>& padding_mask, const std::optional<at::Tensor>& atten_mask,
    const std::optional<at::Tensor>& softmax_max, const std::optional<at::Tensor>& softmax_sum,
    const std::optional<at::Tensor>& softmax_in, const std::optional<at::Tensor>& attention_in, double scale_value,
    double keep_prob, int64_t pre_tockens, int64_t next_tockens, int64_t inner_precise, int64_t seed,
    int64_t offset, int64_t numels, at::OptionalIntArrayRef prefix, at::OptionalIntArrayRef actual_seq_qlen,
    at::OptionalIntArrayRef actual_seq_kvlen, int64_t sparse_mode, bool gen_mask_parallel, bool sync) {
  const std::string layout(input_layout);
  const AttentionShape shape = shapeOf(query, key, value, head_num, layout);
  checkOptions(layout, keep_prob, sparse_mode, atten_mask, actual_seq_qlen, actual_seq_kvlen, query.size(0),
               key.size(0));
  TORCH_CHECK(dy.sizes() == query.sizes(), "npu_fusion_attention_grad: dy must have query's shape ", query.sizes(),
              ", got ", dy.sizes());
  TORCH_CHECK(softmax_max.has_value() && softmax_sum.has_value(),
              "npu_fusion_attention_grad: softmax_max and softmax_sum of the forward are required");
  const npu::NPUGuard guard(operandsDevice("npu_fusion_attention_grad", {query, key, value, dy}));
  at::Tensor dq = at::empty(query.sizes(), query.options());
  at::Tensor dk = at::empty(key.sizes(), key.options());
  at::Tensor dv = at::empty(value.sizes(), value.options());
  at::Tensor dpse = pse.has_value() && pse->defined() ? at::empty(pse->sizes(), pse->options())
                                                      : at::empty({0}, query.options());
  const std::optional<at::Tensor> drop_mask =
      dropMask(query, scoreCount(layout, shape, actual_seq_qlen, actual_seq_kvlen), keep_prob, seed, offset);
  const c10::IntArrayRef no_prefix;
  if (layout == "TND") {
    aclnn::FlashAttentionUnpaddingScoreGrad(query, key, value, dy, pse, drop_mask, padding_mask, atten_mask,
                                            softmax_max, softmax_sum, softmax_in, attention_in,
                                            prefix.value_or(no_prefix), *actual_seq_qlen, *actual_seq_kvlen,
                                            scale_value, keep_prob, pre_tockens, next_tockens, head_num, layout,
                                            inner_precise, sparse_mode, dq, dk, dv, dpse);
  } else {
    aclnn::FlashAttentionScoreGrad(query, key, value, dy, pse, drop_mask, padding_mask, atten_mask, softmax_max,
                                   softmax_sum, softmax_in, attention_in, prefix.value_or(no_prefix), scale_value,
                                   keep_prob, pre_tockens, next_tockens, head_num, layout, inner_precise,
                                   sparse_mode, dq, dk, dv, dpse);
  }
  return {dq, dk, dv, dpse};
}

// The reference's schemas (op-plugin's npu_native_functions.yaml).
TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def(
      "npu_fusion_attention(Tensor query, Tensor key, Tensor value, int head_num, str input_layout, "
      "Tensor? pse=None, Tensor? padding_mask=None, Tensor? atten_mask=None, float scale=1., float keep_prob=1., "
      "int pre_tockens=2147483647, int next_tockens=2147483647, int inner_precise=0, int[]? prefix=None, "
      "int[]? actual_seq_qlen=None, int[]? actual_seq_kvlen=None, int sparse_mode=0, bool gen_mask_parallel=True, "
      "bool sync=False) -> (Tensor, Tensor, Tensor, Tensor, int, int, int)");
  m.def(
      "npu_fusion_attention_grad(Tensor query, Tensor key, Tensor value, Tensor dy, int head_num, "
      "str input_layout, *, Tensor? pse=None, Tensor? padding_mask=None, Tensor? atten_mask=None, "
      "Tensor? softmax_max=None, Tensor? softmax_sum=None, Tensor? softmax_in=None, Tensor? attention_in=None, "
      "float scale_value=1., float keep_prob=1., int pre_tockens=2147483647, int next_tockens=2147483647, "
      "int inner_precise=0, int seed=0, int offset=0, int numels=0, int[]? prefix=None, "
      "int[]? actual_seq_qlen=None, int[]? actual_seq_kvlen=None, int sparse_mode=0, bool gen_mask_parallel=True, "
      "bool sync=False) -> (Tensor, Tensor, Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) {
  m.impl("npu_fusion_attention", TORCH_FN(fusionAttention));
  m.impl("npu_fusion_attention_grad", TORCH_FN(fusionAttentionGrad));
}

}  // namespace torch_npu::ops
