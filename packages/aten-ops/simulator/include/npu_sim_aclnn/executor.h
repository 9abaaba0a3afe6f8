// The two phases of an aclnn call in the simulator.
//
//   aclnnXxxGetWorkspaceSize  ->  prepare(): wraps the op's kernel (a callable
//                                  over ATen values) in an executor
//   aclnnXxx                  ->  launch(): runs it on the stream's worker
//
// The kernel runs ATen's CPU kernels over the device memory in stream order,
// asynchronously, like a device kernel.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "acl/acl_rt.h"
#include "aclnn/acl_meta.h"

// The C handle type: prepare() hands out an executor that the caller owns
// until it passes it to launch(), which consumes it (whatever it returns):
// executors are single-use, as on CANN by default.
struct aclOpExecutor {
 public:
  // `op_name` must outlive the executor (generated code passes a literal).
  explicit aclOpExecutor(const char* op_name) noexcept : op_name_(op_name) {}
  virtual ~aclOpExecutor() = default;
  aclOpExecutor(const aclOpExecutor&) = delete;
  aclOpExecutor& operator=(const aclOpExecutor&) = delete;

  const char* opName() const noexcept { return op_name_; }
  // The device it was launched on, for error messages; -1 before launch.
  int32_t device() const noexcept { return device_; }
  void setDevice(int32_t device) noexcept { device_ = device; }

  // Runs the kernel once; may throw (launch() turns that into a device error).
  virtual void run() = 0;

 private:
  const char* const op_name_;
  int32_t device_ = -1;
};

namespace npu_sim::aclnn {
namespace detail {

// Holds the kernel in the executor's own allocation: one allocation per op.
template <class Kernel>
class KernelExecutor final : public aclOpExecutor {
 public:
  template <class Source>
  KernelExecutor(const char* op_name, Source&& kernel)
      : aclOpExecutor(op_name), kernel_(std::forward<Source>(kernel)) {}

  void run() override { kernel_(); }

 private:
  Kernel kernel_;
};

// Checks the out parameters and reports a failed argument conversion (see
// to_aten.h); ACLNN_SUCCESS when the executor may be created.
aclnnStatus beginPrepare(const char* op_name, uint64_t* workspace_size, aclOpExecutor** executor) noexcept;
aclnnStatus executorCreationFailed(const char* op_name) noexcept;

}  // namespace detail

// aclnnXxxGetWorkspaceSize: hands out an executor owning `kernel` (any
// callable taking no arguments, std::function<void()> included; stored
// without a second allocation) and a workspace size of 0. The kernel must
// capture by value everything it uses: the descriptors may be destroyed before
// it runs.
template <class Kernel>
aclnnStatus prepare(const char* op_name, uint64_t* workspace_size, aclOpExecutor** executor,
                    Kernel&& kernel) noexcept {
  using Stored = std::decay_t<Kernel>;
  static_assert(std::is_invocable_v<Stored&>, "an aclnn kernel takes no arguments");
  if (const aclnnStatus status = detail::beginPrepare(op_name, workspace_size, executor); status != ACLNN_SUCCESS) {
    return status;
  }
  try {
    *executor = new detail::KernelExecutor<Stored>(op_name, std::forward<Kernel>(kernel));
  } catch (...) {
    return detail::executorCreationFailed(op_name);
  }
  *workspace_size = 0;
  return ACLNN_SUCCESS;
}

// aclnnXxx: enqueues the executor's kernel on `stream` (null: the current
// device's default stream) and consumes the executor, which the stream frees
// once the kernel can run no more: after it ran, or, when a capturing stream
// recorded it, with the model that replays it. No workspace is used.
//
// A kernel that throws does not reach the caller: like a device exception,
// it surfaces once, as ACL_ERROR_RT_AICORE_EXCEPTION from the next
// synchronization of the stream (its device, or an event recorded after
// it), with "<op> failed on device <n>: <what>" from aclGetRecentErrMsg.
// Under ASCEND_LAUNCH_BLOCKING=1 launch waits for the kernel and returns
// ACLNN_ERR_RUNTIME_ERROR with that message itself.
aclnnStatus launch(aclOpExecutor* executor, void* workspace, uint64_t workspace_size, aclrtStream stream) noexcept;

}  // namespace npu_sim::aclnn
