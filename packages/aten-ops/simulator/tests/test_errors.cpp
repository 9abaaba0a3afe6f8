// Failures: invalid arguments at prepare(), a failed launch, and kernels that
// throw, which surface like asynchronous device errors.
#include <stdexcept>
#include <thread>

#include "aclnn_fixture.h"
#include "test_ops.h"

using namespace sim_test;
using namespace aclnn_test;

namespace {

aclnnStatus add(const aclTensor* self, const aclTensor* other, const aclScalar* alpha, aclTensor* out,
                aclrtStream stream) {
  return runAclnn([&](uint64_t* workspace_size, aclOpExecutor** executor) {
    return aclnnTestAddGetWorkspaceSize(self, other, alpha, out, workspace_size, executor);
  }, aclnnTestAdd, stream);
}

template <class Kernel>
aclnnStatus launchKernel(Kernel&& kernel, aclrtStream stream) {
  uint64_t workspace_size = 0;
  aclOpExecutor* executor = nullptr;
  if (aclnnStatus status = npu_sim::aclnn::prepare("aclnnTestKernel", &workspace_size, &executor,
                                                   std::forward<Kernel>(kernel));
      status != ACLNN_SUCCESS) {
    return status;
  }
  return npu_sim::aclnn::launch(executor, nullptr, workspace_size, stream);
}

// Operands of an add that ATen refuses: shapes [4] and [3] do not broadcast.
struct MismatchedAdd {
  DeviceBuffer memory{16 * sizeof(float)};
  Owned<aclTensor> four = contiguousTensor(memory.get(), {4}, ACL_FLOAT);
  Owned<aclTensor> three = contiguousTensor(memory.get(), {3}, ACL_FLOAT);
  Owned<aclScalar> alpha = scalar(1.0f, ACL_FLOAT);

  aclnnStatus enqueue(aclrtStream stream) { return add(four.get(), three.get(), alpha.get(), four.get(), stream); }
};

constexpr const char* kBroadcastError = "must match the size of tensor b (3)";

}  // namespace

TEST_CASE(a_throwing_kernel_surfaces_once_at_the_next_synchronize) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  MismatchedAdd mismatched;
  // The launch only enqueues; the kernel fails later on the worker.
  CHECK_ACLNN(mismatched.enqueue(stream));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(stream), ACL_ERROR_RT_AICORE_EXCEPTION);
  const std::string message = recentError();
  CHECK(contains(message, "aclnnTestAdd failed on device 0: "));
  CHECK(contains(message, kBroadcastError));
  CHECK(!contains(message, "Exception raised from"));  // no worker backtrace
  // Reported once; the stream keeps working.
  CHECK_ACL(aclrtSynchronizeStream(stream));
  DeviceBuffer a(sizeof(float));
  upload(a.get(), std::vector<float>{2.0f});
  auto a_desc = contiguousTensor(a.get(), {1}, ACL_FLOAT);
  CHECK_ACLNN(add(a_desc.get(), a_desc.get(), mismatched.alpha.get(), a_desc.get(), stream));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_EQ(download<float>(a.get(), 1)[0], 4.0f);
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(kernel_failure_through_device_and_event_synchronization) {
  ScopedSimulator sim;
  MismatchedAdd mismatched;
  CHECK_ACLNN(mismatched.enqueue(nullptr));
  CHECK_ACL_ERROR(aclrtSynchronizeDevice(), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(contains(recentError(), kBroadcastError));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));

  aclrtEvent event = nullptr;
  CHECK_ACL(aclrtCreateEvent(&event));
  CHECK_ACLNN(mismatched.enqueue(nullptr));
  CHECK_ACL(aclrtRecordEvent(event, nullptr));
  CHECK_ACL_ERROR(aclrtSynchronizeEvent(event), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(contains(recentError(), "aclnnTestAdd failed on device 0"));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK_ACL(aclrtDestroyEvent(event));
}

TEST_CASE(out_storage_cannot_be_resized) {
  ScopedSimulator sim;
  DeviceBuffer memory(16 * sizeof(float));
  auto four = contiguousTensor(memory.get(), {4}, ACL_FLOAT);
  // A 2-element out over a 2-element storage: ATen would have to grow it.
  auto two = contiguousTensor(memory.get(), {2}, ACL_FLOAT);
  CHECK_ACLNN(add(four.get(), four.get(), scalar(1.0f, ACL_FLOAT).get(), two.get(), nullptr));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(nullptr), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(contains(recentError(), "not resizable"));
}

