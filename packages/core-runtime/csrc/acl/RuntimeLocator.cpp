#include "acl/RuntimeLocator.h"

#include <dlfcn.h>
#include <sys/utsname.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <c10/util/Exception.h>

namespace torch_npu::acl {
namespace {

namespace fs = std::filesystem;

std::string envOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return (value != nullptr && *value != '\0') ? std::string(value) : fallback;
}

// CANN records its version as `version=8.5.0` in <home>/<arch>-linux/ascend_toolkit_install.info.
std::string readToolkitVersion(const fs::path& home) {
  utsname machine{};
  uname(&machine);
  const std::string arch_dir = std::string(machine.machine) + "-linux";
  for (const fs::path& info : {home / arch_dir / "ascend_toolkit_install.info", home / "ascend_toolkit_install.info"}) {
    std::ifstream stream(info);
    for (std::string line; std::getline(stream, line);) {
      if (line.rfind("version=", 0) == 0) {
        return line.substr(std::string("version=").size());
      }
    }
  }
  return "";
}

// The simulator ships beside libtorch_npu.so.
std::string bundledSimulatorPath() {
  Dl_info self{};
  TORCH_CHECK(dladdr(reinterpret_cast<void*>(&locateRuntime), &self) != 0 && self.dli_fname != nullptr,
              "torch_npu could not locate its own library to find the bundled NPU simulator");
  return (fs::path(self.dli_fname).parent_path() / "libascendcl_sim.so").string();
}

}  // namespace

std::vector<std::string> toolkitSearchPath() {
  std::vector<std::string> roots;
  for (const char* variable : {"ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME"}) {
    const std::string value = envOr(variable, "");
    if (!value.empty()) {
      roots.push_back(value);
    }
  }
  roots.emplace_back("/usr/local/Ascend/ascend-toolkit/latest");
  const std::string home = envOr("HOME", "");
  if (!home.empty()) {
    roots.push_back(home + "/Ascend/ascend-toolkit/latest");
  }
  return roots;
}

RuntimeLocation locateRuntime() {
  const std::string choice = envOr("TORCH_NPU_RUNTIME", "auto");
  TORCH_CHECK(choice == "auto" || choice == "cann" || choice == "simulator",
              "TORCH_NPU_RUNTIME must be one of auto, cann, simulator; got '", choice, "'");

  if (choice != "simulator") {
    std::string searched;
    for (const std::string& root : toolkitSearchPath()) {
      const fs::path library = fs::path(root) / "lib64" / "libascendcl.so";
      searched += "\n  " + library.string();
      if (fs::exists(library)) {
        return RuntimeLocation{false, library.string(), root, readToolkitVersion(root)};
      }
    }
    TORCH_CHECK(choice != "cann",
                "TORCH_NPU_RUNTIME=cann asks for a real CANN toolkit, but none was found. Searched:", searched,
                "\nInstall the CANN toolkit and run `source <install dir>/ascend-toolkit/set_env.sh` (which sets "
                "ASCEND_HOME_PATH), or unset TORCH_NPU_RUNTIME to use the bundled NPU simulator.");
  }
  return RuntimeLocation{true, bundledSimulatorPath(), "", ""};
}

}  // namespace torch_npu::acl
