#include "npu_sim_aclnn/executor.h"

#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "conversion_error.h"
#include "npu_sim/sim_extensions.h"
#include "npu_sim/sim_profiling.h"
#include "recent_error.h"

namespace npu_sim::aclnn {
namespace {

const char* nameOf(const char* op_name) noexcept { return op_name != nullptr ? op_name : "aclnn operator"; }

// Leaves the failure for the synchronization that will report it.
void reportKernelFailure(const aclOpExecutor& executor, const char* what) noexcept {
  const char* op = nameOf(executor.opName());
  try {
    const std::string message = std::string(op) + " failed on device " + std::to_string(executor.device()) + ": " + what;
    npuSimFailCurrentTask(message.c_str());
  } catch (...) {
    // No memory for the text: the failure itself must still get through.
    npuSimFailCurrentTask(op);
  }
}

// The host task of one launch, on the stream's worker; it runs once per
// execution of a model when a capture recorded it.
void runExecutor(void* arg) noexcept {
  aclOpExecutor* const executor = static_cast<aclOpExecutor*>(arg);
  try {
    // The worker thread's dispatch state is the default one; inference mode
    // additionally keeps autograd and ADInplaceOrView out, so the kernel's
    // ATen calls go straight to the CPU kernels.
    const c10::InferenceMode inference;
    executor->run();
  } catch (const c10::Error& error) {
    // The backtrace would point into this worker, not at the caller's code.
    reportKernelFailure(*executor, error.what_without_backtrace());
  } catch (const std::exception& error) {
    reportKernelFailure(*executor, error.what());
  } catch (...) {
    reportKernelFailure(*executor, "unknown exception");
  }
}

// Called by the stream once the task can run no more.
void releaseExecutor(void* arg) noexcept { delete static_cast<aclOpExecutor*>(arg); }

}  // namespace

namespace detail {

aclnnStatus beginPrepare(const char* op_name, uint64_t* workspace_size, aclOpExecutor** executor) noexcept {
  // Taken first, so that an error never outlives the call it belongs to.
  const std::optional<std::string> conversion_error = takeConversionError();
  const char* op = nameOf(op_name);
  if (workspace_size == nullptr) return reportError(ACLNN_ERR_PARAM_NULLPTR, "%sGetWorkspaceSize: workspaceSize is null", op);
  if (executor == nullptr) return reportError(ACLNN_ERR_PARAM_NULLPTR, "%sGetWorkspaceSize: executor is null", op);
  *executor = nullptr;
  if (conversion_error) {
    return reportError(ACLNN_ERR_PARAM_INVALID, "%sGetWorkspaceSize: %s", op, conversion_error->c_str());
  }
  return ACLNN_SUCCESS;
}

aclnnStatus executorCreationFailed(const char* op_name) noexcept {
  return reportError(ACLNN_ERR_INNER, "%sGetWorkspaceSize: the executor could not be created (host out of memory)",
                     nameOf(op_name));
}

}  // namespace detail

aclnnStatus launch(aclOpExecutor* executor, void* workspace, uint64_t workspace_size, aclrtStream stream) noexcept {
  // prepare() asked for no workspace; whatever the caller passes is unused.
  (void)workspace;
  (void)workspace_size;
  if (executor == nullptr) return reportError(ACLNN_ERR_PARAM_NULLPTR, "aclnn launch: executor is null");
  // Consumed whatever happens, so a failed launch does not leak it.
  std::unique_ptr<aclOpExecutor> owned(executor);
  const char* op = nameOf(owned->opName());
  // The stream must belong to the current device (the launch checks it), so
  // this is the device the kernel runs on.
  int32_t device = -1;
  if (aclrtGetDevice(&device) != ACL_SUCCESS) {
    return reportError(ACLNN_ERR_RUNTIME_ERROR, "%s: %s", op, aclGetRecentErrMsg());
  }
  owned->setDevice(device);
  const aclError error =
      npuSimLaunchReplayableHostTask(stream, &runExecutor, &releaseExecutor, owned.get(), NPU_SIM_ACTIVITY_KERNEL, op);
  if (npuSimLaunchEnqueued(error)) {
    owned.release();  // the task owns it now
    // Else ASCEND_LAUNCH_BLOCKING: the task ran and failed; the recent error
    // already names the operator and the cause.
    return error == ACL_SUCCESS ? ACLNN_SUCCESS : ACLNN_ERR_RUNTIME_ERROR;
  }
  return reportError(ACLNN_ERR_RUNTIME_ERROR, "%s: %s", op, aclGetRecentErrMsg());
}

}  // namespace npu_sim::aclnn
