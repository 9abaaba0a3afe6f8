#include "acl/AclApi.h"

#include <dlfcn.h>

#include <optional>

#include <c10/util/Exception.h>

#include "acl/RuntimeLocator.h"
#include "npu_common/no_destructor.h"

namespace torch_npu::acl {
namespace {

// Owns the dlopen handle of the runtime library; symbols stay valid for the
// life of the process, so the handle is intentionally never closed.
struct LoadedRuntime {
  RuntimeInfo info;
  void* handle = nullptr;
#define TORCH_NPU_ACL_POINTER(ret, name, params, args) ret(*name) params = nullptr;
  TORCH_NPU_ACL_RUNTIME_SYMBOLS(TORCH_NPU_ACL_POINTER)
  TORCH_NPU_ACL_NEWER_SYMBOLS(TORCH_NPU_ACL_POINTER)  // null where the runtime predates them
#undef TORCH_NPU_ACL_POINTER
};

std::string cannVersionOf(const LoadedRuntime& runtime, const std::string& from_install_info) {
  aclCANNPackageVersion version{};
  if (runtime.aclsysGetCANNVersion != nullptr &&
      runtime.aclsysGetCANNVersion(ACL_PKG_NAME_CANN, &version) == ACL_SUCCESS && version.version[0] != '\0') {
    return version.version;
  }
  return from_install_info;
}

LoadedRuntime load() {
  const RuntimeLocation location = locateRuntime();
  LoadedRuntime runtime;
  runtime.handle = dlopen(location.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  TORCH_CHECK(runtime.handle != nullptr, "torch_npu could not load the ",
              location.is_simulator ? "bundled NPU simulator" : "CANN runtime", " from ", location.library, ": ",
              dlerror());
  std::string missing;
#define TORCH_NPU_ACL_RESOLVE(ret, name, params, args)                                \
  runtime.name = reinterpret_cast<ret(*) params>(dlsym(runtime.handle, #name));        \
  if (runtime.name == nullptr) {                                                       \
    missing += std::string(missing.empty() ? "" : ", ") + #name;                       \
  }
  TORCH_NPU_ACL_RUNTIME_SYMBOLS(TORCH_NPU_ACL_RESOLVE)
#undef TORCH_NPU_ACL_RESOLVE
  TORCH_CHECK(missing.empty(), "The runtime library ", location.library,
              " lacks CANN functions torch_npu needs: ", missing, ". Install a CANN toolkit that provides them.");
#define TORCH_NPU_ACL_RESOLVE_NEWER(ret, name, params, args) \
  runtime.name = reinterpret_cast<ret(*) params>(dlsym(runtime.handle, #name));
  TORCH_NPU_ACL_NEWER_SYMBOLS(TORCH_NPU_ACL_RESOLVE_NEWER)
#undef TORCH_NPU_ACL_RESOLVE_NEWER
  runtime.info = RuntimeInfo{location.is_simulator, location.library,
                             cannVersionOf(runtime, location.cann_version), location.toolkit_home};
  return runtime;
}

// Loaded once and never unloaded: destructors of other statics (cached
// events, pinned blocks) still call into the runtime at process exit. A
// failure is remembered and re-raised with the same reason.
struct RuntimeOrFailure {
  std::optional<LoadedRuntime> runtime;
  std::string failure;
};

RuntimeOrFailure loadOrRecordFailure() {
  RuntimeOrFailure result;
  try {
    result.runtime.emplace(load());
  } catch (const c10::Error& error) {
    result.failure = error.what_without_backtrace();
  }
  return result;
}

const LoadedRuntime& runtime() {
  static npu_common::NoDestructor<RuntimeOrFailure> state(loadOrRecordFailure());
  TORCH_CHECK(state->runtime.has_value(), state->failure);
  return *state->runtime;
}

}  // namespace

#define TORCH_NPU_DEFINE_ACL_FORWARD(ret, name, params, args) \
  ret name params {                                           \
    return runtime().name args;                               \
  }
TORCH_NPU_ACL_RUNTIME_SYMBOLS(TORCH_NPU_DEFINE_ACL_FORWARD)
#undef TORCH_NPU_DEFINE_ACL_FORWARD

#define TORCH_NPU_DEFINE_ACL_NEWER_FORWARD(ret, name, params, args)                                        \
  ret name params {                                                                                        \
    const LoadedRuntime& loaded = runtime();                                                               \
    TORCH_CHECK(loaded.name != nullptr, "The CANN runtime ", loaded.info.cann_version, " (", loaded.info.library, \
                ") has no " #name ": this feature needs a newer CANN toolkit.");                                \
    return loaded.name args;                                                                               \
  }
TORCH_NPU_ACL_NEWER_SYMBOLS(TORCH_NPU_DEFINE_ACL_NEWER_FORWARD)
#undef TORCH_NPU_DEFINE_ACL_NEWER_FORWARD

const RuntimeInfo& runtimeInfo() {
  return runtime().info;
}

void* resolveSymbol(const char* library, const char* name) {
  const LoadedRuntime& loaded = runtime();
  if (void* symbol = dlsym(loaded.handle, name)) {
    return symbol;
  }
  if (loaded.info.is_simulator || library == nullptr) {
    return nullptr;
  }
  // On a real toolkit, op and collective libraries sit beside libascendcl.so.
  const std::string path = loaded.info.toolkit_home + "/lib64/" + library;
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  return handle == nullptr ? nullptr : dlsym(handle, name);
}

}  // namespace torch_npu::acl
