#include "npu/NPURecovery.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

#include <c10/util/Exception.h>

#include "acl/AclApi.h"
#include "npu/NPUCachingAllocator.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"

namespace torch_npu::npu {
namespace {

std::array<std::atomic<bool>, kMaxDevices> stopped_devices{};

std::atomic<bool>& stoppedFlag(c10::DeviceIndex device) {
  check_device_index(device);
  return stopped_devices[device];
}

std::vector<aclrtMemUceInfo> memoryErrorsOf(c10::DeviceIndex device) {
  std::vector<aclrtMemUceInfo> errors(MAX_MEM_UCE_INFO_ARRAY_SIZE);
  size_t count = 0;
  NPU_CHECK(acl::aclrtGetMemUceInfo(device, errors.data(), errors.size(), &count));
  errors.resize(count);
  return errors;
}

}  // namespace

bool stopDevice(c10::DeviceIndex device) {
  std::atomic<bool>& stopped = stoppedFlag(device);
  // Stopped first, so that nothing is launched between the abort and the flag.
  stopped.store(true, std::memory_order_release);
  // As the reference does: no timeout, and a failure is the caller's answer, not an exception.
  const aclError error = acl::aclrtDeviceTaskAbort(device, 0);
  if (error != ACL_SUCCESS) {
    (void)acl::aclGetRecentErrMsg();  // consumed: it belongs to this call's answer
    return false;
  }
  return true;
}

void restartDevice(c10::DeviceIndex device) {
  std::atomic<bool>& stopped = stoppedFlag(device);
  if (std::vector<aclrtMemUceInfo> errors = memoryErrorsOf(device); !errors.empty()) {
    NPU_CHECK(acl::aclrtMemUceRepair(device, errors.data(), errors.size()));
  }
  stopped.store(false, std::memory_order_release);
}

int checkMemoryErrors(c10::DeviceIndex device) {
  check_device_index(device);
  std::vector<std::pair<uintptr_t, size_t>> ranges;
  for (const aclrtMemUceInfo& error : memoryErrorsOf(device)) {
    ranges.emplace_back(reinterpret_cast<uintptr_t>(error.addr), error.len);
  }
  if (ranges.empty()) {
    return 0;
  }
  if (!NPUCachingAllocator::holdsAnyOf(device, ranges)) {
    return 1;
  }
  NPUCachingAllocator::emptyCache();
  return NPUCachingAllocator::holdsAnyOf(device, ranges) ? 3 : 2;
}

void checkNotStopped(c10::DeviceIndex device) {
  if (C10_UNLIKELY(device >= 0 && device < kMaxDevices && stopped_devices[device].load(std::memory_order_acquire))) {
    TORCH_CHECK(false, "FORCE STOP. NPU device ", static_cast<int>(device),
                " was stopped (torch.npu.stop_device); torch.npu.restart_device lets it run work again.");
  }
}

}  // namespace torch_npu::npu
