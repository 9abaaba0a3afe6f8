// Peer access between devices, enabled on first need as the reference does: a
// copy between two devices' memory runs on one of them, which CANN lets reach
// the other's memory only once aclrtDeviceEnablePeerAccess allowed it.
#pragma once

#include <c10/core/Device.h>

namespace torch_npu::npu {

// Whether `device` and `peer` (different devices) may copy to and from each
// other's memory; the first time they can (aclrtDeviceCanAccessPeer), enables
// the access both ways. False when the devices cannot reach each other.
bool ensurePeerAccess(c10::DeviceIndex device, c10::DeviceIndex peer);

}  // namespace torch_npu::npu
