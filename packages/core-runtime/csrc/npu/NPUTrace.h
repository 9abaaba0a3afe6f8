// The stream sanitizer's view of the runtime: what orders device work across
// streams and the host (event record/wait, host synchronizations) and what the
// caching allocator hands out and defers.
//
// Call sites report through the inline functions below; while tracing is off
// each costs one relaxed atomic load. While on, records go to a log that the
// python sanitizer (torch_npu.npu.sanitizer) drains at each operator: calling
// into python from here instead would take the GIL under the allocator's mutex
// and on threads that run without it, which deadlocks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <c10/core/Device.h>
#include <c10/macros/Macros.h>

namespace torch_npu::npu::trace {

enum class Kind : uint8_t {
  EventRecord,        // handle: event, stream: the recording stream
  EventWait,          // handle: event, stream: the waiting stream
  EventSynchronize,   // handle: event; the host waited (or saw it complete)
  StreamSynchronize,  // stream; the host waited (or saw it idle)
  DeviceSynchronize,  // device; the host waited for all its streams
  BlockAllocated,     // handle: address, size, stream: the stream it is handed out for
  BlockFreeDeferred,  // handle: address, size, stream: a recorded stream whose work must finish before reuse
};

struct Record {
  Kind kind;
  c10::DeviceIndex device;
  uintptr_t handle;
  uintptr_t stream;
  size_t size;
};

namespace detail {
extern std::atomic<bool> enabled;
void append(const Record& record);
}  // namespace detail

inline bool enabled() noexcept {
  return detail::enabled.load(std::memory_order_relaxed);
}
void setEnabled(bool on);
// Every record since the last drain, oldest first.
std::vector<Record> drain();

// Pass values at hand: arguments are evaluated before the check, also while tracing is off.
inline void report(Kind kind, c10::DeviceIndex device, const void* handle, const void* stream, size_t size = 0) {
  if (C10_UNLIKELY(enabled())) {
    detail::append(Record{kind, device, reinterpret_cast<uintptr_t>(handle), reinterpret_cast<uintptr_t>(stream), size});
  }
}

}  // namespace torch_npu::npu::trace
