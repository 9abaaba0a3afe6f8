#include <torch/csrc/Generator.h>

#include "npu/NPUGenerator.h"
#include "npu/NPUHostAllocator.h"
#include "python/Bindings.h"

namespace torch_npu::python {
namespace py = pybind11;

void initGeneratorBindings(py::module_& m) {
  m.def("_npu_defaultGenerator", [](c10::DeviceIndex device) {
    return py::reinterpret_steal<py::object>(THPGenerator_initDefaultGenerator(npu::getDefaultNPUGenerator(device)));
  });
  m.def("_npu_hostEmptyCache", [] { npu::getNPUHostAllocator()->empty_cache(); });
}

}  // namespace torch_npu::python
