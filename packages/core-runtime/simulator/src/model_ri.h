// A model run instance (aclmdlRI) made by stream capture: the tasks a
// capturing stream recorded instead of running, replayed as one submission.
//
// A capture records on one stream. Every task the simulator enqueues can run
// any number of times (copies, fills, waits, callbacks, kernels launched with
// npuSimLaunchReplayableHostTask); event records are the exception, because
// each replay must be a new record of the event: the model keeps which events
// it records and makes their records when a replay is enqueued.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "acl/acl_rt.h"
#include "task_queue.h"

namespace npu_sim {

class Event;
class Stream;

class ModelRI {
 public:
  ModelRI(int32_t device_index, aclmdlRICaptureMode mode) noexcept
      : device_index_(device_index), mode_(mode), capturing_thread_(std::this_thread::get_id()) {}

  ModelRI(const ModelRI&) = delete;
  ModelRI& operator=(const ModelRI&) = delete;

  int32_t deviceIndex() const noexcept { return device_index_; }

  // ---- while capturing (any thread may append) ----
  void append(Task task);
  void appendEventRecord(std::shared_ptr<Event> event);
  // An unsafe call or a synchronization happened: aclmdlRICaptureEnd fails.
  void invalidate();
  // Whether the capture's mode forbids the calling thread the unsafe calls.
  bool forbidsUnsafeCallsOnThisThread() const noexcept;
  aclmdlRICaptureStatus captureStatus() const;
  // Ends the capture; false if it was invalidated.
  bool finishCapture();
  bool capturing() const;

  // ---- once captured ----
  // The one task that runs every recorded task in order, for `stream`: the
  // events the model records now refer to this replay's records.
  Task replayOn(Stream& stream) const;
  size_t taskCount() const;

 private:
  struct Step {
    Task task;
    // Set for an event record: the replay marks the event's new record instead.
    std::shared_ptr<Event> recorded_event;
  };
  enum class State { Capturing, Invalidated, Captured };

  const int32_t device_index_;
  const aclmdlRICaptureMode mode_;
  const std::thread::id capturing_thread_;
  mutable std::mutex mutex_;
  State state_ = State::Capturing;
  // Shared with replays in flight, which may outlive aclmdlRIDestroy.
  std::shared_ptr<std::vector<Step>> steps_ = std::make_shared<std::vector<Step>>();
};

}  // namespace npu_sim
