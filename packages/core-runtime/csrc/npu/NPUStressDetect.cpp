#include "npu/NPUStressDetect.h"

#include <cstdint>

#include <c10/util/Exception.h>

#include "acl/AclApi.h"
#include "acl/AmlSymbols.h"
#include "npu/NPUCachingAllocator.h"
#include "npu/NPUException.h"
#include "npu/NPUGuardImpl.h"

namespace torch_npu::npu {
namespace {

// The reference's workspace for either test.
constexpr uint64_t kWorkspaceBytes = uint64_t{10} << 30;
// CANN's codes for a test that found faulty hardware, and for a device whose
// voltage it could not restore afterwards.
constexpr AmlStatus kStressBitFail = 574006;
constexpr AmlStatus kClearDeviceStateFail = 574007;
constexpr AmlStatus kStressLowBitFail = 574008;
constexpr AmlStatus kStressHighBitFail = 574009;

struct AmlTable {
#define TORCH_NPU_AML_POINTER(ret, name, params, args) ret(*name) params = nullptr;
  TORCH_NPU_AML_SYMBOLS(TORCH_NPU_AML_POINTER)
#undef TORCH_NPU_AML_POINTER
};

const AmlTable& amlTable() {
  static const AmlTable table = [] {
    AmlTable loaded;
#define TORCH_NPU_AML_RESOLVE(ret, name, params, args) \
  loaded.name = reinterpret_cast<ret(*) params>(acl::resolveSymbol("libascend_ml.so", #name));
    TORCH_NPU_AML_SYMBOLS(TORCH_NPU_AML_RESOLVE)
#undef TORCH_NPU_AML_RESOLVE
    return loaded;
  }();
  return table;
}

// Device memory for the test, freed when it ends.
class Workspace {
 public:
  Workspace() = default;
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  ~Workspace() {
    if (data_ != nullptr) {
      acl::aclrtFree(data_);
    }
  }
  // False when the device cannot hold it, even with the allocator's cache released.
  bool allocate() {
    if (acl::aclrtMalloc(&data_, kWorkspaceBytes, ACL_MEM_MALLOC_HUGE_FIRST) == ACL_SUCCESS) {
      return true;
    }
    NPUCachingAllocator::emptyCache();
    return acl::aclrtMalloc(&data_, kWorkspaceBytes, ACL_MEM_MALLOC_HUGE_FIRST) == ACL_SUCCESS;
  }
  void* data() const { return data_; }

 private:
  void* data_ = nullptr;
};

int answer(int device, AmlStatus status) {
  TORCH_CHECK(status != kClearDeviceStateFail,
              "Stress detect error. Error code is 574007. Error message is Voltage recovery failed.");
  switch (status) {
    case 0:
      return 0;
    case kStressBitFail:
    case kStressLowBitFail:
    case kStressHighBitFail:
      TORCH_WARN("Stress detect failed due to hardware malfunction, device id is ", device, ", error code is ",
                 status);
      return 2;
    default:
      TORCH_WARN("Stress detect test case execution failed, device id is ", device, ", error code is ", status);
      return 1;
  }
}

}  // namespace

int stressDetect(c10::DeviceIndex device, StressDetectTarget target, void* comm) {
  TORCH_CHECK(!acl::runtimeInfo().is_simulator,
              "torch.npu.stress_detect needs Ascend hardware: it runs CANN's self-test of the AI Cores or HCCS "
              "links (libascend_ml.so), and the simulator has neither");
  const AmlTable& aml = amlTable();
  const bool ai_core = target == StressDetectTarget::AiCore;
  if ((ai_core ? aml.AmlAicoreDetectOnline == nullptr : aml.AmlP2PDetectOnline == nullptr)) {
    TORCH_WARN("Stress detect cannot run: the CANN toolkit's libascend_ml.so lacks ",
               ai_core ? "AmlAicoreDetectOnline" : "AmlP2PDetectOnline", " (CANN 8.5 has it)");
    return 1;
  }
  const NPUGuard guard(device);
  Workspace workspace;
  if (!workspace.allocate()) {
    TORCH_WARN("Stress detect failed, call aclrtMalloc failed, skip StressDetect, device id is ", int{device});
    return 1;
  }
  AmlStatus status = 0;
  if (ai_core) {
    AmlAicoreDetectAttr attr{};
    attr.mode = AML_DETECT_RUN_MODE_ONLINE;
    attr.workspace = workspace.data();
    attr.workspaceSize = kWorkspaceBytes;
    status = aml.AmlAicoreDetectOnline(device, &attr);
  } else {
    AmlP2PDetectAttr attr{};
    attr.workspace = workspace.data();
    attr.workspaceSize = kWorkspaceBytes;
    status = aml.AmlP2PDetectOnline(device, comm, &attr);
  }
  return answer(device, status);
}

}  // namespace torch_npu::npu
