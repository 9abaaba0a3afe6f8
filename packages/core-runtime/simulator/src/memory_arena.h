// One device's memory: capacity accounting and its live allocations.
//
// Allocations count against the device's configured capacity, and against the
// host memory budget all devices share: exceeding either fails like a real
// device running out of HBM. The
// live allocations let copies and fills check that every device-side range
// lies inside one allocation, where hardware would raise a memory fault.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "acl/acl_base.h"
#include "host_backing.h"
#include "host_memory_budget.h"
#include "live_blocks.h"

namespace npu_sim {

class MemoryArena {
 public:
  MemoryArena(int32_t device_index, uint64_t capacity_bytes, HostMemoryBudget& host_budget,
              HostAccess host_access) noexcept
      : device_index_(device_index), capacity_(capacity_bytes), host_budget_(host_budget), host_access_(host_access) {}

  // ACL_ERROR_RT_MEMORY_ALLOCATION (with an "Out of memory" message) when the
  // device's remaining capacity is too small or the host cannot back it (its
  // budget shared by all devices, or its address space).
  aclError allocate(size_t size, void** out);
  // Counts `size` bytes of memory held elsewhere (aclrtMallocPhysical) as
  // allocate would, failing as it would; refund() gives them back.
  aclError charge(size_t size);
  void refund(size_t size);
  // Frees the allocation starting at `ptr`; ACL_ERROR_RT_MEMORY_FREE if none does.
  aclError release(const void* ptr);
  std::optional<BlockSpan> findContaining(const void* ptr) const;

  uint64_t capacity() const noexcept { return capacity_; }
  uint64_t used() const;

 private:
  static uint64_t footprintOf(size_t size) noexcept {
    return (uint64_t{size} + HostBacking::kAlignment - 1) / HostBacking::kAlignment * HostBacking::kAlignment;
  }
  aclError chargeLocked(size_t size);

  const int32_t device_index_;
  const uint64_t capacity_;
  HostMemoryBudget& host_budget_;
  const HostAccess host_access_;
  mutable std::mutex mutex_;
  uint64_t used_ = 0;  // sum of the live allocations' footprints
  LiveBlocks live_;
};

}  // namespace npu_sim
