// How busy a device's stream workers were recently, for
// aclrtGetDeviceUtilizationRate (cube/vector utilization).
//
// The device counts as busy while at least one of its workers executes device
// work; overlapping work on several streams counts once, as on hardware where
// utilization is a share of time. Busy time is kept in ten 10 ms buckets, so
// the answer covers roughly the last 100 ms in constant memory.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

namespace npu_sim {

class BusyTracker {
 public:
  // A worker of this device starts / stops executing device work.
  void enter();
  void leave();

  // Percentage (0..100) of roughly the last 100 ms during which the device
  // was busy.
  int32_t recentPercent() const;

 private:
  static constexpr int64_t kBucketNs = 10'000'000;
  static constexpr int64_t kBucketCount = 10;

  struct Bucket {
    int64_t epoch = -1;  // which 10 ms slice of the clock this bucket holds
    int64_t busy_ns = 0;
  };

  // Adds the closed busy interval [start_ns, end_ns). Requires mutex_.
  void addBusy(int64_t start_ns, int64_t end_ns);

  mutable std::mutex mutex_;
  int32_t active_workers_ = 0;
  int64_t busy_since_ns_ = 0;
  std::array<Bucket, kBucketCount> buckets_{};
};

}  // namespace npu_sim
