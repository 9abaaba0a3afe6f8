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
  return ACL_SUCCESS;
}

aclError resolveEvent(const char* api, Session& session, aclrtEvent handle, std::shared_ptr<Event>& event) {
  if (handle == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "%s: the event is null", api);
  event = session.events().find(handle);
  if (!event) return fail(ACL_ERROR_INVALID_PARAM, "%s: %p is not a live event", api, handle);
  return ACL_SUCCESS;
}

aclError reportTaskFailure(const std::optional<std::string>& failure) {
  if (!failure) return ACL_SUCCESS;
  return fail(ACL_ERROR_RT_AICORE_EXCEPTION, "%s", failure->c_str());
}

}  // namespace npu_sim
