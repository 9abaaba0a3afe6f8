#include "model_ri.h"

#include "event.h"
#include "stream.h"

namespace npu_sim {

void ModelRI::append(Task task) {
  std::lock_guard lock(mutex_);
  steps_->push_back(Step{std::move(task), nullptr, nullptr});
}

void ModelRI::appendEventRecord(std::shared_ptr<Event> event) {
  std::lock_guard lock(mutex_);
  steps_->push_back(Step{Task{}, std::move(event), nullptr});
}

void ModelRI::invalidate() {
  std::lock_guard lock(mutex_);
  if (state_ == State::Capturing) state_ = State::Invalidated;
}

bool ModelRI::forbidsUnsafeCallsOnThisThread() const noexcept {
  switch (mode_) {
    case ACL_MODEL_RI_CAPTURE_MODE_GLOBAL:
      return true;
    case ACL_MODEL_RI_CAPTURE_MODE_THREAD_LOCAL:
      return std::this_thread::get_id() == capturing_thread_;
    default:
      return false;
  }
}

aclmdlRICaptureStatus ModelRI::captureStatus() const {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case State::Capturing:
      return ACL_MODEL_RI_CAPTURE_STATUS_ACTIVE;
    case State::Invalidated:
      return ACL_MODEL_RI_CAPTURE_STATUS_INVALIDATED;
    default:
      return ACL_MODEL_RI_CAPTURE_STATUS_NONE;
  }
}

bool ModelRI::finishCapture() {
  std::lock_guard lock(mutex_);
  const bool valid = state_ == State::Capturing;
  state_ = State::Captured;
  return valid;
}

bool ModelRI::capturing() const {
  std::lock_guard lock(mutex_);
  return state_ != State::Captured;
}

bool ModelRI::beginTaskGroup() {
  std::lock_guard lock(mutex_);
  if (open_group_start_) return false;
  open_group_start_ = steps_->size();
  return true;
}

ModelRI::GroupEnd ModelRI::endTaskGroup(std::shared_ptr<TaskGroup>& group) {
  std::lock_guard lock(mutex_);
  if (!open_group_start_) return GroupEnd::NoneOpen;
  const auto first = steps_->begin() + static_cast<std::ptrdiff_t>(*open_group_start_);
  open_group_start_.reset();
  std::vector<Task> tasks;
  for (auto step = first; step != steps_->end(); ++step) {
    // An event record is made anew by each replay, which a replaced task
    // could not be; the group is dropped and its tasks stay ordinary ones.
    if (step->recorded_event) return GroupEnd::HoldsEventRecord;
    tasks.push_back(step->task);
  }
  group = std::make_shared<TaskGroup>(device_index_, std::move(tasks));
  steps_->erase(first, steps_->end());
  steps_->push_back(Step{Task{}, nullptr, group});
  groups_.push_back(group);
  return GroupEnd::Ended;
}

std::vector<std::shared_ptr<TaskGroup>> ModelRI::taskGroups() const {
  std::lock_guard lock(mutex_);
  return groups_;
}

bool ModelRI::takeTasks(std::vector<Task>& tasks) {
  std::lock_guard lock(mutex_);
  for (Step& step : *steps_) {
    if (step.recorded_event || step.group) return false;
    tasks.push_back(std::move(step.task));
  }
  steps_->clear();
  return true;
}

Task ModelRI::replayOn(Stream& stream) const {
  std::shared_ptr<const std::vector<Step>> steps;
  {
    std::lock_guard lock(mutex_);
    steps = steps_;
  }
  std::vector<std::shared_ptr<EventRecord>> records;
  for (const Step& step : *steps) {
    if (step.recorded_event) records.push_back(step.recorded_event->startRecord(stream));
  }
  // Labelled as a kernel: on hardware the model's kernels are what runs.
  return Task{[steps = std::move(steps), records = std::move(records)] {
                size_t next_record = 0;
                for (const Step& step : *steps) {
                  if (step.recorded_event) {
                    records[next_record++]->markReached();
                  } else if (step.group) {
                    for (const Task& task : *step.group->tasks()) task.run();
                  } else {
                    step.task.run();
                  }
                }
              },
              TaskKind::Work, ActivityLabel{NPU_SIM_ACTIVITY_KERNEL, "aclmdlRIExecuteAsync"}};
}

}  // namespace npu_sim
