#include "aten/HostMirror.h"

#include <ATen/ops/empty.h>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUHostAllocator.h"

namespace torch_npu::aten {
namespace {

// The element range [first, first + count) of its storage that a view touches.
struct StorageSpan {
  int64_t first = 0;
  int64_t count = 0;
};

StorageSpan spanOf(const at::Tensor& view) {
  if (view.numel() == 0) {
    return {view.storage_offset(), 0};
  }
  int64_t last = view.storage_offset();
  for (int64_t dim = 0; dim < view.dim(); ++dim) {
    last += (view.size(dim) - 1) * view.stride(dim);
  }
  return {view.storage_offset(), last - view.storage_offset() + 1};
}

// A CPU tensor viewing `buffer` (which holds `span` of the device storage)
// with the device view's geometry and lazy conj/neg bits.
at::Tensor viewLike(const at::Tensor& buffer, const at::Tensor& device_view, const StorageSpan& span) {
  at::Tensor view = buffer.as_strided(device_view.sizes(), device_view.strides(),
                                      device_view.storage_offset() - span.first);
  if (device_view.is_conj()) {
    view = view._conj();
  }
  if (device_view.is_neg()) {
    view = view._neg_view();
  }
  return view;
}

}  // namespace

at::Tensor emptyPinned(c10::IntArrayRef sizes, c10::IntArrayRef strides, at::ScalarType dtype) {
  const size_t bytes = at::detail::computeStorageNbytes(sizes, strides, c10::elementSize(dtype));
  at::Allocator* allocator = npu::getNPUHostAllocator();
  at::Storage storage(at::Storage::use_byte_size_t(), bytes, allocator->allocate(bytes), allocator, false);
  return at::empty({0}, at::TensorOptions().dtype(dtype)).set_(storage, 0, sizes, strides);
}

void recordPinnedUse(const at::Tensor& tensor, const npu::NPUStream& stream) {
  const c10::DataPtr& data = tensor.storage().data_ptr();
  npu::getNPUHostAllocator()->record_event(data.get(), data.get_context(), stream.unwrap());
}

at::Tensor readToHost(const at::Tensor& device_view, const npu::NPUStream& stream) {
  const StorageSpan span = spanOf(device_view);
  at::Tensor buffer = emptyPinned({span.count}, {1}, device_view.scalar_type());
  if (span.count > 0) {
    const size_t bytes = span.count * device_view.element_size();
    const auto* source = static_cast<const char*>(device_view.storage().data()) + span.first * device_view.element_size();
    NPU_CHECK(acl::aclrtMemcpyAsync(buffer.data_ptr(), bytes, source, bytes, ACL_MEMCPY_DEVICE_TO_HOST, stream));
    stream.synchronize();
  }
  return viewLike(buffer, device_view, span);
}

void writeFromHost(const at::Tensor& host_mirror, const at::Tensor& device_view, const npu::NPUStream& stream) {
  const StorageSpan span = spanOf(device_view);
  if (span.count == 0) {
    return;
  }
  const size_t bytes = span.count * device_view.element_size();
  auto* target = static_cast<char*>(device_view.storage().mutable_data()) + span.first * device_view.element_size();
  const auto* source = static_cast<const char*>(host_mirror.storage().data());
  NPU_CHECK(acl::aclrtMemcpyAsync(target, bytes, source, bytes, ACL_MEMCPY_HOST_TO_DEVICE, stream));
  recordPinnedUse(host_mirror, stream);
}

}  // namespace torch_npu::aten
