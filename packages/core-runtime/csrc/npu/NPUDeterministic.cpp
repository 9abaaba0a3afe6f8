#include "npu/NPUDeterministic.h"

#include <ATen/Context.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"

namespace torch_npu::npu {
namespace {

constexpr int8_t kUnknown = -1;

// What CANN holds, as far as this process set or read it.
struct CachedOption {
  std::atomic<int8_t> value{kUnknown};
};
CachedOption process_option;
std::array<CachedOption, kMaxDevices> context_options;
std::mutex apply_mutex;

// Sets `cached` (and CANN, through `set`) to `wanted`, reading CANN's value
// through `get` the first time. Called under apply_mutex.
template <class Get, class Set>
void reconcile(CachedOption& option, int8_t wanted, Get&& get, Set&& set) {
  std::atomic<int8_t>& cached = option.value;
  if (cached.load(std::memory_order_relaxed) == kUnknown) {
    int64_t current = 0;
    NPU_CHECK(get(ACL_OPT_DETERMINISTIC, &current));
    cached.store(static_cast<int8_t>(current), std::memory_order_relaxed);
  }
  if (cached.load(std::memory_order_relaxed) == wanted) return;
  NPU_CHECK(set(ACL_OPT_DETERMINISTIC, wanted));
  cached.store(wanted, std::memory_order_relaxed);
}

}  // namespace

void applyDeterministicOption() {
  const int8_t wanted = at::globalContext().deterministicAlgorithms() ? 1 : 0;
  const c10::DeviceIndex device = current_device();
  TORCH_INTERNAL_ASSERT(device >= 0 && device < kMaxDevices, "device index ", static_cast<int>(device));
  if (process_option.value.load(std::memory_order_relaxed) == wanted &&
      context_options[device].value.load(std::memory_order_relaxed) == wanted) {
    return;
  }
  const std::lock_guard lock(apply_mutex);
  reconcile(process_option, wanted, acl::aclrtGetSysParamOpt, acl::aclrtSetSysParamOpt);
  reconcile(context_options[device], wanted, acl::aclrtCtxGetSysParamOpt, acl::aclrtCtxSetSysParamOpt);
}

}  // namespace torch_npu::npu
