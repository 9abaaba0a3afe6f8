#include "stream.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <vector>

#include "clock.h"
#include "model_ri.h"

namespace npu_sim {
namespace {

// The stream whose worker is the calling thread, if any.
thread_local Stream* t_worker_of = nullptr;
// Process-wide, set by a kernel library (npuSimSetWorkerIdleHook).
std::atomic<void (*)()> g_idle_hook{nullptr};
std::atomic<uint64_t> g_last_stream_id{0};

}  // namespace

Stream::Stream(int32_t device_index, BusyTracker& device_busy, bool launch_blocking)
    : device_index_(device_index),
      device_busy_(device_busy),
      launch_blocking_(launch_blocking),
      id_(g_last_stream_id.fetch_add(1, std::memory_order_relaxed) + 1),
      worker_([this] { runWorker(); }) {}

Stream::~Stream() {
  queue_.close();
  worker_.join();
}

bool Stream::submit(Task task) {
  if (capturing_.load(std::memory_order_acquire)) {
    if (std::shared_ptr<ModelRI> recording = capture()) {
      recording->append(std::move(task));
      return false;
    }
  }
  if (activity_recording::recordsOn(device_index_)) {
    task.recorded = true;
    task.correlation_id = activity_recording::threadCorrelationId();
  }
  const uint64_t position = queue_.push(std::move(task));
  if (!launch_blocking_ || isCallingWorker()) return false;
  completed_.waitFor(position);
  return true;
}

void Stream::abortQueuedWork() noexcept {
  const uint64_t through = queue_.pushedCount();
  uint64_t previous = aborted_through_.load(std::memory_order_relaxed);
  while (previous < through && !aborted_through_.compare_exchange_weak(previous, through, std::memory_order_acq_rel)) {
  }
}

void Stream::beginCapture(std::shared_ptr<ModelRI> capture) {
  std::lock_guard lock(capture_mutex_);
  capture_ = std::move(capture);
  capturing_.store(true, std::memory_order_release);
}

std::shared_ptr<ModelRI> Stream::endCapture() {
  std::lock_guard lock(capture_mutex_);
  capturing_.store(false, std::memory_order_release);
  return std::move(capture_);
}

std::shared_ptr<ModelRI> Stream::capture() const {
  if (!capturing_.load(std::memory_order_acquire)) return nullptr;
  std::lock_guard lock(capture_mutex_);
  return capture_;
}

void Stream::synchronize() const { completed_.waitFor(queue_.pushedCount()); }

bool Stream::isCallingWorker() const noexcept { return t_worker_of == this; }

Stream* Stream::callingWorkerStream() noexcept { return t_worker_of; }

void Stream::setIdleHook(void (*hook)()) noexcept { g_idle_hook.store(hook, std::memory_order_release); }

bool Stream::subscribe(uint64_t thread_id, std::shared_ptr<ReportInbox> inbox) {
  std::lock_guard lock(subscription_mutex_);
  if (subscription_) return false;
  subscription_ = Subscription{thread_id, std::move(inbox)};
  return true;
}

bool Stream::unsubscribe(uint64_t thread_id) {
  std::lock_guard lock(subscription_mutex_);
  if (!subscription_ || subscription_->thread_id != thread_id) return false;
  subscription_.reset();
  return true;
}

std::optional<uint64_t> Stream::subscribedThread() const {
  std::lock_guard lock(subscription_mutex_);
  if (!subscription_) return std::nullopt;
  return subscription_->thread_id;
}

std::shared_ptr<ReportInbox> Stream::subscriberInbox() const {
  std::lock_guard lock(subscription_mutex_);
  return subscription_ ? subscription_->inbox : nullptr;
}

void Stream::runRecorded(Task& task) {
  npuSimActivity record{};
  record.start_ns = steadyNowNs();
  task.run();
  record.end_ns = steadyNowNs();
  record.correlation_id = task.correlation_id;
  record.bytes = task.label.bytes;
  record.stream_id = id_;
  record.device = device_index_;
  record.kind = task.label.kind;
  record.detail = task.label.detail;
  const size_t length = std::min(std::strlen(task.label.name), sizeof(record.name) - 1);
  std::memcpy(record.name, task.label.name, length);
  activities_->append(record);
}

void Stream::runWorker() {
  t_worker_of = this;
  // Visible in debuggers and `top -H`; the kernel allows 15 characters.
  char name[16];
  std::snprintf(name, sizeof(name), "npu-sim-dev%d", device_index_);
  pthread_setname_np(pthread_self(), name);

  std::vector<Task> batch;
  uint64_t completed = 0;
  const auto on_idle = [] {
    if (void (*hook)() = g_idle_hook.load(std::memory_order_acquire)) hook();
  };
  while (queue_.takeAll(batch, on_idle)) {
    // Busy time is tracked per run of consecutive device work, not per task,
    // to keep the tracker's lock off the per-task path.
    bool busy = false;
    uint64_t aborted = 0;
    for (Task& task : batch) {
      const bool work = task.kind == TaskKind::Work;
      if (work && completed + 1 <= aborted_through_.load(std::memory_order_acquire)) {
        aborted += 1;
      } else {
        if (work != busy) {
          work ? device_busy_.enter() : device_busy_.leave();
          busy = work;
        }
        task.recorded ? runRecorded(task) : task.run();
      }
      task.run = nullptr;  // what the task owns (an executor, say) dies before a synchronize returns
      completed_.advanceTo(++completed);
    }
    if (busy) device_busy_.leave();
    if (aborted != 0) {
      char message[128];
      std::snprintf(message, sizeof(message), "aclrtDeviceTaskAbort: %llu tasks queued on stream %llu were aborted",
                    static_cast<unsigned long long>(aborted), static_cast<unsigned long long>(id_));
      failures_->add(ACL_ERROR_RT_DEVICE_TASK_ABORT, message);
    }
    batch.clear();
  }
}

}  // namespace npu_sim
