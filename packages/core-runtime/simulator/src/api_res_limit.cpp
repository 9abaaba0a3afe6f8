// C entry points: the cores a device's or a stream's kernels may use, and how
// long a kernel may run.
#include "acl/acl_rt_newer.h"
#include "api_support.h"
#include "core_limits.h"
#include "runtime.h"

using namespace npu_sim;

namespace {

aclError checkLimit(const char* api, aclrtDevResLimitType type, uint32_t value) {
  if (!CoreLimits::knownType(rawEnumValue(type))) {
    return fail(ACL_ERROR_INVALID_PARAM, "%s: %lld is no aclrtDevResLimitType", api,
                static_cast<long long>(rawEnumValue(type)));
  }
  const uint32_t physical = CoreLimits::physical(type);
  if (value == 0 || value > physical) {
    return fail(ACL_ERROR_INVALID_PARAM, "%s: %u %s cores is outside [1, %u], the device's count", api, value,
                type == ACL_RT_DEV_RES_CUBE_CORE ? "cube" : "vector", physical);
  }
  return ACL_SUCCESS;
}

aclError checkType(const char* api, aclrtDevResLimitType type, const uint32_t* value) {
  if (value == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "%s: value is null", api);
  if (!CoreLimits::knownType(rawEnumValue(type))) {
    return fail(ACL_ERROR_INVALID_PARAM, "%s: %lld is no aclrtDevResLimitType", api,
                static_cast<long long>(rawEnumValue(type)));
  }
  return ACL_SUCCESS;
}

// The stream `handle` names and its device.
aclError resolveStreamAndDevice(const char* api, aclrtStream handle, std::shared_ptr<Stream>& stream,
                                Device*& device) {
  Session* session = nullptr;
  if (aclError error = requireSession(api, session); error != ACL_SUCCESS) return error;
  if (aclError error = resolveStream(api, *session, handle, stream); error != ACL_SUCCESS) return error;
  return requireDevice(api, *session, stream->deviceIndex(), device);
}

aclError resolveDevice(const char* api, int32_t device_id, Device*& device) {
  Session* session = nullptr;
  if (aclError error = requireSession(api, session); error != ACL_SUCCESS) return error;
  return requireDevice(api, *session, device_id, device);
}

}  // namespace

extern "C" {

aclError aclrtGetDeviceResLimit(int32_t deviceId, aclrtDevResLimitType type, uint32_t* value) {
  return guarded("aclrtGetDeviceResLimit", [&]() -> aclError {
    Device* device = nullptr;
    if (aclError error = checkType("aclrtGetDeviceResLimit", type, value); error != ACL_SUCCESS) return error;
    if (aclError error = resolveDevice("aclrtGetDeviceResLimit", deviceId, device); error != ACL_SUCCESS) return error;
    *value = device->coreLimits().get(type);
    return ACL_SUCCESS;
  });
}

aclError aclrtSetDeviceResLimit(int32_t deviceId, aclrtDevResLimitType type, uint32_t value) {
  return guarded("aclrtSetDeviceResLimit", [&]() -> aclError {
    Device* device = nullptr;
    if (aclError error = checkLimit("aclrtSetDeviceResLimit", type, value); error != ACL_SUCCESS) return error;
    if (aclError error = resolveDevice("aclrtSetDeviceResLimit", deviceId, device); error != ACL_SUCCESS) return error;
    device->coreLimits().set(type, value);
    return ACL_SUCCESS;
  });
}

aclError aclrtResetDeviceResLimit(int32_t deviceId) {
  return guarded("aclrtResetDeviceResLimit", [&]() -> aclError {
    Device* device = nullptr;
    if (aclError error = resolveDevice("aclrtResetDeviceResLimit", deviceId, device); error != ACL_SUCCESS) {
      return error;
    }
    device->coreLimits().reset(kDeviceCores);
    return ACL_SUCCESS;
  });
}

aclError aclrtSetStreamResLimit(aclrtStream stream, aclrtDevResLimitType type, uint32_t value) {
  return guarded("aclrtSetStreamResLimit", [&]() -> aclError {
    std::shared_ptr<Stream> target;
    Device* device = nullptr;
    if (aclError error = checkLimit("aclrtSetStreamResLimit", type, value); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamAndDevice("aclrtSetStreamResLimit", stream, target, device);
        error != ACL_SUCCESS) {
      return error;
    }
    target->coreLimits().set(type, value);
    return ACL_SUCCESS;
  });
}

aclError aclrtGetStreamResLimit(aclrtStream stream, aclrtDevResLimitType type, uint32_t* value) {
  return guarded("aclrtGetStreamResLimit", [&]() -> aclError {
    std::shared_ptr<Stream> target;
    Device* device = nullptr;
    if (aclError error = checkType("aclrtGetStreamResLimit", type, value); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamAndDevice("aclrtGetStreamResLimit", stream, target, device);
        error != ACL_SUCCESS) {
      return error;
    }
    const uint32_t own = target->coreLimits().get(type);
    *value = own != 0 ? own : device->coreLimits().get(type);
    return ACL_SUCCESS;
  });
}

aclError aclrtResetStreamResLimit(aclrtStream stream) {
  return guarded("aclrtResetStreamResLimit", [&]() -> aclError {
    std::shared_ptr<Stream> target;
    Device* device = nullptr;
    if (aclError error = resolveStreamAndDevice("aclrtResetStreamResLimit", stream, target, device);
        error != ACL_SUCCESS) {
      return error;
    }
    target->coreLimits().reset({});
    return ACL_SUCCESS;
  });
}

aclError aclrtSetOpExecuteTimeOutV2(uint64_t timeout, uint64_t* actualTimeout) {
  return guarded("aclrtSetOpExecuteTimeOutV2", [&]() -> aclError {
    if (actualTimeout == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtSetOpExecuteTimeOutV2: actualTimeout is null");
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtSetOpExecuteTimeOutV2", session); error != ACL_SUCCESS) return error;
    session->setOpExecuteTimeoutUs(timeout);
    // The simulator times kernels to the microsecond; 0 is "never", which
    // CANN reports as the largest value.
    *actualTimeout = timeout == 0 ? UINT64_MAX : timeout;
    return ACL_SUCCESS;
  });
}

}  // extern "C"
