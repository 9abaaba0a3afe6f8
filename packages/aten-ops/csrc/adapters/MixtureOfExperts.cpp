// npu_moe_gating_top_k_softmax, npu_moe_init_routing and npu_moe_finalize_routing:
// the reference's mixture-of-experts routing operators over CANN's
// aclnnMoeGatingTopKSoftmax, aclnnMoeInitRouting and aclnnMoeFinalizeRouting.
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

bool isFloatingActivation(const at::Tensor& t) {
  return t.scalar_type() == at::kHalf || t.scalar_type() == at::kFloat || t.scalar_type() == at::kBFloat16;
}

void checkActivation(const char* op, const char* name, const at::Tensor& t) {
  TORCH_CHECK(isFloatingActivation(t), op, ": ", name, " must be float16, float32 or bfloat16, got ",
              t.scalar_type());
}

void checkIndex(const char* op, const char* name, const at::Tensor& t, int64_t dim) {
  TORCH_CHECK(t.dim() == dim && t.scalar_type() == at::kInt, op, ": ", name, " must be a ", dim,
              "-D int32 tensor, got a ", t.dim(), "-D ", t.scalar_type(), " tensor");
}

// The shape of x with its last dimension replaced by k.
std::vector<int64_t> topKShape(const at::Tensor& x, int64_t k) {
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = k;
  return shape;
}

