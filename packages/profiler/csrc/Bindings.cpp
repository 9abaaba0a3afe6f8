// torch_npu_profiler._C: what the python package needs from C++.
#include <torch/csrc/utils/pybind.h>

#include "NpuActivityProfiler.h"
#include "ProfilingApi.h"

PYBIND11_MODULE(_C, module) {
  module.doc() = "The NPU device timeline for torch.profiler (a kineto child profiler)";
  module.def("_register_activity_profiler", &torch_npu::profiler::registerNpuActivityProfiler,
             "Makes torch.profiler's PrivateUse1 activity record the NPU's device timeline");
  module.def("_has_device_records", &torch_npu::profiler::hasSimulatorRecords,
             "Whether the loaded runtime hands device activity records over in process (the simulator)");
}
