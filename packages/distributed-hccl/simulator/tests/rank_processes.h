// Ranks as forked processes: each child starts its own simulator, runs the
// body and exits with its result; the parent collects the exit statuses.
#pragma once

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "hccl/hccl.h"
#include "test_harness.h"

namespace hccl_test {

// What one rank's process has: its device stream and the shared root info.
struct RankContext {
  uint32_t rank;
  uint32_t ranks;
  HcclRootInfo root;
  aclrtStream stream = nullptr;
  HcclComm comm = nullptr;
};

// A check inside a child: prints and exits non-zero (the parent sees it).
#define RANK_CHECK(condition)                                                                            \
  do {                                                                                                   \
    if (!(condition)) {                                                                                  \
      std::fprintf(stderr, "rank check failed at %s:%d: %s (recent error: %s)\n", __FILE__, __LINE__,   \
                   #condition, aclGetRecentErrMsg());                                                    \
      std::_Exit(90);                                                                                    \
    }                                                                                                    \
  } while (0)

// Device memory holding `values`.
template <class T>
void* toDevice(const std::vector<T>& values) {
  void* device = nullptr;
  const size_t bytes = std::max<size_t>(values.size() * sizeof(T), 1);
  RANK_CHECK(aclrtMalloc(&device, bytes, ACL_MEM_MALLOC_HUGE_FIRST) == ACL_SUCCESS);
  if (!values.empty()) {
    RANK_CHECK(aclrtMemcpy(device, bytes, values.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE) == ACL_SUCCESS);
  }
  return device;
}

template <class T>
std::vector<T> fromDevice(const void* device, size_t count) {
  std::vector<T> values(count);
  if (count != 0) {
    RANK_CHECK(aclrtMemcpy(values.data(), count * sizeof(T), device, count * sizeof(T), ACL_MEMCPY_DEVICE_TO_HOST) ==
               ACL_SUCCESS);
  }
  return values;
}

// Entries of ours in /dev/shm.
inline int leftoverSegments() {
  int found = 0;
  if (DIR* dir = opendir("/dev/shm")) {
    while (dirent* entry = readdir(dir)) found += std::strncmp(entry->d_name, "npu_sim_hccl_", 13) == 0;
    closedir(dir);
  }
  return found;
}

// Forks `ranks` processes; each sets `environment`, starts the simulator on
// device 0, creates a stream and (if `join`) the communicator, and exits
// with `body`'s result. Returns each rank's exit status (128 + signal when
// killed); a rank still running after `limit` is killed.
inline std::vector<int> runRanks(uint32_t ranks, const std::function<int(RankContext&)>& body, bool join = true,
                                 std::vector<std::pair<const char*, const char*>> environment = {},
                                 std::chrono::seconds limit = std::chrono::seconds(60)) {
  RankContext shared{0, ranks, {}};
  CHECK_EQ(HcclGetRootInfo(&shared.root), HCCL_SUCCESS);
  std::vector<pid_t> children;
  for (uint32_t rank = 0; rank < ranks; ++rank) {
    const pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
      for (auto [name, value] : environment) setenv(name, value, 1);
      RankContext context = shared;
      context.rank = rank;
      RANK_CHECK(aclInit(nullptr) == ACL_SUCCESS);
      RANK_CHECK(aclrtSetDevice(0) == ACL_SUCCESS);
      RANK_CHECK(aclrtCreateStream(&context.stream) == ACL_SUCCESS);
      if (join) {
        RANK_CHECK(HcclCommInitRootInfo(ranks, &context.root, rank, &context.comm) == HCCL_SUCCESS);
      }
      std::fflush(stdout);
      std::_Exit(body(context));
    }
    children.push_back(child);
  }
  std::vector<int> statuses(ranks, -1);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (uint32_t left = ranks; left > 0;) {
    for (uint32_t rank = 0; rank < ranks; ++rank) {
      int status = 0;
      if (statuses[rank] != -1 || waitpid(children[rank], &status, WNOHANG) != children[rank]) continue;
      statuses[rank] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      --left;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      for (uint32_t rank = 0; rank < ranks; ++rank) {
        if (statuses[rank] == -1) kill(children[rank], SIGKILL);
      }
      ::sim_test::failCheck(__FILE__, __LINE__, "a rank hung past the test's limit");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return statuses;
}

inline bool allZero(const std::vector<int>& statuses) {
  for (int status : statuses) {
    if (status != 0) return false;
  }
  return true;
}

}  // namespace hccl_test
