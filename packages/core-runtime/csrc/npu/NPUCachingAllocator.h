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
  std::vector<BlockInfo> blocks;
};

// The allocator registered for PrivateUse1; lives for the whole process.
c10::DeviceAllocator* get();

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
// and the segments of graph pools that no graph uses any more.
void emptyCache();

// NPU graph capture (NPUGraph.h). Until endAllocateToPool, allocations on
// `device` for streams where `filter` is true come from the private pool
// `mempool_id` (created on first use; each begin counts one more user), and,
// unless `mode` is relaxed, an allocation elsewhere that needs new device
// memory raises, as on CUDA. releasePool drops one user; once none is left,
// emptyCache returns the pool's memory.
void beginAllocateToPool(c10::DeviceIndex device, c10::MempoolId_t mempool_id,
                         std::function<bool(aclrtStream)> filter, aclmdlRICaptureMode mode);
void endAllocateToPool(c10::DeviceIndex device, c10::MempoolId_t mempool_id);
void releasePool(c10::DeviceIndex device, c10::MempoolId_t mempool_id);

// Limits the memory this process may reserve on `device` to
// `fraction` * total device memory; allocations beyond raise OOM.
void setMemoryFraction(double fraction, c10::DeviceIndex device);
double getMemoryFraction(c10::DeviceIndex device);

DeviceStats getDeviceStats(c10::DeviceIndex device);
void resetAccumulatedStats(c10::DeviceIndex device);
void resetPeakStats(c10::DeviceIndex device);

// Every segment of every device with its blocks, ordered by device and address.
std::vector<SegmentInfo> snapshot();

// (free, total) device memory in bytes, as the runtime reports it.
std::pair<size_t, size_t> getMemoryInfo(c10::DeviceIndex device);

// False when PYTORCH_NO_NPU_MEMORY_CACHING disables caching.
bool isCachingEnabled();

// "native": the only backend.
std::string name();

}  // namespace torch_npu::npu::NPUCachingAllocator
