// npu_fusion_attention and its gradient as C++ functions, for the operators
// built on them (scaled_dot_product_attention's fused path).
#pragma once

#include <ATen/core/Tensor.h>

#include <optional>
#include <tuple>

namespace torch_npu::ops {

// attention_out, softmax_max, softmax_sum, softmax_out, seed, offset, numels.
using AttentionResult = std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, int64_t, int64_t, int64_t>;

AttentionResult fusionAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                                int64_t head_num, c10::string_view input_layout,
                                const std::optional<at::Tensor>& pse, const std::optional<at::Tensor>& padding_mask,
                                const std::optional<at::Tensor>& atten_mask, double scale, double keep_prob,
                                int64_t pre_tockens, int64_t next_tockens, int64_t inner_precise,
                                at::OptionalIntArrayRef prefix, at::OptionalIntArrayRef actual_seq_qlen,
                                at::OptionalIntArrayRef actual_seq_kvlen, int64_t sparse_mode,
                                bool gen_mask_parallel, bool sync);

// dq, dk, dv, dpse.
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> fusionAttentionGrad(
    const at::Tensor& query, const at::Tensor& key, const at::Tensor& value, const at::Tensor& dy, int64_t head_num,
    c10::string_view input_layout, const std::optional<at::Tensor>& pse,
    const std::optional<at::Tensor>& padding_mask, const std::optional<at::Tensor>& atten_mask,
    const std::optional<at::Tensor>& softmax_max, const std::optional<at::Tensor>& softmax_sum,
    const std::optional<at::Tensor>& softmax_in, const std::optional<at::Tensor>& attention_in, double scale_value,
    double keep_prob, int64_t pre_tockens, int64_t next_tockens, int64_t inner_precise, int64_t seed,
    int64_t offset, int64_t numels, at::OptionalIntArrayRef prefix, at::OptionalIntArrayRef actual_seq_qlen,
    at::OptionalIntArrayRef actual_seq_kvlen, int64_t sparse_mode, bool gen_mask_parallel, bool sync);

}  // namespace torch_npu::ops
