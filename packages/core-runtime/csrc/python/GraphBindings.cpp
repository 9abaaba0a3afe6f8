// torch_npu._C bindings behind torch_npu.npu.graphs.
#include <string>

#include "npu/NPUGraph.h"
#include "npu/NPUGraphsUtils.h"
#include "python/Bindings.h"

namespace torch_npu::python {
namespace py = pybind11;

namespace {

// What graph_task_group_end hands to Python: opaque, for graph_task_update_begin.
struct NPUTaskGroupHandle {
  aclrtTaskGrp task_group = nullptr;
};

aclmdlRICaptureMode captureModeFromName(const std::string& name) {
  if (name == "global") {
    return ACL_MODEL_RI_CAPTURE_MODE_GLOBAL;
  }
  if (name == "thread_local") {
    return ACL_MODEL_RI_CAPTURE_MODE_THREAD_LOCAL;
  }
  if (name == "relaxed") {
    return ACL_MODEL_RI_CAPTURE_MODE_RELAXED;
  }
  TORCH_CHECK_VALUE(false, "Unknown capture_error_mode ", name, ": expected \"global\", \"thread_local\" or \"relaxed\"");
}

}  // namespace

void initGraphBindings(py::module_& m) {
  // Capture, replay and reset wait for or enqueue device work, and capture
  // runs autograd threads that need the GIL: they release it.
  py::class_<npu::NPUGraph>(m, "_NPUGraph")
      .def(py::init<>())
      .def(
          "capture_begin",
          [](npu::NPUGraph& self, std::optional<c10::MempoolId_t> pool, const std::string& capture_error_mode) {
            const aclmdlRICaptureMode mode = captureModeFromName(capture_error_mode);
            const py::gil_scoped_release no_gil;
            self.capture_begin(pool.value_or(c10::MempoolId_t{0, 0}), mode);
          },
          py::arg("pool") = std::nullopt, py::arg("capture_error_mode") = "global")
      .def("capture_end", &npu::NPUGraph::capture_end, py::call_guard<py::gil_scoped_release>())
      .def("replay", &npu::NPUGraph::replay, py::call_guard<py::gil_scoped_release>())
      .def("reset", &npu::NPUGraph::reset, py::call_guard<py::gil_scoped_release>())
      .def("pool", &npu::NPUGraph::pool);
  m.def("_graph_pool_handle", &npu::graph_pool_handle);
  py::class_<NPUTaskGroupHandle>(m, "_NPUTaskGroupHandle");
  m.def("_graph_task_group_begin", [](c10::Stream stream) { npu::graphTaskGroupBegin(npu::NPUStream(stream)); });
  m.def("_graph_task_group_end",
        [](c10::Stream stream) { return NPUTaskGroupHandle{npu::graphTaskGroupEnd(npu::NPUStream(stream))}; });
  m.def("_graph_task_update_begin", [](c10::Stream stream, const NPUTaskGroupHandle& handle) {
    npu::graphTaskUpdateBegin(npu::NPUStream(stream), handle.task_group);
  });
  m.def("_graph_task_update_end", [](c10::Stream stream) { npu::graphTaskUpdateEnd(npu::NPUStream(stream)); });
  m.def("_npu_isCurrentStreamCapturing", &npu::isCurrentStreamCapturing);
}

}  // namespace torch_npu::python
