#include "npu_sim_aclnn/flash_attention.h"

#include <ATen/ATen.h>

#include "npu_sim_aclnn/dropout_mask.h"

namespace npu_sim::aclnn {
namespace {

// Tensors as (B, N, S, D), and back to the layout they came in.
struct Layout {
  std::string name;

  at::Tensor toBnsd(const at::Tensor& t, int64_t heads) const {
    if (name == "BNSD") return t;
    if (name == "BSND") return t.permute({0, 2, 1, 3});
    if (name == "BSH") return t.view({t.size(0), t.size(1), heads, t.size(2) / heads}).permute({0, 2, 1, 3});
    // SBH
    return t.view({t.size(0), t.size(1), heads, t.size(2) / heads}).permute({1, 2, 0, 3});
  }

  // Writes a (B, N, S, D) result into `out`, which has this layout.
  void fromBnsd(const at::Tensor& bnsd, at::Tensor& out, int64_t heads) const {
    toBnsd(out, heads).copy_(bnsd);
  }
};

int64_t headsOf(const at::Tensor& t, const std::string& layout, int64_t head_dim) {
  if (layout == "BNSD") return t.size(1);
  if (layout == "BSND") return t.size(2);
  return t.size(2) / head_dim;
}

void check(const char* op, const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
           const AttentionOptions& options) {
  const std::string& layout = options.layout;
  TORCH_CHECK(layout == "BSH" || layout == "SBH" || layout == "BSND" || layout == "BNSD", op, ": inputLayout ",
              layout, " is not simulated (BSH, SBH, BSND and BNSD are)");
  const int64_t rank = layout.size() == 3 ? 3 : 4;
  TORCH_CHECK(query.dim() == rank && key.dim() == rank && value.dim() == rank, op, ": layout ", layout,
              " takes ", rank, "-dimensional query, key and value");
  TORCH_CHECK(options.head_num > 0, op, ": headNum must be positive, not ", options.head_num);
  TORCH_CHECK(options.sparse_mode >= 0 && options.sparse_mode <= 4, op, ": sparseMode ", options.sparse_mode,
              " is not simulated (0 to 4 are)");
  TORCH_CHECK(options.keep_prob > 0.0 && options.keep_prob <= 1.0, op, ": keepProb must be in (0, 1], not ",
              options.keep_prob);
}

// Which scores attention ignores (true: masked), broadcastable to (B, N, S1, S2).
at::Tensor maskOf(const at::Tensor& atten_mask, const AttentionOptions& options, int64_t q_len, int64_t kv_len) {
  const at::TensorOptions flags = at::TensorOptions().dtype(at::kBool);
  const at::Tensor rows = at::arange(q_len, at::kLong).view({q_len, 1});
  const at::Tensor columns = at::arange(kv_len, at::kLong).view({1, kv_len});
  // How far each key is ahead of its query (negative: behind), counted from
  // the top-left corner or from the bottom-right one.
  const at::Tensor ahead_top_left = columns - rows;
  const at::Tensor ahead_bottom_right = ahead_top_left - (kv_len - q_len);
  switch (options.sparse_mode) {
    case 0: {
      at::Tensor band = ahead_top_left.gt(options.next_tokens).logical_or(ahead_top_left.lt(-options.pre_tokens));
      return atten_mask.defined() ? band.logical_or(atten_mask.to(at::kBool)) : band;
    }
    case 1:
      return atten_mask.defined() ? atten_mask.to(at::kBool) : at::zeros({q_len, kv_len}, flags);
    case 2:
      return ahead_top_left.gt(0);
    case 3:
      return ahead_bottom_right.gt(0);
    default:  // 4
      return ahead_bottom_right.gt(options.next_tokens).logical_or(ahead_bottom_right.lt(-options.pre_tokens));
  }
}

// The inputs as float (B, N, S, D), key and value repeated over the query
// heads that share them (grouped-query attention).
struct Operands {
  at::Tensor q, k, v;
  int64_t heads, kv_heads;
};

Operands operands(const char* op, const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                  const AttentionOptions& options) {
  check(op, query, key, value, options);
  const Layout layout{options.layout};
  const int64_t heads = options.head_num;
  const int64_t hidden = options.layout.size() == 3 ? query.size(2) : query.size(3) * heads;
  TORCH_CHECK(options.layout.size() == 4 || hidden % heads == 0, op, ": headNum ", heads,
              " does not divide the hidden size ", hidden);
  const int64_t head_dim = options.layout.size() == 3 ? hidden / heads : query.size(3);
  TORCH_CHECK(headsOf(query, options.layout, head_dim) == heads, op, ": query has ",
              headsOf(query, options.layout, head_dim), " heads, headNum is ", heads);
  const int64_t kv_heads = headsOf(key, options.layout, head_dim);
  TORCH_CHECK(kv_heads > 0 && heads % kv_heads == 0, op, ": the ", kv_heads,
              " key/value heads must divide the query's ", heads);
  Operands result{layout.toBnsd(query, heads).to(at::kFloat), layout.toBnsd(key, kv_heads).to(at::kFloat),
                  layout.toBnsd(value, kv_heads).to(at::kFloat), heads, kv_heads};
  if (kv_heads != heads) {
    result.k = result.k.repeat_interleave(heads / kv_heads, 1);
    result.v = result.v.repeat_interleave(heads / kv_heads, 1);
  }
  return result;
}

// scale * (pse + q @ k^T), masked scores at -inf.
at::Tensor scores(const Operands& in, const at::Tensor& pse, const at::Tensor& atten_mask,
                  const AttentionOptions& options) {
  at::Tensor s = at::matmul(in.q, in.k.transpose(-2, -1));
  if (pse.defined()) s = s + pse.to(at::kFloat);
  s = s * options.scale;
  return s.masked_fill(maskOf(atten_mask, options, in.q.size(2), in.k.size(2)),
                       -std::numeric_limits<float>::infinity());
}

// exp(s - max) / sum, with rows that mask every key giving zeros.
at::Tensor probabilities(const at::Tensor& s, const at::Tensor& row_max, const at::Tensor& row_sum) {
  const at::Tensor finite_max = row_max.masked_fill(row_max.isneginf(), 0.0);
  return (s - finite_max).exp() / row_sum.masked_fill(row_sum.eq(0), 1.0);
}

// Dropout's factor per probability: kept / keepProb, or 1 without dropout.
at::Tensor dropoutScale(const at::Tensor& drop_mask, const AttentionOptions& options, at::IntArrayRef shape) {
  if (options.keep_prob == 1.0 || !drop_mask.defined()) return at::ones({1}, at::kFloat);
  return keptByDropoutMask(drop_mask, shape).to(at::kFloat) / options.keep_prob;
}

// Sums a (B, N, ...) gradient over the query heads that share each key/value head.
at::Tensor sumGroups(const at::Tensor& t, int64_t kv_heads) {
  const int64_t group = t.size(1) / kv_heads;
  if (group == 1) return t;
  return t.view({t.size(0), kv_heads, group, t.size(2), t.size(3)}).sum(2);
}

}  // namespace

void flashAttentionForward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                           const at::Tensor& pse, const at::Tensor& drop_mask, const at::Tensor& atten_mask,
                           const AttentionOptions& options, at::Tensor& softmax_max, at::Tensor& softmax_sum,
                           at::Tensor& attention_out) {
  const Operands in = operands("aclnnFlashAttentionScore", query, key, value, options);
  const at::Tensor s = scores(in, pse, atten_mask, options);
  const at::Tensor row_max = std::get<0>(s.max(-1, /*keepdim=*/true));
  const at::Tensor row_sum = (s - row_max.masked_fill(row_max.isneginf(), 0.0)).exp().sum(-1, /*keepdim=*/true);
  const at::Tensor p = probabilities(s, row_max, row_sum) * dropoutScale(drop_mask, options, s.sizes());
  Layout{options.layout}.fromBnsd(at::matmul(p, in.v), attention_out, in.heads);
  softmax_max.copy_(row_max.expand(softmax_max.sizes()));
  softmax_sum.copy_(row_sum.expand(softmax_sum.sizes()));
}

