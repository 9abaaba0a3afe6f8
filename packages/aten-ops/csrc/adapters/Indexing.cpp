// Advanced indexing, self[indices] and self[indices] = values, over CANN's
// aclnnIndex and aclnnIndexPutImpl: ATen's host work (masks to indices, their
// broadcast, the indexed shape and ATen's messages), then one launch. Absent
// indices travel as empty tensors, as in the reference. nonzero (which turns
// masks into indices) over aclnnNonzero.
#include <ATen/ExpandUtils.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/native/IndexingUtils.h>
#include <ATen/native/Resize.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include <limits>
#include <sstream>
#include <vector>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

struct IndexPlan {
  std::vector<at::Tensor> indices;  // one per indexed dimension, broadcast; undefined where absent
  std::vector<int64_t> shape;       // the result's
};

std::string shapesOf(const std::vector<at::Tensor>& indices) {
  std::ostringstream text;
  bool first = true;
  for (const at::Tensor& index : indices) {
    if (!index.defined()) continue;
    text << (first ? "" : ", ") << index.sizes();
    first = false;
  }
  return text.str();
}

// ATen's advanced-indexing rules (TensorAdvancedIndexing's make_info).
IndexPlan planIndex(const at::Tensor& self, const c10::List<std::optional<at::Tensor>>& indices) {
  TORCH_CHECK_INDEX(static_cast<int64_t>(indices.size()) <= self.dim(), "too many indices for tensor of dimension ",
                    self.dim());
  for (const std::optional<at::Tensor>& index : indices) {
    if (!index.has_value() || !index->defined()) continue;
    const at::ScalarType type = index->scalar_type();
    TORCH_CHECK_INDEX(type == at::kLong || type == at::kInt || type == at::kByte || type == at::kBool,
                      "tensors used as indices must be long, int, byte or bool tensors");
  }
  IndexPlan plan;
  plan.indices = at::native::expandTensors(self, indices);
  for (at::Tensor& index : plan.indices) {
    if (index.defined() && index.device() != self.device()) index = index.to(self.device());
  }
  c10::DimVector broadcast;
  bool first = true;
  for (const at::Tensor& index : plan.indices) {
    if (!index.defined()) continue;
    try {
      broadcast = first ? c10::DimVector(index.sizes()) : at::infer_size_dimvector(broadcast, index.sizes());
    } catch (const c10::Error&) {
      TORCH_CHECK_INDEX(false, "shape mismatch: indexing tensors could not be broadcast together with shapes ",
                        shapesOf(plan.indices));
    }
    first = false;
  }
  for (at::Tensor& index : plan.indices) {
    if (index.defined()) index = index.expand(broadcast);
  }
  // The broadcast index shape replaces the indexed dimensions where they are
  // adjacent, else it goes first.
  const bool adjacent = at::native::hasContiguousSubspace(plan.indices);
  bool placed = false;
  if (!adjacent) plan.shape.assign(broadcast.begin(), broadcast.end());
  for (int64_t d = 0; d < self.dim(); ++d) {
    const bool indexed = d < static_cast<int64_t>(plan.indices.size()) && plan.indices[d].defined();
    if (!indexed) {
      plan.shape.push_back(self.size(d));
    } else if (adjacent && !placed) {
      plan.shape.insert(plan.shape.end(), broadcast.begin(), broadcast.end());
      placed = true;
    }
  }
  return plan;
}

std::vector<at::Tensor> withEmptyForAbsent(const at::Tensor& self, const IndexPlan& plan) {
  std::vector<at::Tensor> indices;
  for (const at::Tensor& index : plan.indices) {
    indices.push_back(index.defined() ? index : at::empty({0}, self.options()));
  }
  return indices;
}

void launchIndex(const at::Tensor& self, const IndexPlan& plan, const at::Tensor& out) {
  if (out.numel() == 0) return;
  aclnn::Index(self, withEmptyForAbsent(self, plan), out);
}

at::Tensor index(const at::Tensor& self, const c10::List<std::optional<at::Tensor>>& indices) {
  const npu::NPUGuard guard(commonDevice({self}));
  const IndexPlan plan = planIndex(self, indices);
  at::Tensor out = at::empty(plan.shape, self.options());
  launchIndex(self, plan, out);
  return out;
}

