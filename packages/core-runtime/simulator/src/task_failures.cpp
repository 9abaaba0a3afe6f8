#include "task_failures.h"

namespace npu_sim {

void TaskFailures::add(aclError error, const char* message) noexcept {
  std::lock_guard lock(mutex_);
  if (pending_id_.load(std::memory_order_relaxed) != 0) {
    ++later_failures_;
    return;
  }
  try {
    message_ = message;
  } catch (...) {
    // No memory for the text: the failure itself must still be reported.
    message_.clear();
  }
  error_ = error;
  later_failures_ = 0;
  pending_id_.store(++last_id_, std::memory_order_release);
}

std::optional<TaskFailure> TaskFailures::take() {
  if (pendingId() == 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  return takeLocked();
}

std::optional<TaskFailure> TaskFailures::takeIf(uint64_t id) {
  if (id == 0 || pendingId() != id) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (pending_id_.load(std::memory_order_relaxed) != id) return std::nullopt;
  return takeLocked();
}

std::optional<TaskFailure> TaskFailures::takeLocked() {
  if (pending_id_.load(std::memory_order_relaxed) == 0) return std::nullopt;
  std::string message = message_.empty() ? std::string("a task failed on the device") : std::move(message_);
  if (later_failures_ > 0) {
    message += " (and " + std::to_string(later_failures_) + " later task failure(s) on this stream)";
  }
  message_.clear();
  later_failures_ = 0;
  pending_id_.store(0, std::memory_order_release);
  return TaskFailure{error_, std::move(message)};
}

}  // namespace npu_sim
