#include "api_support.h"

#include "runtime.h"
#include "thread_context.h"

namespace npu_sim {

aclError requireSession(const char* api, Session*& session) {
  Runtime& runtime = Runtime::instance();
  // Checked first and without locks: in a forked child a lock may be held by
  // a thread that does not exist there.
  if (runtime.forkedAfterInit()) {
    return fail(ACL_ERROR_RT_INTERNAL_ERROR,
                "%s: the NPU simulator cannot be used in a process forked after aclInit", api);
  }
  session = runtime.session();
  if (session == nullptr) return fail(ACL_ERROR_UNINITIALIZE, "%s: aclInit has not been called", api);
  return ACL_SUCCESS;
}

aclError requireDevice(const char* api, const Session& session, int32_t device_id, Device*& device) {
  device = session.device(device_id);
  if (device == nullptr) {
    return fail(ACL_ERROR_RT_INVALID_DEVICEID, "%s: invalid device id %d; %d device(s) are visible", api, device_id,
                session.deviceCount());
  }
  return ACL_SUCCESS;
}

aclError requireCurrentDevice(const char* api, const Session& session, Device*& device) {
  device = session.device(currentDeviceIndex(session));
  if (device == nullptr) {
    return fail(ACL_ERROR_RT_CONTEXT_NULL, "%s: the calling thread has no current device; call aclrtSetDevice first",
                api);
  }
  return ACL_SUCCESS;
}

aclError resolveStream(const char* api, Session& session, aclrtStream handle, std::shared_ptr<Stream>& stream) {
  if (handle == nullptr) {
    Device* device = nullptr;
    if (aclError error = requireCurrentDevice(api, session, device); error != ACL_SUCCESS) return error;
    stream = device->defaultStream();
    return ACL_SUCCESS;
  }
  stream = session.streams().find(handle);
  if (!stream) return fail(ACL_ERROR_INVALID_PARAM, "%s: %p is not a live stream", api, handle);
  return ACL_SUCCESS;
}

aclError resolveStreamForLaunch(const char* api, Session& session, aclrtStream handle,
                                std::shared_ptr<Stream>& stream) {
  Device* current = nullptr;
  if (aclError error = requireCurrentDevice(api, session, current); error != ACL_SUCCESS) return error;
  if (aclError error = resolveStream(api, session, handle, stream); error != ACL_SUCCESS) return error;
  if (stream->deviceIndex() != current->index()) {
    return fail(ACL_ERROR_RT_STREAM_CONTEXT,
                "%s: the stream belongs to device %d but the calling thread's current device is %d", api,
                stream->deviceIndex(), current->index());
  }
  if (const std::shared_ptr<ModelRI> capture = stream->capture();
      capture && capture->captureStatus() == ACL_MODEL_RI_CAPTURE_STATUS_INVALIDATED) {
    return fail(ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED,
                "%s: the stream's capture was invalidated by an operation not permitted when stream is capturing; "
                "end it with aclmdlRICaptureEnd",
                api);
  }
  return ACL_SUCCESS;
}

aclError resolveModel(const char* api, Session& session, aclmdlRI handle, std::shared_ptr<ModelRI>& model) {
  if (handle == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "%s: modelRI is null", api);
  model = session.models().find(handle);
  if (!model) return fail(ACL_ERROR_INVALID_PARAM, "%s: %p is not a live model run instance", api, handle);
  return ACL_SUCCESS;
}

aclError refuseUnsafeCallDuringCapture(const char* api, Session& session) {
  bool refused = false;
  for (const auto& capture : session.activeCaptures()) {
    if (capture->forbidsUnsafeCallsOnThisThread()) {
      capture->invalidate();
      refused = true;
    }
  }
  if (!refused) return ACL_SUCCESS;
  return fail(ACL_ERROR_RT_CAPTURE_MODE_NOT_SUPPORT,
              "%s: operation not permitted when stream is capturing (a capture in a mode that forbids this call "
              "to this thread is under way; it is invalidated)",
              api);
}

aclError refuseSynchronizingCapture(const char* api, ModelRI& capture) {
  capture.invalidate();
  return fail(ACL_ERROR_RT_STREAM_CAPTURED,
              "%s: operation not permitted when stream is capturing (the tasks it recorded run only when the model "
              "is executed; the capture is invalidated)",
              api);
}

aclError resolveEvent(const char* api, Session& session, aclrtEvent handle, std::shared_ptr<Event>& event) {
  if (handle == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "%s: the event is null", api);
  event = session.events().find(handle);
  if (!event) return fail(ACL_ERROR_INVALID_PARAM, "%s: %p is not a live event", api, handle);
  return ACL_SUCCESS;
}

aclError reportTaskFailure(const std::optional<TaskFailure>& failure) {
  if (!failure) return ACL_SUCCESS;
  return fail(failure->error, "%s", failure->message.c_str());
}

}  // namespace npu_sim
