#include "HcclApi.h"

#include <dlfcn.h>

#include <filesystem>
#include <optional>
#include <string>

#include <c10/util/Exception.h>

#include "acl/AclApi.h"

namespace torch_npu::hccl {
namespace {

struct HcclTable {
  std::string library;
#define TORCH_NPU_HCCL_POINTER(ret, name, params, args) ret(*name) params = nullptr;
  TORCH_NPU_HCCL_SYMBOLS(TORCH_NPU_HCCL_POINTER)
#undef TORCH_NPU_HCCL_POINTER
};

// The simulator's HCCL ships in this package's lib/, beside this module.
std::string simulatorLibrary() {
  Dl_info self{};
  TORCH_CHECK(dladdr(reinterpret_cast<void*>(&libraryPath), &self) != 0 && self.dli_fname != nullptr,
              "torch_npu_hccl could not locate its own library to find the simulated HCCL");
  return (std::filesystem::path(self.dli_fname).parent_path() / "lib" / "libhccl_sim.so").string();
}

// On a real toolkit the runtime loader finds libhccl.so beside libascendcl.so;
// with the simulator, libhccl_sim.so is opened here (it needs the simulator
// the runtime already loaded, which it links by name).
HcclTable load() {
  const acl::RuntimeInfo& runtime = acl::runtimeInfo();
  HcclTable table;
  void* simulator = nullptr;
  if (runtime.is_simulator) {
    table.library = simulatorLibrary();
    simulator = dlopen(table.library.c_str(), RTLD_NOW | RTLD_LOCAL);
    TORCH_CHECK(simulator != nullptr, "torch_npu could not load the simulated HCCL from ", table.library, ": ",
                dlerror());
  } else {
    table.library = runtime.toolkit_home + "/lib64/libhccl.so";
  }
  std::string missing;
#define TORCH_NPU_HCCL_RESOLVE(ret, name, params, args)                                        \
  table.name = reinterpret_cast<ret(*) params>(simulator != nullptr ? dlsym(simulator, #name) \
                                                                    : acl::resolveSymbol("libhccl.so", #name)); \
  if (table.name == nullptr) {                                                                 \
    missing += std::string(missing.empty() ? "" : ", ") + #name;                               \
  }
  TORCH_NPU_HCCL_SYMBOLS(TORCH_NPU_HCCL_RESOLVE)
#undef TORCH_NPU_HCCL_RESOLVE
  TORCH_CHECK(missing.empty(), "The HCCL library ", table.library, " lacks functions torch_npu needs: ", missing,
              ". Install a CANN toolkit that provides them.");
  return table;
}

const HcclTable& table() {
  // Loaded once, never unloaded; a failure is re-raised with the same reason.
  static const std::optional<HcclTable> loaded = []() -> std::optional<HcclTable> {
    try {
      return load();
    } catch (const c10::Error&) {
      return std::nullopt;
    }
  }();
  if (!loaded) {
    load();  // raises the reason again
  }
  return *loaded;
}

}  // namespace

#define TORCH_NPU_DEFINE_HCCL_FORWARD(ret, name, params, args) \
  ret name params {                                            \
    return table().name args;                                  \
  }
TORCH_NPU_HCCL_SYMBOLS(TORCH_NPU_DEFINE_HCCL_FORWARD)
#undef TORCH_NPU_DEFINE_HCCL_FORWARD

const std::string& libraryPath() { return table().library; }

}  // namespace torch_npu::hccl
