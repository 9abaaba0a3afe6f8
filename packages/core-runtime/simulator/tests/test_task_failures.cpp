// Host tasks that fail (npuSimFailCurrentTask): the failure surfaces once, at
// the next synchronization covering it, like a device exception on hardware.
#include <string>

#include "sim_fixture.h"

using namespace sim_test;

namespace {

aclError launchFailing(aclrtStream stream, std::string message) {
  return launch(stream, [message] { npuSimFailCurrentTask(message.c_str()); });
}

}  // namespace

TEST_CASE(failure_surfaces_once_at_the_next_stream_synchronize) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  Gate gate;
  std::atomic<bool> later_task_ran{false};
  CHECK_ACL(npuSimLaunchHostTask(stream, &Gate::waitTask, &gate));
  // The launch only enqueues: it cannot know yet that the task will fail.
  CHECK_ACL(launchFailing(stream, "kernel X failed on device 0: boom"));
  CHECK_ACL(launch(stream, [&] { later_task_ran = true; }));
  gate.open();
  CHECK_ACL_ERROR(aclrtSynchronizeStream(stream), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK_EQ(std::string(aclGetRecentErrMsg()), std::string("kernel X failed on device 0: boom"));
  // The stream went on after the failed task.
  CHECK(later_task_ran.load());
  // Reported once.
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_ACL(aclrtSynchronizeDevice());
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(failure_on_the_default_stream_and_device_synchronize) {
  ScopedSimulator sim;
  CHECK_ACL(launchFailing(nullptr, "default stream failure"));
  CHECK_ACL_ERROR(aclrtSynchronizeDevice(), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(recentErrorContains("default stream failure"));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));

  // Two streams failing: one device synchronization reports both.
  aclrtStream first = nullptr;
  aclrtStream second = nullptr;
  CHECK_ACL(aclrtCreateStream(&first));
  CHECK_ACL(aclrtCreateStream(&second));
  CHECK_ACL(launchFailing(first, "first failed"));
  CHECK_ACL(launchFailing(second, "second failed"));
  CHECK_ACL_ERROR(aclrtSynchronizeDevice(), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(recentErrorContains("first failed"));
  CHECK(recentErrorContains("second failed"));
  CHECK_ACL(aclrtSynchronizeStream(first));
  CHECK_ACL(aclrtSynchronizeStream(second));
  CHECK_ACL(aclrtDestroyStream(first));
  CHECK_ACL(aclrtDestroyStream(second));
}

TEST_CASE(failure_stays_with_its_stream_and_device) {
  ScopedSimulator sim;
  aclrtStream failing = nullptr;
  aclrtStream healthy = nullptr;
  CHECK_ACL(aclrtCreateStream(&failing));
  CHECK_ACL(aclrtCreateStream(&healthy));
  CHECK_ACL(launchFailing(failing, "only mine"));
  CHECK_ACL(launch(healthy, [] {}));
  CHECK_ACL(aclrtSynchronizeStream(healthy));
  // Device 1 has its own streams.
  CHECK_ACL(aclrtSetDevice(1));
  CHECK_ACL(aclrtSynchronizeDevice());
  CHECK_ACL(aclrtSetDevice(0));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(failing), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(recentErrorContains("only mine"));
  CHECK_ACL(aclrtDestroyStream(failing));
  CHECK_ACL(aclrtDestroyStream(healthy));
}

TEST_CASE(event_synchronize_reports_failures_recorded_before_the_event) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  aclrtEvent before = nullptr;
  aclrtEvent after = nullptr;
  CHECK_ACL(aclrtCreateEvent(&before));
  CHECK_ACL(aclrtCreateEvent(&after));
  Gate gate;
  CHECK_ACL(npuSimLaunchHostTask(stream, &Gate::waitTask, &gate));
  CHECK_ACL(aclrtRecordEvent(before, stream));
  CHECK_ACL(launchFailing(stream, "between the records"));
  CHECK_ACL(aclrtRecordEvent(after, stream));
  gate.open();
  // The failure came after `before`: that event completed cleanly.
  CHECK_ACL(aclrtSynchronizeEvent(before));
  CHECK_ACL_ERROR(aclrtSynchronizeEvent(after), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(recentErrorContains("between the records"));
  // Reported once, whichever call reports it.
  CHECK_ACL(aclrtSynchronizeEvent(after));
  CHECK_ACL(aclrtSynchronizeStream(stream));

  // The other way round: the stream synchronization reports it, and the
  // event recorded after the failure no longer does.
  CHECK_ACL(launchFailing(stream, "second round"));
  CHECK_ACL(aclrtRecordEvent(after, stream));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(stream), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK_ACL(aclrtSynchronizeEvent(after));

  // A failure after the record is not the event's.
  CHECK_ACL(npuSimLaunchHostTask(stream, &Gate::waitTask, &gate));
  CHECK_ACL(aclrtRecordEvent(after, stream));
  CHECK_ACL(launchFailing(stream, "after the record"));
  CHECK_ACL(aclrtSynchronizeEvent(after));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(stream), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(recentErrorContains("after the record"));

  CHECK_ACL(aclrtDestroyEvent(before));
  CHECK_ACL(aclrtDestroyEvent(after));
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(failures_before_the_report_are_counted_into_it) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  CHECK_ACL(launchFailing(stream, "first"));
  CHECK_ACL(launchFailing(stream, "second"));
  CHECK_ACL(launchFailing(stream, "third"));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(stream), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(recentErrorContains("first"));
  CHECK(recentErrorContains("2 later task failure(s)"));
  CHECK(!recentErrorContains("second"));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(the_message_goes_to_the_synchronizing_thread) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  CHECK_ACL(launchFailing(stream, "seen by the other thread"));
  aclError other_result = ACL_SUCCESS;
  std::string other_message;
  std::thread other([&] {
    other_result = aclrtSynchronizeStream(stream);
    other_message = aclGetRecentErrMsg();
  });
  other.join();
  CHECK_EQ(other_result, ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK_EQ(other_message, std::string("seen by the other thread"));
  CHECK(!recentErrorContains("seen by the other thread"));
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(fail_current_task_needs_a_running_task) {
  ScopedSimulator sim;
  CHECK_ACL_ERROR(npuSimFailCurrentTask("not a task"), ACL_ERROR_INVALID_PARAM);
  CHECK(recentErrorContains("not running a stream task"));
  CHECK_ACL(aclrtSynchronizeDevice());
  // Null message: a generic text.
  CHECK_ACL(launch(nullptr, [] { npuSimFailCurrentTask(nullptr); }));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(nullptr), ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(!std::string(aclGetRecentErrMsg()).empty());
}

TEST_CASE(launch_blocking_reports_the_failure_at_the_launch) {
  ScopedSimulator sim(ScopedSimulator::Environment{{"ASCEND_LAUNCH_BLOCKING", "1"}});
  bool ran = false;
  CHECK_ACL_ERROR(launch(nullptr,
                         [&] {
                           ran = true;
                           npuSimFailCurrentTask("blocking failure");
                         }),
                  ACL_ERROR_RT_AICORE_EXCEPTION);
  CHECK(ran);
  CHECK(recentErrorContains("blocking failure"));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK_ACL(launch(nullptr, [] {}));
}

TEST_CASE(set_recent_error_message) {
  npuSimSetRecentErrMsg("from a companion library");
  CHECK_EQ(std::string(aclGetRecentErrMsg()), std::string("from a companion library"));
  npuSimSetRecentErrMsg(nullptr);
  CHECK_EQ(std::string(aclGetRecentErrMsg()), std::string(""));
}

TEST_CASE(device_task_abort_skips_queued_work_and_reports_it_once) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  void* device = nullptr;
  CHECK_ACL(aclrtMalloc(&device, 64, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtMemset(device, 64, 0, 64));
  Gate gate;
  std::atomic<bool> running{false};
  std::atomic<bool> queued_kernel_ran{false};
  CHECK_ACL(launch(stream, [&] {
    running = true;
    gate.wait();
  }));
  CHECK_ACL(launch(stream, [&] { queued_kernel_ran = true; }));
  CHECK_ACL(aclrtMemsetAsync(device, 64, 0x7f, 64, stream));
  aclrtEvent event = nullptr;
  CHECK_ACL(aclrtCreateEvent(&event));
  CHECK_ACL(aclrtRecordEvent(event, stream));
  // The running task is not preempted: the abort waits for it.
  while (!running.load()) std::this_thread::yield();
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    gate.open();
  });
  CHECK_ACL(aclrtDeviceTaskAbort(0, 0));
  opener.join();
  CHECK(!queued_kernel_ran.load());
  uint8_t first = 1;
  CHECK_ACL(aclrtMemcpy(&first, 1, device, 1, ACL_MEMCPY_DEVICE_TO_HOST));
  CHECK_EQ(first, 0);
  // Bookkeeping still ran: the event completed.
  aclrtEventRecordedStatus status = ACL_EVENT_RECORDED_STATUS_NOT_READY;
  CHECK_ACL(aclrtQueryEventStatus(event, &status));
  CHECK_EQ(status, ACL_EVENT_RECORDED_STATUS_COMPLETE);
  CHECK_ACL_ERROR(aclrtSynchronizeStream(stream), ACL_ERROR_RT_DEVICE_TASK_ABORT);
  CHECK(recentErrorContains("2 tasks queued on stream"));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  // Work enqueued after the abort runs.
  CHECK_ACL(launch(stream, [&] { queued_kernel_ran = true; }));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK(queued_kernel_ran.load());
  CHECK_ACL_ERROR(aclrtDeviceTaskAbort(9, 0), ACL_ERROR_RT_INVALID_DEVICEID);
  CHECK_ACL(aclrtDestroyEvent(event));
  CHECK_ACL(aclrtFree(device));
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(injected_memory_error_fails_the_stream_and_is_listed_until_repaired) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  uint8_t* device = nullptr;
  CHECK_ACL(aclrtMalloc(reinterpret_cast<void**>(&device), 4096, ACL_MEM_MALLOC_HUGE_FIRST));
  size_t count = 7;
  aclrtMemUceInfo info[MAX_MEM_UCE_INFO_ARRAY_SIZE]{};
  CHECK_ACL(aclrtGetMemUceInfo(0, info, MAX_MEM_UCE_INFO_ARRAY_SIZE, &count));
  CHECK_EQ(count, 0u);

  CHECK_ACL(npuSimInjectMemoryError(stream, device + 1024, 512));
  CHECK_ACL_ERROR(aclrtSynchronizeStream(stream), ACL_ERROR_RT_DEVICE_MEM_ERROR);
  CHECK(recentErrorContains("uncorrectable memory error"));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_ACL(aclrtGetMemUceInfo(0, info, MAX_MEM_UCE_INFO_ARRAY_SIZE, &count));
  CHECK_EQ(count, 1u);
  CHECK(info[0].addr == device + 1024);
  CHECK_EQ(info[0].len, 512u);

  aclrtMemUceInfo unknown{};
  unknown.addr = device;
  unknown.len = 16;
  CHECK_ACL_ERROR(aclrtMemUceRepair(0, &unknown, 1), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtMemUceRepair(0, info, count));
  CHECK_ACL(aclrtGetMemUceInfo(0, info, MAX_MEM_UCE_INFO_ARRAY_SIZE, &count));
  CHECK_EQ(count, 0u);

  int on_stack = 0;
  CHECK_ACL_ERROR(npuSimInjectMemoryError(stream, &on_stack, 4), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(npuSimInjectMemoryError(stream, device + 4000, 512), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtGetMemUceInfo(0, info, 1, nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtGetMemUceInfo(99, info, 1, &count), ACL_ERROR_RT_INVALID_DEVICEID);
  CHECK_ACL(aclrtFree(device));
  CHECK_ACL(aclrtDestroyStream(stream));
}
