// empty and empty_strided: the factories every other op builds on.
#include <torch/library.h>

#include "npu/NPUEmptyTensor.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::aten {
namespace {

c10::DeviceIndex deviceOf(std::optional<c10::Device> device) {
  if (device.has_value() && device->has_index()) {
    npu::check_device_index(device->index());
    return device->index();
  }
  return npu::current_device();
}

at::Tensor empty_memory_format(c10::IntArrayRef size, std::optional<at::ScalarType> dtype,
                               std::optional<at::Layout> layout, std::optional<at::Device> device,
                               std::optional<bool> pin_memory, std::optional<at::MemoryFormat> memory_format) {
  TORCH_CHECK(!pin_memory.value_or(false), "Only dense CPU tensors can be pinned");
  const npu::NPUGuard guard(deviceOf(device));
  return npu::empty_npu(size, c10::dtype_or_default(dtype), memory_format);
}

at::Tensor empty_strided(c10::IntArrayRef size, c10::IntArrayRef stride, std::optional<at::ScalarType> dtype,
                         std::optional<at::Layout> layout, std::optional<at::Device> device,
                         std::optional<bool> pin_memory) {
  TORCH_CHECK(!pin_memory.value_or(false), "Only dense CPU tensors can be pinned");
  const npu::NPUGuard guard(deviceOf(device));
  return npu::empty_strided_npu(size, stride, c10::dtype_or_default(dtype));
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("empty.memory_format", TORCH_FN(empty_memory_format));
  m.impl("empty_strided", TORCH_FN(empty_strided));
}

}  // namespace torch_npu::aten
