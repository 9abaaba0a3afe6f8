#include "liveness.h"

#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <climits>
#include <ctime>

namespace npu_sim_hccl {

bool processAlive(int32_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  // A killed process stays a zombie until its parent reaps it; it will never
  // arrive, so it counts as dead.
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  std::FILE* file = std::fopen(path, "r");
  if (file == nullptr) return true;  // no /proc: trust kill()
  char text[512] = {};
  const size_t length = std::fread(text, 1, sizeof(text) - 1, file);
  std::fclose(file);
  const char* end_of_name = std::strrchr(text, ')');  // the name may hold spaces and parentheses
  if (length == 0 || end_of_name == nullptr || end_of_name[1] == '\0') return true;
  const char state = end_of_name[2];
  return state != 'Z' && state != 'X';
}

// Shared (not FUTEX_PRIVATE) operations: the word lives in memory mapped by
// several processes.
void wakeAll(std::atomic<uint32_t>& word) {
  ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

void waitForChange(std::atomic<uint32_t>& word, uint32_t seen, std::chrono::microseconds slice) {
  timespec timeout{static_cast<time_t>(slice.count() / 1'000'000), static_cast<long>(slice.count() % 1'000'000) * 1000};
  ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT, seen, &timeout, nullptr, 0);
}

}  // namespace npu_sim_hccl
