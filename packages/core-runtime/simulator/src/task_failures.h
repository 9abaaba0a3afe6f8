// Failures of a stream's tasks (npuSimFailCurrentTask, a kernel past the op
// execute timeout) that no synchronization has reported yet.
//
// On hardware a kernel that faults does not stop the host: the launch already
// returned, and the error (ACL_ERROR_RT_AICORE_EXCEPTION, or
// ACL_ERROR_RT_AICORE_TIMEOUT) surfaces at the next synchronization that
// covers the kernel, once. This is the per-stream state that makes the
// simulator behave the same way.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "acl/acl_base.h"

namespace npu_sim {

struct TaskFailure {
  // What the synchronization that reports the failure returns.
  aclError error;
  std::string message;
};

class TaskFailures {
 public:
  // Worker side: a task of the stream failed with `error`. The first
  // unreported failure keeps its error and message; later ones are only
  // counted into it, so a stream that keeps failing cannot grow the message
  // without bound.
  void add(aclError error, const char* message) noexcept;

  // Identifies the unreported failure; 0 when there is none. Lock-free, so
  // checking it costs nothing on the synchronization and event-record paths.
  uint64_t pendingId() const noexcept { return pending_id_.load(std::memory_order_acquire); }

  // The unreported failure, which is thereby reported: a second call returns
  // nothing until a task fails again.
  std::optional<TaskFailure> take();
  // Like take(), but only if the unreported failure is `id` (one an event
  // record saw), not one that happened after the record.
  std::optional<TaskFailure> takeIf(uint64_t id);

 private:
  std::optional<TaskFailure> takeLocked();

  std::mutex mutex_;
  std::atomic<uint64_t> pending_id_{0};
  uint64_t last_id_ = 0;
  aclError error_ = ACL_SUCCESS;
  std::string message_;
  uint64_t later_failures_ = 0;
};

}  // namespace npu_sim
