#include "runtime.h"

#include <pthread.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "error.h"

namespace npu_sim {
namespace {

// Said once per aclInit: a program may fill the devices only up to the host's limit.
// Only for a configuration the user chose: the defaults (8 devices of 8 GiB, as an
// Atlas 800T A2) exceed most hosts by design, and every process would say so.
void warnIfDevicesExceedHostMemory(const SimConfig& config) {
  const uint64_t device_memory = static_cast<uint64_t>(config.visibleDeviceCount()) * config.device_capacity_bytes;
  if (device_memory <= config.host_memory_limit_bytes) return;
  bool chosen = false;
  for (const char* name : {"TORCH_NPU_SIM_DEVICE_COUNT", "TORCH_NPU_SIM_HBM_MB", "TORCH_NPU_SIM_HOST_MEMORY_MB"}) {
    chosen = chosen || std::getenv(name) != nullptr;
  }
  if (!chosen) return;
  std::fprintf(stderr,
               "NPU simulator: %d device(s) of %" PRIu64 " MiB (TORCH_NPU_SIM_HBM_MB) exceed the %" PRIu64
               " MiB of host memory they may commit (TORCH_NPU_SIM_HOST_MEMORY_MB; default the host's available "
               "memory less 10%%): an allocation past it fails as an out-of-memory error naming the host\n",
               config.visibleDeviceCount(), config.device_capacity_bytes >> 20, config.host_memory_limit_bytes >> 20);
}

}  // namespace

Runtime& Runtime::instance() {
  static npu_common::NoDestructor<Runtime> runtime;
  return runtime.get();
}

Runtime::Runtime() { pthread_atfork(nullptr, nullptr, &Runtime::markForkedChild); }

void Runtime::markForkedChild() noexcept {
  // Only lock-free work is allowed here; the child has a single thread.
  Runtime& runtime = instance();
  if (runtime.session() != nullptr) runtime.forked_after_init_.store(true, std::memory_order_relaxed);
}

aclError Runtime::initialize(const char* config_path) {
  if (forkedAfterInit()) {
    return fail(ACL_ERROR_RT_INTERNAL_ERROR,
                "aclInit: the NPU simulator cannot be used in a process forked after aclInit");
  }
  std::lock_guard lock(lifecycle_mutex_);
  if (owned_session_) return fail(ACL_ERROR_REPEAT_INITIALIZE, "aclInit: already initialized");
  // CANN reads a JSON configuration from this path; the simulator has nothing
  // to configure there but still insists that it exists, as CANN does.
  if (config_path != nullptr && config_path[0] != '\0' && !std::ifstream(config_path).good()) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclInit: cannot read the configuration file '%s'", config_path);
  }
  SimConfig config;
  std::string error;
  if (!loadConfigFromEnvironment(config, error)) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclInit: invalid simulator configuration: %s", error.c_str());
  }
  warnIfDevicesExceedHostMemory(config);
  const char* soc_name = soc_names_.insert(config.soc_name).first->c_str();
  owned_session_ = std::make_unique<Session>(std::move(config), ++sessions_started_);
  soc_name_.store(soc_name, std::memory_order_release);
  session_.store(owned_session_.get(), std::memory_order_release);
  return ACL_SUCCESS;
}

aclError Runtime::finalize() {
  if (forkedAfterInit()) {
    return fail(ACL_ERROR_RT_INTERNAL_ERROR,
                "aclFinalize: the NPU simulator cannot be used in a process forked after aclInit");
  }
  std::unique_ptr<Session> ending;
  {
    std::lock_guard lock(lifecycle_mutex_);
    if (!owned_session_) return fail(ACL_ERROR_UNINITIALIZE, "aclFinalize: aclInit was not called");
    session_.store(nullptr, std::memory_order_release);
    ending = std::move(owned_session_);
  }
  // Destroying the session drains and joins every worker; outside the lock so
  // a callback still running on a worker cannot deadlock against aclInit.
  ending.reset();
  return ACL_SUCCESS;
}

}  // namespace npu_sim
