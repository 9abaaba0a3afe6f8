// CANN's profiling entry points (acl/acl_prof.h) and the simulator's record
// access (npu_sim/sim_profiling.h).
//
// The simulator collects task timing only (ACL_PROF_TASK_TIME,
// ACL_PROF_TASK_TIME_L0, ACL_PROF_HCCL_TRACE): it has no AI Core counters,
// and writes nothing under the result path; consumers take the records
// with npuSimProfTakeActivities.
#include <mutex>

#include "acl/acl_prof.h"
#include "activity_recorder.h"
#include "api_support.h"
#include "clock.h"
#include "npu_common/no_destructor.h"
#include "npu_sim/sim_profiling.h"
#include "runtime.h"

using namespace npu_sim;

struct aclprofConfig {
  uint64_t device_mask;
  uint64_t data_types;
};

namespace {

constexpr uint64_t kTimedDataTypes = ACL_PROF_TASK_TIME | ACL_PROF_TASK_TIME_L0 | ACL_PROF_HCCL_TRACE;
constexpr uint64_t kCounterDataTypes = ACL_PROF_AICORE_METRICS | ACL_PROF_L2CACHE;

// Between aclprofInit and aclprofFinalize.
struct ProfilingSession {
  std::mutex mutex;
  bool initialized = false;  // the result path is accepted, never written to
  const aclprofConfig* started = nullptr;
};

ProfilingSession& profiling() {
  static npu_common::NoDestructor<ProfilingSession> instance;
  return *instance;
}

}  // namespace

extern "C" {

aclError aclprofInit(const char* profilerResultPath, size_t length) {
  return guarded("aclprofInit", [&]() -> aclError {
    if (profilerResultPath == nullptr || length == 0) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclprofInit: the result path is null or empty");
    }
    ProfilingSession& state = profiling();
    std::lock_guard lock(state.mutex);
    if (state.initialized) {
      return fail(ACL_ERROR_REPEAT_INITIALIZE, "aclprofInit: profiling is initialized already (aclprofFinalize first)");
    }
    state.initialized = true;
    return ACL_SUCCESS;
  });
}

aclError aclprofFinalize() {
  return guarded("aclprofFinalize", [&]() -> aclError {
    ProfilingSession& state = profiling();
    std::lock_guard lock(state.mutex);
    if (!state.initialized) return fail(ACL_ERROR_UNINITIALIZE, "aclprofFinalize: aclprofInit was not called");
    activity_recording::setRecordedDevices(0);
    state.initialized = false;
    state.started = nullptr;
    return ACL_SUCCESS;
  });
}

aclprofConfig* aclprofCreateConfig(uint32_t* deviceIdList, uint32_t deviceNums, aclprofAicoreMetrics aicoreMetrics,
                                   const aclprofAicoreEvents* aicoreEvents, uint64_t dataTypeConfig) {
  (void)aicoreEvents;  // AI Core events need the hardware's counters
  aclprofConfig* created = nullptr;
  guarded("aclprofCreateConfig", [&]() -> aclError {
    if (deviceIdList == nullptr && deviceNums != 0) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclprofCreateConfig: deviceIdList is null");
    }
    if (rawEnumValue(aicoreMetrics) != ACL_AICORE_NONE || (dataTypeConfig & kCounterDataTypes) != 0) {
      return fail(ACL_ERROR_RT_FEATURE_NOT_SUPPORT,
                  "aclprofCreateConfig: the simulated NPU has no AI Core or L2 cache counters "
                  "(use ACL_AICORE_NONE and no ACL_PROF_AICORE_METRICS or ACL_PROF_L2CACHE)");
    }
    Session* session = nullptr;
    if (aclError error = requireSession("aclprofCreateConfig", session); error != ACL_SUCCESS) return error;
    uint64_t mask = 0;
    for (uint32_t i = 0; i < deviceNums; ++i) {
      Device* device = nullptr;
      const auto id = static_cast<int32_t>(deviceIdList[i]);
      if (aclError error = requireDevice("aclprofCreateConfig", *session, id, device); error != ACL_SUCCESS) {
        return error;
      }
      if (id >= 64) return fail(ACL_ERROR_INVALID_PARAM, "aclprofCreateConfig: device %d: at most 64 devices", id);
      mask |= uint64_t{1} << id;
    }
    created = new aclprofConfig{mask, dataTypeConfig};
    return ACL_SUCCESS;
  });
  return created;
}

aclError aclprofDestroyConfig(const aclprofConfig* profilerConfig) {
  return guarded("aclprofDestroyConfig", [&]() -> aclError {
    if (profilerConfig == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclprofDestroyConfig: config is null");
    ProfilingSession& state = profiling();
    std::lock_guard lock(state.mutex);
    if (state.started == profilerConfig) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclprofDestroyConfig: the config is started (aclprofStop first)");
    }
    delete profilerConfig;
    return ACL_SUCCESS;
  });
}

aclError aclprofStart(const aclprofConfig* profilerConfig) {
  return guarded("aclprofStart", [&]() -> aclError {
    if (profilerConfig == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclprofStart: config is null");
    ProfilingSession& state = profiling();
    std::lock_guard lock(state.mutex);
    if (!state.initialized) return fail(ACL_ERROR_UNINITIALIZE, "aclprofStart: aclprofInit was not called");
    if (state.started != nullptr) {
      return fail(ACL_ERROR_REPEAT_INITIALIZE, "aclprofStart: collection is started already (aclprofStop first)");
    }
    state.started = profilerConfig;
    const bool timed = (profilerConfig->data_types & kTimedDataTypes) != 0;
    activity_recording::setRecordedDevices(timed ? profilerConfig->device_mask : 0);
    return ACL_SUCCESS;
  });
}

aclError aclprofStop(const aclprofConfig* profilerConfig) {
  return guarded("aclprofStop", [&]() -> aclError {
    ProfilingSession& state = profiling();
    std::lock_guard lock(state.mutex);
    if (profilerConfig == nullptr || profilerConfig != state.started) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclprofStop: the config is not the one aclprofStart started");
    }
    activity_recording::setRecordedDevices(0);
    state.started = nullptr;
    return ACL_SUCCESS;
  });
}

int64_t npuSimProfDeviceClockNs(void) { return steadyNowNs(); }

void npuSimProfSetCorrelationId(uint64_t correlationId) { activity_recording::setThreadCorrelationId(correlationId); }

aclError npuSimProfTakeActivities(npuSimActivity* records, size_t capacity, size_t* count) {
  return guarded("npuSimProfTakeActivities", [&]() -> aclError {
    if (count == nullptr || (records == nullptr && capacity != 0)) {
      return fail(ACL_ERROR_INVALID_PARAM, "npuSimProfTakeActivities: records or count is null");
    }
    *count = activity_recording::takeRecords(records, capacity);
    return ACL_SUCCESS;
  });
}

}  // extern "C"
