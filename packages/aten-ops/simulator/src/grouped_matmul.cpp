#include "npu_sim_aclnn/grouped_matmul.h"

#include <ATen/ATen.h>

#include <numeric>

namespace npu_sim::aclnn {
namespace {

constexpr const char* kOp = "aclnnGroupedMatmulV4";

// A list of one tensor with a leading group dimension holds every group's
// operand (a 3-D weight, a 2-D bias); otherwise each element is one group's.
std::vector<at::Tensor> perGroup(const std::vector<at::Tensor>& list, int64_t stacked_dim) {
  if (list.size() == 1 && list[0].dim() == stacked_dim) return list[0].unbind(0);
  return list;
}

// The rows of each group of x, from groupList's ends (groupListType 0) or sizes (1).
std::vector<int64_t> groupRows(const at::Tensor& group_list, int64_t group_list_type, int64_t rows) {
  TORCH_CHECK(group_list_type == 0 || group_list_type == 1, kOp, ": groupListType must be 0 or 1, not ",
              group_list_type);
  const at::Tensor values = group_list.to(at::kLong).contiguous();
  std::vector<int64_t> sizes(values.data_ptr<int64_t>(), values.data_ptr<int64_t>() + values.numel());
  if (group_list_type == 0) std::adjacent_difference(sizes.begin(), sizes.end(), sizes.begin());
  for (const int64_t size : sizes) {
    TORCH_CHECK(size >= 0, kOp, ": groupList must give non-negative group sizes (non-decreasing ends)");
  }
  TORCH_CHECK(std::accumulate(sizes.begin(), sizes.end(), int64_t{0}) <= rows, kOp, ": groupList covers more than x's ",
              rows, " rows");
  return sizes;
}

// Each group's rows of x: the list's elements, or x split along M by groupList.
std::vector<at::Tensor> groupInputs(const std::vector<at::Tensor>& x, const at::Tensor& group_list,
                                    int64_t group_list_type) {
  if (!group_list.defined()) return x;
  TORCH_CHECK(x.size() == 1 && x[0].dim() == 2, kOp, ": a groupList splits a single 2-D x");
  const std::vector<int64_t> sizes = groupRows(group_list, group_list_type, x[0].size(0));
  const int64_t covered = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  return x[0].narrow(0, 0, covered).split_with_sizes(sizes, 0);
}

}  // namespace

void groupedMatmul(const std::vector<at::Tensor>& x, const std::vector<at::Tensor>& weight,
                   const std::vector<at::Tensor>& bias, const at::Tensor& group_list,
                   const GroupedMatmulOptions& options, std::vector<at::Tensor>& out) {
  TORCH_CHECK(options.group_type == -1 || options.group_type == 0, kOp, ": groupType ", options.group_type,
              " is not simulated (-1 and 0 are)");
  TORCH_CHECK(options.group_type == 0 || !group_list.defined(), kOp, ": groupType -1 takes no groupList");
  TORCH_CHECK(options.act_type == 0, kOp, ": actType ", options.act_type, " is not simulated (0, none, is)");
  const std::vector<at::Tensor> inputs = groupInputs(x, group_list, options.group_list_type);
  const std::vector<at::Tensor> weights = perGroup(weight, 3);
  const std::vector<at::Tensor> biases = perGroup(bias, 2);
  TORCH_CHECK(!inputs.empty() && inputs.size() == weights.size(), kOp, ": ", inputs.size(), " groups of x for ",
              weights.size(), " weights");
  TORCH_CHECK(biases.empty() || biases.size() == weights.size(), kOp, ": ", biases.size(), " biases for ",
              weights.size(), " weights");
  std::vector<at::Tensor> results;
  for (size_t i = 0; i < inputs.size(); ++i) {
    at::Tensor y = inputs[i].to(at::kFloat).matmul(weights[i].to(at::kFloat));
    if (!biases.empty()) y += biases[i].to(at::kFloat);
    results.push_back(y);
  }
  if (options.split_item == 0 || options.split_item == 1) {
    TORCH_CHECK(out.size() == results.size(), kOp, ": splitItem ", options.split_item, " writes one output per group, ",
                results.size(), ", got ", out.size());
    for (size_t i = 0; i < results.size(); ++i) out[i].copy_(results[i]);
    return;
  }
  TORCH_CHECK(options.split_item == 2 || options.split_item == 3, kOp, ": splitItem must be 0 to 3, not ",
              options.split_item);
  TORCH_CHECK(out.size() == 1, kOp, ": splitItem ", options.split_item, " writes one output, got ", out.size());
  const at::Tensor joined = at::cat(results, 0);
  out[0].narrow(0, 0, joined.size(0)).copy_(joined);
  // Rows of x past groupList's last group belong to no group: they multiply nothing.
  out[0].narrow(0, joined.size(0), out[0].size(0) - joined.size(0)).zero_();
}

}  // namespace npu_sim::aclnn
