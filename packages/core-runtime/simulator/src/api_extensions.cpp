// C entry points that only the simulator has (npu_sim/sim_extensions.h).
#include "npu_sim/sim_extensions.h"
#include "npu_sim/sim_profiling.h"

#include <cstdio>
#include <string>

#include "api_support.h"
#include "op_execute_timeout.h"
#include "runtime.h"
#include "stream.h"

using namespace npu_sim;

namespace {

// `release` null: the task may consume `arg` when it runs, so it runs once
// and cannot be captured. Otherwise the stream owns `arg` from a successful
// launch on, and `release(arg)` runs when the task can run no more.
aclError launchHostTask(const char* api, aclrtStream stream, void (*fn)(void*), void (*release)(void*), void* arg,
                        ActivityLabel label) {
  return guarded(api, [&]() -> aclError {
    if (fn == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "%s: fn is null", api);
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession(api, session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamForLaunch(api, *session, stream, target); error != ACL_SUCCESS) return error;
    Task task{[fn, arg] { fn(arg); }, TaskKind::Work, label};
    if (release != nullptr) {
      task.run = [fn, owned = std::shared_ptr<void>(arg, release)] { fn(owned.get()); };
    } else if (target->capture()) {
      return fail(ACL_ERROR_RT_FEATURE_NOT_SUPPORT,
                  "%s: the stream is capturing, and a host task that may consume its argument cannot be replayed "
                  "(npuSimLaunchReplayableHostTask launches one that can)",
                  api);
    }
    if (label.kind == NPU_SIM_ACTIVITY_KERNEL) {
      if (const uint64_t timeout_us = session->opExecuteTimeoutUs(); timeout_us != 0) limitRunTime(task, timeout_us);
    }
    const bool ran = target->submit(std::move(task));
    // Under ASCEND_LAUNCH_BLOCKING the launch is also the synchronization
    // that reports the task's failure, as a blocking kernel launch does.
    return ran ? reportTaskFailure(target->failures().take()) : ACL_SUCCESS;
  });
}

aclError launchLabeledHostTask(const char* api, aclrtStream stream, void (*fn)(void*), void (*release)(void*),
                               void* arg, npuSimActivityKind kind, const char* name, uint64_t bytes) {
  const int64_t raw_kind = rawEnumValue(kind);
  if (raw_kind < NPU_SIM_ACTIVITY_KERNEL || raw_kind > NPU_SIM_ACTIVITY_HOST_TASK) {
    return fail(ACL_ERROR_INVALID_PARAM, "%s: kind %lld is no npuSimActivityKind", api,
                static_cast<long long>(raw_kind));
  }
  if (name == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "%s: name is null", api);
  return launchHostTask(api, stream, fn, release, arg, ActivityLabel{kind, name, bytes});
}

}  // namespace

extern "C" {

aclError npuSimLaunchHostTask(aclrtStream stream, void (*fn)(void*), void* arg) {
  return launchHostTask("npuSimLaunchHostTask", stream, fn, nullptr, arg, ActivityLabel{});
}

aclError npuSimLaunchLabeledHostTask(aclrtStream stream, void (*fn)(void*), void* arg, npuSimActivityKind kind,
                                     const char* name) {
  return launchLabeledHostTask("npuSimLaunchLabeledHostTask", stream, fn, nullptr, arg, kind, name, 0);
}

aclError npuSimLaunchSizedHostTask(aclrtStream stream, void (*fn)(void*), void* arg, npuSimActivityKind kind,
                                   const char* name, uint64_t bytes) {
  return launchLabeledHostTask("npuSimLaunchSizedHostTask", stream, fn, nullptr, arg, kind, name, bytes);
}

aclError npuSimLaunchReplayableHostTask(aclrtStream stream, void (*fn)(void*), void (*release)(void*), void* arg,
                                        npuSimActivityKind kind, const char* name) {
  if (release == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "npuSimLaunchReplayableHostTask: release is null");
  return launchLabeledHostTask("npuSimLaunchReplayableHostTask", stream, fn, release, arg, kind, name, 0);
}

aclError npuSimFailCurrentTask(const char* message) {
  Stream* stream = Stream::callingWorkerStream();
  if (stream == nullptr) {
    return fail(ACL_ERROR_INVALID_PARAM, "npuSimFailCurrentTask: the calling thread is not running a stream task");
  }
  stream->failures().add(ACL_ERROR_RT_AICORE_EXCEPTION, message != nullptr ? message : "a host task failed");
  return ACL_SUCCESS;
}

aclError npuSimInjectMemoryError(aclrtStream stream, const void* ptr, size_t size) {
  return guarded("npuSimInjectMemoryError", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("npuSimInjectMemoryError", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamForLaunch("npuSimInjectMemoryError", *session, stream, target);
        error != ACL_SUCCESS) {
      return error;
    }
    const std::optional<DeviceBlock> block = session->findDeviceMemory(ptr);
    if (!block || size == 0 || !block->span.covers(ptr, size)) {
      return fail(ACL_ERROR_INVALID_PARAM, "npuSimInjectMemoryError: [%p, +%zu) is not device memory", ptr, size);
    }
    block->device->memoryErrors().record(MemoryErrorRange{ptr, size});
    char message[160];
    std::snprintf(message, sizeof(message), "an uncorrectable memory error (UCE) in [%p, +%zu bytes) of device %d", ptr,
                  size, block->device->index());
    const std::string text = message;
    Stream* raw = target.get();
    target->submit(Task{[raw, text] { raw->failures().add(ACL_ERROR_RT_DEVICE_MEM_ERROR, text.c_str()); },
                        TaskKind::Work, ActivityLabel{}});
    return ACL_SUCCESS;
  });
}

void npuSimSetRecentErrMsg(const char* message) { fail(ACL_SUCCESS, "%s", message != nullptr ? message : ""); }

int32_t npuSimDeviceOfPointer(const void* ptr) {
  Runtime& runtime = Runtime::instance();
  if (runtime.forkedAfterInit()) return -1;
  const Session* session = runtime.session();
  if (session == nullptr || ptr == nullptr) return -1;
  try {
    const std::optional<DeviceBlock> block = session->findDeviceMemory(ptr);
    return block ? block->device->index() : -1;
  } catch (...) {
    // Only a failing mutex could throw here; a C caller gets "not found".
    return -1;
  }
}

void* npuSimHostAddress(const void* ptr) {
  Runtime& runtime = Runtime::instance();
  const Session* session = runtime.forkedAfterInit() ? nullptr : runtime.session();
  if (session == nullptr || !session->config().protect_device_memory || ptr == nullptr) return const_cast<void*>(ptr);
  try {
    const std::optional<DeviceBlock> block = session->findDeviceMemory(ptr);
    return const_cast<void*>(block ? static_cast<const void*>(block->span.hostAddress(ptr)) : ptr);
  } catch (...) {
    // Only a failing mutex could throw here.
    return const_cast<void*>(ptr);
  }
}

void npuSimSetWorkerIdleHook(void (*hook)(void)) { Stream::setIdleHook(hook); }

}  // extern "C"
