// C entry points: devices.
#include <cmath>

#include "acl/acl_rt.h"
#include "api_support.h"
#include "runtime.h"
#include "thread_context.h"

using namespace npu_sim;

extern "C" {

aclError aclrtSetDevice(int32_t deviceId) {
  return guarded("aclrtSetDevice", [&]() -> aclError {
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = requireSession("aclrtSetDevice", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireDevice("aclrtSetDevice", *session, deviceId, device); error != ACL_SUCCESS) {
      return error;
    }
    setCurrentDeviceIndex(*session, deviceId);
    return ACL_SUCCESS;
  });
}

aclError aclrtGetDevice(int32_t* deviceId) {
  return guarded("aclrtGetDevice", [&]() -> aclError {
    if (deviceId == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtGetDevice: deviceId is null");
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = requireSession("aclrtGetDevice", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireCurrentDevice("aclrtGetDevice", *session, device); error != ACL_SUCCESS) return error;
    *deviceId = device->index();
    return ACL_SUCCESS;
  });
}

// Waits until the device is idle and releases the calling thread's context.
// Streams, events and memory stay valid: the simulator has no device state
// that a reset would need to rebuild.
aclError aclrtResetDevice(int32_t deviceId) {
  return guarded("aclrtResetDevice", [&]() -> aclError {
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = requireSession("aclrtResetDevice", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireDevice("aclrtResetDevice", *session, deviceId, device); error != ACL_SUCCESS) {
      return error;
    }
    session->synchronizeDevice(*device);
    if (currentDeviceIndex(*session) == deviceId) setCurrentDeviceIndex(*session, -1);
    return ACL_SUCCESS;
  });
}

aclError aclrtGetDeviceCount(uint32_t* count) {
  return guarded("aclrtGetDeviceCount", [&]() -> aclError {
    if (count == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtGetDeviceCount: count is null");
    // Lenient like CANN: usable before aclInit (the environment is read on
    // the spot) and, being lock-free, even in a forked child.
    if (const Session* session = Runtime::instance().session()) {
      *count = static_cast<uint32_t>(session->deviceCount());
      return ACL_SUCCESS;
    }
    SimConfig config;
    std::string error;
    if (!loadConfigFromEnvironment(config, error)) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtGetDeviceCount: invalid simulator configuration: %s", error.c_str());
    }
    *count = static_cast<uint32_t>(config.visibleDeviceCount());
    return ACL_SUCCESS;
  });
}

aclError aclrtSynchronizeDevice(void) {
  return guarded("aclrtSynchronizeDevice", [&]() -> aclError {
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = requireSession("aclrtSynchronizeDevice", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireCurrentDevice("aclrtSynchronizeDevice", *session, device); error != ACL_SUCCESS) {
      return error;
    }
    const std::vector<std::shared_ptr<ModelRI>> captures = session->activeCaptures(device->index());
    for (const auto& capture : captures) refuseSynchronizingCapture("aclrtSynchronizeDevice", *capture);
    if (!captures.empty()) return ACL_ERROR_RT_STREAM_CAPTURED;
    session->synchronizeDevice(*device);
    return reportTaskFailure(session->takeTaskFailures(*device));
  });
}

const char* aclrtGetSocName(void) {
  const char* name = Runtime::instance().socName();
  if (name == nullptr) fail(ACL_ERROR_UNINITIALIZE, "aclrtGetSocName: aclInit has not been called");
  return name;
}

aclError aclrtDeviceCanAccessPeer(int32_t* canAccessPeer, int32_t deviceId, int32_t peerDeviceId) {
  return guarded("aclrtDeviceCanAccessPeer", [&]() -> aclError {
    if (canAccessPeer == nullptr) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtDeviceCanAccessPeer: canAccessPeer is null");
    }
    Session* session = nullptr;
    Device* device = nullptr;
    Device* peer = nullptr;
    if (aclError error = requireSession("aclrtDeviceCanAccessPeer", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireDevice("aclrtDeviceCanAccessPeer", *session, deviceId, device); error != ACL_SUCCESS) {
      return error;
    }
    if (aclError error = requireDevice("aclrtDeviceCanAccessPeer", *session, peerDeviceId, peer);
        error != ACL_SUCCESS) {
      return error;
    }
    // All simulated devices share one address space; a device is not its own peer.
    *canAccessPeer = device != peer ? 1 : 0;
    return ACL_SUCCESS;
  });
}

aclError aclrtDeviceTaskAbort(int32_t deviceId, uint32_t timeout) {
  return guarded("aclrtDeviceTaskAbort", [&]() -> aclError {
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = requireSession("aclrtDeviceTaskAbort", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireDevice("aclrtDeviceTaskAbort", *session, deviceId, device); error != ACL_SUCCESS) {
      return error;
    }
    // Skipping the aborted work takes no time, so any timeout suffices: only a
    // task already running (a kernel on its host thread) is waited for.
    (void)timeout;
    session->abortQueuedWork(*device);
    session->synchronizeDevice(*device);
    return ACL_SUCCESS;
  });
}

aclError aclrtDeviceEnablePeerAccess(int32_t peerDeviceId, uint32_t flags) {
  return guarded("aclrtDeviceEnablePeerAccess", [&]() -> aclError {
    if (flags != 0) return fail(ACL_ERROR_INVALID_PARAM, "aclrtDeviceEnablePeerAccess: flags must be 0");
    Session* session = nullptr;
    Device* device = nullptr;
    Device* peer = nullptr;
    if (aclError error = requireSession("aclrtDeviceEnablePeerAccess", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireCurrentDevice("aclrtDeviceEnablePeerAccess", *session, device); error != ACL_SUCCESS) {
      return error;
    }
    if (aclError error = requireDevice("aclrtDeviceEnablePeerAccess", *session, peerDeviceId, peer);
        error != ACL_SUCCESS) {
      return error;
    }
    if (peer == device) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtDeviceEnablePeerAccess: device %d is not its own peer", peerDeviceId);
    }
    if (!device->peerAccess().enable(peerDeviceId)) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtDeviceEnablePeerAccess: device %d's access to device %d is enabled already",
                  device->index(), peerDeviceId);
    }
    return ACL_SUCCESS;
  });
}

