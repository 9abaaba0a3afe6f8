// The host memory that simulated device memory may commit, shared by every
// simulated device of the process.
//
// Device memory is host memory mapped without swap reservation: the host
// commits pages only when they are touched, so a device configured larger
// than the host would let a program fill pages until the kernel's OOM killer
// ends it, with all its work lost. Allocations are counted against this
// budget instead, and the one that would cross it fails like a device
// running out of memory, with a message that names the host as the limit.
#pragma once

#include <atomic>
#include <cstdint>

namespace npu_sim {

class HostMemoryBudget {
 public:
  explicit HostMemoryBudget(uint64_t limit_bytes) noexcept : limit_(limit_bytes) {}

  HostMemoryBudget(const HostMemoryBudget&) = delete;
  HostMemoryBudget& operator=(const HostMemoryBudget&) = delete;

  // Takes `bytes` from the budget; false (nothing taken) when it would cross the limit.
  bool tryCommit(uint64_t bytes) noexcept;
  void release(uint64_t bytes) noexcept;

  uint64_t limit() const noexcept { return limit_; }
  uint64_t committed() const noexcept { return committed_.load(std::memory_order_relaxed); }

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> committed_{0};
};

// What the host can give device memory by default: the memory it has
// available now (MemAvailable), less a 10% margin for everything else the
// process and the machine need. No limit when it cannot be read.
uint64_t defaultHostMemoryLimit() noexcept;

}  // namespace npu_sim
