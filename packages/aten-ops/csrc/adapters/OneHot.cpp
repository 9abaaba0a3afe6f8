// npu_one_hot: the reference's one-hot encoding over CANN's aclnnOneHot, with the
// reference's argument meanings: depth classes (-1: self's largest value + 1),
// inserted at dimension num_classes (-1: last).
#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

// CANN's onValue/offValue dtype, which is the result's: the scalar's, doubles as float.
at::ScalarType encodingType(const at::Scalar& on_value) {
  return on_value.isFloatingPoint() ? at::kFloat : at::kLong;
}

at::Tensor oneHot(const at::Tensor& self, int64_t num_classes, int64_t depth, const at::Scalar& on_value,
                  const at::Scalar& off_value) {
  const at::ScalarType index_type = self.scalar_type();
  TORCH_CHECK(index_type == at::kByte || index_type == at::kInt || index_type == at::kLong,
              "npu_one_hot: self must be uint8, int32 or int64, got ", index_type);
  TORCH_CHECK(self.dim() >= 1 && self.dim() <= 7, "npu_one_hot: self must have 1 to 7 dimensions, got ", self.dim());
  const int64_t axis = num_classes == -1 ? self.dim() : num_classes;
  TORCH_CHECK(axis >= 0 && axis <= self.dim(), "npu_one_hot: num_classes (the class axis) must be -1 or in [0, ",
              self.dim(), "], got ", num_classes);
  TORCH_CHECK(depth >= 1 || depth == -1, "npu_one_hot: depth must be positive or -1, got ", depth);
  const npu::NPUGuard guard(operandsDevice("npu_one_hot", {self}));
  const int64_t classes = depth == -1 ? std::max<int64_t>(self.numel() ? self.max().item<int64_t>() + 1 : 1, 1) : depth;
  std::vector<int64_t> shape(self.sizes().begin(), self.sizes().end());
  shape.insert(shape.begin() + axis, classes);
  const at::TensorOptions options = self.options().dtype(encodingType(on_value));
  at::Tensor out = at::empty(shape, options);
  aclnn::OneHot(self, classes, at::full({1}, on_value, options), at::full({1}, off_value, options), axis, out);
  return out;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def("npu_one_hot(Tensor self, int num_classes=-1, int depth=1, Scalar on_value=1, Scalar off_value=0) -> Tensor");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) { m.impl("npu_one_hot", TORCH_FN(oneHot)); }

}  // namespace torch_npu::ops