aclError aclrtDeviceDisablePeerAccess(int32_t peerDeviceId) {
  return guarded("aclrtDeviceDisablePeerAccess", [&]() -> aclError {
    Session* session = nullptr;
    Device* device = nullptr;
    Device* peer = nullptr;
    if (aclError error = requireSession("aclrtDeviceDisablePeerAccess", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireCurrentDevice("aclrtDeviceDisablePeerAccess", *session, device); error != ACL_SUCCESS) {
      return error;
    }
    if (aclError error = requireDevice("aclrtDeviceDisablePeerAccess", *session, peerDeviceId, peer);
        error != ACL_SUCCESS) {
      return error;
    }
    if (!device->peerAccess().disable(peerDeviceId)) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtDeviceDisablePeerAccess: device %d's access to device %d is not enabled",
                  device->index(), peerDeviceId);
    }
    return ACL_SUCCESS;
  });
}

aclError aclrtGetDeviceUtilizationRate(int32_t deviceId, aclrtUtilizationInfo* utilizationInfo) {
  return guarded("aclrtGetDeviceUtilizationRate", [&]() -> aclError {
    if (utilizationInfo == nullptr) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtGetDeviceUtilizationRate: utilizationInfo is null");
    }
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = requireSession("aclrtGetDeviceUtilizationRate", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireDevice("aclrtGetDeviceUtilizationRate", *session, deviceId, device);
        error != ACL_SUCCESS) {
      return error;
    }
    // Simulated kernels run on the stream workers; there are no separate
    // cube and vector units, so both report the workers' busy share.
    const int32_t busy_percent = device->busy().recentPercent();
    const MemoryArena& memory = device->memory();
    utilizationInfo->cubeUtilization = busy_percent;
    utilizationInfo->vectorUtilization = busy_percent;
    utilizationInfo->aicpuUtilization = 0;
    utilizationInfo->memoryUtilization = static_cast<int32_t>(
        std::lround(100.0 * static_cast<double>(memory.used()) / static_cast<double>(memory.capacity())));
    return ACL_SUCCESS;
  });
}

}  // extern "C"
