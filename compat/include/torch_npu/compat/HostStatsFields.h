// at::HostStats' counters, under the names torch.cuda.host_memory_stats gives
// them in the same release. 2.13 counts blocks owned (allocations,
// allocated_bytes) and handed out (active_requests, active_bytes); 2.9 calls
// the handed-out ones allocation / allocated_bytes and the owned ones segment /
// reserved_bytes. A release in between is taken as 2.9's (unchecked).
#pragma once

#include <ATen/core/CachingHostAllocator.h>

#include <torch_npu/compat/TorchVersion.h>

namespace torch_npu::compat {

// Calls visit(name, stat) for each counter of `stats`.
template <typename Visit>
void forEachHostStat(const at::HostStats& stats, Visit&& visit) {
#if TORCH_NPU_TORCH_AT_LEAST(2, 13)
  visit("allocations", stats.allocations);
  visit("allocated_bytes", stats.allocated_bytes);
  visit("active_requests", stats.active_requests);
  visit("active_bytes", stats.active_bytes);
#else
  visit("allocation", stats.allocation);
  visit("segment", stats.segment);
  visit("allocated_bytes", stats.allocated_bytes);
  visit("reserved_bytes", stats.reserved_bytes);
#endif
}

}  // namespace torch_npu::compat
