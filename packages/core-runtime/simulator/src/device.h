// One simulated NPU: its memory, its busy time and its default stream.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "busy_tracker.h"
#include "core_limits.h"
#include "memory_arena.h"
#include "memory_errors.h"
#include "peer_access.h"
#include "stream.h"
#include "sys_params.h"

namespace npu_sim {

class Device {
 public:
  Device(int32_t index, uint64_t capacity_bytes, HostMemoryBudget& host_budget, bool launch_blocking,
         HostAccess host_access) noexcept
      : index_(index), launch_blocking_(launch_blocking), memory_(index, capacity_bytes, host_budget, host_access) {}

  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // The id callers use (after ASCEND_RT_VISIBLE_DEVICES renumbering).
  int32_t index() const noexcept { return index_; }

  MemoryArena& memory() noexcept { return memory_; }
  const MemoryArena& memory() const noexcept { return memory_; }
  const BusyTracker& busy() const noexcept { return busy_; }
  // The cores its kernels may use; all of them until aclrtSetDeviceResLimit.
  CoreLimits& coreLimits() noexcept { return core_limits_; }
  // Its context's system options (aclrtCtxSetSysParamOpt).
  SysParams& contextParams() noexcept { return context_params_; }
  // Its memory's uncorrectable errors.
  MemoryErrors& memoryErrors() noexcept { return memory_errors_; }
  // The devices whose memory its copies may reach.
  PeerAccess& peerAccess() noexcept { return peer_access_; }
  const PeerAccess& peerAccess() const noexcept { return peer_access_; }

  // The stream a null aclrtStream means; its worker starts on first use.
  std::shared_ptr<Stream> defaultStream();
  // The default stream if it was ever used, without starting it.
  std::shared_ptr<Stream> existingDefaultStream() const;
  std::shared_ptr<Stream> newStream();

 private:
  const int32_t index_;
  const bool launch_blocking_;
  MemoryArena memory_;
  BusyTracker busy_;
  CoreLimits core_limits_{kDeviceCores};
  SysParams context_params_;
  PeerAccess peer_access_;
  MemoryErrors memory_errors_;
  mutable std::mutex default_stream_mutex_;
  // Declared after what its tasks use, so it drains before they go.
  std::shared_ptr<Stream> default_stream_;
};

}  // namespace npu_sim
