// Forwarding functions for the CANN runtime, resolved at run time.
//
// `acl::aclrtMalloc(...)` calls the real toolkit's function when one was
// found, otherwise the bundled simulator's. The first call loads the runtime.
#pragma once

#include <string>

#include "acl/AclNewerSymbols.h"
#include "acl/AclSymbols.h"

namespace torch_npu::acl {

#define TORCH_NPU_DECLARE_ACL_FORWARD(ret, name, params, args) ret name params;
TORCH_NPU_ACL_RUNTIME_SYMBOLS(TORCH_NPU_DECLARE_ACL_FORWARD)
// These raise when the loaded runtime predates them.
TORCH_NPU_ACL_NEWER_SYMBOLS(TORCH_NPU_DECLARE_ACL_FORWARD)
#undef TORCH_NPU_DECLARE_ACL_FORWARD

// Which implementation of the CANN API this process uses.
struct RuntimeInfo {
  bool is_simulator;      // true: the bundled simulator; false: a real CANN toolkit
  std::string library;    // path of the loaded runtime library
  std::string cann_version;  // e.g. "8.5.0"
  std::string toolkit_home;  // the toolkit's root for real CANN, empty for the simulator
};

// Loads the runtime on first use (thread-safe) and describes it.
const RuntimeInfo& runtimeInfo();

// Resolves any further symbol (aclnn*, Hccl*) from the loaded runtime's
// libraries; `library` names the CANN library that holds it on a real
// toolkit (e.g. "libopapi.so"). Returns nullptr when absent.
void* resolveSymbol(const char* library, const char* name);

}  // namespace torch_npu::acl
