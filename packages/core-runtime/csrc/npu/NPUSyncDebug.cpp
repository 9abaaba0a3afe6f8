#include "npu/NPUSyncDebug.h"

#include <c10/util/Exception.h>

namespace torch_npu::npu {

namespace detail {

std::atomic<SyncDebugMode> sync_debug_mode{SyncDebugMode::Disabled};

void reportSynchronizingOperation() {
  // The reference's wording (CUDA's reads "called a synchronizing CUDA operation").
  constexpr const char* kMessage = "called a synchronizing NPU operation";
  if (sync_debug_mode.load(std::memory_order_relaxed) == SyncDebugMode::Error) {
    TORCH_CHECK(false, kMessage);
  }
  TORCH_WARN(kMessage);
}

}  // namespace detail

void set_sync_debug_mode(SyncDebugMode mode) noexcept {
  detail::sync_debug_mode.store(mode, std::memory_order_relaxed);
}

SyncDebugMode sync_debug_mode() noexcept {
  return detail::sync_debug_mode.load(std::memory_order_relaxed);
}

}  // namespace torch_npu::npu
