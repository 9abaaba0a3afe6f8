// C entry points: streams.
#include "acl/acl_rt.h"
#include "api_support.h"
#include "runtime.h"

using namespace npu_sim;

namespace {

aclError createStream(const char* api, aclrtStream* stream) {
  if (stream == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "%s: stream is null", api);
  Session* session = nullptr;
  Device* device = nullptr;
  if (aclError error = requireSession(api, session); error != ACL_SUCCESS) return error;
  if (aclError error = requireCurrentDevice(api, *session, device); error != ACL_SUCCESS) return error;
  *stream = session->streams().add(device->newStream());
  return ACL_SUCCESS;
}

}  // namespace

extern "C" {

aclError aclrtCreateStream(aclrtStream* stream) {
  return guarded("aclrtCreateStream", [&] { return createStream("aclrtCreateStream", stream); });
}

aclError aclrtCreateStreamWithConfig(aclrtStream* stream, uint32_t priority, uint32_t flag) {
  return guarded("aclrtCreateStreamWithConfig", [&]() -> aclError {
    constexpr uint32_t kKnownFlags = ACL_STREAM_FAST_LAUNCH | ACL_STREAM_FAST_SYNC;
    if ((flag & ~kKnownFlags) != 0) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtCreateStreamWithConfig: unknown flags 0x%x", flag & ~kKnownFlags);
    }
    // Any priority is accepted. Priorities and flags change nothing here:
    // every stream has its own worker, so none waits behind another.
    (void)priority;
    return createStream("aclrtCreateStreamWithConfig", stream);
  });
}

aclError aclrtDestroyStream(aclrtStream stream) {
  return guarded("aclrtDestroyStream", [&]() -> aclError {
    if (stream == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtDestroyStream: the default stream cannot be destroyed");
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtDestroyStream", session); error != ACL_SUCCESS) return error;
    std::shared_ptr<Stream> target = session->streams().find(stream);
    if (!target) return fail(ACL_ERROR_INVALID_PARAM, "aclrtDestroyStream: %p is not a live stream", stream);
    if (target->isCallingWorker()) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtDestroyStream: a task cannot destroy the stream it runs on");
    }
    target->synchronize();
    if (!session->streams().remove(stream)) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtDestroyStream: %p was destroyed concurrently", stream);
    }
    if (const auto thread_id = target->subscribedThread()) session->reports().removeSubscription(*thread_id);
    return ACL_SUCCESS;
  });
}

aclError aclrtSynchronizeStream(aclrtStream stream) {
  return guarded("aclrtSynchronizeStream", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclrtSynchronizeStream", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStream("aclrtSynchronizeStream", *session, stream, target); error != ACL_SUCCESS) {
      return error;
    }
    if (target->isCallingWorker()) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtSynchronizeStream: a task cannot wait for the stream it runs on");
    }
    if (const std::shared_ptr<ModelRI> capture = target->capture()) {
      return refuseSynchronizingCapture("aclrtSynchronizeStream", *capture);
    }
    target->synchronize();
    return reportTaskFailure(target->failures().take());
  });
}

aclError aclrtStreamQuery(aclrtStream stream, aclrtStreamStatus* status) {
  return guarded("aclrtStreamQuery", [&]() -> aclError {
    if (status == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtStreamQuery: status is null");
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclrtStreamQuery", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStream("aclrtStreamQuery", *session, stream, target); error != ACL_SUCCESS) {
      return error;
    }
    if (const std::shared_ptr<ModelRI> capture = target->capture()) {
      return refuseSynchronizingCapture("aclrtStreamQuery", *capture);
    }
    *status = target->idle() ? ACL_STREAM_STATUS_COMPLETE : ACL_STREAM_STATUS_NOT_READY;
    return ACL_SUCCESS;
  });
}

aclError aclrtStreamWaitEvent(aclrtStream stream, aclrtEvent event) {
  return guarded("aclrtStreamWaitEvent", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    std::shared_ptr<Event> awaited;
    if (aclError error = requireSession("aclrtStreamWaitEvent", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamForLaunch("aclrtStreamWaitEvent", *session, stream, target);
        error != ACL_SUCCESS) {
      return error;
    }
    if (aclError error = resolveEvent("aclrtStreamWaitEvent", *session, event, awaited); error != ACL_SUCCESS) {
      return error;
    }
    if (awaited->external()) {  // waits for the flag when the stream reaches the wait
      target->submit(awaited->waitTask());
      return ACL_SUCCESS;
    }
    if (const std::shared_ptr<ModelRI> recorded_in = awaited->activeCapture()) {
      // Recorded earlier on the same capturing stream: already in order.
      if (recorded_in == target->capture()) return ACL_SUCCESS;
      return fail(ACL_ERROR_RT_CAPTURE_DEPENDENCY,
                  "aclrtStreamWaitEvent: the event was recorded by a capture under way on another stream; the "
                  "simulator does not support captures that span several streams yet");
    }
    // The record is captured now: re-recording the event later does not
    // change what this wait waits for. An event never recorded is complete.
    std::shared_ptr<const EventRecord> record = awaited->latest();
    if (record) {
      target->submit(Task{[record] { record->waitUntilReached(); }, TaskKind::Sync,
                          ActivityLabel{NPU_SIM_ACTIVITY_EVENT_WAIT, "EVENT_WAIT"}});
    }
    return ACL_SUCCESS;
  });
}

}  // extern "C"
