#include "aten/CpuFallback.h"
#include "python/Bindings.h"

namespace torch_npu::python {

void initFallbackBindings(pybind11::module_& m) {
  m.def("_fallback_counts", &aten::fallbackCounts, "How often each operator fell back to the CPU.");
  m.def("_reset_fallback_counts", &aten::resetFallbackCounts);
}

}  // namespace torch_npu::python
