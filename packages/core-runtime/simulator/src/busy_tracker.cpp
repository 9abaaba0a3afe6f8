#include "busy_tracker.h"

#include <algorithm>
#include <cmath>

#include "clock.h"

namespace npu_sim {

void BusyTracker::enter() {
  const int64_t now = steadyNowNs();
  std::lock_guard lock(mutex_);
  if (active_workers_++ == 0) busy_since_ns_ = now;
}

void BusyTracker::leave() {
  const int64_t now = steadyNowNs();
  std::lock_guard lock(mutex_);
  if (--active_workers_ == 0) addBusy(busy_since_ns_, now);
}

void BusyTracker::addBusy(int64_t start_ns, int64_t end_ns) {
  const int64_t last_epoch = end_ns / kBucketNs;
  // Anything older than the buckets can hold is irrelevant to the answer.
  const int64_t first_epoch = std::max(start_ns / kBucketNs, last_epoch - (kBucketCount - 1));
  for (int64_t epoch = first_epoch; epoch <= last_epoch; ++epoch) {
    const int64_t overlap = std::min(end_ns, (epoch + 1) * kBucketNs) - std::max(start_ns, epoch * kBucketNs);
    if (overlap <= 0) continue;
    Bucket& bucket = buckets_[static_cast<size_t>(epoch % kBucketCount)];
    if (bucket.epoch != epoch) bucket = Bucket{epoch, 0};
    bucket.busy_ns += overlap;
  }
}

int32_t BusyTracker::recentPercent() const {
  const int64_t now = steadyNowNs();
  const int64_t oldest_epoch = now / kBucketNs - (kBucketCount - 1);
  const int64_t window_start = oldest_epoch * kBucketNs;

  std::lock_guard lock(mutex_);
  int64_t busy_ns = 0;
  for (const Bucket& bucket : buckets_) {
    if (bucket.epoch >= oldest_epoch) busy_ns += bucket.busy_ns;
  }
  if (active_workers_ > 0) busy_ns += now - std::max(busy_since_ns_, window_start);

  const double share = static_cast<double>(busy_ns) / static_cast<double>(now - window_start);
  return static_cast<int32_t>(std::clamp(std::lround(share * 100.0), 0L, 100L));
}

}  // namespace npu_sim
