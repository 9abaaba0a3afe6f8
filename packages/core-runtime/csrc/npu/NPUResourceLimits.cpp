#include "npu/NPUResourceLimits.h"

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"

namespace torch_npu::npu {
namespace {

void checkInitialized(c10::DeviceIndex device, const char* action) {
  check_device_index(device);
  TORCH_CHECK(has_primary_context(device), "NPU device ", static_cast<int>(device),
              " has not been initialized! Can not ", action, " device resource limit");
}

}  // namespace

aclrtDevResLimitType resLimitType(int64_t type) {
  TORCH_CHECK_VALUE(type == ACL_RT_DEV_RES_CUBE_CORE || type == ACL_RT_DEV_RES_VECTOR_CORE,
                    "resource limit type must be 0 (cube cores) or 1 (vector cores), but got ", type);
  return static_cast<aclrtDevResLimitType>(type);
}

uint32_t getDeviceResLimit(c10::DeviceIndex device, aclrtDevResLimitType type) {
  checkInitialized(device, "get");
  uint32_t value = 0;
  NPU_CHECK(acl::aclrtGetDeviceResLimit(device, type, &value));
  return value;
}

void setDeviceResLimit(c10::DeviceIndex device, aclrtDevResLimitType type, uint32_t value) {
  checkInitialized(device, "set");
  NPU_CHECK(acl::aclrtSetDeviceResLimit(device, type, value));
}

void resetDeviceResLimit(c10::DeviceIndex device) {
  checkInitialized(device, "reset");
  NPU_CHECK(acl::aclrtResetDeviceResLimit(device));
}

uint32_t getStreamResLimit(const NPUStream& stream, aclrtDevResLimitType type) {
  uint32_t value = 0;
  NPU_CHECK(acl::aclrtGetStreamResLimit(stream.stream(), type, &value));
  return value;
}

void setStreamResLimit(const NPUStream& stream, aclrtDevResLimitType type, uint32_t value) {
  NPU_CHECK(acl::aclrtSetStreamResLimit(stream.stream(), type, value));
}

void resetStreamResLimit(const NPUStream& stream) {
  NPU_CHECK(acl::aclrtResetStreamResLimit(stream.stream()));
}

void setOpExecuteTimeout(uint32_t timeout_ms) {
  constexpr uint64_t kMicrosecondsPerMillisecond = 1000;
  uint64_t actual_us = 0;
  NPU_CHECK(acl::aclrtSetOpExecuteTimeOutV2(timeout_ms * kMicrosecondsPerMillisecond, &actual_us));
}

}  // namespace torch_npu::npu
