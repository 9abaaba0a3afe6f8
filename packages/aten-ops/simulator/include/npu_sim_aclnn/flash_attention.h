// The simulated kernels of aclnnFlashAttentionScore, aclnnFlashAttentionVarLenScore,
// their gradients, aclnnPromptFlashAttentionV3 and aclnnIncreFlashAttentionV4 (see
// aclnn/aclnn_transformer.h for the arguments), computed as the textbook attention
// in float over CPU views: the fused kernel's results without its
// tiling. Bad arguments raise with the operator's name.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace npu_sim::aclnn {

// What both directions take besides the tensors.
struct AttentionOptions {
  double scale;
  double keep_prob;
  int64_t pre_tokens;
  int64_t next_tokens;
  int64_t head_num;
  std::string layout;
  int64_t sparse_mode;
  // TND: where each sequence of the queries and of the keys ends.
  std::vector<int64_t> q_ends = {};
  std::vector<int64_t> kv_ends = {};
};


void flashAttentionForward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                           const at::Tensor& pse, const at::Tensor& drop_mask, const at::Tensor& atten_mask,
                           const AttentionOptions& options, at::Tensor& softmax_max, at::Tensor& softmax_sum,
                           at::Tensor& attention_out);

void flashAttentionBackward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                            const at::Tensor& dy, const at::Tensor& pse, const at::Tensor& drop_mask,
                            const at::Tensor& atten_mask, const at::Tensor& softmax_max,
                            const at::Tensor& softmax_sum, const AttentionOptions& options, at::Tensor& dq,
                            at::Tensor& dk, at::Tensor& dv, at::Tensor& dpse);

// aclnnPromptFlashAttentionV3 (layouts BSH, BSND, BNSD): batch b's first
// q_lengths[b] queries (all when empty) attend to its first kv_lengths[b] keys;
// its other rows of attention_out are zeros. kv_head_num 0: head_num. Sparse
// mode 0 without a mask masks nothing (CANN ignores preTokens/nextTokens then).
void promptFlashAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                          const at::Tensor& pse, const at::Tensor& atten_mask, const std::vector<int64_t>& q_lengths,
                          const std::vector<int64_t>& kv_lengths, const AttentionOptions& options,
                          int64_t kv_head_num, at::Tensor& attention_out);

// aclnnIncreFlashAttentionV4 (layouts BSH, BSND, BNSD; query's sequence length 1):
// batch b attends to its first kv_lengths[b] keys (all when empty), from a dense
// (B, S, ...) key/value or, with block_table, from the paged cache's blocks
// block_table[b][0], [1], ... of block_size keys each. The mask is (B, S) or
// (B, 1, S) or (B, 1, 1, S), true where masked.
void incrementalFlashAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                               const at::Tensor& pse, const at::Tensor& atten_mask,
                               const std::vector<int64_t>& kv_lengths, const at::Tensor& block_table,
                               int64_t block_size, const AttentionOptions& options, int64_t kv_head_num,
                               at::Tensor& attention_out);

}  // namespace npu_sim::aclnn
