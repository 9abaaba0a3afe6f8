// Plumbing shared by the C entry points (api_*.cpp): the exception boundary
// and the lookups every call starts with. Each lookup records a recent-error
// message naming the entry point when it fails.
#pragma once

#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <type_traits>

#include "acl/acl_rt.h"
#include "error.h"
#include "session.h"

namespace npu_sim {

// Runs an entry point's body; no C++ exception may unwind into C callers.
template <class Body>
aclError guarded(const char* api, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(ACL_ERROR_RT_INTERNAL_ERROR, "%s: the host ran out of memory", api);
  } catch (const std::exception& error) {
    return fail(ACL_ERROR_RT_INTERNAL_ERROR, "%s: internal error: %s", api, error.what());
  } catch (...) {
    return fail(ACL_ERROR_RT_INTERNAL_ERROR, "%s: internal error", api);
  }
}

// The integer a C caller passed for an enum parameter. C allows values that
// no enumerator names, and C++ must not even load those as the enum type;
// copying the bytes keeps the range checks on them well-defined.
template <class Enum>
int64_t rawEnumValue(const Enum& value) noexcept {
  std::underlying_type_t<Enum> raw;
  std::memcpy(&raw, &value, sizeof raw);
  return static_cast<int64_t>(raw);
}

// The live session: ACL_ERROR_UNINITIALIZE before aclInit or after
// aclFinalize, and an error in a child forked after aclInit.
aclError requireSession(const char* api, Session*& session);

// Device `device_id`: ACL_ERROR_RT_INVALID_DEVICEID when it is not visible.
aclError requireDevice(const char* api, const Session& session, int32_t device_id, Device*& device);

// The calling thread's current device: ACL_ERROR_RT_CONTEXT_NULL when the
// thread never called aclrtSetDevice.
aclError requireCurrentDevice(const char* api, const Session& session, Device*& device);

// The stream `handle` names; null means the current device's default stream.
aclError resolveStream(const char* api, Session& session, aclrtStream handle, std::shared_ptr<Stream>& stream);

// Like resolveStream, for calls that enqueue work: as on CANN, the stream must
// belong to the calling thread's current device (ACL_ERROR_RT_STREAM_CONTEXT),
// and a capture on it must not have been invalidated
// (ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED).
aclError resolveStreamForLaunch(const char* api, Session& session, aclrtStream handle,
                                std::shared_ptr<Stream>& stream);

// The model `handle` names (aclmdlRI).
aclError resolveModel(const char* api, Session& session, aclmdlRI handle, std::shared_ptr<ModelRI>& model);

// For the calls a capture makes unsafe (aclrtMemcpy, aclrtMemset, copies of
// pageable host memory): ACL_ERROR_RT_CAPTURE_MODE_NOT_SUPPORT, invalidating
// every capture whose mode forbids the calling thread the call, as on CANN;
// ACL_SUCCESS when none does.
aclError refuseUnsafeCallDuringCapture(const char* api, Session& session);

// For synchronizations, which a capturing stream cannot serve (nothing it
// recorded runs): ACL_ERROR_RT_STREAM_CAPTURED, invalidating `capture`.
aclError refuseSynchronizingCapture(const char* api, ModelRI& capture);

aclError resolveEvent(const char* api, Session& session, aclrtEvent handle, std::shared_ptr<Event>& event);

// What a synchronization returns for a task failure it covers (see
// task_failures.h): ACL_ERROR_RT_AICORE_EXCEPTION with the failure's message
// as the recent error, or ACL_SUCCESS when there is none.
aclError reportTaskFailure(const std::optional<TaskFailure>& failure);

}  // namespace npu_sim
