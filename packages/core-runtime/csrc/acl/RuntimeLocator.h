// Decides which implementation of the CANN API this process loads.
#pragma once

#include <string>
#include <vector>

namespace torch_npu::acl {

// Where a runtime library was found and what it claims to be.
struct RuntimeLocation {
  bool is_simulator = false;
  std::string library;       // absolute path of the library to dlopen
  std::string toolkit_home;  // empty for the simulator
  std::string cann_version;  // from the toolkit's install-info file; empty for the simulator
};

// TORCH_NPU_RUNTIME selects: "auto" (default: real CANN when a toolkit is
// found, else the simulator), "cann" (a toolkit is required) or "simulator".
// Raises with every place searched when "cann" finds nothing.
RuntimeLocation locateRuntime();

// The toolkit roots searched, in order: ASCEND_HOME_PATH, ASCEND_TOOLKIT_HOME
// (both set by set_env.sh), then the default install locations.
std::vector<std::string> toolkitSearchPath();

}  // namespace torch_npu::acl
