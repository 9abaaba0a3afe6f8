// HCCL's environment variables, as the simulator reads them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace npu_sim_hccl {

// HCCL_BUFFSIZE: MB of the per-rank staging buffer (default 200, as HCCL's).
// HCCL_CONNECT_TIMEOUT: seconds HcclCommInitRootInfo waits for every rank
// (default 120). HCCL_EXEC_TIMEOUT: seconds a collective waits for its peers
// (default 1836, as on Atlas A2). An unreadable value is an error naming the
// variable, never a silent default.
// TORCH_NPU_SIM_HCCL_PEER_READS (the simulator's own; default 1): collectives
// copy straight between the ranks' buffers when every rank may read the
// others' memory; 0 keeps them on the shared slots.
struct Settings {
  uint64_t buffer_mb = 200;
  bool peer_reads = true;
  std::chrono::milliseconds connect_timeout{120'000};
  std::chrono::milliseconds exec_timeout{1'836'000};
};

// Fills `settings` from the environment; empty on success, else why not.
std::string readSettings(Settings& settings);

}  // namespace npu_sim_hccl
