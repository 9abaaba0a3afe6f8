// torch_npu._C: loads libtorch_npu (registering the PrivateUse1 backend) and
// exposes the runtime to the python package.
#include <torch_npu/compat/AutogradFallback.h>

#include "npu/NPUHooks.h"
#include "python/Bindings.h"

PYBIND11_MODULE(_C, m) {
  m.doc() = "Native bindings of torch_npu";
  torch_npu::npu::registerHooks();
  // Operators without an autograd kernel of their own (the custom operators, c10d's
  // collectives) fall through AutogradPrivateUse1, as on 2.13.
  torch_npu::compat::ensureAutogradPrivateUse1Fallback();
  torch_npu::python::initDeviceBindings(m);
  torch_npu::python::initStreamBindings(m);
  torch_npu::python::initGraphBindings(m);
  torch_npu::python::initMemoryBindings(m);
  torch_npu::python::initGeneratorBindings(m);
  torch_npu::python::initFallbackBindings(m);
  torch_npu::python::initTraceBindings(m);
  torch_npu::python::initOptionBindings(m);
  torch_npu::python::initCompileBindings(m);
  torch_npu::python::initNpurtBindings(m);
}
