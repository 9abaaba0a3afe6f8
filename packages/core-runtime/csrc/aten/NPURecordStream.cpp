// Tensor.record_stream: tells the caching allocator a stream uses the memory.
#include <c10/core/CachingDeviceAllocator.h>
#include <torch/library.h>

namespace torch_npu::aten {
namespace {

void record_stream(at::Tensor& self, c10::Stream stream) {
  TORCH_CHECK(stream.device_type() == c10::DeviceType::PrivateUse1, "record_stream expects an NPU stream, got ",
              stream);
  c10::getDeviceAllocator(c10::DeviceType::PrivateUse1)->recordStream(self.storage().data_ptr(), stream);
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("record_stream", TORCH_FN(record_stream));
}

}  // namespace torch_npu::aten
