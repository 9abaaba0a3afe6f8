#include "npu/NPUHostAllocator.h"

#include <chrono>
#include <map>
#include <mutex>

#include "acl/AclApi.h"
#include "npu/NPUEvent.h"
#include "npu/NPUException.h"
#include "npu/NPUGraphsUtils.h"
#include "npu/NPURuntime.h"
#include "npu/NPUStream.h"
#include "npu_common/no_destructor.h"

#include <torch_npu/compat/VirtualOverrides.h>

namespace torch_npu::npu {
namespace {

// Base address -> size of every live pinned allocation, for isPinnedPointer.
class PinnedRanges {
 public:
  void add(void* base, size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    ranges_[reinterpret_cast<uintptr_t>(base)] = size;
  }
  void remove(void* base) {
    std::lock_guard<std::mutex> lock(mutex_);
    ranges_.erase(reinterpret_cast<uintptr_t>(base));
  }
  bool contains(const void* ptr) const {
    const auto address = reinterpret_cast<uintptr_t>(ptr);
    std::lock_guard<std::mutex> lock(mutex_);
    auto next = ranges_.upper_bound(address);
    if (next == ranges_.begin()) {
      return false;
    }
    --next;
    return address < next->first + next->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<uintptr_t, size_t> ranges_;
};

PinnedRanges& pinnedRanges() {
  static PinnedRanges ranges;
  return ranges;
}

using Block = at::HostBlock<NPUStream>;

struct NPUHostAllocatorImpl final : public at::CachingHostAllocatorImpl<NPUStream, NPUEvent> {
 private:
  void allocate_host_memory(size_t size, void** ptr) override {
    ensureRuntimeInitialized();
    const auto start = std::chrono::steady_clock::now();
    NPU_CHECK(acl::aclrtMallocHost(ptr, size));
    recordDuration(stats_.host_alloc_time, start);
    pinnedRanges().add(*ptr, size);
  }

  void free_block(Block* block) override {
    pinnedRanges().remove(block->ptr_);
    const auto start = std::chrono::steady_clock::now();
    NPU_CHECK(acl::aclrtFreeHost(block->ptr_));
    recordDuration(stats_.host_free_time, start);
  }

  // host_memory_stats' host_alloc_time / host_free_time, in microseconds.
  void recordDuration(c10::CachingAllocator::DurationStat& stat, std::chrono::steady_clock::time_point start) {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
    std::lock_guard<std::mutex> lock(stats_.timing_mutex_);
    stat.increase(elapsed);
  }

  void record_stream(std::optional<std::vector<NPUEvent>>& events, NPUStream stream) override {
    NPUEvent event;
    event.record(stream);
    events->push_back(std::move(event));
  }

  bool query_event(NPUEvent& event) override { return event.query(); }

  NPUStream get_current_stream() const TORCH_NPU_OVERRIDE_SINCE_2_11 { return getCurrentNPUStream(); }

  bool stream_is_capturing(NPUStream stream) const TORCH_NPU_OVERRIDE_SINCE_2_11 {
    return isStreamCapturing(stream.stream());
  }
};

void deletePinned(void* ctx) noexcept;

struct NPUHostAllocator final : public at::CachingHostAllocatorInterface<NPUHostAllocatorImpl, deletePinned> {};

// Never destroyed: cached blocks would outlive the runtime at process exit.
NPUHostAllocator& hostAllocator() {
  static npu_common::NoDestructor<NPUHostAllocator> allocator;
  return *allocator;
}

// The deleter of pinned DataPtrs: it runs in destructors, so it must not throw.
void deletePinned(void* ctx) noexcept {
  releaseWithoutThrowing("pinned host memory", ctx, [ctx] { hostAllocator().free(ctx); });
}

struct RegisterHostAllocator {
  RegisterHostAllocator() { at::setHostAllocator(c10::DeviceType::PrivateUse1, &hostAllocator()); }
} register_host_allocator;

}  // namespace

at::HostAllocator* getNPUHostAllocator() {
  return &hostAllocator();
}

bool isPinnedPointer(const void* ptr) {
  return pinnedRanges().contains(ptr);
}

}  // namespace torch_npu::npu
