// Uninitialized npu tensors in NPUStorageImpl storages, in the shape of
// ATen's empty_generic; the caller holds the device guard.
#pragma once

#include <ATen/core/Tensor.h>

#include <optional>

namespace torch_npu::npu {

at::Tensor empty_npu(c10::IntArrayRef size, at::ScalarType dtype,
                     std::optional<at::MemoryFormat> memory_format = std::nullopt);
at::Tensor empty_strided_npu(c10::IntArrayRef size, c10::IntArrayRef stride, at::ScalarType dtype);

}  // namespace torch_npu::npu
