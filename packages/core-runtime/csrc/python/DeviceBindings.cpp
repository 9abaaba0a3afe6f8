#include <c10/core/Device.h>
#include <torch/csrc/Exceptions.h>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUGuardImpl.h"
#include "npu/NPURecovery.h"
#include "npu/NPUResourceLimits.h"
#include "npu/NPURuntime.h"
#include "npu/NPUStressDetect.h"
#include "python/Bindings.h"

namespace torch_npu::python {
namespace py = pybind11;

namespace {

std::string socName(c10::DeviceIndex device) {
  npu::check_device_index(device);
  const char* name = acl::aclrtGetSocName();
  return name != nullptr ? name : "";
}

py::dict runtimeInfo() {
  const acl::RuntimeInfo& info = acl::runtimeInfo();
  py::dict result;
  result["is_simulator"] = info.is_simulator;
  result["library"] = info.library;
  result["cann_version"] = info.cann_version;
  result["toolkit_home"] = info.toolkit_home;
  return result;
}

std::pair<size_t, size_t> memGetInfo(c10::DeviceIndex device) {
  const npu::NPUGuard guard(device);
  size_t free = 0;
  size_t total = 0;
  NPU_CHECK(acl::aclrtGetMemInfo(ACL_HBM_MEM, &free, &total));
  return {free, total};
}

py::dict utilization(c10::DeviceIndex device) {
  npu::check_device_index(device);
  aclrtUtilizationInfo info{};
  NPU_CHECK(acl::aclrtGetDeviceUtilizationRate(device, &info));
  py::dict result;
  result["cube"] = info.cubeUtilization;
  result["vector"] = info.vectorUtilization;
  result["aicpu"] = info.aicpuUtilization;
  result["memory"] = info.memoryUtilization;
  return result;
}

bool canAccessPeer(c10::DeviceIndex device, c10::DeviceIndex peer) {
  npu::check_device_index(device);
  npu::check_device_index(peer);
  int32_t can_access = 0;
  NPU_CHECK(acl::aclrtDeviceCanAccessPeer(&can_access, device, peer));
  return can_access != 0;
}

std::string cannVersion(const std::string& module) {
  static const std::map<std::string, aclCANNPackageName> packages = {
      {"CANN", ACL_PKG_NAME_CANN},       {"RUNTIME", ACL_PKG_NAME_RUNTIME}, {"COMPILER", ACL_PKG_NAME_COMPILER},
      {"HCCL", ACL_PKG_NAME_HCCL},       {"TOOLKIT", ACL_PKG_NAME_TOOLKIT}, {"OPP", ACL_PKG_NAME_OPP},
      {"OPP_KERNEL", ACL_PKG_NAME_OPP_KERNEL}, {"DRIVER", ACL_PKG_NAME_DRIVER}};
  const auto package = packages.find(module);
  TORCH_CHECK(package != packages.end(), "Unknown CANN module '", module,
              "'; expected one of CANN, RUNTIME, COMPILER, HCCL, TOOLKIT, OPP, OPP_KERNEL, DRIVER");
  aclCANNPackageVersion version{};
  NPU_CHECK(acl::aclsysGetCANNVersion(package->second, &version));
  return version.version;
}

}  // namespace

void initDeviceBindings(py::module_& m) {
  m.def("_npu_get_device_res_limit", [](c10::DeviceIndex device, int64_t type) {
    return npu::getDeviceResLimit(device, npu::resLimitType(type));
  });
  m.def("_npu_set_device_res_limit", [](c10::DeviceIndex device, int64_t type, uint32_t value) {
    npu::setDeviceResLimit(device, npu::resLimitType(type), value);
  });
  m.def("_npu_reset_device_res_limit", &npu::resetDeviceResLimit);
  m.def("_npu_set_op_timeout_ms", &npu::setOpExecuteTimeout);
  // Without the GIL: the abort waits for the kernel running on the device, which may need it.
  m.def("_npu_stopDevice", torch::wrap_pybind_function_no_gil(
                               [](c10::DeviceIndex device) { return npu::stopDevice(device) ? 0 : 1; }));
  m.def("_npu_restartDevice", &npu::restartDevice);
  m.def("_npu_check_uce_in_memory", torch::wrap_pybind_function_no_gil(&npu::checkMemoryErrors));
  // The reference's (mode, comm): mode 0 tests the current device's AI Cores, 1 the HCCS links of the
  // HcclComm `comm`. Without the GIL: the test takes seconds.
  m.def("_npu_stress_detect", torch::wrap_pybind_function_no_gil([](int64_t mode, int64_t comm) {
          TORCH_CHECK(mode == 0 || mode == 1, "stress detect mode must be 0 (aic) or 1 (hccs), got ", mode);
          return npu::stressDetect(npu::current_device(),
                                   mode == 0 ? npu::StressDetectTarget::AiCore : npu::StressDetectTarget::HccsLinks,
                                   reinterpret_cast<void*>(static_cast<intptr_t>(comm)));
        }));
  m.def("_npu_init", &npu::ensureRuntimeInitialized);
  m.def("_npu_isInitialized", &npu::isRuntimeInitialized);
  m.def("_npu_isInBadFork", &npu::isInBadFork);
  m.def("_npu_getDeviceCount", [] { return npu::device_count(); });
  m.def("_npu_getDevice", &npu::current_device);
  m.def("_npu_setDevice", &npu::set_device);
  m.def("_npu_exchangeDevice", &npu::exchange_device);
  m.def("_npu_checkDeviceIndex", &npu::check_device_index);
  m.def("_npu_synchronize", [](c10::DeviceIndex device) {
    py::gil_scoped_release no_gil;
    const npu::NPUGuard guard(device);
    npu::device_synchronize();
  });
  m.def("_npu_socName", &socName);
  m.def("_npu_runtimeInfo", &runtimeInfo);
  m.def("_npu_memGetInfo", &memGetInfo);
  m.def("_npu_utilization", &utilization);
  m.def("_npu_canAccessPeer", &canAccessPeer);
  m.def("_npu_cannVersion", &cannVersion);
}

}  // namespace torch_npu::python
