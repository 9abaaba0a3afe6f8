// The index lists of aclnnIndex and aclnnIndexPutImpl: an empty tensor stands
// for a dimension that is not indexed (the reference passes those).
#pragma once

#include <ATen/core/List.h>
#include <ATen/core/Tensor.h>

#include <optional>
#include <vector>

namespace npu_sim::aclnn {

// ATen's form of the list, absent indices as nullopt. A present empty index
// leaves nothing to compute, so the callers never launch one.
inline c10::List<std::optional<at::Tensor>> atenIndices(const std::vector<at::Tensor>& indices) {
  c10::List<std::optional<at::Tensor>> result;
  for (const at::Tensor& index : indices) {
    result.push_back(index.numel() == 0 ? std::nullopt : std::optional<at::Tensor>(index));
  }
  return result;
}

}  // namespace npu_sim::aclnn
