// torch.npu.stop_device and restart_device, the reference's recovery of a
// device from an error (a memory fault, a failed peer): stopping aborts the
// work queued on the device's streams (aclrtDeviceTaskAbort) and refuses new
// work on it with the reference's "FORCE STOP." until the device is restarted.
#pragma once

#include <c10/core/Device.h>

namespace torch_npu::npu {

// Aborts the queued work of `device` and stops it. False when CANN could not
// abort (the device is stopped anyway, as the reference's is).
bool stopDevice(c10::DeviceIndex device);
// Lets `device` take work again.
void restartDevice(c10::DeviceIndex device);
// Raises "FORCE STOP." while `device` is stopped; called before each launch.
void checkNotStopped(c10::DeviceIndex device);

}  // namespace torch_npu::npu
