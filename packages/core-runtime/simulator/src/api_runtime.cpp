// C entry points: library lifetime, error text and version.
#include "acl/acl_rt.h"
#include "api_support.h"
#include "cann_version.h"
#include "runtime.h"

using namespace npu_sim;

extern "C" {

aclError aclInit(const char* configPath) {
  return guarded("aclInit", [&] { return Runtime::instance().initialize(configPath); });
}

aclError aclFinalize(void) {
  return guarded("aclFinalize", [&] { return Runtime::instance().finalize(); });
}

const char* aclGetRecentErrMsg(void) { return recentErrorMessage(); }

aclError aclsysGetCANNVersion(aclCANNPackageName name, aclCANNPackageVersion* version) {
  return guarded("aclsysGetCANNVersion", [&]() -> aclError {
    if (version == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclsysGetCANNVersion: version is null");
    const int64_t package = rawEnumValue(name);
    if (package < ACL_PKG_NAME_CANN || package > ACL_PKG_NAME_DRIVER) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclsysGetCANNVersion: unknown package name %lld",
                  static_cast<long long>(package));
    }
    // Like the real query, it works before aclInit; then the environment is
    // read on the spot. Every package reports the one configured version.
    if (const Session* session = Runtime::instance().session()) {
      describeCannVersion(session->config().cann_version, *version);
      return ACL_SUCCESS;
    }
    SimConfig config;
    std::string error;
    if (!loadConfigFromEnvironment(config, error)) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclsysGetCANNVersion: invalid simulator configuration: %s",
                  error.c_str());
    }
    describeCannVersion(config.cann_version, *version);
    return ACL_SUCCESS;
  });
}

}  // extern "C"
