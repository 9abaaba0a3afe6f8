// torch.compile's kernels on the NPU stream (npu/NPUHostKernel.h), for
// torch_npu._inductor: each generated kernel becomes a _HostKernel that the
// compiled graph calls with its tensors and sizes.
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/csrc/autograd/python_variable.h>

#include "npu/NPUHostKernel.h"
#include "npu/NPUStream.h"
#include "python/Bindings.h"

namespace torch_npu::python {
namespace py = pybind11;

namespace {

// One letter per kernel argument: 'p' a tensor (its data pointer), 'i' an integer, 'f' a floating-point number.
class HostKernel {
 public:
  HostKernel(uintptr_t entry, const std::string& name, std::string arg_kinds)
      : entry_(reinterpret_cast<npu::HostKernelEntry>(entry)),
        name_(std::make_shared<const std::string>(name)),
        arg_kinds_(std::move(arg_kinds)) {
    TORCH_CHECK(entry_ != nullptr, "compiled kernel ", name, ": the entry point is null");
    for (const char kind : arg_kinds_) {
      TORCH_CHECK(kind == 'p' || kind == 'i' || kind == 'f', "compiled kernel ", name, ": unknown argument kind '",
                  kind, "'");
    }
  }

  void operator()(const py::args& args) const {
    TORCH_CHECK(args.size() == arg_kinds_.size(), "compiled kernel ", *name_, " takes ", arg_kinds_.size(),
                " arguments, got ", args.size());
    npu::HostKernelArguments arguments;
    std::vector<uint64_t>& slots = arguments.slots;
    slots.resize(args.size());
    c10::DeviceIndex device = -1;
    for (size_t i = 0; i < args.size(); ++i) {
      PyObject* arg = args[i].ptr();
      switch (arg_kinds_[i]) {
        case 'p': {
          TORCH_CHECK(THPVariable_Check(arg), "compiled kernel ", *name_, ": argument ", i, " must be a tensor, got ",
                      Py_TYPE(arg)->tp_name);
          const at::Tensor& tensor = THPVariable_Unpack(arg);
          if (tensor.device().is_cpu()) {
            TORCH_CHECK(tensor.numel() == 1 && tensor.element_size() <= 8, "compiled kernel ", *name_,
                        ": argument ", i, " is a CPU tensor of ", tensor.numel(),
                        " elements; an npu kernel takes CPU scalars only");
            uint64_t value = 0;
            std::memcpy(&value, tensor.const_data_ptr(), tensor.element_size());
            arguments.host_values.push_back(value);
            arguments.host_value_slots.push_back(i);
            break;
          }
          TORCH_CHECK(tensor.device().type() == c10::DeviceType::PrivateUse1, "compiled kernel ", *name_,
                      ": argument ", i, " is on ", tensor.device(), ", not on npu");
          TORCH_CHECK(device < 0 || tensor.device().index() == device, "compiled kernel ", *name_,
                      ": its tensors are on npu:", device, " and ", tensor.device());
          device = tensor.device().index();
          slots[i] = npu::hostKernelAddress(tensor.data_ptr());
          break;
        }
        case 'i':
          slots[i] = static_cast<uint64_t>(py::cast<int64_t>(args[i]));
          break;
        default: {
          const double value = py::cast<double>(args[i]);
          std::memcpy(&slots[i], &value, sizeof(value));
        }
      }
    }
    npu::launchHostKernel(entry_, name_, std::move(arguments), npu::getCurrentNPUStream(device));
  }

  const std::string& name() const { return *name_; }

 private:
  npu::HostKernelEntry entry_;
  std::shared_ptr<const std::string> name_;
  std::string arg_kinds_;
};

}  // namespace

void initCompileBindings(py::module_& m) {
  m.def("_host_kernels_supported", &npu::hostKernelsSupported,
        "Whether the loaded runtime runs torch.compile's C++ kernels (the NPU simulator does).");
  py::class_<HostKernel>(m, "_HostKernel")
      .def(py::init<uintptr_t, const std::string&, std::string>(), py::arg("entry"), py::arg("name"),
           py::arg("arg_kinds"))
      .def("__call__", &HostKernel::operator())
      .def_property_readonly("name", &HostKernel::name);
}

}  // namespace torch_npu::python
