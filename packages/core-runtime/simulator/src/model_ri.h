// A model run instance (aclmdlRI) made by stream capture: the tasks a
// capturing stream recorded instead of running, replayed as one submission.
//
// A capture records on one stream. Every task the simulator enqueues can run
// any number of times (copies, fills, waits, callbacks, kernels launched with
// npuSimLaunchReplayableHostTask); event records are the exception, because
// each replay must be a new record of the event: the model keeps which events
// it records and makes their records when a replay is enqueued.
//
// A capture may close runs of its tasks into task groups, which an update
// replaces later. An update is itself a capture, on the updating stream, of
// the tasks that replace one group: the rules of a capture hold for it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "acl/acl_rt.h"
#include "task_group.h"
#include "task_queue.h"

namespace npu_sim {

class Event;
class Stream;

class ModelRI {
 public:
  // `updating`: the task group an update capture replaces; null for a model.
  ModelRI(int32_t device_index, aclmdlRICaptureMode mode, std::shared_ptr<TaskGroup> updating = nullptr) noexcept
      : device_index_(device_index),
        mode_(mode),
        capturing_thread_(std::this_thread::get_id()),
        updating_(std::move(updating)) {}

  ModelRI(const ModelRI&) = delete;
  ModelRI& operator=(const ModelRI&) = delete;

  int32_t deviceIndex() const noexcept { return device_index_; }
  const std::shared_ptr<TaskGroup>& updatedGroup() const noexcept { return updating_; }

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

  // Task groups. begin: false when one is open already (groups do not nest).
  bool beginTaskGroup();
  enum class GroupEnd { Ended, NoneOpen, HoldsEventRecord };
  // Closes the open group over the tasks appended since it began.
  GroupEnd endTaskGroup(std::shared_ptr<TaskGroup>& group);
  // The groups this model made, whose handles die with it.
  std::vector<std::shared_ptr<TaskGroup>> taskGroups() const;
  // An update capture's tasks; false when it recorded anything but tasks.
  bool takeTasks(std::vector<Task>& tasks);

  // ---- once captured ----
  // The one task that runs every recorded task in order, for `stream`: the
  // events the model records now refer to this replay's records.
  Task replayOn(Stream& stream) const;

 private:
  struct Step {
    Task task;
    // Set for an event record: the replay marks the event's new record instead.
    std::shared_ptr<Event> recorded_event;
    // Set for a task group: the replay runs the group's current tasks.
    std::shared_ptr<TaskGroup> group;
  };
  enum class State { Capturing, Invalidated, Captured };

  const int32_t device_index_;
  const aclmdlRICaptureMode mode_;
  const std::thread::id capturing_thread_;
  const std::shared_ptr<TaskGroup> updating_;
  mutable std::mutex mutex_;
  State state_ = State::Capturing;
  // Shared with replays in flight, which may outlive aclmdlRIDestroy.
  std::shared_ptr<std::vector<Step>> steps_ = std::make_shared<std::vector<Step>>();
  // Where the open task group starts in steps_.
  std::optional<size_t> open_group_start_;
  std::vector<std::shared_ptr<TaskGroup>> groups_;
};

}  // namespace npu_sim
