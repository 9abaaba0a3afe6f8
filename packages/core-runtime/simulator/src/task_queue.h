// The queue between the threads that enqueue onto a stream and its worker.
//
// Any number of producers push; one worker takes everything pending in one
// swap, so a burst of launches costs the worker one lock round trip. An idle
// worker spins briefly on the push counter, then sleeps on it; producers wake
// it only when it sleeps (see ProgressCounter).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "activity_recorder.h"
#include "progress_counter.h"
#include "spin_wait.h"

namespace npu_sim {

enum class TaskKind {
  // Device work (copies, fills, host-simulated kernels): counts as busy time
  // for aclrtGetDeviceUtilizationRate.
  Work,
  // Bookkeeping or waiting on something else (events, host callbacks).
  Sync,
};

struct Task {
  std::function<void()> run;
  TaskKind kind = TaskKind::Work;
  ActivityLabel label{};
  // Set at submission while the stream's device records.
  bool recorded = false;
  uint64_t correlation_id = 0;
};

class TaskQueue {
 public:
  // Appends `task` and returns its 1-based position in this queue's order.
  uint64_t push(Task task) {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(task));
    const uint64_t position = ++pushed_;
    pushed_visible_.store(position, std::memory_order_release);
    // Under the lock, so signals advance in order.
    signals_.advanceTo(++signal_count_);
    return position;
  }

  // How many tasks were pushed so far.
  uint64_t pushedCount() const noexcept { return pushed_visible_.load(std::memory_order_acquire); }

  // Worker side: waits until tasks are pending, then moves them all into the
  // empty `batch` in push order. Returns false once closed and drained.
  // `on_idle()` runs each time the wait turns from watching to sleeping.
  template <class OnIdle>
  bool takeAll(std::vector<Task>& batch, OnIdle&& on_idle) {
    for (;;) {
      uint64_t seen;
      {
        std::lock_guard lock(mutex_);
        if (!pending_.empty()) {
          batch.swap(pending_);
          return true;
        }
        if (closed_) return false;
        seen = signal_count_;
      }
      if (!spinUntil([&] { return signals_.value() > seen; }, kWorkerSpinBudget)) {
        on_idle();
        signals_.waitFor(seen + 1, std::chrono::nanoseconds::zero());
      }
    }
  }

  // Lets takeAll() return false after the remaining tasks were taken.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    signals_.advanceTo(++signal_count_);
  }

 private:
  std::mutex mutex_;
  std::vector<Task> pending_;
  uint64_t pushed_ = 0;
  bool closed_ = false;
  // Pushes and the close, counted, for the worker to sleep on.
  uint64_t signal_count_ = 0;
  ProgressCounter signals_;
  std::atomic<uint64_t> pushed_visible_{0};
};

}  // namespace npu_sim
