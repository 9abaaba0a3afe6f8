// The NPU's device timeline for kineto, and so for torch.profiler: a kineto
// child profiler (libkineto::api().registerProfilerFactory) whose sessions
// switch the runtime's activity recording on (aclprofStart), hand every
// launch the correlation id of the host op around it, and turn the device
// records into kineto activities linked to those ops.
//
// torch.profiler asks for these activity types when ProfilerActivity.
// PrivateUse1 is among its activities (and its PyTorch lists PrivateUse1 as
// supported, see compat/README.md); kineto then shows them as events of
// device type PrivateUse1 (npu).
#pragma once

#include <cstdint>
#include <vector>

namespace torch_npu::profiler {

// The bytes of one device task, which kineto's events do not carry to Python:
// the task is the one of `stream` (kineto's resource id) starting at `start_ns`.
struct TaskBytes {
  int32_t device;
  int64_t stream;
  int64_t start_ns;  // kineto's start time (epoch nanoseconds)
  uint64_t bytes;
};

// Registers the child profiler with kineto, once per process.
void registerNpuActivityProfiler();

// While on, sessions record the device timeline whatever activities kineto
// is asked for: torch_npu.profiler runs torch.profiler with the CPU activity
// only (the same path on every PyTorch) and turns this on for its NPU one.
void setDeviceTimelineForced(bool forced) noexcept;

// The bytes of the tasks that carried some (copies, memsets, collectives) in
// the sessions processed since the last call, which clears them.
std::vector<TaskBytes> takeTaskBytes();

}  // namespace torch_npu::profiler
