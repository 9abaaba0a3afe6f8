// Waiting on peers without ever hanging: a futex wait on a shared word that
// also watches for a dead peer process, a peer that left, and a deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "hccl/hccl_types.h"

namespace npu_sim_hccl {

using Clock = std::chrono::steady_clock;

// Whether process `pid` still exists (a zombie counts as dead to us only once
// reaped; a SIGKILLed peer is reaped by its launcher).
bool processAlive(int32_t pid);

// Wakes every waiter on `word` in any process.
void wakeAll(std::atomic<uint32_t>& word);

// Blocks until `word` differs from `seen`, or about `slice` passes; spurious
// returns are fine (callers re-check).
void waitForChange(std::atomic<uint32_t>& word, uint32_t seen, std::chrono::microseconds slice);

// `a` is at or past `b` on a wrapping 32-bit counter.
inline bool reached(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) >= 0; }

}  // namespace npu_sim_hccl
