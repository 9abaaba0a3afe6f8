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

namespace torch_npu::profiler {

// Registers the child profiler with kineto, once per process.
void registerNpuActivityProfiler();

// While on, sessions record the device timeline whatever activities kineto
// is asked for: torch_npu.profiler runs torch.profiler with the CPU activity
// only (the same path on every PyTorch) and turns this on for its NPU one.
void setDeviceTimelineForced(bool forced) noexcept;

}  // namespace torch_npu::profiler
