#include "npu/NPUHooks.h"

#include <c10/core/CachingDeviceAllocator.h>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUGenerator.h"
#include "npu/NPUGuardImpl.h"
#include "npu/NPUHostAllocator.h"
#include "npu/NPURuntime.h"
#include "npu/NPUStream.h"

namespace torch_npu::npu {

void NPUHooks::init() const {
  ensureRuntimeInitialized();
}

bool NPUHooks::isAvailable() const {
  return device_count() > 0;
}

bool NPUHooks::hasPrimaryContext(c10::DeviceIndex device_index) const {
  return has_primary_context(device_index);
}

c10::DeviceIndex NPUHooks::deviceCount() const {
  return device_count();
}

void NPUHooks::setCurrentDevice(c10::DeviceIndex device) const {
  set_device(device);
}

c10::DeviceIndex NPUHooks::getCurrentDevice() const {
  return current_device();
}

c10::DeviceIndex NPUHooks::exchangeDevice(c10::DeviceIndex device) const {
  return exchange_device(device);
}

c10::DeviceIndex NPUHooks::maybeExchangeDevice(c10::DeviceIndex device) const {
  return exchange_device(device);
}

const at::Generator& NPUHooks::getDefaultGenerator(c10::DeviceIndex device_index) const {
  return getDefaultNPUGenerator(device_index);
}

at::Generator NPUHooks::getNewGenerator(c10::DeviceIndex device_index) const {
  return createNPUGenerator(device_index);
}

at::Device NPUHooks::getDeviceFromPtr(void* data) const {
  // Only the simulator can map an address back to its device so far.
  using DeviceOfPointer = int32_t (*)(const void*);
  static const auto device_of_pointer =
      reinterpret_cast<DeviceOfPointer>(acl::resolveSymbol(nullptr, "npuSimDeviceOfPointer"));
  TORCH_CHECK(device_of_pointer != nullptr,
              "Finding the device of a pointer is not supported on a real CANN toolkit yet.");
  const int32_t device = device_of_pointer(data);
  TORCH_CHECK(device >= 0, "The pointer ", data, " is not NPU device memory.");
  return at::Device(c10::DeviceType::PrivateUse1, static_cast<c10::DeviceIndex>(device));
}

bool NPUHooks::isPinnedPtr(const void* data) const {
  return isPinnedPointer(data);
}

at::Allocator* NPUHooks::getPinnedMemoryAllocator() const {
  return getNPUHostAllocator();
}

void NPUHooks::resizePrivateUse1Bytes(const c10::Storage& storage, size_t new_bytes) const {
  TORCH_CHECK(storage.resizable(), "Trying to resize storage that is not resizable");
  c10::StorageImpl* impl = storage.unsafeGetStorageImpl();
  const size_t old_bytes = impl->nbytes();
  if (new_bytes == old_bytes) {
    return;
  }
  c10::DataPtr new_data = new_bytes == 0 ? at::DataPtr(nullptr, impl->device())
                                         : impl->allocator()->allocate(new_bytes);
  const size_t kept = std::min(old_bytes, new_bytes);
  if (kept > 0) {
    const NPUGuard guard(impl->device());
    NPU_CHECK(acl::aclrtMemcpyAsync(new_data.get(), new_bytes, impl->data(), kept, ACL_MEMCPY_DEVICE_TO_DEVICE,
                                    getCurrentNPUStream().stream()));
  }
  impl->set_data_ptr_noswap(std::move(new_data));
  impl->set_nbytes(new_bytes);
}

void registerHooks() {
  static NPUHooks hooks;
  static const bool registered = [] {
    at::RegisterPrivateUse1HooksInterface(&hooks);
    return true;
  }();
  (void)registered;
}

}  // namespace torch_npu::npu
