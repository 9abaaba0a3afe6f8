// The thread that watches a process group's pending works: a collective that
// runs past its timeout, or whose communicator reports an asynchronous error
// (a dead peer, HCCL_EXEC_TIMEOUT), ends in an error message instead of a hang.
// With TORCH_HCCL_ASYNC_ERROR_HANDLING at its default (1) it then ends the
// process; with 0 it only fails the work (wait() raises).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "CollectiveState.h"

namespace torch_npu::hccl {

class Watchdog {
 public:
  explicit Watchdog(int rank);
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog();

  void track(std::shared_ptr<CollectiveState> work);

 private:
  void run();
  // Checks one work; true when it is finished with (completed or failed).
  bool check(CollectiveState& work);
  [[noreturn]] void terminate(const std::string& message);

  int rank_;
  bool abort_on_error_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::vector<std::shared_ptr<CollectiveState>> works_;
  std::thread thread_;
};

}  // namespace torch_npu::hccl
