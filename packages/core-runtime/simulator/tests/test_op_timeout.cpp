// The op execute timeout (aclrtSetOpExecuteTimeOutV2): a kernel that runs
// past it fails its stream with ACL_ERROR_RT_AICORE_TIMEOUT at the next
// synchronization; other tasks are not timed.
#include <chrono>
#include <string>
#include <thread>

#include "npu_sim/sim_profiling.h"
#include "sim_fixture.h"

using namespace sim_test;

namespace {

constexpr uint64_t kOneMillisecond = 1000;
constexpr uint64_t kOneMinute = 60ull * 1000 * 1000;

// Runs far longer than kOneMillisecond and far shorter than kOneMinute.
void runSlowly(void*) { std::this_thread::sleep_for(std::chrono::milliseconds(30)); }
void releaseNothing(void*) {}

aclError launchSlowKernel(aclrtStream stream) {
  return npuSimLaunchReplayableHostTask(stream, &runSlowly, &releaseNothing, nullptr, NPU_SIM_ACTIVITY_KERNEL,
                                        "aclnnSlow");
}

void setTimeout(uint64_t timeout_us, uint64_t expected_actual_us) {
  uint64_t actual = 0;
  CHECK_ACL(aclrtSetOpExecuteTimeOutV2(timeout_us, &actual));
  CHECK_EQ(actual, expected_actual_us);
}

}  // namespace

TEST_CASE(kernel_past_the_timeout_fails_its_stream_once) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  setTimeout(kOneMillisecond, kOneMillisecond);
  // The launch only enqueues.
  CHECK_ACL(launchSlowKernel(stream));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(stream), ACL_ERROR_RT_AICORE_TIMEOUT);
  CHECK(recentErrorContains("aclnnSlow ran for "));
  CHECK(recentErrorContains("past the op execute timeout of 1000 us"));
  CHECK_ACL(aclrtSynchronizeStream(stream));

  // A host task is not a kernel: no timeout applies to it.
  CHECK_ACL(npuSimLaunchHostTask(stream, &runSlowly, nullptr));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  // Nor to a kernel within its timeout.
  setTimeout(kOneMinute, kOneMinute);
  CHECK_ACL(launchSlowKernel(stream));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(timeout_zero_never_times_out) {
  ScopedSimulator sim;
  setTimeout(kOneMillisecond, kOneMillisecond);
  setTimeout(0, UINT64_MAX);
  CHECK_ACL(launchSlowKernel(nullptr));
  CHECK_ACL(aclrtSynchronizeDevice());
}

TEST_CASE(device_synchronize_reports_the_timeout) {
  ScopedSimulator sim;
  setTimeout(kOneMillisecond, kOneMillisecond);
  CHECK_ACL(launchSlowKernel(nullptr));
  CHECK_ACL_ERROR(aclrtSynchronizeDevice(), ACL_ERROR_RT_AICORE_TIMEOUT);
  CHECK_ACL(aclrtSynchronizeDevice());
}

TEST_CASE(captured_kernel_keeps_the_timeout_of_its_launch) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  setTimeout(kOneMillisecond, kOneMillisecond);
  CHECK_ACL(aclmdlRICaptureBegin(stream, ACL_MODEL_RI_CAPTURE_MODE_GLOBAL));
  CHECK_ACL(launchSlowKernel(stream));
  aclmdlRI model = nullptr;
  CHECK_ACL(aclmdlRICaptureEnd(stream, &model));
  setTimeout(0, UINT64_MAX);
  CHECK_ACL(aclmdlRIExecuteAsync(model, stream));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(stream), ACL_ERROR_RT_AICORE_TIMEOUT);
  CHECK(recentErrorContains("aclnnSlow"));
  CHECK_ACL(aclmdlRIDestroy(model));
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(timeout_needs_somewhere_to_report_the_actual_one) {
  ScopedSimulator sim;
  CHECK_ACL_ERROR(aclrtSetOpExecuteTimeOutV2(kOneMillisecond, nullptr), ACL_ERROR_INVALID_PARAM);
  // Nothing was set: a slow kernel still runs without a timeout.
  CHECK_ACL(launchSlowKernel(nullptr));
  CHECK_ACL(aclrtSynchronizeDevice());
}

TEST_CASE(launch_blocking_reports_the_timeout_at_the_launch) {
  ScopedSimulator sim({{"ASCEND_LAUNCH_BLOCKING", "1"}}, 0);
  setTimeout(kOneMillisecond, kOneMillisecond);
  const aclError launched = launchSlowKernel(nullptr);
  CHECK_EQ(launched, ACL_ERROR_RT_AICORE_TIMEOUT);
  // The task was enqueued (and ran): the stream owned its argument.
  CHECK(npuSimLaunchEnqueued(launched));
  CHECK(recentErrorContains("aclnnSlow ran for "));
  CHECK_ACL(aclrtSynchronizeDevice());
}
