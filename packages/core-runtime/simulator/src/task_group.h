// A run of a captured model's tasks that can be replaced after the capture
// (aclmdlRICaptureTaskGrpBegin/End, then aclmdlRICaptureTaskUpdateBegin/End):
// how a graph's kernels take new host-side arguments (sequence lengths, say)
// without a new capture.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "task_queue.h"

namespace npu_sim {

class TaskGroup {
 public:
  TaskGroup(int32_t device_index, std::vector<Task> tasks)
      : device_index_(device_index), size_(tasks.size()),
        tasks_(std::make_shared<const std::vector<Task>>(std::move(tasks))) {}

  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  int32_t deviceIndex() const noexcept { return device_index_; }
  // An update must bring exactly this many tasks.
  size_t size() const noexcept { return size_; }

  // What a replay runs when it reaches the group: read then, not when the
  // replay was enqueued, so an update ordered before that point (by an event
  // the graph waits for) takes effect in that replay.
  std::shared_ptr<const std::vector<Task>> tasks() const {
    std::lock_guard lock(mutex_);
    return tasks_;
  }

  void replace(std::shared_ptr<const std::vector<Task>> tasks) {
    std::lock_guard lock(mutex_);
    tasks_ = std::move(tasks);
  }

 private:
  const int32_t device_index_;
  const size_t size_;
  mutable std::mutex mutex_;
  std::shared_ptr<const std::vector<Task>> tasks_;
};

}  // namespace npu_sim
