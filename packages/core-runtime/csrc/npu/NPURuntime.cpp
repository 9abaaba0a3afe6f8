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
  // Checked first: every operator comes through here, and std::call_once costs
  // a few hundred instructions even when the work is done.
  if (initialized.load(std::memory_order_acquire)) {
    return;
  }
  std::call_once(once, [] {
    const aclError status = acl::aclInit(nullptr);
    if (status != ACL_ERROR_REPEAT_INITIALIZE) {
      NPU_CHECK(status);
    }
    pthread_atfork(nullptr, nullptr, markChildAsBadFork);
    initialized.store(true, std::memory_order_release);
  });
}

bool isRuntimeInitialized() noexcept {
  return initialized;
}

bool isInBadFork() noexcept {
  return in_bad_fork;
}

}  // namespace torch_npu::npu