void checkFinished(const at::Tensor& x, const at::Tensor& finished) {
  TORCH_CHECK(finished.scalar_type() == at::kBool, "npu_moe_gating_top_k_softmax: finished must be bool, got ",
              finished.scalar_type());
  TORCH_CHECK(finished.sizes() == x.sizes().slice(0, x.dim() - 1),
              "npu_moe_gating_top_k_softmax: finished must have x's shape without its last dimension, ",
              x.sizes().slice(0, x.dim() - 1), ", got ", finished.sizes());
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> moeGatingTopKSoftmax(const at::Tensor& x,
                                                                    const std::optional<at::Tensor>& finished,
                                                                    int64_t k) {
  const char* op = "npu_moe_gating_top_k_softmax";
  TORCH_CHECK(x.dim() == 2 || x.dim() == 3, op, ": x must be 2-D or 3-D, got ", x.dim(), "-D");
  checkActivation(op, "x", x);
  TORCH_CHECK(k >= 0 && k <= x.size(-1), op, ": k must be in [0, ", x.size(-1), "] (the experts), got ", k);
  if (finished.has_value()) checkFinished(x, *finished);
  const npu::NPUGuard guard(operandsDevice(op, {x, finished.value_or(at::Tensor())}));
  const std::vector<int64_t> shape = topKShape(x, k);
  at::Tensor y = at::empty(shape, x.options());
  at::Tensor expert_idx = at::empty(shape, x.options().dtype(at::kInt));
  at::Tensor row_idx = at::empty(shape, x.options().dtype(at::kInt));
  // No rows, or k = 0 (also all k allows when there are no experts): nothing to choose.
  if (y.numel() == 0) return {y, expert_idx, row_idx};
  aclnn::MoeGatingTopKSoftmax(x, finished, k, y, expert_idx, row_idx);
  return {y, expert_idx, row_idx};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> moeInitRouting(const at::Tensor& x, const at::Tensor& row_idx,
                                                              const at::Tensor& expert_idx, int64_t active_num) {
  const char* op = "npu_moe_init_routing";
  TORCH_CHECK(x.dim() == 2, op, ": x must be 2-D (NUM_ROWS, H), got ", x.dim(), "-D");
  checkActivation(op, "x", x);
  checkIndex(op, "row_idx", row_idx, 2);
  checkIndex(op, "expert_idx", expert_idx, 2);
  TORCH_CHECK(row_idx.sizes() == expert_idx.sizes(), op, ": row_idx and expert_idx must have one shape, got ",
              row_idx.sizes(), " and ", expert_idx.sizes());
  TORCH_CHECK(expert_idx.size(0) == x.size(0), op, ": expert_idx must have x's ", x.size(0), " rows, got ",
              expert_idx.size(0));
  TORCH_CHECK(active_num >= 0, op, ": active_num must not be negative, got ", active_num);
  const npu::NPUGuard guard(operandsDevice(op, {x, row_idx, expert_idx}));
  const int64_t rows = x.size(0);
  const int64_t k = expert_idx.size(1);
  at::Tensor expanded_x = at::empty({std::min(rows, active_num) * k, x.size(1)}, x.options());
  at::Tensor expanded_row_idx = at::empty({rows * k}, row_idx.options());
  at::Tensor expanded_expert_idx = at::empty({rows * k}, expert_idx.options());
  if (rows * k > 0) {
    aclnn::MoeInitRouting(x, row_idx, expert_idx, active_num, expanded_x, expanded_row_idx, expanded_expert_idx);
  }
  return {expanded_x, expanded_row_idx, expanded_expert_idx};
}

// aclnnMoeFinalizeRouting takes skip1, bias, scales and the experts as required
// inputs; leaving any out needs the later aclnnMoeFinalizeRoutingV2, not simulated yet.
const at::Tensor& requiredByFinalizeRouting(const std::optional<at::Tensor>& t, const char* name) {
  TORCH_CHECK(t.has_value(), "npu_moe_finalize_routing: ", name,
              "=None is not supported yet (aclnnMoeFinalizeRouting requires it)");
  return *t;
}

void checkFinalizeRoutingShapes(const at::Tensor& expanded, const at::Tensor& skip1,
                                const std::optional<at::Tensor>& skip2, const at::Tensor& bias,
                                const at::Tensor& scales, const at::Tensor& src_to_dst, const at::Tensor& experts) {
  const char* op = "npu_moe_finalize_routing";
  TORCH_CHECK(expanded.dim() == 2, op, ": expanded_permuted_rows must be 2-D (NUM_ROWS * K, H), got ",
              expanded.dim(), "-D (the 3-D drop-pad layout is not supported yet)");
  checkActivation(op, "expanded_permuted_rows", expanded);
  TORCH_CHECK(scales.dim() == 2, op, ": scales must be 2-D (NUM_ROWS, K), got ", scales.dim(), "-D");
  const int64_t rows = scales.size(0);
  const int64_t hidden = expanded.size(1);
  const std::vector<int64_t> out_shape = {rows, hidden};
  TORCH_CHECK(skip1.sizes() == at::IntArrayRef(out_shape), op, ": skip1 must be (NUM_ROWS, H) = ",
              at::IntArrayRef(out_shape), ", got ", skip1.sizes());
  TORCH_CHECK(!skip2.has_value() || skip2->sizes() == skip1.sizes(), op, ": skip2 must have skip1's shape ",
              skip1.sizes(), ", got ", skip2->sizes());
  TORCH_CHECK(bias.dim() == 2 && bias.size(1) == hidden, op, ": bias must be (E, H) with H = ", hidden, ", got ",
              bias.sizes());
  checkIndex(op, "expanded_src_to_dst_row", src_to_dst, 1);
  TORCH_CHECK(src_to_dst.size(0) == scales.numel(), op, ": expanded_src_to_dst_row must have NUM_ROWS * K = ",
              scales.numel(), " elements, got ", src_to_dst.size(0));
  checkIndex(op, "export_for_source_row", experts, 2);
  TORCH_CHECK(experts.sizes() == scales.sizes(), op, ": export_for_source_row must have scales' shape ",
              scales.sizes(), ", got ", experts.sizes());
  for (const at::Tensor* t : {&skip1, &bias, &scales}) {
    TORCH_CHECK(t->scalar_type() == expanded.scalar_type(), op,
                ": skip1, skip2, bias and scales must have the dtype of expanded_permuted_rows (",
                expanded.scalar_type(), "), got ", t->scalar_type());
  }
  TORCH_CHECK(!skip2.has_value() || skip2->scalar_type() == expanded.scalar_type(), op,
              ": skip2 must have the dtype of expanded_permuted_rows (", expanded.scalar_type(), "), got ",
              skip2->scalar_type());
}

at::Tensor moeFinalizeRouting(const at::Tensor& expanded_permuted_rows, const std::optional<at::Tensor>& skip1,
                              const std::optional<at::Tensor>& skip2, const std::optional<at::Tensor>& bias,
                              const std::optional<at::Tensor>& scales, const at::Tensor& expanded_src_to_dst_row,
                              const std::optional<at::Tensor>& export_for_source_row,
                              std::optional<int64_t> drop_pad_mode, std::optional<int64_t> k) {
  const char* op = "npu_moe_finalize_routing";
  const at::Tensor& skip1_ = requiredByFinalizeRouting(skip1, "skip1");
  const at::Tensor& bias_ = requiredByFinalizeRouting(bias, "bias");
  const at::Tensor& scales_ = requiredByFinalizeRouting(scales, "scales");
  const at::Tensor& experts = requiredByFinalizeRouting(export_for_source_row, "export_for_source_row");
  TORCH_CHECK(drop_pad_mode.value_or(0) == 0, op, ": drop_pad_mode=", *drop_pad_mode,
              " is not supported yet (only 0, dropless routing)");
  checkFinalizeRoutingShapes(expanded_permuted_rows, skip1_, skip2, bias_, scales_, expanded_src_to_dst_row,
                             experts);
  // K comes from scales; k only matters to the reference when scales is None.
  TORCH_CHECK(!k.has_value() || *k == 1 || *k == scales_.size(1), op, ": k=", k.value_or(1),
              " contradicts scales, which routes each row to ", scales_.size(1), " experts");
  const npu::NPUGuard guard(operandsDevice(op, {expanded_permuted_rows, skip1_, skip2.value_or(at::Tensor()), bias_,
                                                scales_, expanded_src_to_dst_row, experts}));
  at::Tensor out = at::empty(skip1_.sizes(), expanded_permuted_rows.options());
  if (out.numel() == 0) return out;
  aclnn::MoeFinalizeRouting(expanded_permuted_rows, skip1_, skip2, bias_, scales_, expanded_src_to_dst_row, experts,
                            out);
  return out;
}

}  // namespace

// The reference's schemas (op-plugin's op_plugin_functions.yaml).
TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def("npu_moe_gating_top_k_softmax(Tensor x, Tensor? finished=None, int k=1) -> (Tensor, Tensor, Tensor)");
  m.def(
      "npu_moe_init_routing(Tensor x, Tensor row_idx, Tensor expert_idx, int active_num) -> (Tensor, Tensor, "
      "Tensor)");
  m.def(
      "npu_moe_finalize_routing(Tensor expanded_permuted_rows, Tensor? skip1, Tensor? skip2, Tensor? bias, "
      "Tensor? scales, Tensor expanded_src_to_dst_row, Tensor? export_for_source_row, int? drop_pad_mode=0, "
      "int? k=1) -> Tensor");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) {
  m.impl("npu_moe_gating_top_k_softmax", TORCH_FN(moeGatingTopKSoftmax));
  m.impl("npu_moe_init_routing", TORCH_FN(moeInitRouting));
  m.impl("npu_moe_finalize_routing", TORCH_FN(moeFinalizeRouting));
}

}  // namespace torch_npu::ops
