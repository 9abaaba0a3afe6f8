#include "npu/NPUStorageImpl.h"

#include <c10/core/Allocator.h>

namespace torch_npu::npu {
namespace {

// Null for storages that another library made for the device (they hold ND data).
NPUStorageImpl* npuStorageOf(const at::Tensor& tensor) {
  TORCH_CHECK(tensor.device().type() == c10::DeviceType::PrivateUse1,
              "the NPU format is a property of npu tensors, got a tensor on ", tensor.device());
  return dynamic_cast<NPUStorageImpl*>(tensor.storage().unsafeGetStorageImpl());
}

// c10's hook for storages made outside our factories (torch.UntypedStorage(n, device="npu"),
// torch.load): they hold ND data.
c10::intrusive_ptr<c10::StorageImpl> makeStorageForC10(c10::StorageImpl::use_byte_size_t, c10::SymInt size_bytes,
                                                       c10::DataPtr data_ptr, c10::Allocator* allocator,
                                                       bool resizable) {
  if (data_ptr.get() == nullptr && allocator != nullptr) {
    data_ptr = allocator->allocate(size_bytes.expect_int());
  }
  return c10::make_intrusive<NPUStorageImpl>(c10::StorageImpl::use_byte_size_t(), std::move(size_bytes),
                                             std::move(data_ptr), allocator, resizable, ACL_FORMAT_ND);
}

const bool kStorageHookRegistered = [] {
  c10::SetStorageImplCreate(c10::DeviceType::PrivateUse1, &makeStorageForC10);
  return true;
}();

}  // namespace

NPUStorageImpl::NPUStorageImpl(use_byte_size_t, c10::SymInt size_bytes, c10::DataPtr data_ptr,
                               c10::Allocator* allocator, bool resizable, aclFormat format)
    : c10::StorageImpl(use_byte_size_t(), std::move(size_bytes), std::move(data_ptr), allocator, resizable),
      format_(format) {}

aclFormat base_format(int64_t dim) noexcept {
  switch (dim) {
    case 4:
      return ACL_FORMAT_NCHW;
    case 5:
      return ACL_FORMAT_NCDHW;
    default:
      return ACL_FORMAT_ND;
  }
}

c10::intrusive_ptr<c10::StorageImpl> make_storage(size_t size_bytes, aclFormat format) {
  c10::Allocator* allocator = c10::GetAllocator(c10::DeviceType::PrivateUse1);
  return c10::make_intrusive<NPUStorageImpl>(c10::StorageImpl::use_byte_size_t(), size_bytes,
                                             allocator->allocate(size_bytes), allocator, /*resizable=*/true, format);
}

aclFormat storage_format(const at::Tensor& tensor) {
  const NPUStorageImpl* storage = npuStorageOf(tensor);
  return storage == nullptr ? ACL_FORMAT_ND : storage->format();
}

void set_storage_format(const at::Tensor& tensor, aclFormat format) {
  NPUStorageImpl* storage = npuStorageOf(tensor);
  TORCH_CHECK(storage != nullptr, "this npu tensor's storage was not made by torch_npu, so it can only hold ND data");
  storage->set_format(format);
}

}  // namespace torch_npu::npu
