// Helpers shared by the simulator tests.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "acl/acl_rt.h"
#include "npu_sim/sim_extensions.h"
#include "test_harness.h"

namespace sim_test {

// An initialized simulator for the duration of a test, configured through
// environment variables that are restored afterwards.
class ScopedSimulator {
 public:
  using Environment = std::vector<std::pair<std::string, std::string>>;

  explicit ScopedSimulator(const Environment& environment = {}, int32_t device = 0) {
    for (const auto& [name, value] : environment) {
      const char* previous = std::getenv(name.c_str());
      saved_.emplace_back(name, previous ? std::optional<std::string>(previous) : std::nullopt);
      setenv(name.c_str(), value.c_str(), 1);
    }
    const aclError error = aclInit(nullptr);
    if (error != ACL_SUCCESS) {
      restoreEnvironment();
      throw TestFailure("aclInit failed with " + std::to_string(error) + ": " + aclGetRecentErrMsg());
    }
    initialized_ = true;
    if (device >= 0) checkAcl(aclrtSetDevice(device), ACL_SUCCESS, "aclrtSetDevice", __FILE__, __LINE__);
  }

  ~ScopedSimulator() {
    if (initialized_) aclFinalize();
    restoreEnvironment();
  }

  ScopedSimulator(const ScopedSimulator&) = delete;
  ScopedSimulator& operator=(const ScopedSimulator&) = delete;

  // Finalizes before the end of the scope.
  aclError finalize() {
    initialized_ = false;
    return aclFinalize();
  }

 private:
  void restoreEnvironment() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        unsetenv(it->first.c_str());
      }
    }
    saved_.clear();
  }

  bool initialized_ = false;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Sets environment variables for one scope (for calls made before aclInit).
class ScopedEnvironment {
 public:
  explicit ScopedEnvironment(const std::vector<std::pair<std::string, std::optional<std::string>>>& values) {
    for (const auto& [name, value] : values) {
      const char* previous = std::getenv(name.c_str());
      saved_.emplace_back(name, previous ? std::optional<std::string>(previous) : std::nullopt);
      value ? setenv(name.c_str(), value->c_str(), 1) : unsetenv(name.c_str());
    }
  }
  ~ScopedEnvironment() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      it->second ? setenv(it->first.c_str(), it->second->c_str(), 1) : unsetenv(it->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Holds stream tasks back until opened; opens itself when it goes out of
// scope so that a failing test never leaves a worker stuck.
class Gate {
 public:
  ~Gate() { open(); }
  void open() {
    open_.store(1);
    open_.notify_all();
  }
  void wait() const {
    while (open_.load() == 0) open_.wait(0);
  }
  // A stream task that blocks its stream until the gate opens.
  static void waitTask(void* gate) { static_cast<Gate*>(gate)->wait(); }

 private:
  std::atomic<uint32_t> open_{0};
};

// Whether the calling thread's recent error message (aclGetRecentErrMsg) contains `text`.
inline bool recentErrorContains(const std::string& text) {
  return std::string(aclGetRecentErrMsg()).find(text) != std::string::npos;
}

// Enqueues `fn` on `stream` as a simulated kernel.
inline aclError launch(aclrtStream stream, std::function<void()> fn) {
  auto owned = std::make_unique<std::function<void()>>(std::move(fn));
  const aclError error = npuSimLaunchHostTask(
      stream,
      [](void* task) {
        std::unique_ptr<std::function<void()>> run(static_cast<std::function<void()>*>(task));
        (*run)();
      },
      owned.get());
  // The task owns `fn` once it is called (see npuSimLaunchHostTask).
  if (npuSimLaunchEnqueued(error)) owned.release();
  return error;
}

// Waits until `done()` holds, at most `limit`; for outcomes produced on other
// threads without a simulator call to wait on (callbacks run NO_BLOCK).
template <class Predicate>
bool eventually(Predicate&& done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

inline void spinFor(std::chrono::microseconds duration) {
  const auto end = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < end) {
  }
}

}  // namespace sim_test
