// npu_grouped_matmul: the reference's grouped matmul of mixture-of-experts
// layers over CANN's aclnnGroupedMatmulV4 (which op-plugin calls where
// aclnnGroupedMatmulV5 is absent), in its unquantized form without activation.
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include <numeric>
#include <optional>
#include <vector>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

constexpr const char* kOp = "npu_grouped_matmul";
constexpr int64_t kNoGrouping = -1;
constexpr int64_t kGroupAlongM = 0;

using OptionalTensors = std::optional<at::TensorList>;

void checkAbsent(const OptionalTensors& list, const char* name) {
  TORCH_CHECK(!list.has_value() || list->empty(), kOp, ": ", name,
              " is not supported yet (the quantized and activation forms)");
}

void checkAbsent(std::optional<int64_t> value, const char* name) {
  TORCH_CHECK(!value.has_value(), kOp, ": ", name, " is not supported yet (the quantized forms)");
}

struct Grouping {
  int64_t split_item;
  int64_t group_type;
  int64_t group_list_type;
  int64_t act_type;

  bool oneOutputPerGroup() const { return split_item == 0 || split_item == 1; }
};

Grouping checkedGrouping(std::optional<int64_t> split_item, std::optional<int64_t> group_type,
                         std::optional<int64_t> group_list_type, std::optional<int64_t> act_type,
                         bool has_group_list) {
  const Grouping grouping{split_item.value_or(0), group_type.value_or(kNoGrouping), group_list_type.value_or(0),
                          act_type.value_or(0)};
  TORCH_CHECK(grouping.split_item >= 0 && grouping.split_item <= 3, kOp, ": split_item must be 0, 1, 2 or 3, got ",
              grouping.split_item);
  TORCH_CHECK(group_type.has_value(), kOp, ": group_type must be given (-1: no grouping, 0: x grouped along M)");
  TORCH_CHECK(grouping.group_type != 2, kOp, ": group_type 2 (grouping along K) is not supported yet");
  TORCH_CHECK(grouping.group_type == kNoGrouping || grouping.group_type == kGroupAlongM, kOp,
              ": group_type must be -1, 0 or 2, got ", grouping.group_type);
  TORCH_CHECK(grouping.group_type == kGroupAlongM || !has_group_list, kOp,
              ": group_list needs group_type 0 (x grouped along M)");
  TORCH_CHECK(grouping.group_list_type == 0 || grouping.group_list_type == 1, kOp,
              ": group_list_type must be 0 (group ends) or 1 (group sizes), got ", grouping.group_list_type);
  TORCH_CHECK(grouping.act_type == 0, kOp, ": act_type ", grouping.act_type, " is not supported yet (only 0, none)");
  return grouping;
}

// One weight per group: the list's 2-D elements, or the (E, K, N) slices of a single 3-D one.
std::vector<at::Tensor> weightsPerGroup(at::TensorList weight) {
  TORCH_CHECK(!weight.empty(), kOp, ": weight must not be empty");
  if (weight.size() == 1 && weight[0].dim() == 3) return weight[0].unbind(0);
  for (const at::Tensor& w : weight) {
    TORCH_CHECK(w.dim() == 2, kOp, ": each weight must be 2-D (K, N), or a single one 3-D (E, K, N), got ",
                w.sizes());
  }
  return weight.vec();
}

// Each group's rows of x as group_list gives them (its ends, or its sizes), read on the host as the reference does.
std::vector<int64_t> groupRows(const at::Tensor& group_list, int64_t group_list_type, int64_t rows) {
  TORCH_CHECK(group_list.dim() == 1 && group_list.scalar_type() == at::kLong, kOp,
              ": group_list must be a 1-D int64 tensor, got a ", group_list.dim(), "-D ", group_list.scalar_type(),
              " tensor");
  const at::Tensor values = group_list.cpu();
  std::vector<int64_t> sizes(values.data_ptr<int64_t>(), values.data_ptr<int64_t>() + values.numel());
  if (group_list_type == 0) std::adjacent_difference(sizes.begin(), sizes.end(), sizes.begin());
  for (size_t i = 0; i < sizes.size(); ++i) {
    TORCH_CHECK(sizes[i] >= 0, kOp, ": group ", i, " of group_list has ", sizes[i],
                " rows (group_list_type 0 takes non-decreasing group ends)");
  }
  TORCH_CHECK(std::accumulate(sizes.begin(), sizes.end(), int64_t{0}) <= rows, kOp,
              ": group_list covers more than x's ", rows, " rows");
  return sizes;
}

