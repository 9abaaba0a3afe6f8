// Entry points that fill torch_npu._C, one per concept.
#pragma once

#include <torch/csrc/utils/pybind.h>

namespace torch_npu::python {

void initDeviceBindings(pybind11::module_& m);
void initStreamBindings(pybind11::module_& m);
void initGraphBindings(pybind11::module_& m);
void initMemoryBindings(pybind11::module_& m);
void initGeneratorBindings(pybind11::module_& m);
void initFallbackBindings(pybind11::module_& m);
void initTraceBindings(pybind11::module_& m);
void initOptionBindings(pybind11::module_& m);
void initCompileBindings(pybind11::module_& m);
void initNpurtBindings(pybind11::module_& m);

}  // namespace torch_npu::python
