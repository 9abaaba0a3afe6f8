#include "host_memory_budget.h"

#include <cstdio>
#include <limits>

namespace npu_sim {

bool HostMemoryBudget::tryCommit(uint64_t bytes) noexcept {
  uint64_t committed = committed_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ - committed) return false;
  } while (!committed_.compare_exchange_weak(committed, committed + bytes, std::memory_order_relaxed));
  return true;
}

void HostMemoryBudget::release(uint64_t bytes) noexcept { committed_.fetch_sub(bytes, std::memory_order_relaxed); }

uint64_t defaultHostMemoryLimit() noexcept {
  std::FILE* meminfo = std::fopen("/proc/meminfo", "r");
  if (meminfo == nullptr) return std::numeric_limits<uint64_t>::max();
  unsigned long long available_kib = 0;
  char line[256];
  bool found = false;
  while (!found && std::fgets(line, sizeof line, meminfo) != nullptr) {
    found = std::sscanf(line, "MemAvailable: %llu kB", &available_kib) == 1;
  }
  std::fclose(meminfo);
  if (!found) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(available_kib) * 1024 / 10 * 9;
}

}  // namespace npu_sim
