#include "npu/NPUFunctions.h"

#include <array>
#include <atomic>

#include <c10/util/Exception.h>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPURuntime.h"
#include "npu/NPUTrace.h"

namespace torch_npu::npu {
namespace {

std::array<std::atomic<bool>, kMaxDevices> device_contexts{};

void markContext(c10::DeviceIndex device) {
  if (device >= 0 && device < kMaxDevices) {
    device_contexts[device].store(true, std::memory_order_relaxed);
  }
}

}  // namespace

c10::DeviceIndex device_count() noexcept {
  try {
    return device_count_ensure_non_zero();
  } catch (const c10::Error&) {
    return 0;
  }
}

c10::DeviceIndex device_count_ensure_non_zero() {
  static const c10::DeviceIndex count = [] {
    uint32_t devices = 0;
    NPU_CHECK(acl::aclrtGetDeviceCount(&devices));
    TORCH_CHECK(devices > 0, "No NPU devices are visible to the ",
                acl::runtimeInfo().is_simulator ? "NPU simulator (check TORCH_NPU_SIM_DEVICE_COUNT and "
                                                  "ASCEND_RT_VISIBLE_DEVICES)"
                                                : "CANN runtime (check ASCEND_RT_VISIBLE_DEVICES and the driver)");
    return static_cast<c10::DeviceIndex>(devices);
  }();
  return count;
}

void check_device_index(c10::DeviceIndex device) {
  const c10::DeviceIndex count = device_count_ensure_non_zero();
  TORCH_CHECK_INDEX(device >= 0 && device < count, "Invalid device index: npu:", static_cast<int>(device),
                    " (the process sees ", static_cast<int>(count), " NPU device(s), valid indices are 0..",
                    static_cast<int>(count) - 1, ")",
                    acl::runtimeInfo().is_simulator
                        ? "; the simulator has TORCH_NPU_SIM_DEVICE_COUNT devices (default 8): set it to at least "
                          "the number of ranks per node, and ASCEND_RT_VISIBLE_DEVICES to choose the visible ones"
                        : "; ASCEND_RT_VISIBLE_DEVICES selects the visible devices");
}

namespace {
// The calling thread's current device, as last set through these functions;
// -1 until the first query. Device guards run around every operator, so this
// saves the runtime two calls per operator.
thread_local c10::DeviceIndex thread_device = -1;
}  // namespace

c10::DeviceIndex current_device() {
  if (thread_device >= 0) {
    return thread_device;
  }
  ensureRuntimeInitialized();
  int32_t device = -1;
  if (acl::aclrtGetDevice(&device) != ACL_SUCCESS) {
    // CANN binds a device per host thread; a new thread starts on device 0.
    NPU_CHECK(acl::aclrtSetDevice(0));
    device = 0;
    markContext(0);
  }
  thread_device = static_cast<c10::DeviceIndex>(device);
  return thread_device;
}

void set_device(c10::DeviceIndex device) {
  if (device == thread_device) {
    return;
  }
  check_device_index(device);
  ensureRuntimeInitialized();
  NPU_CHECK(acl::aclrtSetDevice(device));
  markContext(device);
  thread_device = device;
}

c10::DeviceIndex exchange_device(c10::DeviceIndex device) {
  const c10::DeviceIndex previous = current_device();
  if (device != previous) {
    set_device(device);
  }
  return previous;
}

bool has_primary_context(c10::DeviceIndex device) noexcept {
  return device >= 0 && device < kMaxDevices && device_contexts[device].load(std::memory_order_relaxed);
}

void device_synchronize() {
  const c10::DeviceIndex device = current_device();
  NPU_CHECK(acl::aclrtSynchronizeDevice());
  trace::report(trace::Kind::DeviceSynchronize, device, nullptr, nullptr);
}

}  // namespace torch_npu::npu
