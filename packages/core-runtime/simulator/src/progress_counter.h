// A monotonically increasing counter that threads can wait on.
//
// It is how the simulator says "everything up to N has happened": a stream's
// completed-task count, a queue's count of pushes. Waiters spin briefly, then
// sleep on a futex (C++20 atomic wait). The advancing thread pays for a
// wake-up system call only when somebody actually sleeps.
#pragma once

#include <atomic>
#include <cstdint>

#include "spin_wait.h"

namespace npu_sim {

class ProgressCounter {
 public:
  uint64_t value() const noexcept { return value_.load(std::memory_order_acquire); }

  // Raises the counter to `value`. Callers serialize advances (one worker, or
  // under a lock) so the counter never moves backwards.
  void advanceTo(uint64_t value) noexcept {
    // Sequentially consistent with the waiter's register-then-recheck below:
    // either the waiter sees the new value, or this sees the waiter.
    value_.store(value, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) != 0) {
      wake_word_.fetch_add(1, std::memory_order_seq_cst);
      wake_word_.notify_all();
    }
  }

  // Returns once value() >= target, after `spin_budget` of polling at most
  // and sleeping for the rest.
  void waitFor(uint64_t target, std::chrono::nanoseconds spin_budget = kWaiterSpinBudget) const noexcept {
    if (spinUntil([&] { return value() >= target; }, spin_budget)) return;
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    for (;;) {
      // Read the wake word before re-checking: an advance after the check
      // changes the word, so the wait below cannot miss it.
      const uint32_t word = wake_word_.load(std::memory_order_seq_cst);
      if (value_.load(std::memory_order_seq_cst) >= target) break;
      wake_word_.wait(word, std::memory_order_seq_cst);
    }
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  std::atomic<uint64_t> value_{0};
  // 32-bit words so that C++20 atomic wait maps directly onto a futex.
  mutable std::atomic<uint32_t> sleepers_{0};
  mutable std::atomic<uint32_t> wake_word_{0};
};

}  // namespace npu_sim
