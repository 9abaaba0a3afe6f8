// torch_npu._C: loads libtorch_npu (registering the PrivateUse1 backend) and
// exposes the runtime to the python package.
#include "npu/NPUHooks.h"
#include "python/Bindings.h"

PYBIND11_MODULE(_C, m) {
  m.doc() = "Native bindings of torch_npu";
  torch_npu::npu::registerHooks();
  torch_npu::python::initDeviceBindings(m);
  torch_npu::python::initStreamBindings(m);
  torch_npu::python::initMemoryBindings(m);
  torch_npu::python::initGeneratorBindings(m);
  torch_npu::python::initFallbackBindings(m);
  torch_npu::python::initTraceBindings(m);
}
