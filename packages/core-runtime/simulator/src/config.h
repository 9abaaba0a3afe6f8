// The simulator's configuration, read from the environment at aclInit.
//
// Every variable is documented in simulator/README.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npu_sim {

struct SimConfig {
  // Devices the simulated machine has (TORCH_NPU_SIM_DEVICE_COUNT): 8, as an
  // Atlas 800T A2 server, so `torchrun --nproc-per-node 8` finds a device per rank.
  int32_t physical_device_count = 8;
  // Memory capacity of every device in bytes (TORCH_NPU_SIM_HBM_MB).
  uint64_t device_capacity_bytes = uint64_t{8192} << 20;
  // Host memory all devices together may commit (TORCH_NPU_SIM_HOST_MEMORY_MB;
  // default: the host's available memory less a margin).
  uint64_t host_memory_limit_bytes = 0;
  std::string soc_name = "Ascend910B1";
  std::string cann_version = "8.5.0";
  // Physical id of each visible device, indexed by the device id callers use
  // (ASCEND_RT_VISIBLE_DEVICES renumbers, as on real hardware). Simulated
  // devices are identical, so only how many there are matters afterwards.
  std::vector<int32_t> visible_physical_ids;
  // ASCEND_LAUNCH_BLOCKING=1: every enqueue returns only once its task ran.
  bool launch_blocking = false;
  // TORCH_NPU_SIM_PROTECT=1: host code cannot touch device memory.
  bool protect_device_memory = false;

  int32_t visibleDeviceCount() const noexcept { return static_cast<int32_t>(visible_physical_ids.size()); }
};

// Reads the configuration from the environment. Returns false and explains in
// `error` when a variable holds a value that cannot be meant (for example a
// non-numeric device count); an unusable ASCEND_RT_VISIBLE_DEVICES entry is
// not an error but hides the devices from that entry on, as CUDA does.
bool loadConfigFromEnvironment(SimConfig& config, std::string& error);

}  // namespace npu_sim
