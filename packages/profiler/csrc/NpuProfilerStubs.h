// torch.profiler's PrivateUse1 stubs (torch/csrc/profiler/stubs/base.h):
// what a PyTorch that does not list PrivateUse1 among its kineto activities
// (2.9's CUDA builds, see compat/README.md) uses instead of the child
// profiler. Each op then gets the device time between NPU events recorded on
// the current stream at its start and end, shown as its "Self NPU" time.
#pragma once

namespace torch_npu::profiler {

// Registers the stubs with torch, once per process.
void registerNpuProfilerStubs();

}  // namespace torch_npu::profiler
