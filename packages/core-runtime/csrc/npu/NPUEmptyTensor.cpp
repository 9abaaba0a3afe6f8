#include "npu/NPUEmptyTensor.h"

#include <ATen/EmptyTensor.h>

#include "npu/NPUStorageImpl.h"

namespace torch_npu::npu {
namespace {

at::Tensor tensorOver(c10::intrusive_ptr<c10::StorageImpl> storage, at::ScalarType dtype) {
  return at::detail::make_tensor_base<c10::TensorImpl>(c10::Storage(std::move(storage)),
                                                       c10::DispatchKeySet(c10::DispatchKey::PrivateUse1),
                                                       c10::scalarTypeToTypeMeta(dtype));
}

}  // namespace

at::Tensor empty_npu(c10::IntArrayRef size, at::ScalarType dtype, std::optional<at::MemoryFormat> memory_format) {
  at::detail::check_size_nonnegative(size);
  const size_t bytes = at::detail::computeStorageNbytesContiguous(size, c10::elementSize(dtype));
  at::Tensor tensor = tensorOver(make_storage(bytes, base_format(static_cast<int64_t>(size.size()))), dtype);
  // A new TensorImpl has the sizes [0].
  if (size.size() != 1 || size[0] != 0) {
    tensor.unsafeGetTensorImpl()->set_sizes_contiguous(size);
  }
  if (memory_format.has_value() && *memory_format != at::MemoryFormat::Contiguous) {
    tensor.unsafeGetTensorImpl()->empty_tensor_restride(*memory_format);
  }
  return tensor;
}

at::Tensor empty_strided_npu(c10::IntArrayRef size, c10::IntArrayRef stride, at::ScalarType dtype) {
  at::detail::check_size_nonnegative(size);
  const size_t bytes = at::detail::computeStorageNbytes(size, stride, c10::elementSize(dtype));
  at::Tensor tensor = tensorOver(make_storage(bytes, base_format(static_cast<int64_t>(size.size()))), dtype);
  tensor.unsafeGetTensorImpl()->set_sizes_and_strides(size, stride);
  return tensor;
}

}  // namespace torch_npu::npu
