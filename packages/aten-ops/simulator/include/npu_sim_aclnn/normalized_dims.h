// The dimensions a normalization reduces over: those of its weight, the
// trailing dimensions of the input (CANN's RmsNorm family).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace npu_sim::aclnn {

inline std::vector<int64_t> trailingDims(const at::Tensor& input, const at::Tensor& weight) {
  TORCH_CHECK(weight.dim() <= input.dim() &&
                  input.sizes().slice(input.dim() - weight.dim()) == weight.sizes(),
              "the normalized shape ", weight.sizes(), " must be the trailing dimensions of the input's ",
              input.sizes());
  std::vector<int64_t> dims;
  for (int64_t d = input.dim() - weight.dim(); d < input.dim(); ++d) dims.push_back(d);
  return dims;
}

}  // namespace npu_sim::aclnn
