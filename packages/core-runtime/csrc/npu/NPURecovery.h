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
// Repairs the device's memory errors (aclrtMemUceRepair) and lets it take work again.
void restartDevice(c10::DeviceIndex device);
// What the uncorrectable memory errors of `device` (aclrtGetMemUceInfo) hit,
// as the reference answers: 0 none; 1 memory the caching allocator does not
// hold (not recoverable here); 2 only cached, unused memory, which is then
// released (re-run the step); 3 memory of live tensors (restore them).
int checkMemoryErrors(c10::DeviceIndex device);
// Raises "FORCE STOP." while `device` is stopped; called before each launch.
void checkNotStopped(c10::DeviceIndex device);

}  // namespace torch_npu::npu
