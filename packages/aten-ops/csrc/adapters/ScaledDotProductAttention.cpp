// F.scaled_dot_product_attention's fused path on npu: PyTorch's "overrideable"
// backend, run by the fused attention kernel (npu_fusion_attention, layout BNSD)
// where its constraints hold; the choice sends everything else to the math path.
//
// sdpa hands the kernel an additive float mask (bool masks already converted).
// CANN scales pse with the scores, scale * (pse + q @ k^T), so the mask travels
// as pse = mask / scale, and its gradient comes back times 1 / scale.
#include <ATen/Context.h>
#include <ATen/SDPBackend.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_strided.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/native/DispatchStub.h>
#include <ATen/native/transformers/attention.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "adapters/FusionAttention.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

constexpr int64_t kStatisticsWidth = 8;  // CANN's softmax_max/softmax_sum repeat each row's value 8 times
constexpr int64_t kAllTokens = std::numeric_limits<int32_t>::max();

bool fusedKernelTakes(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value, bool enable_gqa) {
  if (query.dim() != 4 || key.dim() != 4 || value.dim() != 4) return false;
  const at::ScalarType type = query.scalar_type();
  if (type != at::kHalf && type != at::kBFloat16 && type != at::kFloat) return false;
  if (key.scalar_type() != type || value.scalar_type() != type) return false;
  if (key.size(0) != query.size(0) || value.sizes() != key.sizes() || key.size(3) != query.size(3)) return false;
  const int64_t heads = query.size(1);
  const int64_t kv_heads = key.size(1);
  return kv_heads == heads || (enable_gqa && kv_heads > 0 && heads % kv_heads == 0);
}

}  // namespace

int64_t fusedSdpChoice(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                       const std::optional<at::Tensor>& attn_mask, double dropout_p, bool is_causal,
                       std::optional<double> scale, bool enable_gqa) {
  const at::Context& context = at::globalContext();
  if (context.userEnabledOverrideableSDP() && fusedKernelTakes(query, key, value, enable_gqa)) {
    return static_cast<int64_t>(at::SDPBackend::overrideable);
  }
  TORCH_CHECK(context.userEnabledMathSDP(),
              "No available kernel for scaled_dot_product_attention on npu: the fused kernel does not take these "
              "inputs (4-D query/key/value of one floating dtype, key heads dividing query heads with enable_gqa) "
              "or is disabled, and the math kernel is disabled");
  return static_cast<int64_t>(at::SDPBackend::math);
}

