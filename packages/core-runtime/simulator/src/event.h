// Simulated events: points recorded in a stream's task order.
//
// Like CUDA events, an event refers to its most recent record only; waiting
// on it (host or stream) captures that record at the time of the call, so a
// later re-record does not move what an earlier wait waits for.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "clock.h"
#include "progress_counter.h"
#include "task_failures.h"
#include "task_queue.h"

namespace npu_sim {

class ModelRI;
class Stream;

// One aclrtRecordEvent.
class EventRecord {
 public:
  // `failures` are those of the stream the record is enqueued on.
  explicit EventRecord(std::shared_ptr<TaskFailures> failures) noexcept : failures_(std::move(failures)) {}

  // Called by the stream's worker when it reaches the record. A failure
  // still unreported at that point came from a task before the record, so
  // synchronizing on the record reports it (unless something else did first).
  void markReached() noexcept {
    failure_id_ = failures_->pendingId();
    timestamp_ns_ = steadyNowNs();
    reached_.advanceTo(1);
  }
  bool reached() const noexcept { return reached_.value() >= 1; }
  void waitUntilReached() const noexcept { reached_.waitFor(1); }
  // When the stream reached the record; valid once reached().
  int64_t timestampNs() const noexcept { return timestamp_ns_; }
  // A failure before the record that nothing reported yet; reporting it
  // clears it on the stream. Call once reached().
  std::optional<TaskFailure> takeFailureBefore() const { return failures_->takeIf(failure_id_); }

 private:
  const std::shared_ptr<TaskFailures> failures_;
  // Both written before `reached_` is published and read only after it was seen.
  uint64_t failure_id_ = 0;
  int64_t timestamp_ns_ = 0;
  ProgressCounter reached_;
};

// The state of an ACL_EVENT_EXTERNAL event: a flag that records raise and
// resets lower. Raises are counted, so a waiter knows it is raised when the
// count passes its value at the last lowering.
class ExternalFlag {
 public:
  void raise() noexcept {
    std::lock_guard lock(mutex_);
    raises_.advanceTo(raises_.value() + 1);
  }
  void lower() noexcept {
    std::lock_guard lock(mutex_);
    lowered_at_ = raises_.value();
  }
  bool raised() const noexcept {
    std::lock_guard lock(mutex_);
    return raises_.value() > lowered_at_;
  }
  void waitRaised() const noexcept {
    uint64_t target = 0;
    {
      std::lock_guard lock(mutex_);
      target = lowered_at_ + 1;
    }
    raises_.waitFor(target);
  }

 private:
  mutable std::mutex mutex_;
  ProgressCounter raises_;
  uint64_t lowered_at_ = 0;
};

// Always owned by a shared_ptr: a capture keeps the events it records.
class Event : public std::enable_shared_from_this<Event> {
 public:
  Event(bool timing, bool external) noexcept
      : timing_(timing && !external), flag_(external ? std::make_shared<ExternalFlag>() : nullptr) {}

  // Whether aclrtEventElapsedTime may use this event.
  bool timing() const noexcept { return timing_; }

  // ACL_EVENT_EXTERNAL: record, wait and reset are tasks on the stream that
  // raise, wait for and lower the flag, and a capture records them as such,
  // so they act again at every replay.
  bool external() const noexcept { return flag_ != nullptr; }
  Task raiseTask() const;
  Task waitTask() const;
  Task lowerTask() const;
  const ExternalFlag& flag() const noexcept { return *flag_; }

  // Enqueues a new record on `stream`; it becomes the event's latest. On a
  // capturing stream the capture records it instead, and until a replay
  // records it the event has no latest record.
  void record(Stream& stream);
  // A new record for a task of `stream` to mark; it becomes the latest.
  std::shared_ptr<EventRecord> startRecord(const Stream& stream);
  // The latest record; null when never recorded since creation or reset.
  std::shared_ptr<const EventRecord> latest() const;
  // The capture still under way that recorded the event last, if any.
  std::shared_ptr<ModelRI> activeCapture() const;
  void reset();

 private:
  const bool timing_;
  const std::shared_ptr<ExternalFlag> flag_;
  mutable std::mutex mutex_;
  std::shared_ptr<const EventRecord> latest_;
  std::weak_ptr<ModelRI> captured_in_;
};

}  // namespace npu_sim
