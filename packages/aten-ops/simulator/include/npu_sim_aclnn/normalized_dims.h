// The dimensions a normalization reduces over: those of its weight, the
// trailing dimensions of the input (CANN's RmsNorm family), or every one but
// the channels, dim 1 (batch normalization).
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

inline std::vector<int64_t> allButChannelDims(const at::Tensor& input) {
  TORCH_CHECK(input.dim() >= 2, "batch normalization takes an input of at least 2 dimensions, got ", input.dim());
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
  return dims;
}

// A vector of one value per channel, shaped to broadcast against input.
inline at::Tensor perChannel(const at::Tensor& values, const at::Tensor& input) {
  std::vector<int64_t> shape(input.dim(), 1);
  shape[1] = values.numel();
  return values.reshape(shape);
}

}  // namespace npu_sim::aclnn
