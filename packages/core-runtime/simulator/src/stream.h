// A simulated NPU stream: an ordered, truly asynchronous task queue with its
// own worker thread.
//
// Tasks run one after another in enqueue order on the worker, concurrently
// with the host threads that enqueue them and with other streams, so missing
// synchronization shows up here as it would on hardware.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "activity_recorder.h"
#include "busy_tracker.h"
#include "core_limits.h"
#include "progress_counter.h"
#include "report.h"
#include "task_failures.h"
#include "task_queue.h"

namespace npu_sim {

class ModelRI;

class Stream {
 public:
  Stream(int32_t device_index, BusyTracker& device_busy, bool launch_blocking);
  // Runs every task enqueued so far, then stops the worker.
  ~Stream();

  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  int32_t deviceIndex() const noexcept { return device_index_; }
  // Unique over the process's life, from 1: names the stream in records.
  uint64_t id() const noexcept { return id_; }

  // Enqueues `task`, or, while the stream captures, appends it to the
  // capture. Under ASCEND_LAUNCH_BLOCKING it returns only once an enqueued
  // task ran (unless called from this stream's own worker, which would wait
  // for itself). Returns whether it waited for the task.
  bool submit(Task task);

  // Stream capture (aclmdlRICaptureBegin/End): while `capture` is set, every
  // task submitted is recorded into it instead of running.
  void beginCapture(std::shared_ptr<ModelRI> capture);
  std::shared_ptr<ModelRI> endCapture();
  // The capture under way on this stream; null when there is none.
  std::shared_ptr<ModelRI> capture() const;
  // aclrtDeviceTaskAbort: the device work enqueued so far (copies, fills,
  // kernels) is skipped instead of run, and the next synchronization reports
  // ACL_ERROR_RT_DEVICE_TASK_ABORT; bookkeeping tasks (events, callbacks) still
  // run, so nothing waits forever. A task already running finishes.
  void abortQueuedWork() noexcept;
  // Waits until every task enqueued before the call ran.
  void synchronize() const;
  // Whether every task enqueued so far ran.
  bool idle() const noexcept { return completed_.value() >= queue_.pushedCount(); }
  // True on this stream's worker thread, where waiting for the stream would
  // deadlock.
  bool isCallingWorker() const noexcept;
  // The stream whose worker is the calling thread; null on other threads.
  static Stream* callingWorkerStream() noexcept;
  // What every worker calls before it sleeps for lack of work (see
  // npuSimSetWorkerIdleHook); null for nothing.
  static void setIdleHook(void (*hook)()) noexcept;

  // Failures its tasks reported and no synchronization reported yet. Shared,
  // because event records recorded on this stream report them too and may
  // outlive the stream.
  TaskFailures& failures() const noexcept { return *failures_; }
  // The stream's own core limits (aclrtSetStreamResLimit); 0 where its
  // device's apply.
  CoreLimits& coreLimits() noexcept { return core_limits_; }
  const std::shared_ptr<TaskFailures>& sharedFailures() const noexcept { return failures_; }

  // The host thread that runs this stream's callbacks (aclrtSubscribeReport);
  // at most one. subscribe() fails when another thread holds it,
  // unsubscribe() when `thread_id` does not.
  bool subscribe(uint64_t thread_id, std::shared_ptr<ReportInbox> inbox);
  bool unsubscribe(uint64_t thread_id);
  std::optional<uint64_t> subscribedThread() const;
  std::shared_ptr<ReportInbox> subscriberInbox() const;

 private:
  void runWorker();
  // Runs `task`, timed into this stream's records.
  void runRecorded(Task& task);

  const int32_t device_index_;
  BusyTracker& device_busy_;
  const bool launch_blocking_;
  const uint64_t id_;
  const std::shared_ptr<ActivityBuffer> activities_ = activity_recording::registerStream();

  TaskQueue queue_;
  // Number of tasks that ran; task N (1-based) ran once it reaches N.
  ProgressCounter completed_;
  // Device work up to this queue position (1-based) is skipped (abortQueuedWork).
  std::atomic<uint64_t> aborted_through_{0};
  const std::shared_ptr<TaskFailures> failures_ = std::make_shared<TaskFailures>();
  CoreLimits core_limits_;

  // Set while capture_ is: keeps the lock off submissions of streams that
  // do not capture.
  std::atomic<bool> capturing_{false};
  mutable std::mutex capture_mutex_;
  std::shared_ptr<ModelRI> capture_;

  struct Subscription {
    uint64_t thread_id;
    std::shared_ptr<ReportInbox> inbox;
  };
  mutable std::mutex subscription_mutex_;
  std::optional<Subscription> subscription_;

  // Last, so the worker starts after everything it uses exists.
  std::thread worker_;
};

}  // namespace npu_sim
