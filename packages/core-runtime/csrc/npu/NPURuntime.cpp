#include "npu/NPURuntime.h"

#include <pthread.h>

#include <atomic>
#include <mutex>

#include <c10/util/Exception.h>

#include "acl/AclApi.h"
#include "npu/NPUException.h"

namespace torch_npu::npu {
namespace {

std::atomic<bool> initialized{false};
std::atomic<bool> in_bad_fork{false};

void markChildAsBadFork() {
  in_bad_fork = true;
}

}  // namespace

void ensureRuntimeInitialized() {
  static std::once_flag once;
  TORCH_CHECK(!in_bad_fork,
              "Cannot re-initialize NPU in forked subprocess. To use NPU with multiprocessing, "
              "you must use the 'spawn' start method");
  std::call_once(once, [] {
    const aclError status = acl::aclInit(nullptr);
    if (status != ACL_ERROR_REPEAT_INITIALIZE) {
      NPU_CHECK(status);
    }
    pthread_atfork(nullptr, nullptr, markChildAsBadFork);
    initialized = true;
  });
}

bool isRuntimeInitialized() noexcept {
  return initialized;
}

bool isInBadFork() noexcept {
  return in_bad_fork;
}

}  // namespace torch_npu::npu
