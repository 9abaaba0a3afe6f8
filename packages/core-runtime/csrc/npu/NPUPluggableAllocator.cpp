#include "npu/NPUPluggableAllocator.h"

#include <atomic>

#include <c10/core/Allocator.h>
#include <c10/util/Exception.h>

#include "acl/AclApi.h"
#include "npu/NPUCachingAllocator.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUGuardImpl.h"
#include "npu/NPUStream.h"

namespace torch_npu::npu::NPUPluggableAllocator {
namespace {

// Set once; kept for the process (tensors allocated by it may outlive every other owner).
std::atomic<PluggableAllocator*> installed{nullptr};
std::shared_ptr<PluggableAllocator>& installedOwner() {
  static std::shared_ptr<PluggableAllocator> owner;
  return owner;
}

void deleteCustom(void* ptr) noexcept {
  releaseWithoutThrowing("NPU memory", ptr, [ptr] { installed.load(std::memory_order_acquire)->rawDelete(ptr); });
}

}  // namespace

void* PluggableAllocator::rawAlloc(size_t nbytes, c10::DeviceIndex device, aclrtStream stream) {
  if (nbytes == 0) {
    return nullptr;
  }
  const NPUGuard on_device(device);
  void* ptr = alloc_fn_(nbytes, static_cast<int>(device), stream);
  TORCH_CHECK_WITH(OutOfMemoryError, ptr != nullptr, "NPU out of memory. Tried to allocate ",
                   c10::CachingAllocator::format_size(nbytes), " (NPU ", static_cast<int>(device),
                   "): the NPUPluggableAllocator's allocation function returned null");
  std::lock_guard<std::mutex> lock(mutex_);
  allocations_.emplace(ptr, Allocation{nbytes, device, stream});
  return ptr;
}

void PluggableAllocator::rawDelete(void* ptr) {
  if (ptr == nullptr) {
    return;
  }
  Allocation allocation{};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = allocations_.find(ptr);
    TORCH_CHECK(found != allocations_.end(), "Trying to free a pointer not allocated here");
    allocation = found->second;
    allocations_.erase(found);
  }
  const NPUGuard on_device(allocation.device);
  free_fn_(ptr, allocation.size, static_cast<int>(allocation.device), allocation.stream);
}

c10::DataPtr PluggableAllocator::allocate(size_t nbytes) {
  const c10::DeviceIndex device = current_device();
  void* ptr = rawAlloc(nbytes, device, getCurrentNPUStream(device).stream());
  return {ptr, ptr, &deleteCustom, c10::Device(c10::DeviceType::PrivateUse1, device)};
}

c10::DeleterFnPtr PluggableAllocator::raw_deleter() const {
  return &deleteCustom;
}

void PluggableAllocator::copy_data(void* dest, const void* src, std::size_t count) const {
  if (count == 0) {
    return;
  }
  NPU_CHECK(acl::aclrtMemcpyAsync(dest, count, src, count, ACL_MEMCPY_DEVICE_TO_DEVICE, getCurrentNPUStream()));
}

void PluggableAllocator::emptyCache(c10::MempoolId_t /*mempool_id*/) {
  TORCH_WARN_ONCE("NPUPluggableAllocator does not yet support emptyCache: the library's functions decide when "
                  "memory goes back to the device.");
}

c10::CachingDeviceAllocator::DeviceStats PluggableAllocator::getDeviceStats(c10::DeviceIndex /*device*/) {
  raiseUnsupported("getDeviceStats");
}

void PluggableAllocator::resetAccumulatedStats(c10::DeviceIndex /*device*/) {
  raiseUnsupported("resetAccumulatedStats");
}

void PluggableAllocator::resetPeakStats(c10::DeviceIndex /*device*/) {
  raiseUnsupported("resetPeakStats");
}

void raiseUnsupported(const char* what) {
  TORCH_CHECK(false, "NPUPluggableAllocator does not yet support ", what,
              ". If you need it, please file an issue describing your use case.");
}

void changeCurrentAllocator(std::shared_ptr<PluggableAllocator> allocator) {
  TORCH_CHECK(allocator != nullptr, "change_current_allocator: no allocator given");
  TORCH_CHECK(installed.load(std::memory_order_acquire) == nullptr && !NPUCachingAllocator::hasServed(),
              "Can't swap an already initialized allocator");
  installedOwner() = std::move(allocator);
  installed.store(installedOwner().get(), std::memory_order_release);
  c10::SetAllocator(c10::DeviceType::PrivateUse1, installedOwner().get());
}

PluggableAllocator* current() noexcept {
  return installed.load(std::memory_order_acquire);
}

}  // namespace torch_npu::npu::NPUPluggableAllocator
