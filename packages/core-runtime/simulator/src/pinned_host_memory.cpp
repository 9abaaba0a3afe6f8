#include "pinned_host_memory.h"

#include "error.h"

namespace npu_sim {

aclError PinnedHostMemory::allocate(size_t size, void** out) {
  std::optional<HostBacking> block = HostBacking::reserve(size);
  if (!block) {
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "Out of memory: could not allocate %zu bytes of host memory", size);
  }
  *out = block->data();
  std::lock_guard lock(mutex_);
  live_.insert(std::move(*block));
  return ACL_SUCCESS;
}

aclError PinnedHostMemory::release(const void* ptr) {
  std::optional<HostBacking> block;
  {
    std::lock_guard lock(mutex_);
    block = live_.extract(ptr);
  }
  if (!block) {
    return fail(ACL_ERROR_RT_MEMORY_FREE, "%p was not returned by aclrtMallocHost or was already freed", ptr);
  }
  return ACL_SUCCESS;
}

bool PinnedHostMemory::contains(const void* ptr, size_t length) {
  std::lock_guard lock(mutex_);
  const std::optional<BlockSpan> block = live_.findContaining(ptr);
  return block && block->covers(ptr, length);
}

}  // namespace npu_sim
