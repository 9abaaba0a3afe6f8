// The caching allocator of page-locked host memory behind pin_memory() and
// truly asynchronous host<->device copies.
#pragma once

#include <ATen/core/CachingHostAllocator.h>

namespace torch_npu::npu {

at::HostAllocator* getNPUHostAllocator();

// True when `ptr` lies in memory this allocator handed out.
bool isPinnedPointer(const void* ptr);

}  // namespace torch_npu::npu
