#include "npu_sim_aclnn/moe.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace npu_sim::aclnn {

void moeGatingTopKSoftmax(const at::Tensor& x, const at::Tensor& finished, int64_t k, at::Tensor& y,
                          at::Tensor& expert_idx, at::Tensor& row_idx) {
  const int64_t experts = x.size(-1);
  TORCH_CHECK(k >= 0 && k <= experts, "aclnnMoeGatingTopKSoftmax: k must be in [0, ", experts, "], not ", k);
  const at::Tensor probabilities = at::softmax(x.to(at::kFloat), -1);
  // A stable descending sort: of equal probabilities the lower expert comes first.
  const auto [sorted, order] = probabilities.sort(/*stable=*/true, /*dim=*/-1, /*descending=*/true);
  y.copy_(sorted.narrow(-1, 0, k));
  at::Tensor chosen = order.narrow(-1, 0, k);
  if (finished.defined()) chosen = chosen.masked_fill(finished.unsqueeze(-1), experts);
  expert_idx.copy_(chosen);
  // Choice j of row i comes from source row j * rows + i (k-major), as aclnnMoeInitRouting expects.
  const int64_t rows = x.numel() / std::max<int64_t>(experts, 1);
  row_idx.copy_(at::arange(rows * k, row_idx.options()).view({k, rows}).t().reshape(row_idx.sizes()));
}

void moeInitRouting(const at::Tensor& x, const at::Tensor& row_idx, const at::Tensor& expert_idx,
                    at::Tensor& expanded_x, at::Tensor& expanded_row_idx, at::Tensor& expanded_expert_idx) {
  TORCH_CHECK(x.dim() == 2 && expert_idx.dim() == 2 && row_idx.sizes() == expert_idx.sizes() &&
                  expert_idx.size(0) == x.size(0),
              "aclnnMoeInitRouting: x must be (NUM_ROWS, H) and rowIdx/expertIdx (NUM_ROWS, K), got ", x.sizes(),
              ", ", row_idx.sizes(), " and ", expert_idx.sizes());
  const int64_t rows = x.size(0);
  // keyValueSort: the pairs in row-major order, sorted stably by expert.
  const auto [experts, order] = expert_idx.reshape(-1).sort(/*stable=*/true, /*dim=*/0, /*descending=*/false);
  const at::Tensor sources = row_idx.reshape(-1).to(at::kLong).index_select(0, order);
  expanded_expert_idx.copy_(experts);
  expanded_row_idx.index_put_({sources}, at::arange(sources.numel(), expanded_row_idx.options()));
  const at::Tensor kept = sources.narrow(0, 0, expanded_x.size(0));
  expanded_x.copy_(x.index_select(0, kept.remainder(rows)));
}

void moeFinalizeRouting(const at::Tensor& expanded_x, const at::Tensor& x1, const at::Tensor& x2,
                        const at::Tensor& bias, const at::Tensor& scales, const at::Tensor& expanded_row_idx,
                        const at::Tensor& expanded_expert_idx, at::Tensor& out) {
  const int64_t rows = scales.size(0);
  const int64_t k = scales.size(1);
  TORCH_CHECK(expanded_row_idx.numel() == rows * k && expanded_expert_idx.sizes() == scales.sizes(),
              "aclnnMoeFinalizeRouting: expandedRowIdx must have NUM_ROWS * K = ", rows * k,
              " elements and expandedExpertIdx the shape of scales ", scales.sizes());
  const int64_t hidden = expanded_x.size(-1);
  // (K, NUM_ROWS, H): choice k of row i is expanded row expandedRowIdx[k * NUM_ROWS + i].
  const at::Tensor routed = expanded_x.to(at::kFloat).index_select(0, expanded_row_idx.reshape(-1).to(at::kLong));
  const at::Tensor biases = bias.to(at::kFloat).index_select(0, expanded_expert_idx.t().reshape(-1).to(at::kLong));
  const at::Tensor weights = scales.to(at::kFloat).t().unsqueeze(-1);
  at::Tensor result = (weights * (routed + biases).view({k, rows, hidden})).sum(0) + x1.to(at::kFloat);
  if (x2.defined()) result += x2.to(at::kFloat);
  out.copy_(result);
}

}  // namespace npu_sim::aclnn
