// Page-locked host memory (aclrtMallocHost / aclrtFreeHost).
//
// Nothing needs pinning without a device, so this is aligned host memory; it
// is tracked so that freeing a pointer it never handed out fails as on CANN.
#pragma once

#include <mutex>

#include "acl/acl_base.h"
#include "live_blocks.h"

namespace npu_sim {

class PinnedHostMemory {
 public:
  aclError allocate(size_t size, void** out);
  aclError release(const void* ptr);
  // Whether [ptr, ptr + length) lies inside one live block.
  bool contains(const void* ptr, size_t length);

 private:
  std::mutex mutex_;
  LiveBlocks live_;
};

}  // namespace npu_sim
