// torch.npu.memory.NPUPluggableAllocator: device memory served by functions
// of the user's own shared library instead of the caching allocator, as
// torch.cuda's CUDAPluggableAllocator.
//
// change_current_allocator installs one before the caching allocator served
// anything; from then on tensors, caching_allocator_alloc and the allocator
// entry points of NPUCachingAllocator.h go to it for the rest of the process.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>

#include <c10/core/CachingDeviceAllocator.h>
#include <c10/util/flat_hash_map.h>

#include "acl/acl_rt.h"

namespace torch_npu::npu::NPUPluggableAllocator {

// The library's functions, with the signatures the reference documents.
using AllocFn = void* (*)(size_t size, int device, aclrtStream stream);
using FreeFn = void (*)(void* ptr, size_t size, int device, aclrtStream stream);

class PluggableAllocator final : public c10::DeviceAllocator {
 public:
  PluggableAllocator(AllocFn alloc_fn, FreeFn free_fn) : alloc_fn_(alloc_fn), free_fn_(free_fn) {}

  // Allocates on `device` for use on `stream`; null for 0 bytes.
  void* rawAlloc(size_t nbytes, c10::DeviceIndex device, aclrtStream stream);
  // Hands `ptr` back to the library with the size, device and stream it was allocated with.
  void rawDelete(void* ptr);

  c10::DataPtr allocate(size_t nbytes) override;
  c10::DeleterFnPtr raw_deleter() const override;
  void copy_data(void* dest, const void* src, std::size_t count) const override;
  bool initialized() override { return true; }
  void emptyCache(c10::MempoolId_t mempool_id) override;
  // The library sees the stream of each allocation; ordering other streams' use is its concern.
  void recordStream(const c10::DataPtr& /*ptr*/, c10::Stream /*stream*/) override {}
  c10::CachingDeviceAllocator::DeviceStats getDeviceStats(c10::DeviceIndex device) override;
  void resetAccumulatedStats(c10::DeviceIndex device) override;
  void resetPeakStats(c10::DeviceIndex device) override;

 private:
  struct Allocation {
    size_t size;
    c10::DeviceIndex device;
    aclrtStream stream;
  };

  const AllocFn alloc_fn_;
  const FreeFn free_fn_;
  std::mutex mutex_;
  ska::flat_hash_map<void*, Allocation> allocations_;
};

// Raises the reference's message for what a pluggable allocator cannot do.
[[noreturn]] void raiseUnsupported(const char* what);

// Installs `allocator` for PrivateUse1; raises if the caching allocator (or an
// earlier pluggable one) has served anything already.
void changeCurrentAllocator(std::shared_ptr<PluggableAllocator> allocator);

// The installed allocator, or null while the caching allocator serves.
PluggableAllocator* current() noexcept;

}  // namespace torch_npu::npu::NPUPluggableAllocator
