// npu_confusion_transpose and its backward: a reshape fused with a permutation,
// which the reference runs as one kernel. Here they are ATen's view operators and
// one copy into a new contiguous tensor, exact on any device.
#include <ATen/ops/empty.h>
#include <ATen/ops/permute.h>
#include <torch/library.h>

#include <vector>

namespace torch_npu::ops {
namespace {

void checkPermutation(const char* op, c10::IntArrayRef perm, c10::IntArrayRef shape) {
  TORCH_CHECK(perm.size() == shape.size(), op, ": perm ", perm, " must permute the ", shape.size(),
              " dimensions of shape ", shape);
}

// A new contiguous tensor with `view`'s values.
at::Tensor materialized(const at::Tensor& view) {
  at::Tensor result = at::empty(view.sizes(), view.options());
  result.copy_(view);
  return result;
}

std::vector<int64_t> inversePermutation(c10::IntArrayRef perm) {
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    const int64_t dim = at::maybe_wrap_dim(perm[i], static_cast<int64_t>(perm.size()));
    inverse[dim] = static_cast<int64_t>(i);
  }
  return inverse;
}

std::vector<int64_t> permutedShape(c10::IntArrayRef sizes, c10::IntArrayRef perm) {
  std::vector<int64_t> shape;
  for (const int64_t dim : perm) shape.push_back(sizes[at::maybe_wrap_dim(dim, static_cast<int64_t>(sizes.size()))]);
  return shape;
}

// transpose_first: reshape(permute(self, perm), shape); else permute(reshape(self, shape), perm).
at::Tensor confusionTranspose(const at::Tensor& self, c10::IntArrayRef perm, c10::IntArrayRef shape,
                              bool transpose_first) {
  if (transpose_first) {
    checkPermutation("npu_confusion_transpose", perm, self.sizes());
    return materialized(self.permute(perm).reshape(shape));
  }
  checkPermutation("npu_confusion_transpose", perm, shape);
  return materialized(self.reshape(shape).permute(perm));
}

// `shape` is the forward input's: the gradient undoes the forward's steps in reverse.
at::Tensor confusionTransposeBackward(const at::Tensor& grad, c10::IntArrayRef perm, c10::IntArrayRef shape,
                                      bool transpose_first) {
  const std::vector<int64_t> inverse = inversePermutation(perm);
  if (transpose_first) {
    checkPermutation("npu_confusion_transpose_backward", perm, shape);
    return materialized(grad.reshape(permutedShape(shape, perm)).permute(inverse));
  }
  checkPermutation("npu_confusion_transpose_backward", perm, grad.sizes());
  return materialized(grad.permute(inverse).reshape(shape));
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def("npu_confusion_transpose(Tensor self, int[] perm, int[] shape, bool transpose_first) -> Tensor");
  m.def("npu_confusion_transpose_backward(Tensor grad, int[] perm, int[] shape, bool transpose_first) -> Tensor");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) {
  m.impl("npu_confusion_transpose", TORCH_FN(confusionTranspose));
  m.impl("npu_confusion_transpose_backward", TORCH_FN(confusionTransposeBackward));
}

}  // namespace torch_npu::ops
