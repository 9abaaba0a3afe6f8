// torch_npu_hccl._C: ProcessGroupHCCL and its Options for python, as
// subclasses of torch's own c10d Backend bindings.
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <pybind11/chrono.h>
#include <torch/csrc/utils/pybind.h>

#include <chrono>


#include "HcclApi.h"
#include "ProcessGroupHCCL.h"

namespace py = pybind11;
using torch_npu::hccl::ProcessGroupHCCL;

namespace {

py::dict hcclConfigOf(const ProcessGroupHCCL::Options& options) {
  py::dict config;
  if (options.hccl_buffer_size != HCCL_COMM_BUFFSIZE_CONFIG_NOT_SET) config["hccl_buffer_size"] = options.hccl_buffer_size;
  if (!options.hccl_group_name.empty()) config["group_name"] = options.hccl_group_name;
  return config;
}

void setHcclConfig(ProcessGroupHCCL::Options& options, const py::dict& config) {
  for (const auto& [key, value] : config) {
    const std::string name = py::cast<std::string>(key);
    if (name == "hccl_buffer_size") {
      const int64_t mb = py::cast<int64_t>(value);
      TORCH_CHECK(mb > 0 && mb < HCCL_COMM_BUFFSIZE_CONFIG_NOT_SET, "hccl_config['hccl_buffer_size'] must be a "
                  "positive number of MB, got ", mb);
      options.hccl_buffer_size = static_cast<uint32_t>(mb);
    } else if (name == "group_name") {
      options.hccl_group_name = py::cast<std::string>(value);
      TORCH_CHECK(options.hccl_group_name.size() < COMM_NAME_MAX_LENGTH, "hccl_config['group_name'] is longer than ",
                  COMM_NAME_MAX_LENGTH - 1, " characters");
    } else {
      TORCH_CHECK(false, "hccl_config has no key '", name, "' (known: hccl_buffer_size, group_name)");
    }
  }
}

}  // namespace

PYBIND11_MODULE(_C, m) {
  m.doc() = "ProcessGroupHCCL: torch.distributed's hccl backend for npu";
  // The base classes' bindings must exist before ours derive from them.
  py::module_::import("torch._C._distributed_c10d");

  auto process_group =
      py::class_<ProcessGroupHCCL, c10d::Backend, c10::intrusive_ptr<ProcessGroupHCCL>>(m, "ProcessGroupHCCL");
  process_group
      .def(py::init([](const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                       c10::intrusive_ptr<ProcessGroupHCCL::Options> options) {
             return c10::make_intrusive<ProcessGroupHCCL>(store, rank, size, std::move(options));
           }),
           py::arg("store"), py::arg("rank"), py::arg("size"), py::arg("options"),
           py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("options", &ProcessGroupHCCL::getOptions)
      .def("_rebuild_communicators", &ProcessGroupHCCL::rebuildCommunicators,
           py::call_guard<py::gil_scoped_release>())
      .def("get_hccl_comm", &ProcessGroupHCCL::hcclCommHandle, py::arg("rankid"),
           py::call_guard<py::gil_scoped_release>());

  py::class_<ProcessGroupHCCL::Options, c10d::Backend::Options, c10::intrusive_ptr<ProcessGroupHCCL::Options>>(
      process_group, "Options")
      .def(py::init(&ProcessGroupHCCL::Options::create), py::arg("is_high_priority_stream") = false)
      .def_readwrite("is_high_priority_stream", &ProcessGroupHCCL::Options::is_high_priority_stream)
      .def_property(
          "op_timeout", [](const ProcessGroupHCCL::Options& o) { return o.timeout; },
          [](ProcessGroupHCCL::Options& o, std::chrono::milliseconds timeout) { o.timeout = timeout; })
      .def_property("hccl_config", &hcclConfigOf, &setHcclConfig);

  m.def("hccl_library", [] { return torch_npu::hccl::libraryPath(); },
        "The HCCL library in use: CANN's libhccl.so or the simulator's libhccl_sim.so");
}
