// A device's memory ranges with an uncorrectable error (UCE), injected by
// npuSimInjectMemoryError, reported by aclrtGetMemUceInfo, cleared by
// aclrtMemUceRepair.
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <vector>

namespace npu_sim {

struct MemoryErrorRange {
  const void* addr;
  size_t len;
  bool operator==(const MemoryErrorRange&) const = default;
};

class MemoryErrors {
 public:
  void record(MemoryErrorRange range) {
    std::lock_guard lock(mutex_);
    if (std::find(ranges_.begin(), ranges_.end(), range) == ranges_.end()) ranges_.push_back(range);
  }
  std::vector<MemoryErrorRange> ranges() const {
    std::lock_guard lock(mutex_);
    return ranges_;
  }
  // False, and nothing repaired, if `range` has no recorded error.
  bool repair(MemoryErrorRange range) {
    std::lock_guard lock(mutex_);
    auto found = std::find(ranges_.begin(), ranges_.end(), range);
    if (found == ranges_.end()) return false;
    ranges_.erase(found);
    return true;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<MemoryErrorRange> ranges_;
};

}  // namespace npu_sim
