// cat and arange: operators whose output shape comes from their arguments'
// values, worked out on the host with ATen's rules and messages.
#include <ATen/MemoryOverlap.h>
#include <ATen/WrapDimUtils.h>
#include <ATen/native/Resize.h>
#include <ATen/native/TypeProperties.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include <cmath>
#include <limits>
#include <vector>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

// A 1-D tensor with no elements: cat skips it, whatever the other shapes (ATen's legacy rule).
bool isSkipped(const at::Tensor& t) { return t.dim() == 1 && t.size(0) == 0; }

// The tensors of a cat on their NPU, with the result's shape and the dimension they join along.
struct Concatenation {
  std::vector<at::Tensor> tensors;
  std::vector<int64_t> shape;
  int64_t dim = 0;
};

c10::Device listDevice(const at::ITensorListRef& tensors) {
  std::optional<c10::Device> device;
  for (const at::Tensor& t : tensors) {
    if (!t.is_privateuseone()) continue;
    TORCH_CHECK(!device.has_value() || *device == t.device(),
                "Expected all tensors to be on the same device, but found at least two devices, ", *device, " and ",
                t.device(), "!");
    device = t.device();
  }
  TORCH_CHECK(device.has_value(), "torch.cat(): expected NPU tensors");
  return *device;
}

// Places the tensors on `device` and works out the result as ATen does, with its messages.
Concatenation concatenation(const at::ITensorListRef& given, int64_t dim, c10::Device device) {
  Concatenation result;
  for (const at::Tensor& t : given) result.tensors.push_back(onDevice(t, device));
  const std::vector<at::Tensor>& tensors = result.tensors;
  TORCH_CHECK(!tensors.empty(), "torch.cat(): expected a non-empty list of Tensors");
  const at::Tensor* first = nullptr;
  for (const at::Tensor& t : tensors) {
    TORCH_CHECK(t.dim() > 0, "zero-dimensional tensor (at position ", &t - tensors.data(),
                ") cannot be concatenated");
    if (first == nullptr && !isSkipped(t)) first = &t;
  }
  if (first == nullptr) {
    result.shape = {0};
    return result;
  }
  result.dim = at::maybe_wrap_dim(dim, first->dim());
  result.shape.assign(first->sizes().begin(), first->sizes().end());
  result.shape[result.dim] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const at::Tensor& t = tensors[i];
    if (isSkipped(t)) continue;
    TORCH_CHECK(t.dim() == first->dim(), "Tensors must have same number of dimensions: got ", first->dim(),
                " and ", t.dim());
    for (int64_t d = 0; d < t.dim(); ++d) {
      TORCH_CHECK(d == result.dim || t.size(d) == first->size(d),
                  "Sizes of tensors must match except in dimension ", result.dim, ". Expected size ",
                  first->size(d), " but got size ", t.size(d), " for tensor number ", i, " in the list.");
    }
    result.shape[result.dim] += t.size(result.dim);
  }
  return result;
}

at::Tensor& cat_out(const at::ITensorListRef& tensors, int64_t dim, at::Tensor& out) {
  const c10::Device device = listDevice(tensors);
  const npu::NPUGuard guard(device);
  const Concatenation cat = concatenation(tensors, dim, device);
  // ATen's own checks: out may not overlap itself or any input (not even an empty one).
  at::assert_no_internal_overlap(out);
  for (const at::Tensor& t : cat.tensors) at::assert_no_overlap(out, t);
  checkCast(at::native::result_type(cat.tensors), out);
  at::native::resize_output(out, cat.shape);
  aclnn::Cat(cat.tensors, cat.dim, out);
  return out;
}

at::Tensor cat(const at::ITensorListRef& tensors, int64_t dim) {
  const c10::Device device = listDevice(tensors);
  const npu::NPUGuard guard(device);
  const Concatenation cat = concatenation(tensors, dim, device);
  at::Tensor out =
      at::empty(cat.shape, cat.tensors.front().options().dtype(at::native::result_type(cat.tensors)));
  aclnn::Cat(cat.tensors, cat.dim, out);
  return out;
}

// The number of elements of arange(start, end, step) as ATen counts them for out's dtype.
int64_t arangeSize(const at::Scalar& start, const at::Scalar& end, const at::Scalar& step, at::ScalarType type) {
  const double xstart = start.to<double>();
  const double xend = end.to<double>();
  const double xstep = step.to<double>();
  TORCH_CHECK(xstep > 0 || xstep < 0, "step must be nonzero");
  TORCH_CHECK(std::isfinite(xstart) && std::isfinite(xend), "unsupported range: ", xstart, " -> ", xend);
  TORCH_CHECK((xstep > 0 && xend >= xstart) || (xstep < 0 && xend <= xstart),
              "upper bound and lower bound inconsistent with step sign");
  double size;
  if (type == at::kLong) {
    // Exact integer arithmetic, as ATen's int64 path.
    const int64_t istart = start.to<int64_t>();
    const int64_t iend = end.to<int64_t>();
    const int64_t istep = step.to<int64_t>();
    const int64_t sign = (istep > 0) - (istep < 0);
    size = std::ceil(static_cast<double>(iend - istart + istep - sign) / static_cast<double>(istep));
  } else {
    size = std::ceil((xend - xstart) / xstep);
  }
  TORCH_CHECK(size >= 0 && size <= static_cast<double>(std::numeric_limits<int64_t>::max()),
              "invalid size, possible overflow?");
  return static_cast<int64_t>(size);
}

at::Tensor& arange_out(const at::Scalar& start, const at::Scalar& end, const at::Scalar& step, at::Tensor& out) {
  const npu::NPUGuard guard(commonDevice({out}));
  const int64_t size = arangeSize(start, end, step, out.scalar_type());
  if (out.numel() != size) out.resize_({size});
  aclnn::Arange(start, end, step, out);
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("cat", TORCH_FN(cat));
  m.impl("cat.out", TORCH_FN(cat_out));
  m.impl("arange.start_out", TORCH_FN(arange_out));
}

}  // namespace torch_npu::ops
