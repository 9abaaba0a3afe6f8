// Device management, in the shape of c10/cuda/CUDAFunctions.h.
#pragma once

#include <c10/core/Device.h>

namespace torch_npu::npu {

// The most devices that the runtime's per-device tables hold.
constexpr int kMaxDevices = 64;

// Number of visible NPUs; 0 when the runtime cannot be loaded.
c10::DeviceIndex device_count() noexcept;
// Like device_count(), but raises with the loader's reason when there is none.
c10::DeviceIndex device_count_ensure_non_zero();

c10::DeviceIndex current_device();
void set_device(c10::DeviceIndex device);
// Sets `device` and returns the previous one.
c10::DeviceIndex exchange_device(c10::DeviceIndex device);
// Raises "Invalid device index" style errors for out-of-range indices.
void check_device_index(c10::DeviceIndex device);
// True once this process has made `device` current at least once.
bool has_primary_context(c10::DeviceIndex device) noexcept;
// Blocks until every stream of the current device has finished.
void device_synchronize();

}  // namespace torch_npu::npu
