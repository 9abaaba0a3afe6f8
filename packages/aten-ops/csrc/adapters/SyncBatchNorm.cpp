// The ATen operators torch.nn.SyncBatchNorm calls around its collectives: one
// rank's statistics, their merge over the gathered ranks, the normalization,
// and the backward's per-rank sums and elementwise gradient. CUDA has them as
// kernels; the CPU has none, so without these SyncBatchNorm cannot run on npu.
#include <ATen/OpMathType.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/full.h>
#include <torch/library.h>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

int64_t checkedChannels(const at::Tensor& input, const char* op) {
  TORCH_CHECK(at::isFloatingType(input.scalar_type()), "\"", op, "\" not implemented for '",
              input.scalar_type(), "'");
  TORCH_CHECK(input.dim() >= 2, op, ": expected an input of at least 2 dimensions (N, C, ...), got ", input.dim());
  return input.size(1);
}

at::Tensor perChannelLike(const at::Tensor& input, const at::TensorOptions& options) {
  return at::empty({input.size(1)}, options);
}

std::tuple<at::Tensor, at::Tensor> stats(const at::Tensor& input, double eps) {
  const npu::NPUGuard guard(commonDevice({input}));
  checkedChannels(input, "batch_norm_stats");
  const at::TensorOptions statistics = input.options().dtype(at::toOpMathType(input.scalar_type()));
  at::Tensor mean = perChannelLike(input, statistics);
  at::Tensor invstd = perChannelLike(input, statistics);
  aclnn::BatchNormStats(input, eps, mean, invstd);
  return {mean, invstd};
}

std::tuple<at::Tensor, at::Tensor> gatherStatsWithCounts(const at::Tensor& input, const at::Tensor& mean,
                                                         const at::Tensor& invstd,
                                                         const std::optional<at::Tensor>& running_mean,
                                                         const std::optional<at::Tensor>& running_var,
                                                         double momentum, double eps, const at::Tensor& counts) {
  const npu::NPUGuard guard(commonDevice({input, mean, invstd, counts}));
  checkedChannels(input, "batch_norm_gather_stats_with_counts");
  TORCH_CHECK(mean.dim() == 2 && invstd.sizes() == mean.sizes() && counts.numel() == mean.size(0),
              "batch_norm_gather_stats_with_counts: expected mean and invstd of shape (ranks, channels) and one "
              "count per rank, got ", mean.sizes(), ", ", invstd.sizes(), " and ", counts.sizes());
  at::Tensor global_mean = at::empty({mean.size(1)}, mean.options());
  at::Tensor global_invstd = at::empty({mean.size(1)}, mean.options());
  aclnn::BatchNormGatherStatsWithCounts(input, mean, invstd, running_mean, running_var, momentum, eps, counts,
                                        global_mean, global_invstd);
  return {global_mean, global_invstd};
}

std::tuple<at::Tensor, at::Tensor> gatherStats(const at::Tensor& input, const at::Tensor& mean,
                                               const at::Tensor& invstd, const std::optional<at::Tensor>& running_mean,
                                               const std::optional<at::Tensor>& running_var, double momentum,
                                               double eps, int64_t count) {
  const at::Tensor counts = at::full({mean.size(0)}, static_cast<double>(count), mean.options());
  return gatherStatsWithCounts(input, mean, invstd, running_mean, running_var, momentum, eps, counts);
}

at::Tensor& elemtOut(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                     const std::optional<at::Tensor>& bias, const at::Tensor& mean, const at::Tensor& invstd,
                     double eps, at::Tensor& out) {
  const npu::NPUGuard guard(commonDevice({input, mean, invstd, out}));
  checkedChannels(input, "batch_norm_elemt");
  out.resize_(input.sizes(), input.suggest_memory_format());
  aclnn::BatchNormElemt(input, weight, bias, mean, invstd, eps, out);
  return out;
}

at::Tensor elemt(const at::Tensor& input, const std::optional<at::Tensor>& weight,
                 const std::optional<at::Tensor>& bias, const at::Tensor& mean, const at::Tensor& invstd, double eps) {
  at::Tensor out = at::empty_like(input, input.suggest_memory_format());
  return elemtOut(input, weight, bias, mean, invstd, eps, out);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> backwardReduce(
    const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& mean, const at::Tensor& invstd,
    const std::optional<at::Tensor>& weight, bool input_g, bool weight_g, bool bias_g) {
  const npu::NPUGuard guard(commonDevice({grad_out, input, mean, invstd}));
  checkedChannels(input, "batch_norm_backward_reduce");
  const at::TensorOptions parameters = weight.has_value() && weight->defined() ? weight->options() : mean.options();
  at::Tensor sum_dy = input_g ? perChannelLike(input, mean.options()) : at::Tensor();
  at::Tensor sum_dy_xmu = input_g ? perChannelLike(input, mean.options()) : at::Tensor();
  at::Tensor grad_weight = weight_g ? perChannelLike(input, parameters) : at::Tensor();
  at::Tensor grad_bias = bias_g ? perChannelLike(input, parameters) : at::Tensor();
  aclnn::BatchNormReduceBackward(grad_out, input, mean, invstd, weight, input_g, weight_g, bias_g, sum_dy, sum_dy_xmu,
                                 grad_weight, grad_bias);
  return {sum_dy, sum_dy_xmu, grad_weight, grad_bias};
}

at::Tensor backwardElemt(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& mean,
                         const at::Tensor& invstd, const std::optional<at::Tensor>& weight, const at::Tensor& sum_dy,
                         const at::Tensor& sum_dy_xmu, const at::Tensor& count) {
  const npu::NPUGuard guard(commonDevice({grad_out, input, mean, invstd, sum_dy, sum_dy_xmu, count}));
  checkedChannels(input, "batch_norm_backward_elemt");
  at::Tensor grad_input = at::empty_like(input, input.suggest_memory_format());
  aclnn::BatchNormElemtBackward(grad_out, input, mean, invstd, weight, sum_dy, sum_dy_xmu, count, grad_input);
  return grad_input;
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("batch_norm_stats", TORCH_FN(stats));
  m.impl("batch_norm_gather_stats", TORCH_FN(gatherStats));
  m.impl("batch_norm_gather_stats_with_counts", TORCH_FN(gatherStatsWithCounts));
  m.impl("batch_norm_elemt", TORCH_FN(elemt));
  m.impl("batch_norm_elemt.out", TORCH_FN(elemtOut));
  m.impl("batch_norm_backward_reduce", TORCH_FN(backwardReduce));
  m.impl("batch_norm_backward_elemt", TORCH_FN(backwardElemt));
}

}  // namespace torch_npu::ops
