// torch.npu.set_sync_debug_mode: report operations that make the host wait for
// the device, as c10/cuda's sync debug mode does.
#pragma once

#include <c10/macros/Macros.h>

#include <atomic>
#include <cstdint>

namespace torch_npu::npu {

enum class SyncDebugMode : int8_t { Disabled = 0, Warn = 1, Error = 2 };

namespace detail {
extern std::atomic<SyncDebugMode> sync_debug_mode;
// Warns or raises "called a synchronizing NPU operation", per the mode.
void reportSynchronizingOperation();
}  // namespace detail

void set_sync_debug_mode(SyncDebugMode mode) noexcept;
SyncDebugMode sync_debug_mode() noexcept;

// Called by every operation that blocks the host on a stream (a stream
// synchronize, so also a blocking copy to the host or a data-dependent shape).
// Inline so that the default (Disabled) costs one relaxed load.
inline void warn_or_error_on_sync() {
  if (C10_UNLIKELY(detail::sync_debug_mode.load(std::memory_order_relaxed) != SyncDebugMode::Disabled)) {
    detail::reportSynchronizingOperation();
  }
}

}  // namespace torch_npu::npu
