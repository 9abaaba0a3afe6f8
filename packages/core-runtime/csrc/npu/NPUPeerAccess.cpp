#include "npu/NPUPeerAccess.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>

#include <c10/util/Exception.h>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::npu {
namespace {

enum class PeerState : uint8_t { Unknown, Enabled, Unavailable };

std::mutex peer_mutex;
// By the lower and the higher device index of a pair: access is enabled both ways at once.
std::array<std::array<PeerState, kMaxDevices>, kMaxDevices> peer_states{};

void enableAccessFrom(c10::DeviceIndex device, c10::DeviceIndex peer) {
  const NPUGuard on_device(device);
  NPU_CHECK(acl::aclrtDeviceEnablePeerAccess(peer, 0));
}

}  // namespace

bool ensurePeerAccess(c10::DeviceIndex device, c10::DeviceIndex peer) {
  TORCH_INTERNAL_ASSERT(device != peer && device >= 0 && peer >= 0 && device < kMaxDevices && peer < kMaxDevices,
                        "ensurePeerAccess(", static_cast<int>(device), ", ", static_cast<int>(peer), ")");
  const auto [low, high] = std::minmax(device, peer);
  std::lock_guard<std::mutex> lock(peer_mutex);
  PeerState& state = peer_states[low][high];
  if (state == PeerState::Unknown) {
    int32_t low_reaches_high = 0;
    int32_t high_reaches_low = 0;
    NPU_CHECK(acl::aclrtDeviceCanAccessPeer(&low_reaches_high, low, high));
    NPU_CHECK(acl::aclrtDeviceCanAccessPeer(&high_reaches_low, high, low));
    if (low_reaches_high != 0 && high_reaches_low != 0) {
      enableAccessFrom(low, high);
      enableAccessFrom(high, low);
      state = PeerState::Enabled;
    } else {
      state = PeerState::Unavailable;
    }
  }
  return state == PeerState::Enabled;
}

}  // namespace torch_npu::npu
