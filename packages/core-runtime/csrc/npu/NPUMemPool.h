// torch.npu.MemPool: a private pool of the caching allocator that allocations
// can be routed into (use_mem_pool) and that graphs can capture into; the
// counterpart of c10::cuda::MemPool.
#pragma once

#include <c10/core/Allocator.h>
#include <c10/core/Device.h>

#include "npu/NPUCachingAllocator.h"

namespace torch_npu::npu {

// A new pool id, unique in the process: {0, n} for pools that users create or
// share (MemPool, graph_pool_handle), {n, 0} for a graph's own pool.
c10::MempoolId_t newMempoolId(bool user_created);

class MemPool {
 public:
  // Creates the pool on the current device; the object is its first user.
  explicit MemPool(bool is_user_created = true, NPUCachingAllocator::PoolOptions options = {});
  ~MemPool();
  MemPool(const MemPool&) = delete;
  MemPool& operator=(const MemPool&) = delete;

  c10::MempoolId_t id() const { return id_; }
  c10::DeviceIndex device() const { return device_; }
  // Users of the pool: this object, graphs that captured into it, routings under way.
  int use_count() const;

 private:
  c10::MempoolId_t id_;
  c10::DeviceIndex device_;
};

}  // namespace torch_npu::npu
