// Reductions over dimensions: sum, mean, all and argmax.
#include <ATen/WrapDimUtilsMulti.h>
#include <ATen/native/Resize.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include "AclnnCallers.h"
#include "KernelSupport.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::ops {
namespace {

// The reduced dims (all when `dims` is empty or absent) and the output shape.
struct Reduction {
  std::vector<int64_t> dims;
  std::vector<int64_t> shape;
};

Reduction reduce(const at::Tensor& self, at::OptionalIntArrayRef dims, bool keepdim) {
  Reduction reduction;
  const auto reduced = at::dim_list_to_bitset(dims.value_or(at::IntArrayRef{}), self.dim());
  const bool all = !dims.has_value() || dims->empty();
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (all || reduced[d]) {
      reduction.dims.push_back(d);
      if (keepdim) {
        reduction.shape.push_back(1);
      }
    } else {
      reduction.shape.push_back(self.size(d));
    }
  }
  return reduction;
}

// Integral and bool sums accumulate in int64, as ATen's do.
at::ScalarType sumType(const at::Tensor& self, std::optional<at::ScalarType> dtype) {
  if (dtype.has_value()) {
    return *dtype;
  }
  return at::isIntegralType(self.scalar_type(), /*includeBool=*/true) ? at::kLong : self.scalar_type();
}

at::Tensor sum_dim(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                   std::optional<at::ScalarType> dtype) {
  const npu::NPUGuard guard(commonDevice({self}));
  const Reduction reduction = reduce(self, dim, keepdim);
  const at::ScalarType type = sumType(self, dtype);
  at::Tensor out = at::empty(reduction.shape, self.options().dtype(type));
  aclnn::ReduceSum(self, reduction.dims, keepdim, type, out);
  return out;
}

at::Tensor& sum_dim_out(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                        std::optional<at::ScalarType> dtype, at::Tensor& out) {
  const npu::NPUGuard guard(commonDevice({self, out}));
  const Reduction reduction = reduce(self, dim, keepdim);
  at::native::resize_output(out, reduction.shape);
  aclnn::ReduceSum(self, reduction.dims, keepdim, dtype.value_or(out.scalar_type()), out);
  return out;
}

at::Tensor sum(const at::Tensor& self, std::optional<at::ScalarType> dtype) {
  return sum_dim(self, std::nullopt, false, dtype);
}

at::Tensor mean_dim(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                    std::optional<at::ScalarType> dtype) {
  const at::ScalarType type = dtype.value_or(self.scalar_type());
  TORCH_CHECK(at::isFloatingType(type) || at::isComplexType(type), "mean(): could not infer output dtype. ",
              dtype.has_value() ? "Optional" : "Input", " dtype must be either a floating point or complex dtype. ",
              "Got: ", type);
  const npu::NPUGuard guard(commonDevice({self}));
  const Reduction reduction = reduce(self, dim, keepdim);
  at::Tensor out = at::empty(reduction.shape, self.options().dtype(type));
  aclnn::Mean(self, reduction.dims, keepdim, type, out);
  return out;
}

// ATen's all gives uint8 for uint8 input, bool otherwise.
at::Tensor all_dims(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim) {
  const npu::NPUGuard guard(commonDevice({self}));
  const Reduction reduction = reduce(self, dim, keepdim);
  at::Tensor out = at::empty(reduction.shape,
                             self.options().dtype(self.scalar_type() == at::kByte ? at::kByte : at::kBool));
  aclnn::All(self, reduction.dims, keepdim, out);
  return out;
}

at::Tensor all(const at::Tensor& self) { return all_dims(self, std::nullopt, false); }

at::Tensor all_dim(const at::Tensor& self, int64_t dim, bool keepdim) {
  return all_dims(self, at::IntArrayRef{at::maybe_wrap_dim(dim, self.dim())}, keepdim);
}

at::Tensor argmax(const at::Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  const npu::NPUGuard guard(commonDevice({self}));
  TORCH_CHECK(self.numel() > 0, "argmax(): Expected reduction dim to be specified for input.numel() == 0.");
  if (!dim.has_value()) {
    at::Tensor out = at::empty(keepdim ? std::vector<int64_t>(self.dim(), 1) : std::vector<int64_t>{},
                               self.options().dtype(at::kLong));
    // The index into the flattened input is the answer for every keepdim shape.
    aclnn::ArgMax(self.reshape({-1}), 0, false, out.reshape(std::vector<int64_t>{}));
    return out;
  }
  const int64_t wrapped = at::maybe_wrap_dim(*dim, self.dim());
  const Reduction reduction = reduce(self, at::IntArrayRef{wrapped}, keepdim);
  at::Tensor out = at::empty(reduction.shape, self.options().dtype(at::kLong));
  aclnn::ArgMax(self, wrapped, keepdim, out);
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("sum.dim_IntList", TORCH_FN(sum_dim));
  m.impl("sum.IntList_out", TORCH_FN(sum_dim_out));
  m.impl("sum", TORCH_FN(sum));
  m.impl("mean.dim", TORCH_FN(mean_dim));
  m.impl("all", TORCH_FN(all));
  m.impl("all.dim", TORCH_FN(all_dim));
  m.impl("argmax", TORCH_FN(argmax));
}

}  // namespace torch_npu::ops