namespace {

double scaleOf(const at::Tensor& query, std::optional<double> scale) {
  return scale.value_or(1.0 / std::sqrt(static_cast<double>(query.size(3))));
}

// is_causal's mask as CANN's atten_mask (true where a score is dropped): query i sees keys 0..i.
std::optional<at::Tensor> causalMask(const at::Tensor& query, const at::Tensor& key, bool is_causal) {
  if (!is_causal) return std::nullopt;
  return at::ones({query.size(2), key.size(2)}, query.options().dtype(at::kBool)).triu(1);
}

std::optional<at::Tensor> pseOf(const at::Tensor& query, const at::Tensor& key, const std::optional<at::Tensor>& bias,
                                double scale) {
  if (!bias.has_value() || !bias->defined()) return std::nullopt;
  const std::vector<int64_t> scores{query.size(0), query.size(1), query.size(2), key.size(2)};
  return (bias->expand(scores) / scale).to(query.scalar_type()).contiguous();
}

// `value` in the memory order of `like`'s dimensions (outermost: largest stride), as PyTorch's
// meta kernels of sdpa allocate their results: a compiled graph relies on those strides.
at::Tensor inLayoutOf(const at::Tensor& like, const at::Tensor& value) {
  std::vector<int64_t> order(static_cast<size_t>(like.dim()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return like.stride(a) > like.stride(b); });
  std::vector<int64_t> strides(order.size());
  int64_t stride = 1;
  for (auto dim = order.rbegin(); dim != order.rend(); ++dim) {
    strides[static_cast<size_t>(*dim)] = stride;
    stride *= value.size(*dim);
  }
  if (value.strides() == at::IntArrayRef(strides)) return value;
  return at::empty_strided(value.sizes(), strides, value.options()).copy_(value);
}

at::Tensor philoxValue(int64_t value) { return at::scalar_tensor(value, at::TensorOptions().dtype(at::kLong)); }

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, c10::SymInt, c10::SymInt, at::Tensor, at::Tensor,
           at::Tensor>
fusedAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
               const std::optional<at::Tensor>& attn_bias, double dropout_p, bool is_causal, bool return_debug_mask,
               std::optional<double> scale) {
  TORCH_CHECK(!return_debug_mask, "scaled_dot_product_attention on npu: return_debug_mask is not supported");
  const npu::NPUGuard guard(query.device());
  const double softmax_scale = scaleOf(query, scale);
  const auto [out, softmax_max, softmax_sum, softmax_out, seed, offset, numels] =
      fusionAttention(query, key, value, query.size(1), "BNSD", pseOf(query, key, attn_bias, softmax_scale),
                      std::nullopt, causalMask(query, key, is_causal), softmax_scale, 1.0 - dropout_p, kAllTokens,
                      kAllTokens, /*inner_precise=*/0, std::nullopt, std::nullopt, std::nullopt, /*sparse_mode=*/0,
                      /*gen_mask_parallel=*/true, /*sync=*/false);
  // logsumexp of each row: max + log(sum).
  const at::Tensor logsumexp = softmax_max.select(-1, 0) + softmax_sum.select(-1, 0).log();
  const at::Tensor none = at::empty({0}, query.options());
  return {inLayoutOf(query, out), logsumexp, none, none, query.size(2), key.size(2), philoxValue(seed),
          philoxValue(offset), none};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> fusedAttentionBackward(
    const at::Tensor& grad_out, const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
    const at::Tensor& attn_bias, std::array<bool, 4> grad_input_mask, const at::Tensor& out,
    const at::Tensor& logsumexp, const at::Tensor& cum_seq_q, const at::Tensor& cum_seq_k, int64_t max_q,
    int64_t max_k, double dropout_p, bool is_causal, const at::Tensor& philox_seed, const at::Tensor& philox_offset,
    std::optional<double> scale) {
  const npu::NPUGuard guard(query.device());
  const double softmax_scale = scaleOf(query, scale);
  // exp(s - max) / sum with max = logsumexp and sum = 1 is the forward's softmax.
  const std::vector<int64_t> statistics{logsumexp.size(0), logsumexp.size(1), logsumexp.size(2), kStatisticsWidth};
  const at::Tensor softmax_max = logsumexp.unsqueeze(-1).expand(statistics).contiguous();
  const at::Tensor softmax_sum = at::ones(statistics, logsumexp.options());
  const int64_t numels = dropout_p == 0.0 ? 0 : query.size(0) * query.size(1) * query.size(2) * key.size(2);
  const std::optional<at::Tensor> bias = attn_bias.defined() ? std::optional<at::Tensor>(attn_bias) : std::nullopt;
  auto [dq, dk, dv, dpse] = fusionAttentionGrad(
      query, key, value, grad_out.contiguous(), query.size(1), "BNSD", pseOf(query, key, bias, softmax_scale),
      std::nullopt, causalMask(query, key, is_causal), softmax_max, softmax_sum, std::nullopt, out, softmax_scale,
      1.0 - dropout_p, kAllTokens, kAllTokens, /*inner_precise=*/0, philox_seed.item<int64_t>(),
      philox_offset.item<int64_t>(), numels, std::nullopt, std::nullopt, std::nullopt, /*sparse_mode=*/0,
      /*gen_mask_parallel=*/true, /*sync=*/false);
  at::Tensor grad_bias;
  if (bias.has_value() && grad_input_mask[3]) {
    grad_bias = (dpse / softmax_scale).sum_to_size(attn_bias.sizes()).to(attn_bias.scalar_type());
  }
  return {inLayoutOf(query, dq), inLayoutOf(key, dk), inLayoutOf(value, dv), grad_bias};
}

}  // namespace

}  // namespace torch_npu::ops

namespace at::native {
// sdpa asks this stub, not the _fused_sdp_choice operator, which backend runs.
REGISTER_PRIVATEUSE1_DISPATCH(_fused_sdp_choice_stub, &torch_npu::ops::fusedSdpChoice);
}  // namespace at::native

namespace torch_npu::ops {

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("_fused_sdp_choice", TORCH_FN(fusedSdpChoice));
  m.impl("_scaled_dot_product_fused_attention_overrideable", TORCH_FN(fusedAttention));
  m.impl("_scaled_dot_product_fused_attention_overrideable_backward", TORCH_FN(fusedAttentionBackward));
}

}  // namespace torch_npu::ops
