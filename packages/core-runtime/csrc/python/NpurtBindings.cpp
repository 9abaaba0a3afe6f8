// torch_npu._C._npurt, what torch.npu.npurt() returns: a few CANN runtime
// calls by raw address, as torch.cuda.cudart() offers CUDA's. Each returns
// CANN's error code, as the reference's do.
#include <cstdint>

#include <c10/util/Exception.h>
#include <torch/csrc/Exceptions.h>

#include "acl/AclApi.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUGuardImpl.h"
#include "python/Bindings.h"

namespace torch_npu::python {
namespace py = pybind11;

namespace {

[[noreturn]] void needsHostRegister(const char* function) {
  TORCH_CHECK(false, "npurt().", function,
              " needs aclrtHostRegisterV2 and aclrtHostUnregister, which CANN 8.5 (the release this torch-npu "
              "targets) does not have; pin host memory with tensor.pin_memory() instead");
}

// Writes the new stream's handle to the aclrtStream at `address`.
int streamCreate(uintptr_t address) {
  if (address == 0) return ACL_ERROR_INVALID_PARAM;
  const npu::NPUGuard guard(npu::current_device());
  return acl::aclrtCreateStream(reinterpret_cast<aclrtStream*>(address));
}

int streamDestroy(uintptr_t stream) {
  if (stream == 0) return ACL_ERROR_INVALID_PARAM;
  return acl::aclrtDestroyStream(reinterpret_cast<aclrtStream>(stream));
}

}  // namespace

void initNpurtBindings(py::module_& m) {
  py::module_ npurt = m.def_submodule("_npurt", "CANN runtime calls by raw address (torch.npu.npurt())");
  npurt.def("npuStreamCreate", torch::wrap_pybind_function_no_gil(&streamCreate), py::arg("ptr"));
  npurt.def("npuStreamDestroy", torch::wrap_pybind_function_no_gil(&streamDestroy), py::arg("ptr"));
  npurt.def("npuHostRegister", [](uintptr_t, size_t, uint32_t) -> int { needsHostRegister("npuHostRegister"); },
            py::arg("ptr"), py::arg("size"), py::arg("flags"));
  npurt.def("npuHostUnregister", [](uintptr_t) -> int { needsHostRegister("npuHostUnregister"); }, py::arg("ptr"));
}

}  // namespace torch_npu::python