at::Tensor& index_out(const at::Tensor& self, const c10::List<std::optional<at::Tensor>>& indices, at::Tensor& out) {
  const npu::NPUGuard guard(commonDevice({self, out}));
  TORCH_CHECK(self.scalar_type() == out.scalar_type(), "index_out: self (", self.scalar_type(), ") and result (",
              out.scalar_type(), ") must have the same scalar type");
  at::assert_no_internal_overlap(out);
  at::assert_no_overlap(out, self);
  const IndexPlan plan = planIndex(self, indices);
  at::native::resize_output(out, plan.shape);
  launchIndex(self, plan, out);
  return out;
}

at::Tensor& index_put_impl_(at::Tensor& self, const c10::List<std::optional<at::Tensor>>& indices,
                            const at::Tensor& values, bool accumulate, bool unsafe) {
  const npu::NPUGuard guard(self.device());
  // A 0-dim CPU value (a Python scalar) is copied over; other values must be on self's NPU.
  const at::Tensor value = onDevice(values, self.device());
  at::assert_no_overlap(self, value);
  for (const std::optional<at::Tensor>& index : indices) {
    if (index.has_value() && index->defined()) at::assert_no_overlap(self, *index);
  }
  const IndexPlan plan = planIndex(self, indices);
  TORCH_CHECK(at::is_expandable_to(value.sizes(), plan.shape), "shape mismatch: value tensor of shape ",
              value.sizes(), " cannot be broadcast to indexing result of shape ", c10::IntArrayRef(plan.shape));
  TORCH_CHECK(value.scalar_type() == self.scalar_type(),
              "Index put requires the source and destination dtypes match, got ", self.scalar_type(),
              " for the destination and ", value.scalar_type(), " for the source.");
  if (self.numel() == 0 || value.numel() == 0 || c10::multiply_integers(plan.shape) == 0) return self;
  aclnn::IndexPutImpl(self, withEmptyForAbsent(self, plan), value, accumulate, unsafe);
  return self;
}

// The (count, self.dim()) indices of self's nonzero elements. aclnnNonzero
// writes them into an output sized for every element nonzero and sets its view
// shape to the rows written, which the caller reads after synchronizing the
// stream (the result's size is known only then, as on CUDA); the result is
// those first rows.
at::Tensor nonzeroOnDevice(const at::Tensor& self) {
  TORCH_CHECK(self.numel() < std::numeric_limits<int>::max(),
              "nonzero is not supported for tensors with more than INT_MAX elements, "
              "See https://github.com/pytorch/pytorch/issues/51871");
  at::Tensor all = at::empty({self.numel(), self.dim()}, self.options().dtype(at::kLong));
  const std::vector<int64_t> shape = aclnn::Nonzero(self, all);
  TORCH_CHECK(shape.size() == 2 && shape[1] == self.dim() && shape[0] >= 0 && shape[0] <= self.numel(),
              "aclnnNonzero set the output's shape to ", c10::IntArrayRef(shape), " for an input of shape ",
              self.sizes());
  return shape[0] == self.numel() ? all : all.narrow(0, 0, shape[0]);
}

at::Tensor nonzero(const at::Tensor& self) {
  const npu::NPUGuard guard(commonDevice({self}));
  return nonzeroOnDevice(self);
}

at::Tensor& nonzero_out(const at::Tensor& self, at::Tensor& out) {
  const npu::NPUGuard guard(commonDevice({self, out}));
  TORCH_CHECK(out.scalar_type() == at::kLong,
              "nonzero: Expected out tensor to have scalar type Long but got scalar type", out.scalar_type());
  at::assert_no_internal_overlap(out);
  at::assert_no_overlap(out, self);
  const at::Tensor found = nonzeroOnDevice(self);
  at::native::resize_output(out, found.sizes());
  out.copy_(found);
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("nonzero", TORCH_FN(nonzero));
  m.impl("nonzero.out", TORCH_FN(nonzero_out));
  m.impl("index.Tensor", TORCH_FN(index));
  m.impl("index.Tensor_out", TORCH_FN(index_out));
  m.impl("_index_put_impl_", TORCH_FN(index_put_impl_));
}

}  // namespace torch_npu::ops
