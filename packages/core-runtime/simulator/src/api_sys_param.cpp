// C entry points: the system options of the process and of the calling
// thread's current context (sys_params.h).
#include "api_support.h"
#include "sys_params.h"

using namespace npu_sim;

namespace {

aclError checkOption(const char* api, aclSysParamOpt opt) {
  if (SysParams::knownOption(rawEnumValue(opt))) return ACL_SUCCESS;
  return fail(ACL_ERROR_INVALID_PARAM, "%s: %lld is no aclSysParamOpt", api, static_cast<long long>(rawEnumValue(opt)));
}

aclError checkValue(const char* api, aclSysParamOpt opt, int64_t value) {
  if (aclError error = checkOption(api, opt); error != ACL_SUCCESS) return error;
  if (SysParams::validValue(value)) return ACL_SUCCESS;
  return fail(ACL_ERROR_INVALID_PARAM, "%s: option %lld takes 0 or 1, not %lld", api,
              static_cast<long long>(rawEnumValue(opt)), static_cast<long long>(value));
}

aclError checkOutput(const char* api, aclSysParamOpt opt, const int64_t* value) {
  if (value == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "%s: value is null", api);
  return checkOption(api, opt);
}

// The session, and the calling thread's current device unless `device` is null.
aclError resolve(const char* api, Session*& session, Device** device) {
  if (aclError error = requireSession(api, session); error != ACL_SUCCESS) return error;
  return device == nullptr ? ACL_SUCCESS : requireCurrentDevice(api, *session, *device);
}

}  // namespace

extern "C" {

aclError aclrtSetSysParamOpt(aclSysParamOpt opt, int64_t value) {
  return guarded("aclrtSetSysParamOpt", [&]() -> aclError {
    Session* session = nullptr;
    if (aclError error = checkValue("aclrtSetSysParamOpt", opt, value); error != ACL_SUCCESS) return error;
    if (aclError error = resolve("aclrtSetSysParamOpt", session, nullptr); error != ACL_SUCCESS) return error;
    session->processParams().set(opt, value);
    return ACL_SUCCESS;
  });
}

aclError aclrtGetSysParamOpt(aclSysParamOpt opt, int64_t* value) {
  return guarded("aclrtGetSysParamOpt", [&]() -> aclError {
    Session* session = nullptr;
    if (aclError error = checkOutput("aclrtGetSysParamOpt", opt, value); error != ACL_SUCCESS) return error;
    if (aclError error = resolve("aclrtGetSysParamOpt", session, nullptr); error != ACL_SUCCESS) return error;
    *value = session->processParams().get(opt).value_or(0);
    return ACL_SUCCESS;
  });
}

aclError aclrtCtxSetSysParamOpt(aclSysParamOpt opt, int64_t value) {
  return guarded("aclrtCtxSetSysParamOpt", [&]() -> aclError {
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = checkValue("aclrtCtxSetSysParamOpt", opt, value); error != ACL_SUCCESS) return error;
    if (aclError error = resolve("aclrtCtxSetSysParamOpt", session, &device); error != ACL_SUCCESS) return error;
    device->contextParams().set(opt, value);
    return ACL_SUCCESS;
  });
}

aclError aclrtCtxGetSysParamOpt(aclSysParamOpt opt, int64_t* value) {
  return guarded("aclrtCtxGetSysParamOpt", [&]() -> aclError {
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = checkOutput("aclrtCtxGetSysParamOpt", opt, value); error != ACL_SUCCESS) return error;
    if (aclError error = resolve("aclrtCtxGetSysParamOpt", session, &device); error != ACL_SUCCESS) return error;
    *value = device->contextParams().get(opt).value_or(session->processParams().get(opt).value_or(0));
    return ACL_SUCCESS;
  });
}

}  // extern "C"