void checkOperandTypes(at::TensorList x, const std::vector<at::Tensor>& weights, std::optional<int64_t> output_dtype) {
  const at::ScalarType dtype = x[0].scalar_type();
  TORCH_CHECK(dtype == at::kHalf || dtype == at::kBFloat16 || dtype == at::kFloat, kOp,
              ": x must be float16, bfloat16 or float32, got ", dtype);
  for (const at::Tensor& t : x) {
    TORCH_CHECK(t.scalar_type() == dtype, kOp, ": all of x must have one dtype, got ", dtype, " and ",
                t.scalar_type());
  }
  for (const at::Tensor& w : weights) {
    TORCH_CHECK(w.scalar_type() == dtype, kOp, ": weight must have x's dtype ", dtype, " (int8/int4 weights are ",
                "not supported yet), got ", w.scalar_type());
  }
  TORCH_CHECK(!output_dtype.has_value() || *output_dtype == static_cast<int64_t>(dtype), kOp, ": output_dtype ",
              output_dtype.value_or(0), " is not supported yet (only x's dtype, ", dtype, ")");
}

// Each group's input shape without its last dimension K: x's groups of rows, or the list's elements.
std::vector<std::vector<int64_t>> groupLeadingShapes(at::TensorList x, const std::optional<at::Tensor>& group_list,
                                                     const Grouping& grouping, size_t groups) {
  std::vector<std::vector<int64_t>> shapes;
  if (group_list.has_value()) {
    TORCH_CHECK(x.size() == 1 && x[0].dim() == 2, kOp, ": with group_list, x must be a single 2-D (M, K) tensor");
    TORCH_CHECK(static_cast<size_t>(group_list->numel()) == groups, kOp, ": group_list has ", group_list->numel(),
                " groups for ", groups, " weights");
    // Only one output per group needs the group sizes on the host; the kernel checks them otherwise.
    if (!grouping.oneOutputPerGroup()) return {};
    for (const int64_t rows : groupRows(*group_list, grouping.group_list_type, x[0].size(0))) {
      shapes.push_back({rows});
    }
    return shapes;
  }
  TORCH_CHECK(x.size() == groups, kOp, ": ", x.size(), " tensors in x for ", groups, " weights");
  for (const at::Tensor& t : x) {
    TORCH_CHECK(t.dim() == 2 || grouping.oneOutputPerGroup(), kOp, ": x must be 2-D with split_item 2 or 3, got ",
                t.dim(), "-D");
    shapes.emplace_back(t.sizes().begin(), t.sizes().end() - 1);
  }
  return shapes;
}

void checkInnerDims(at::TensorList x, const std::vector<at::Tensor>& weights) {
  for (size_t i = 0; i < weights.size(); ++i) {
    const at::Tensor& input = x[x.size() == 1 ? 0 : i];
    TORCH_CHECK(input.dim() >= 1 && input.size(-1) == weights[i].size(0), kOp, ": x's last dimension ",
                input.sizes(), " does not match weight ", i, "'s K, ", weights[i].sizes());
  }
}

void checkBias(const OptionalTensors& bias, at::TensorList weight, const std::vector<at::Tensor>& weights) {
  if (!bias.has_value() || bias->empty()) return;
  const bool stacked = weight.size() == 1 && weight[0].dim() == 3;
  const std::vector<at::Tensor> biases = stacked && bias->size() == 1 && (*bias)[0].dim() == 2
                                             ? (*bias)[0].unbind(0)
                                             : bias->vec();
  TORCH_CHECK(biases.size() == weights.size(), kOp, ": ", biases.size(), " biases for ", weights.size(), " weights");
  for (size_t i = 0; i < biases.size(); ++i) {
    TORCH_CHECK(biases[i].dim() == 1 && biases[i].size(0) == weights[i].size(1), kOp, ": bias ", i,
                " must be (N,) = (", weights[i].size(1), ",), got ", biases[i].sizes());
    TORCH_CHECK(biases[i].scalar_type() == weights[i].scalar_type() || biases[i].scalar_type() == at::kFloat, kOp,
                ": bias must have x's dtype or float32, got ", biases[i].scalar_type());
  }
}

