// What the generated ATen kernels share: device checks, operand placement and
// output allocation rules.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/util/SmallVector.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "npu/NPUOptions.h"  // the cubeMathType of matmuls

namespace torch_npu::ops {

using TensorRefs = std::initializer_list<std::reference_wrapper<const at::Tensor>>;

// The NPU device all NPU tensor operands share; raises on two different NPUs.
c10::Device commonDevice(TensorRefs tensors);

// The one NPU device of a custom operator's operands (undefined ones skipped),
// none of which may be elsewhere: their descriptors would address host memory.
// Raises naming `op`. Takes a list for the operators with tensor-list operands.
c10::Device operandsDevice(const char* op, at::ArrayRef<at::Tensor> operands);

// `tensor` itself when on `device` (with lazy conj/neg bits materialized); a
// 0-dim CPU tensor (a wrapped Python scalar) copied there. Anything else on
// another device raises.
at::Tensor onDevice(const at::Tensor& tensor, c10::Device device);

// Raises as ATen does when a result of `result_type` cannot be written into `out`.
void checkCast(at::ScalarType result_type, const at::Tensor& out);

// Raises as ATen does when an in-place result cannot be written into self.
void checkInPlace(const at::Tensor& self, c10::IntArrayRef broadcast_shape, at::ScalarType result_type);

c10::SmallVector<int64_t, 5> broadcastShape(TensorRefs tensors);

// ATen's type promotion over the operands (wrapped Python scalars count weakly).
at::ScalarType resultType(TensorRefs tensors);
// The same, but integral and bool results become the default float dtype, as
// for true division and floating-point functions.
at::ScalarType floatResultType(TensorRefs tensors);

// An output of the broadcast shape of `tensors`, on their device: contiguous, or laid out
// as the first operand of that shape when it is a dense permutation, as ATen's are.
at::Tensor pointwiseOutput(TensorRefs tensors, at::ScalarType dtype);

// index_select's result shape: self's with `dim` as long as `index` (checked and wrapped as ATen does).
c10::SmallVector<int64_t, 5> indexSelectShape(const at::Tensor& self, int64_t dim, const at::Tensor& index);

// gelu's approximate argument checked as ATen does, as aclnnGeluV2's mode (0 none, 1 tanh)
// and as aclnnGeluBackwardV2's string.
int64_t geluApproximateMode(c10::string_view approximate);
std::string checkedGeluApproximate(c10::string_view approximate);

// The (seed, offset) of the Philox stream at which `count` random numbers
// start for a tensor on `device`, reserved from `generator` (by default the
// device's own).
std::pair<int64_t, int64_t> reservePhilox(const std::optional<at::Generator>& generator, c10::Device device,
                                          int64_t count);

}  // namespace torch_npu::ops
