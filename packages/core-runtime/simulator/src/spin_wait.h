// Bounded busy-waiting: the first phase of every wait in the simulator.
//
// Handing a task to a worker or learning that it finished takes a few hundred
// nanoseconds when the other thread is awake and watching, but tens of
// microseconds when it has to be woken through the kernel. Waiters therefore
// watch for a short, bounded time before they sleep, so back-to-back work
// stays fast and idle threads burn no core.
#pragma once

#include <chrono>
#include <thread>

namespace npu_sim {

// How long an idle stream worker watches its queue before it sleeps.
inline constexpr std::chrono::microseconds kWorkerSpinBudget{50};
// How long a host thread watches for completion before it sleeps.
inline constexpr std::chrono::microseconds kWaiterSpinBudget{30};

// Tells the CPU this is a spin loop, so a sibling hyper-thread gets the core's
// resources and leaving the loop does not stall on a memory-order flush.
inline void cpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Polls `ready` until it returns true or `budget` has passed; returns the last
// answer. Between short bursts of polls the thread offers its core to other
// runnable threads: when the thread it waits for was woken onto the same core
// (common when the machine is busy), a pure spin would keep that thread from
// running for the whole budget. On an otherwise idle core the yield returns
// at once. The clock is read once per burst because it costs more than a poll.
template <class Predicate>
bool spinUntil(Predicate&& ready, std::chrono::nanoseconds budget) {
  if (ready()) return true;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (;;) {
    for (int poll = 0; poll < 16; ++poll) {
      cpuRelax();
      if (ready()) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
    std::this_thread::yield();
    if (ready()) return true;
  }
}

}  // namespace npu_sim
