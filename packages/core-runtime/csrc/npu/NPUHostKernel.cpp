#include "npu/NPUHostKernel.h"

#include <memory>
#include <utility>

#include <c10/util/Exception.h>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPURecovery.h"

namespace torch_npu::npu {
namespace {

// The simulator's functions for its own kernels (npu_sim/sim_extensions.h);
// resolved, not linked: a real toolkit has none of them.
struct SimulatorKernelApi {
  aclError (*launch_host_task)(aclrtStream, void (*)(void*), void*) = nullptr;
  aclError (*fail_current_task)(const char*) = nullptr;
  void* (*host_address)(const void*) = nullptr;

  bool complete() const {
    return launch_host_task != nullptr && fail_current_task != nullptr && host_address != nullptr;
  }
};

const SimulatorKernelApi& simulatorKernelApi() {
  static const SimulatorKernelApi api = [] {
    SimulatorKernelApi resolved;
    resolved.launch_host_task = reinterpret_cast<decltype(resolved.launch_host_task)>(
        acl::resolveSymbol(nullptr, "npuSimLaunchHostTask"));
    resolved.fail_current_task = reinterpret_cast<decltype(resolved.fail_current_task)>(
        acl::resolveSymbol(nullptr, "npuSimFailCurrentTask"));
    resolved.host_address =
        reinterpret_cast<decltype(resolved.host_address)>(acl::resolveSymbol(nullptr, "npuSimHostAddress"));
    return resolved;
  }();
  return api;
}

const SimulatorKernelApi& requireSimulatorKernelApi() {
  const SimulatorKernelApi& api = simulatorKernelApi();
  TORCH_CHECK(api.complete(), "Compiled C++ kernels run only on the NPU simulator; the CANN runtime ",
              acl::runtimeInfo().library,
              " cannot run them (inductor device code for Ascend hardware is not shipped).");
  return api;
}

struct PendingKernel {
  HostKernelEntry entry;
  std::shared_ptr<const std::string> name;
  HostKernelArguments arguments;
};

void runPendingKernel(void* arg) {
  const std::unique_ptr<PendingKernel> kernel(static_cast<PendingKernel*>(arg));
  HostKernelArguments& arguments = kernel->arguments;
  for (size_t k = 0; k < arguments.host_value_slots.size(); ++k) {
    arguments.slots[arguments.host_value_slots[k]] = reinterpret_cast<uint64_t>(&arguments.host_values[k]);
  }
  const char* failure = kernel->entry(arguments.slots.data());
  if (failure != nullptr) {
    const std::string message = "compiled kernel " + *kernel->name + " failed: " + failure;
    simulatorKernelApi().fail_current_task(message.c_str());
  }
}

}  // namespace

bool hostKernelsSupported() {
  return simulatorKernelApi().complete();
}

uint64_t hostKernelAddress(const void* device_ptr) {
  return reinterpret_cast<uint64_t>(requireSimulatorKernelApi().host_address(device_ptr));
}

void launchHostKernel(HostKernelEntry entry, std::shared_ptr<const std::string> kernel_name,
                      HostKernelArguments arguments, const NPUStream& stream) {
  checkNotStopped(stream.device_index());
  const SimulatorKernelApi& api = requireSimulatorKernelApi();
  auto kernel = std::make_unique<PendingKernel>(PendingKernel{entry, std::move(kernel_name), std::move(arguments)});
  // The task owns the kernel once the launch enqueued it (npuSimLaunchEnqueued:
  // success, or under ASCEND_LAUNCH_BLOCKING a task failure the launch reports).
  const aclError error = api.launch_host_task(stream.stream(), &runPendingKernel, kernel.get());
  const bool enqueued =
      error == ACL_SUCCESS || error == ACL_ERROR_RT_AICORE_EXCEPTION || error == ACL_ERROR_RT_AICORE_TIMEOUT;
  if (enqueued) kernel.release();
  NPU_CHECK(error);
}

}  // namespace torch_npu::npu
