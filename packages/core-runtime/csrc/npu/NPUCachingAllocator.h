// The NPU caching device allocator, in the design of PyTorch's
// CUDACachingAllocator.
//
// Device memory is obtained from aclrtMalloc in segments and handed out in
// blocks; freed blocks are cached per stream and reused, split and merged
// instead of going back to the device. It is registered as the allocator of
// c10::DeviceType::PrivateUse1, so at::empty on "npu", torch.accelerator's
// memory functions and torch.npu.memory all see the same state.
//
// Settings come from PYTORCH_NPU_ALLOC_CONF (see NPUAllocatorConfig.h).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <c10/core/CachingDeviceAllocator.h>

#include "acl/acl_rt.h"
#include "npu/NPUStream.h"

namespace torch_npu::npu::NPUCachingAllocator {

using c10::CachingDeviceAllocator::DeviceStats;

// One block of a segment, as memory snapshots report it.
struct BlockInfo {
  size_t size = 0;
  size_t requested_size = 0;  // what the caller asked for, before rounding
  bool allocated = false;
  bool active = false;  // allocated, or freed while another stream may still use it
};

// One device allocation (from aclrtMalloc) and the blocks it is split into, in address order.
struct SegmentInfo {
  c10::DeviceIndex device = 0;
  size_t address = 0;
  size_t total_size = 0;
  size_t requested_size = 0;
  size_t allocated_size = 0;
  size_t active_size = 0;
  aclrtStream stream = nullptr;
  bool is_large = false;
  bool is_expandable = false;
  // The private pool the segment belongs to; {0, 0} for the device's default pools.
  c10::MempoolId_t owner_pool_id{0, 0};
  std::vector<BlockInfo> blocks;
};

// The allocator registered for PrivateUse1 (this one, or the pluggable one
// installed by change_current_allocator); lives for the whole process.
c10::DeviceAllocator* get();

// Whether this allocator has been set up (it served or reported something).
bool hasServed();

// Raw interface (caching_allocator_alloc/delete): the pointer is its own
// handle. `raw_alloc` uses the current device's current stream.
void* raw_alloc(size_t nbytes);
// Allocates on the current device for use on `stream`.
void* raw_alloc_with_stream(size_t nbytes, aclrtStream stream);
void raw_delete(void* ptr);

// Marks `ptr` (from this allocator) as used on `stream`: when freed, its
// block is not reused until the work enqueued on `stream` so far is done.
void recordStream(const c10::DataPtr& ptr, NPUStream stream);

// Returns every cached, unused segment of every device to the runtime,
// and the segments of private pools that nothing uses any more.
void emptyCache();
// Returns the cached, unused segments of private pool `mempool_id` only
// ({0, 0}: as emptyCache()); the pool goes once it has no user and no segment.
void emptyCache(c10::MempoolId_t mempool_id);
// With expandable segments: unmaps the free pages of every expandable segment,
// keeping the physical memory for later mappings (emptyCache frees it).
// Raises without expandable segments.
void emptyVirtAddrCache();

// Private pools: segments that only the allocations routed to the pool use
// (NPU graph captures, torch.npu.MemPool). A pool counts its users (graphs,
// MemPool objects, routings under way); once none is left, emptyCache returns
// its memory.
struct PoolOptions {
  // Allocations outside the pool may take its cached blocks when the device is out of memory.
  bool use_on_oom = false;
  // The pool hands out whole blocks and never splits them.
  bool no_split = false;
};
// Creates pool `mempool_id` on `device` with `options`, or counts one more user of it.
void createOrIncrefPool(c10::DeviceIndex device, c10::MempoolId_t mempool_id, PoolOptions options = {});
// Drops one user of the pool.
void releasePool(c10::DeviceIndex device, c10::MempoolId_t mempool_id);
// Users of the pool; 0 if it does not exist (any more).
int getPoolUseCount(c10::DeviceIndex device, c10::MempoolId_t mempool_id);

// NPU graph capture (NPUGraph.h). Until endAllocateToPool, allocations on
// `device` for streams where `filter` is true come from private pool
// `mempool_id` (created on first use; the capture counts as one user), and,
// unless `mode` is relaxed, an allocation elsewhere that needs new device
// memory raises, as on CUDA.
void beginAllocateToPool(c10::DeviceIndex device, c10::MempoolId_t mempool_id,
                         std::function<bool(aclrtStream)> filter, aclmdlRICaptureMode mode);
// torch.npu.use_mem_pool: until endAllocateToPool, this thread's allocations
// on `device` come from pool `mempool_id` (counted as one user); nothing else
// is restricted.
void beginAllocateCurrentThreadToPool(c10::DeviceIndex device, c10::MempoolId_t mempool_id);
void endAllocateToPool(c10::DeviceIndex device, c10::MempoolId_t mempool_id);

// Limits the memory this process may reserve on `device` to
// `fraction` * total device memory; allocations beyond raise OOM.
void setMemoryFraction(double fraction, c10::DeviceIndex device);
double getMemoryFraction(c10::DeviceIndex device);

DeviceStats getDeviceStats(c10::DeviceIndex device);
void resetAccumulatedStats(c10::DeviceIndex device);
void resetPeakStats(c10::DeviceIndex device);

// Whether any of the byte ranges [address, address + size) overlaps memory
// this allocator holds on `device` (allocated or cached).
bool holdsAnyOf(c10::DeviceIndex device, const std::vector<std::pair<uintptr_t, size_t>>& ranges);

// Every segment of every device with its blocks, ordered by device and address.
std::vector<SegmentInfo> snapshot();

// (free, total) device memory in bytes, as the runtime reports it.
std::pair<size_t, size_t> getMemoryInfo(c10::DeviceIndex device);

// False when PYTORCH_NO_NPU_MEMORY_CACHING disables caching.
bool isCachingEnabled();

// "native", or "pluggable" once an NPUPluggableAllocator is installed.
std::string name();

}  // namespace torch_npu::npu::NPUCachingAllocator
