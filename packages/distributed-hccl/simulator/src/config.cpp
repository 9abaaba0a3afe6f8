#include "config.h"

#include <cerrno>
#include <cstdlib>

namespace npu_sim_hccl {
namespace {

// An integer in [low, high] from `name`, when it is set.
std::string readInteger(const char* name, uint64_t low, uint64_t high, uint64_t& value) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return "";
  char* end = nullptr;
  errno = 0;
  const unsigned long long parsed = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || *text == '-' || parsed < low || parsed > high) {
    return std::string(name) + "='" + text + "' must be an integer from " + std::to_string(low) + " to " +
           std::to_string(high);
  }
  value = parsed;
  return "";
}

}  // namespace

std::string readSettings(Settings& settings) {
  uint64_t buffer_mb = settings.buffer_mb;
  uint64_t connect_s = static_cast<uint64_t>(settings.connect_timeout.count() / 1000);
  uint64_t exec_s = static_cast<uint64_t>(settings.exec_timeout.count() / 1000);
  uint64_t peer_reads = settings.peer_reads ? 1 : 0;
  for (std::string error : {readInteger("HCCL_BUFFSIZE", 1, 65536, buffer_mb),
                            readInteger("HCCL_CONNECT_TIMEOUT", 1, 7200, connect_s),
                            readInteger("HCCL_EXEC_TIMEOUT", 1, 17340, exec_s),
                            readInteger("TORCH_NPU_SIM_HCCL_PEER_READS", 0, 1, peer_reads)}) {
    if (!error.empty()) return error;
  }
  settings.peer_reads = peer_reads == 1;
  settings.buffer_mb = buffer_mb;
  settings.connect_timeout = std::chrono::seconds(connect_s);
  settings.exec_timeout = std::chrono::seconds(exec_s);
  return "";
}

}  // namespace npu_sim_hccl
