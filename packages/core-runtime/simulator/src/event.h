// Simulated events: points recorded in a stream's task order.
//
// Like CUDA events, an event refers to its most recent record only; waiting
// on it (host or stream) captures that record at the time of the call, so a
// later re-record does not move what an earlier wait waits for.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "clock.h"
#include "progress_counter.h"

namespace npu_sim {

class Stream;

// One aclrtRecordEvent.
class EventRecord {
 public:
  // Called by the stream's worker when it reaches the record.
  void markReached() noexcept {
    timestamp_ns_ = steadyNowNs();
    reached_.advanceTo(1);
  }
  bool reached() const noexcept { return reached_.value() >= 1; }
  void waitUntilReached() const noexcept { reached_.waitFor(1); }
  // When the stream reached the record; valid once reached().
  int64_t timestampNs() const noexcept { return timestamp_ns_; }

 private:
  // Written before `reached_` is published and read only after it was seen.
  int64_t timestamp_ns_ = 0;
  ProgressCounter reached_;
};

class Event {
 public:
  explicit Event(bool timing) noexcept : timing_(timing) {}

  // Whether aclrtEventElapsedTime may use this event.
  bool timing() const noexcept { return timing_; }

  // Enqueues a new record on `stream`; it becomes the event's latest.
  void record(Stream& stream);
  // The latest record; null when never recorded since creation or reset.
  std::shared_ptr<const EventRecord> latest() const;
  void reset();

 private:
  const bool timing_;
  mutable std::mutex mutex_;
  std::shared_ptr<const EventRecord> latest_;
};

}  // namespace npu_sim
