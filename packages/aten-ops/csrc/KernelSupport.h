// What the generated ATen kernels share: device checks, operand placement and
// output allocation rules.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/util/SmallVector.h>

#include <initializer_list>

namespace torch_npu::ops {

// The NPU device all NPU tensor operands share; raises on two different NPUs.
c10::Device commonDevice(std::initializer_list<std::reference_wrapper<const at::Tensor>> tensors);

// `tensor` itself when on `device`; a 0-dim CPU tensor (a wrapped Python
// scalar) copied there. Anything else on another device raises.
at::Tensor onDevice(const at::Tensor& tensor, c10::Device device);

// Raises as ATen does when an in-place result cannot be written into self.
void checkInPlace(const at::Tensor& self, c10::IntArrayRef broadcast_shape, at::ScalarType result_type);

c10::SmallVector<int64_t, 5> broadcastShape(std::initializer_list<std::reference_wrapper<const at::Tensor>> tensors);

at::ScalarType resultType(const at::Tensor& self);
at::ScalarType resultType(const at::Tensor& self, const at::Tensor& other);
at::ScalarType resultType(const at::Tensor& self, const at::Scalar& other);

// A contiguous output of the broadcast shape of `tensors`, on their device.
at::Tensor pointwiseOutput(std::initializer_list<std::reference_wrapper<const at::Tensor>> tensors,
                           at::ScalarType dtype);

}  // namespace torch_npu::ops
