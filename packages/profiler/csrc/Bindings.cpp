// torch_npu_profiler._C: what the python package needs from C++.
#include <torch/csrc/utils/pybind.h>

#include <tuple>
#include <vector>

#include "NpuActivityProfiler.h"
#include "NpuProfilerStubs.h"
#include "ProfilingApi.h"

PYBIND11_MODULE(_C, module) {
  module.doc() = "The NPU device timeline for torch.profiler (a kineto child profiler, and PrivateUse1 stubs)";
  module.def(
      "_register_with_torch_profiler",
      [] {
        torch_npu::profiler::registerNpuActivityProfiler();
        torch_npu::profiler::registerNpuProfilerStubs();
      },
      "Makes torch.profiler's PrivateUse1 activity record the NPU's device timeline (or, where PyTorch "
      "lacks the kineto path, each op's device time)");
  module.def("_force_device_timeline", &torch_npu::profiler::setDeviceTimelineForced,
             "Records the device timeline in torch.profiler sessions configured while on, whatever their activities");
  module.def(
      "_take_task_bytes",
      [] {
        std::vector<std::tuple<int32_t, int64_t, int64_t, uint64_t>> taken;
        for (const auto& task : torch_npu::profiler::takeTaskBytes()) {
          taken.emplace_back(task.device, task.stream, task.start_ns, task.bytes);
        }
        return taken;
      },
      "(device, stream, start_ns, bytes) of the device tasks that carried bytes in the sessions processed since the "
      "last call, which clears them");
  module.def("_has_device_records", &torch_npu::profiler::hasSimulatorRecords,
             "Whether the loaded runtime hands device activity records over in process (the simulator)");
}