TEST_CASE(any_exception_is_caught_and_named) {
  ScopedSimulator sim;
  CHECK_ACLNN(launchKernel([] { throw std::runtime_error("plain standard exception"); }, nullptr));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(nullptr), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK_EQ(recentError(), std::string("aclnnTestKernel failed on device 0: plain standard exception"));

  CHECK_ACLNN(launchKernel([] { throw 42; }, nullptr));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(nullptr), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK_EQ(recentError(), std::string("aclnnTestKernel failed on device 0: unknown exception"));

  // The device in the message is the one the kernel ran on.
  CHECK_ACL(aclrtSetDevice(1));
  CHECK_ACLNN(launchKernel([] { throw std::runtime_error("on the second device"); }, nullptr));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(nullptr), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(contains(recentError(), "failed on device 1: on the second device"));
  // Device 0 had no failure.
  CHECK_ACL(aclrtSetDevice(0));
  CHECK_ACL(aclrtSynchronizeDevice());
}

TEST_CASE(launch_blocking_reports_the_kernel_failure_at_launch) {
  ScopedSimulator sim(ScopedSimulator::Environment{{"ASCEND_LAUNCH_BLOCKING", "1"}});
  MismatchedAdd mismatched;
  CHECK_ACLNN_ERROR(mismatched.enqueue(nullptr), ACLNN_ERR_RUNTIME_ERROR);
  CHECK(contains(recentError(), "aclnnTestAdd failed on device 0: "));
  CHECK(contains(recentError(), kBroadcastError));
  // Already reported.
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  auto ok = contiguousTensor(mismatched.memory.get(), {4}, ACL_FLOAT);
  CHECK_ACLNN(add(ok.get(), ok.get(), mismatched.alpha.get(), ok.get(), nullptr));
}

TEST_CASE(prepare_rejects_invalid_arguments) {
  ScopedSimulator sim;
  DeviceBuffer memory(4 * sizeof(float));
  auto tensor = contiguousTensor(memory.get(), {4}, ACL_FLOAT);
  auto alpha = scalar(1.0f, ACL_FLOAT);
  uint64_t workspace_size = 7;
  aclOpExecutor* executor = nullptr;
  CHECK_ACLNN_ERROR(aclnnTestAddGetWorkspaceSize(tensor.get(), tensor.get(), alpha.get(), tensor.get(), nullptr,
                                                 &executor),
                    ACLNN_ERR_PARAM_NULLPTR);
  CHECK(contains(recentError(), "aclnnTestAddGetWorkspaceSize: workspaceSize is null"));
  CHECK_ACLNN_ERROR(aclnnTestAddGetWorkspaceSize(tensor.get(), tensor.get(), alpha.get(), tensor.get(),
                                                 &workspace_size, nullptr),
                    ACLNN_ERR_PARAM_NULLPTR);
  CHECK(contains(recentError(), "executor is null"));

  // A required scalar that is null: no executor.
  executor = reinterpret_cast<aclOpExecutor*>(0x1);
  CHECK_ACLNN_ERROR(aclnnTestAddGetWorkspaceSize(tensor.get(), tensor.get(), nullptr, tensor.get(), &workspace_size,
                                                 &executor),
                    ACLNN_ERR_PARAM_INVALID);
  CHECK(executor == nullptr);
  CHECK(contains(recentError(), "aclnnTestAddGetWorkspaceSize: a required aclScalar is null"));

  // The error belonged to that call only.
  CHECK_ACLNN(aclnnTestAddGetWorkspaceSize(tensor.get(), tensor.get(), alpha.get(), tensor.get(), &workspace_size,
                                           &executor));
  CHECK_ACLNN(aclnnTestAdd(nullptr, workspace_size, executor, nullptr));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));

  // A dtype argument without an ATen counterpart.
  CHECK(npu_sim::aclnn::toAten(ACL_STRING) == at::ScalarType::Undefined);
  CHECK_ACLNN_ERROR(launchKernel([] {}, nullptr), ACLNN_ERR_PARAM_INVALID);
  CHECK(contains(recentError(), "data type 13 has no ATen counterpart"));
  CHECK_ACLNN(launchKernel([] {}, nullptr));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));

  // Launching needs a current device.
  aclnnStatus status = ACLNN_ERR_INNER;
  // Preparing works on any thread.
  std::thread([&] {
    status = aclnnTestAddGetWorkspaceSize(tensor.get(), tensor.get(), alpha.get(), tensor.get(), &workspace_size,
                                          &executor);
  }).join();
  CHECK_EQ(status, ACLNN_SUCCESS);
  std::string message;
  std::thread([&] {
    status = aclnnTestAdd(nullptr, 0, executor, nullptr);
    message = recentError();
  }).join();
  CHECK_EQ(status, ACLNN_ERR_RUNTIME_ERROR);
  CHECK(contains(message, "aclnnTestAdd: aclrtGetDevice"));
}
