// The peers whose memory a device's copies may reach
// (aclrtDeviceEnablePeerAccess, called on the device itself).
#pragma once

#include <cstdint>
#include <mutex>
#include <set>

namespace npu_sim {

class PeerAccess {
 public:
  // False if access to `peer` was enabled already.
  bool enable(int32_t peer) {
    std::lock_guard lock(mutex_);
    return peers_.insert(peer).second;
  }
  // False if access to `peer` was not enabled.
  bool disable(int32_t peer) {
    std::lock_guard lock(mutex_);
    return peers_.erase(peer) != 0;
  }
  bool enabled(int32_t peer) const {
    std::lock_guard lock(mutex_);
    return peers_.count(peer) != 0;
  }

 private:
  mutable std::mutex mutex_;
  std::set<int32_t> peers_;
};

}  // namespace npu_sim
