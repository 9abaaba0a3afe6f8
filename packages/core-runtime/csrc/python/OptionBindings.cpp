#include <c10/util/Exception.h>

#include "npu/NPUOptions.h"
#include "npu/NPUSyncDebug.h"
#include "python/Bindings.h"

namespace torch_npu::python {
namespace py = pybind11;

void initOptionBindings(py::module_& m) {
  m.def("_npu_setOption", [](const std::map<std::string, std::string>& values) {
    for (const auto& [name, value] : values) npu::set_option(name, value);
  });
  // bytes, as the reference's (callers .decode() it), or None when never set.
  m.def("_npu_getOption", [](const std::string& name) -> py::object {
    const auto value = npu::get_option(name);
    if (!value) return py::none();
    return py::bytes(*value);
  });
  m.def("_npu_set_sync_debug_mode", [](int64_t mode) {
    TORCH_CHECK(mode >= 0 && mode <= 2, "invalid value of debug_mode, expected one of 0 (default), 1 (warn), 2 (error), got ",
                mode);
    npu::set_sync_debug_mode(static_cast<npu::SyncDebugMode>(mode));
  });
  m.def("_npu_get_sync_debug_mode", [] { return static_cast<int64_t>(npu::sync_debug_mode()); });
}

}  // namespace torch_npu::python