void flashAttentionBackward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                            const at::Tensor& dy, const at::Tensor& pse, const at::Tensor& drop_mask,
                            const at::Tensor& atten_mask, const at::Tensor& softmax_max,
                            const at::Tensor& softmax_sum, const AttentionOptions& options, at::Tensor& dq,
                            at::Tensor& dk, at::Tensor& dv, at::Tensor& dpse) {
  const Operands in = operands("aclnnFlashAttentionScoreGrad", query, key, value, options);
  const Layout layout{options.layout};
  const at::Tensor s = scores(in, pse, atten_mask, options);
  // The forward's statistics, as it saved them (the first of the 8 copies).
  const at::Tensor p = probabilities(s, softmax_max.narrow(-1, 0, 1).to(at::kFloat),
                                     softmax_sum.narrow(-1, 0, 1).to(at::kFloat));
  const at::Tensor dropout = dropoutScale(drop_mask, options, s.sizes());
  const at::Tensor grad_out = layout.toBnsd(dy, in.heads).to(at::kFloat);

  const at::Tensor dp = at::matmul(grad_out, in.v.transpose(-2, -1)) * dropout;
  // Softmax's backward, then the scale: the gradient of pse + q @ k^T.
  const at::Tensor ds = p * (dp - (dp * p).sum(-1, /*keepdim=*/true)) * options.scale;
  layout.fromBnsd(at::matmul(ds, in.k), dq, in.heads);
  layout.fromBnsd(sumGroups(at::matmul(ds.transpose(-2, -1), in.q), in.kv_heads), dk, in.kv_heads);
  layout.fromBnsd(sumGroups(at::matmul((p * dropout).transpose(-2, -1), grad_out), in.kv_heads), dv, in.kv_heads);
  if (dpse.defined() && dpse.numel() > 0) dpse.copy_(ds.sum_to_size(dpse.sizes()));
}

}  // namespace npu_sim::aclnn