std::vector<at::Tensor> allocateOutputs(at::TensorList x, const std::vector<at::Tensor>& weights,
                                        const std::vector<std::vector<int64_t>>& leading, const Grouping& grouping) {
  const at::TensorOptions options = x[0].options();
  std::vector<at::Tensor> y;
  if (grouping.oneOutputPerGroup()) {
    for (size_t i = 0; i < weights.size(); ++i) {
      std::vector<int64_t> shape = leading[i];
      shape.push_back(weights[i].size(1));
      y.push_back(at::empty(shape, options));
    }
    return y;
  }
  const int64_t n = weights[0].size(1);
  for (const at::Tensor& w : weights) {
    TORCH_CHECK(w.size(1) == n, kOp, ": split_item 2 or 3 joins the groups' outputs, which needs one N, got ", n,
                " and ", w.size(1));
  }
  int64_t rows = 0;
  for (const at::Tensor& t : x) rows += t.size(0);
  y.push_back(at::empty({rows, n}, options));
  return y;
}

std::vector<at::Tensor> groupedMatmul(
    at::TensorList x, at::TensorList weight, OptionalTensors bias, OptionalTensors scale, OptionalTensors offset,
    OptionalTensors antiquant_scale, OptionalTensors antiquant_offset, OptionalTensors per_token_scale,
    const std::optional<at::Tensor>& group_list, OptionalTensors activation_input,
    OptionalTensors activation_quant_scale, OptionalTensors activation_quant_offset, std::optional<int64_t> split_item,
    std::optional<int64_t> group_type, std::optional<int64_t> group_list_type, std::optional<int64_t> act_type,
    at::OptionalIntArrayRef tuning_config, std::optional<int64_t> output_dtype, std::optional<int64_t> x_dtype,
    std::optional<int64_t> weight_dtype, std::optional<int64_t> scale_dtype,
    std::optional<int64_t> per_token_scale_dtype) {
  // tuning_config only tunes aclnnGroupedMatmulV5's tiling; V4 has none to tune.
  checkAbsent(scale, "scale");
  checkAbsent(offset, "offset");
  checkAbsent(antiquant_scale, "antiquant_scale");
  checkAbsent(antiquant_offset, "antiquant_offset");
  checkAbsent(per_token_scale, "per_token_scale");
  checkAbsent(activation_input, "activation_input");
  checkAbsent(activation_quant_scale, "activation_quant_scale");
  checkAbsent(activation_quant_offset, "activation_quant_offset");
  checkAbsent(x_dtype, "x_dtype");
  checkAbsent(weight_dtype, "weight_dtype");
  checkAbsent(scale_dtype, "scale_dtype");
  checkAbsent(per_token_scale_dtype, "per_token_scale_dtype");
  TORCH_CHECK(!x.empty(), kOp, ": x must not be empty");
  const Grouping grouping = checkedGrouping(split_item, group_type, group_list_type, act_type, group_list.has_value());
  const std::vector<at::Tensor> weights = weightsPerGroup(weight);
  checkOperandTypes(x, weights, output_dtype);
  std::vector<at::Tensor> operands(x.begin(), x.end());
  operands.insert(operands.end(), weight.begin(), weight.end());
  if (bias.has_value()) operands.insert(operands.end(), bias->begin(), bias->end());
  operands.push_back(group_list.value_or(at::Tensor()));
  const npu::NPUGuard guard(operandsDevice(kOp, operands));
  const auto leading = groupLeadingShapes(x, group_list, grouping, weights.size());
  checkInnerDims(x, weights);
  checkBias(bias, weight, weights);
  std::vector<at::Tensor> y = allocateOutputs(x, weights, leading, grouping);
  aclnn::GroupedMatmulV4(x, weight, bias, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                         group_list, std::nullopt, std::nullopt, std::nullopt, grouping.split_item,
                         grouping.group_type, grouping.group_list_type, grouping.act_type, y, std::nullopt,
                         std::nullopt);
  return y;
}

}  // namespace

// The reference's schema (op-plugin's op_plugin_functions.yaml).
TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def(
      "npu_grouped_matmul(Tensor[] x, Tensor[] weight, *, Tensor[]? bias=None, Tensor[]? scale=None, "
      "Tensor[]? offset=None, Tensor[]? antiquant_scale=None, Tensor[]? antiquant_offset=None, "
      "Tensor[]? per_token_scale=None, Tensor? group_list=None, Tensor[]? activation_input=None, "
      "Tensor[]? activation_quant_scale=None, Tensor[]? activation_quant_offset=None, int? split_item=0, "
      "int? group_type=None, int? group_list_type=0, int? act_type=0, int[]? tuning_config=None, "
      "int? output_dtype=None, int? x_dtype=None, int? weight_dtype=None, int? scale_dtype=None, "
      "int? per_token_scale_dtype=None) -> Tensor[]");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) { m.impl("npu_grouped_matmul", TORCH_FN(groupedMatmul)); }

}  // namespace torch_npu::ops
