#include "npu/NPUException.h"

#include <string>

#include "acl/AclApi.h"

namespace torch_npu::npu {
namespace {

const char* describe(aclError error) {
  switch (error) {
    case ACL_ERROR_INVALID_PARAM:
    case ACL_ERROR_RT_PARAM_INVALID:
      return "Parameter verification failed.";
    case ACL_ERROR_UNINITIALIZE:
      return "ACL uninitialized.";
    case ACL_ERROR_REPEAT_INITIALIZE:
      return "ACL initialized repeatedly.";
    case ACL_ERROR_RT_INVALID_DEVICEID:
      return "Invalid device ID.";
    case ACL_ERROR_RT_MEMORY_ALLOCATION:
      return "Memory allocation failed.";
    case ACL_ERROR_RT_MEMORY_FREE:
      return "Memory release failed.";
    case ACL_ERROR_RT_FEATURE_NOT_SUPPORT:
      return "Feature not supported.";
    // Stream capture: worded as CUDA reports the same misuse.
    case ACL_ERROR_RT_STREAM_CAPTURED:
    case ACL_ERROR_RT_CAPTURE_MODE_NOT_SUPPORT:
    case ACL_ERROR_RT_EVENT_CAPTURED:
      return "operation not permitted when stream is capturing";
    case ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED:
      return "operation failed due to a previous error during capture";
    case ACL_ERROR_RT_STREAM_NOT_CAPTURED:
      return "The stream is not capturing.";
    case ACL_ERROR_RT_CAPTURE_DEPENDENCY:
      return "Capture dependency failure.";
    case ACL_ERROR_RT_MODEL_CAPTURED:
      return "The model is being captured.";
    // A kernel's fault or timeout, reported by the synchronization after it.
    case ACL_ERROR_RT_AICORE_TIMEOUT:
      return "The aicore execution times out.";
    case ACL_ERROR_RT_AICORE_EXCEPTION:
      return "The aicore execution is abnormal.";
    case ACL_ERROR_RT_DEVICE_TASK_ABORT:
      return "FORCE STOP";
    case ACL_ERROR_RT_DEVICE_MEM_ERROR:
      return "UCE ERROR";
    default:
      return "CANN runtime error.";
  }
}

}  // namespace

namespace {

std::string errorText(const char* library, int code, const char* description, const char* call) {
  std::string recent;
  try {
    const char* message = acl::aclGetRecentErrMsg();
    recent = message != nullptr ? message : "";
  } catch (const c10::Error&) {
    // The runtime itself is unavailable; the code says enough.
  }
  std::string text = std::string(library) + " function error: " + call + ", error code is " + std::to_string(code) +
                     "\n[Error]: " + description;
  if (!recent.empty()) {
    text += "\n" + recent;
  }
  return text;
}

}  // namespace

void throwCannError(const char* library, int code, const char* description, const char* call, const char* file,
                    int line) {
  throw c10::Error(c10::SourceLocation{"throwCannError", file, static_cast<uint32_t>(line)},
                   errorText(library, code, description, call));
}

void throwAclError(aclError error, const char* call, const char* file, int line) {
  const std::string text = errorText("NPU", error, describe(error), call);
  if (error == ACL_ERROR_RT_MEMORY_ALLOCATION) {
    throw c10::OutOfMemoryError(c10::SourceLocation{"throwAclError", file, static_cast<uint32_t>(line)}, text);
  }
  throw c10::Error(c10::SourceLocation{"throwAclError", file, static_cast<uint32_t>(line)}, text);
}

}  // namespace torch_npu::npu
