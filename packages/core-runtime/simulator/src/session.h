// Everything that exists between aclInit and aclFinalize.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "device.h"
#include "event.h"
#include "handle_registry.h"
#include "host_memory_budget.h"
#include "model_ri.h"
#include "pinned_host_memory.h"
#include "report.h"
#include "stream.h"
#include "sys_params.h"
#include "virtual_memory.h"

namespace npu_sim {

// A live device allocation and the device that owns it.
struct DeviceBlock {
  Device* device;
  BlockSpan span;
};

class Session {
 public:
  // `generation` tells this session from earlier ones, so per-thread state
  // (the current device) left over from before an aclFinalize is ignored.
  Session(SimConfig config, uint64_t generation);

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const SimConfig& config() const noexcept { return config_; }
  uint64_t generation() const noexcept { return generation_; }

  int32_t deviceCount() const noexcept { return static_cast<int32_t>(devices_.size()); }
  // Null when `index` is not a visible device.
  Device* device(int32_t index) const noexcept;

  HandleRegistry<Stream>& streams() noexcept { return streams_; }
  HandleRegistry<Event>& events() noexcept { return events_; }
  // Captured and capturing models (aclmdlRI).
  HandleRegistry<ModelRI>& models() noexcept { return models_; }
  // Task groups of captured models (aclrtTaskGrp); a model's die with it.
  HandleRegistry<TaskGroup>& taskGroups() noexcept { return task_groups_; }
  // The captures under way; `device` -1: on every device.
  std::vector<std::shared_ptr<ModelRI>> activeCaptures(int32_t device = -1) const;
  ReportHub& reports() noexcept { return reports_; }
  PinnedHostMemory& pinnedHostMemory() noexcept { return pinned_host_memory_; }
  // Reservations and physical memory (aclrtReserveMemAddress, aclrtMallocPhysical).
  VirtualMemory& virtualMemory() noexcept { return virtual_memory_; }
  // The process's system options (aclrtSetSysParamOpt).
  SysParams& processParams() noexcept { return process_params_; }
  // The op execute timeout in microseconds for kernels launched from now on
  // (aclrtSetOpExecuteTimeOutV2); 0: they never time out.
  uint64_t opExecuteTimeoutUs() const noexcept { return op_execute_timeout_us_.load(std::memory_order_relaxed); }
  void setOpExecuteTimeoutUs(uint64_t timeout_us) noexcept {
    op_execute_timeout_us_.store(timeout_us, std::memory_order_relaxed);
  }

  // The device allocation (or run of mapped memory) containing the byte at `ptr`, on any device.
  std::optional<DeviceBlock> findDeviceMemory(const void* ptr) const;

  // Waits for every stream of `device`, except the calling worker's own
  // stream, which cannot wait for itself.
  void synchronizeDevice(const Device& device) const;
  // Aborts the device work queued on `device`'s streams (Stream::abortQueuedWork).
  void abortQueuedWork(const Device& device) const;
  // The unreported task failures of `device`'s streams (as synchronizeDevice
  // chooses them), now reported: the first one's error with every message
  // joined, or nothing.
  std::optional<TaskFailure> takeTaskFailures(const Device& device) const;

 private:
  // `device`'s streams, except the calling worker's own, which cannot wait
  // for itself.
  std::vector<std::shared_ptr<Stream>> streamsToSynchronize(const Device& device) const;

  const SimConfig config_;
  const uint64_t generation_;
  PinnedHostMemory pinned_host_memory_;
  std::atomic<uint64_t> op_execute_timeout_us_{0};
  SysParams process_params_;
  HostMemoryBudget host_budget_{config_.host_memory_limit_bytes};  // before the devices that share it
  std::vector<std::unique_ptr<Device>> devices_;
  // After the devices whose memory it charges.
  VirtualMemory virtual_memory_{config_.protect_device_memory ? HostAccess::SimulatorOnly : HostAccess::Direct};
  ReportHub reports_;
  HandleRegistry<Event> events_;
  HandleRegistry<ModelRI> models_;
  HandleRegistry<TaskGroup> task_groups_;
  // Last, so it is destroyed first: each created stream drains while the
  // devices, memory and inboxes its tasks use still exist.
  HandleRegistry<Stream> streams_;
};

}  // namespace npu_sim
