// The simulated kernel of aclnnGroupedMatmulV4 (see aclnn/aclnn_moe.h for the
// arguments), without its quantized and activation forms: each group's matmul
// in float over CPU views. Bad arguments raise with the operator's name.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace npu_sim::aclnn {

struct GroupedMatmulOptions {
  int64_t split_item;
  int64_t group_type;
  int64_t group_list_type;
  int64_t act_type;
};

// `group_list` may be undefined and `bias` empty.
void groupedMatmul(const std::vector<at::Tensor>& x, const std::vector<at::Tensor>& weight,
                   const std::vector<at::Tensor>& bias, const at::Tensor& group_list,
                   const GroupedMatmulOptions& options, std::vector<at::Tensor>& out);

}  // namespace npu_sim::aclnn
