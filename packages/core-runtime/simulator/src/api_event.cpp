// C entry points: events.
#include "acl/acl_rt.h"
#include "api_support.h"
#include "runtime.h"

using namespace npu_sim;

namespace {

aclError createEvent(const char* api, aclrtEvent* event, bool timing, bool external) {
  if (event == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "%s: event is null", api);
  Session* session = nullptr;
  Device* device = nullptr;
  if (aclError error = requireSession(api, session); error != ACL_SUCCESS) return error;
  // Events live in a device context on CANN, so a current device is required.
  if (aclError error = requireCurrentDevice(api, *session, device); error != ACL_SUCCESS) return error;
  *event = session->events().add(std::make_shared<Event>(timing, external));
  return ACL_SUCCESS;
}

}  // namespace

extern "C" {

aclError aclrtCreateEvent(aclrtEvent* event) {
  return guarded("aclrtCreateEvent", [&] { return createEvent("aclrtCreateEvent", event, true, false); });
}

aclError aclrtCreateEventWithFlag(aclrtEvent* event, uint32_t flag) {
  return guarded("aclrtCreateEventWithFlag", [&]() -> aclError {
    constexpr uint32_t kKnownFlags =
        ACL_EVENT_SYNC | ACL_EVENT_CAPTURE_STREAM_PROGRESS | ACL_EVENT_TIME_LINE | ACL_EVENT_EXTERNAL;
    if ((flag & ~kKnownFlags) != 0) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtCreateEventWithFlag: unknown flags 0x%x", flag & ~kKnownFlags);
    }
    return createEvent("aclrtCreateEventWithFlag", event, (flag & ACL_EVENT_TIME_LINE) != 0,
                       (flag & ACL_EVENT_EXTERNAL) != 0);
  });
}

aclError aclrtDestroyEvent(aclrtEvent event) {
  return guarded("aclrtDestroyEvent", [&]() -> aclError {
    if (event == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtDestroyEvent: the event is null");
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtDestroyEvent", session); error != ACL_SUCCESS) return error;
    // Pending records and waits hold their own references, so destroying an
    // event with work in flight is safe, as on CANN.
    if (!session->events().remove(event)) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtDestroyEvent: %p is not a live event", event);
    }
    return ACL_SUCCESS;
  });
}

aclError aclrtRecordEvent(aclrtEvent event, aclrtStream stream) {
  return guarded("aclrtRecordEvent", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Event> target;
    std::shared_ptr<Stream> on;
    if (aclError error = requireSession("aclrtRecordEvent", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveEvent("aclrtRecordEvent", *session, event, target); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamForLaunch("aclrtRecordEvent", *session, stream, on); error != ACL_SUCCESS) {
      return error;
    }
    if (target->external()) {
      on->submit(target->raiseTask());
    } else {
      target->record(*on);
    }
    return ACL_SUCCESS;
  });
}

// Takes effect at once rather than in stream order: waits already enqueued
// captured their record, and after the reset the event reads as never
// recorded (complete). An external event's flag is lowered in stream order.
aclError aclrtResetEvent(aclrtEvent event, aclrtStream stream) {
  return guarded("aclrtResetEvent", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Event> target;
    std::shared_ptr<Stream> on;
    if (aclError error = requireSession("aclrtResetEvent", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveEvent("aclrtResetEvent", *session, event, target); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamForLaunch("aclrtResetEvent", *session, stream, on); error != ACL_SUCCESS) {
      return error;
    }
    if (target->external()) {
      on->submit(target->lowerTask());
    } else {
      target->reset();
    }
    return ACL_SUCCESS;
  });
}

aclError aclrtQueryEventStatus(aclrtEvent event, aclrtEventRecordedStatus* status) {
  return guarded("aclrtQueryEventStatus", [&]() -> aclError {
    if (status == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtQueryEventStatus: status is null");
    Session* session = nullptr;
    std::shared_ptr<Event> target;
    if (aclError error = requireSession("aclrtQueryEventStatus", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveEvent("aclrtQueryEventStatus", *session, event, target); error != ACL_SUCCESS) {
      return error;
    }
    if (target->external()) {
      *status = target->flag().raised() ? ACL_EVENT_RECORDED_STATUS_COMPLETE : ACL_EVENT_RECORDED_STATUS_NOT_READY;
      return ACL_SUCCESS;
    }
    if (target->activeCapture()) {
      return fail(ACL_ERROR_RT_EVENT_CAPTURED,
                  "aclrtQueryEventStatus: operation not permitted when stream is capturing (the event was recorded "
                  "by a capture under way)");
    }
    const std::shared_ptr<const EventRecord> record = target->latest();
    *status = !record || record->reached() ? ACL_EVENT_RECORDED_STATUS_COMPLETE : ACL_EVENT_RECORDED_STATUS_NOT_READY;
    return ACL_SUCCESS;
  });
}

aclError aclrtSynchronizeEvent(aclrtEvent event) {
  return guarded("aclrtSynchronizeEvent", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Event> target;
    if (aclError error = requireSession("aclrtSynchronizeEvent", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveEvent("aclrtSynchronizeEvent", *session, event, target); error != ACL_SUCCESS) {
      return error;
    }
    if (target->external()) {  // until a record raises the flag
      target->flag().waitRaised();
      return ACL_SUCCESS;
    }
    if (target->activeCapture()) {
      return fail(ACL_ERROR_RT_EVENT_CAPTURED,
                  "aclrtSynchronizeEvent: operation not permitted when stream is capturing (the event was recorded "
                  "by a capture under way)");
    }
    const std::shared_ptr<const EventRecord> record = target->latest();
    if (!record) return ACL_SUCCESS;
    record->waitUntilReached();
    return reportTaskFailure(record->takeFailureBefore());
  });
}

aclError aclrtEventElapsedTime(float* ms, aclrtEvent startEvent, aclrtEvent endEvent) {
  return guarded("aclrtEventElapsedTime", [&]() -> aclError {
    if (ms == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtEventElapsedTime: ms is null");
    Session* session = nullptr;
    std::shared_ptr<Event> start;
    std::shared_ptr<Event> end;
    if (aclError error = requireSession("aclrtEventElapsedTime", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveEvent("aclrtEventElapsedTime", *session, startEvent, start); error != ACL_SUCCESS) {
      return error;
    }
    if (aclError error = resolveEvent("aclrtEventElapsedTime", *session, endEvent, end); error != ACL_SUCCESS) {
      return error;
    }
    if (!start->timing() || !end->timing()) {
      return fail(ACL_ERROR_INVALID_PARAM,
                  "aclrtEventElapsedTime: both events need timing (aclrtCreateEvent or ACL_EVENT_TIME_LINE, "
                  "without ACL_EVENT_EXTERNAL)");
    }
    const std::shared_ptr<const EventRecord> start_record = start->latest();
    const std::shared_ptr<const EventRecord> end_record = end->latest();
    if (!start_record || !end_record) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtEventElapsedTime: the %s event was never recorded",
                  start_record ? "end" : "start");
    }
    if (!start_record->reached() || !end_record->reached()) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtEventElapsedTime: the %s event has not completed yet",
                  start_record->reached() ? "end" : "start");
    }
    *ms = static_cast<float>(static_cast<double>(end_record->timestampNs() - start_record->timestampNs()) / 1e6);
    return ACL_SUCCESS;
  });
}

}  // extern "C"
