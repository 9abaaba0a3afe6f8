// Settings of the NPU caching allocator, read from the environment.
//
// PYTORCH_NPU_ALLOC_CONF takes the same comma-separated `key:value` syntax as
// PYTORCH_CUDA_ALLOC_CONF:
//   max_split_size_mb:N             blocks larger than N MiB are never split
//   garbage_collection_threshold:T  (0 < T < 1) when reserved memory exceeds
//                                   T * allowed memory, release cached blocks
//                                   (oldest first) before asking for more
//   roundup_power2_divisions:N      round request sizes up to one of N
//                                   divisions of a power-of-two interval;
//                                   or per-size: [256:1,512:2,>:4] (MiB keys)
//   expandable_segments:True|False  grow each stream's pool in one reservation of
//                                   address space, mapping pages as needed
//   backend:native                  the only backend there is
// PYTORCH_NO_NPU_MEMORY_CACHING=1 turns caching off: every free goes straight
// back to the device.
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace torch_npu::npu::NPUCachingAllocator {

class NPUAllocatorConfig {
 public:
  // Size intervals that roundup_power2_divisions can tune separately:
  // index 0 holds sizes below 1 MiB, index i (1..16) sizes in
  // [2^(i-1) MiB, 2^i MiB), the last index sizes of 64 GiB and more.
  static constexpr size_t kRoundupIntervals = 18;
  static size_t roundupIntervalIndex(size_t size);
  static constexpr size_t kNoMaxSplit = std::numeric_limits<size_t>::max();

  // The process-wide settings. Parses the environment on first use and
  // raises (every time, until fixed) if PYTORCH_NPU_ALLOC_CONF is invalid.
  static const NPUAllocatorConfig& instance();

  // Parses a PYTORCH_NPU_ALLOC_CONF string; raises c10::ValueError naming the
  // offending option. `caching_enabled` is taken as given.
  static NPUAllocatorConfig parse(const std::string& conf, bool caching_enabled = true);

  // Blocks of at least this many bytes are never split (kNoMaxSplit: no limit).
  size_t max_split_size() const { return max_split_size_; }
  // 0 disables garbage collection.
  double garbage_collection_threshold() const { return garbage_collection_threshold_; }
  // Number of divisions to round a request of `size` bytes to; 0 or 1: none.
  size_t roundup_power2_divisions(size_t size) const;
  const std::array<size_t, kRoundupIntervals>& roundup_power2_divisions_table() const {
    return roundup_power2_divisions_;
  }
  bool expandable_segments() const { return expandable_segments_; }
  // False under PYTORCH_NO_NPU_MEMORY_CACHING.
  bool caching_enabled() const { return caching_enabled_; }
  // The string the settings were parsed from.
  const std::string& source() const { return source_; }

 private:
  NPUAllocatorConfig() = default;

  void parseOption(const std::string& key, const std::string& value);
  void parseMaxSplitSize(const std::string& value);
  void parseGarbageCollectionThreshold(const std::string& value);
  void parseRoundupPower2Divisions(const std::string& value);
  void parseRoundupPower2DivisionsList(const std::string& list);
  void parseExpandableSegments(const std::string& value);

  size_t max_split_size_ = kNoMaxSplit;
  double garbage_collection_threshold_ = 0.0;
  std::array<size_t, kRoundupIntervals> roundup_power2_divisions_{};
  bool expandable_segments_ = false;
  bool caching_enabled_ = true;
  std::string source_;
};

}  // namespace torch_npu::npu::NPUCachingAllocator
