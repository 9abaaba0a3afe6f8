#include "memory_arena.h"

#include <cinttypes>

#include "device_memory_faults.h"
#include "error.h"

namespace npu_sim {

aclError MemoryArena::chargeLocked(size_t size) {
  const uint64_t footprint = footprintOf(size);
  if (footprint > capacity_ - used_) {
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                "Out of memory: tried to allocate %zu bytes on device %d; capacity %" PRIu64 " bytes, in use %" PRIu64
                " bytes, free %" PRIu64 " bytes",
                size, device_index_, capacity_, used_, capacity_ - used_);
  }
  if (!host_budget_.tryCommit(footprint)) {
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                "Out of memory: the host, not device %d, is the limit: simulated devices may commit %" PRIu64
                " bytes of host memory (TORCH_NPU_SIM_HOST_MEMORY_MB, default the host's available memory less "
                "10%%), %" PRIu64 " are committed, %zu more were asked for",
                device_index_, host_budget_.limit(), host_budget_.committed(), size);
  }
  used_ += footprint;
  return ACL_SUCCESS;
}

aclError MemoryArena::charge(size_t size) {
  std::lock_guard lock(mutex_);
  return chargeLocked(size);
}

void MemoryArena::refund(size_t size) {
  const uint64_t footprint = footprintOf(size);
  std::lock_guard lock(mutex_);
  used_ -= footprint;
  host_budget_.release(footprint);
}

aclError MemoryArena::allocate(size_t size, void** out) {
  const uint64_t footprint = footprintOf(size);
  std::lock_guard lock(mutex_);
  if (aclError error = chargeLocked(size); error != ACL_SUCCESS) return error;
  std::optional<HostBacking> block = HostBacking::reserve(size, host_access_);
  if (!block) {
    used_ -= footprint;
    host_budget_.release(footprint);
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                "Out of memory: the host could not reserve %zu bytes of address space for device %d", size,
                device_index_);
  }
  *out = block->data();
  if (host_access_ == HostAccess::SimulatorOnly) addProtectedRange(block->data(), block->size(), device_index_);
  live_.insert(std::move(*block));
  return ACL_SUCCESS;
}

aclError MemoryArena::release(const void* ptr) {
  std::optional<HostBacking> block;
  {
    std::lock_guard lock(mutex_);
    block = live_.extract(ptr);
    if (!block) {
      return fail(ACL_ERROR_RT_MEMORY_FREE, "%p is not the start of a live allocation on device %d", ptr,
                  device_index_);
    }
    if (host_access_ == HostAccess::SimulatorOnly) removeProtectedRange(block->data());
    used_ -= block->footprint();
    host_budget_.release(block->footprint());
  }
  // `block` unmaps here, outside the lock.
  return ACL_SUCCESS;
}

std::optional<BlockSpan> MemoryArena::findContaining(const void* ptr) const {
  std::lock_guard lock(mutex_);
  return live_.findContaining(ptr);
}

uint64_t MemoryArena::used() const {
  std::lock_guard lock(mutex_);
  return used_;
}

}  // namespace npu_sim
