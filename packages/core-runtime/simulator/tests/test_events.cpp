// Events: cross-stream ordering, status, synchronization, timing.
#include <cstring>
#include <random>

#include "sim_fixture.h"

using namespace sim_test;

TEST_CASE(stream_wait_event_orders_work_across_streams) {
  ScopedSimulator sim;
  aclrtStream producer = nullptr;
  aclrtStream consumer = nullptr;
  CHECK_ACL(aclrtCreateStream(&producer));
  CHECK_ACL(aclrtCreateStream(&consumer));
  aclrtEvent written = nullptr;
  CHECK_ACL(aclrtCreateEvent(&written));

  constexpr int kRounds = 1000;
  uint8_t* device = nullptr;
  CHECK_ACL(aclrtMalloc(reinterpret_cast<void**>(&device), kRounds * 4, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtMemset(device, kRounds * 4, 0, kRounds * 4));
  std::vector<uint8_t> host(kRounds * 4, 0);
  std::mt19937 random(99);
  for (int round = 0; round < kRounds; ++round) {
    uint8_t* slot = device + round * 4;
    // The producer is slowed down, so a consumer that did not wait would
    // copy the slot before it was written.
    const auto delay = std::chrono::microseconds(random() % 40);
    CHECK_ACL(launch(producer, [delay] { spinFor(delay); }));
    CHECK_ACL(aclrtMemsetAsync(slot, 4, (round % 255) + 1, 4, producer));
    // One event, re-recorded every round: each wait captures the record of
    // its own round.
    CHECK_ACL(aclrtRecordEvent(written, producer));
    CHECK_ACL(aclrtStreamWaitEvent(consumer, written));
    CHECK_ACL(aclrtMemcpyAsync(&host[static_cast<size_t>(round) * 4], 4, slot, 4, ACL_MEMCPY_DEVICE_TO_HOST, consumer));
  }
  CHECK_ACL(aclrtSynchronizeStream(consumer));
  for (int round = 0; round < kRounds; ++round) {
    for (int byte = 0; byte < 4; ++byte) CHECK_EQ(int{host[static_cast<size_t>(round * 4 + byte)]}, (round % 255) + 1);
  }
  CHECK_ACL(aclrtDestroyEvent(written));
  CHECK_ACL(aclrtFree(device));
  CHECK_ACL(aclrtDestroyStream(producer));
  CHECK_ACL(aclrtDestroyStream(consumer));
}

TEST_CASE(stream_wait_event_across_devices) {
  ScopedSimulator sim;
  Gate gate;
  aclrtEvent done_on_zero = nullptr;
  CHECK_ACL(aclrtCreateEvent(&done_on_zero));
  std::atomic<int> value{0};
  CHECK_ACL(npuSimLaunchHostTask(nullptr, &Gate::waitTask, &gate));
  CHECK_ACL(launch(nullptr, [&] { value = 42; }));
  CHECK_ACL(aclrtRecordEvent(done_on_zero, nullptr));

  CHECK_ACL(aclrtSetDevice(1));
  std::atomic<int> seen{-1};
  CHECK_ACL(aclrtStreamWaitEvent(nullptr, done_on_zero));
  CHECK_ACL(launch(nullptr, [&] { seen = value.load(); }));
  gate.open();
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK_EQ(seen.load(), 42);
  CHECK_ACL(aclrtDestroyEvent(done_on_zero));
}

TEST_CASE(wait_captures_the_record_at_call_time) {
  ScopedSimulator sim;
  aclrtStream blocked = nullptr;
  aclrtStream waiting = nullptr;
  aclrtStream idle = nullptr;
  CHECK_ACL(aclrtCreateStream(&blocked));
  CHECK_ACL(aclrtCreateStream(&waiting));
  CHECK_ACL(aclrtCreateStream(&idle));
  aclrtEvent event = nullptr;
  CHECK_ACL(aclrtCreateEvent(&event));
  Gate gate;
  CHECK_ACL(npuSimLaunchHostTask(blocked, &Gate::waitTask, &gate));
  CHECK_ACL(aclrtRecordEvent(event, blocked));
  CHECK_ACL(aclrtStreamWaitEvent(waiting, event));
  std::atomic<bool> ran{false};
  CHECK_ACL(launch(waiting, [&] { ran = true; }));
  // Re-recording on an idle stream completes at once, but the wait above
  // still waits for the first record.
  CHECK_ACL(aclrtRecordEvent(event, idle));
  CHECK_ACL(aclrtSynchronizeEvent(event));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const bool ran_too_early = ran.load();
  aclrtStreamStatus status = ACL_STREAM_STATUS_COMPLETE;
  CHECK_ACL(aclrtStreamQuery(waiting, &status));
  gate.open();
  CHECK_ACL(aclrtSynchronizeStream(waiting));
  CHECK(!ran_too_early);
  CHECK_EQ(status, ACL_STREAM_STATUS_NOT_READY);
  CHECK(ran.load());
  CHECK_ACL(aclrtDestroyEvent(event));
  for (aclrtStream stream : {blocked, waiting, idle}) CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(event_status_and_host_synchronization) {
  ScopedSimulator sim;
  aclrtEvent event = nullptr;
  CHECK_ACL(aclrtCreateEventWithFlag(&event, ACL_EVENT_SYNC));
  // Never recorded counts as complete.
  aclrtEventRecordedStatus status = ACL_EVENT_RECORDED_STATUS_NOT_READY;
  CHECK_ACL(aclrtQueryEventStatus(event, &status));
  CHECK_EQ(status, ACL_EVENT_RECORDED_STATUS_COMPLETE);
  CHECK_ACL(aclrtSynchronizeEvent(event));
  CHECK_ACL(aclrtStreamWaitEvent(nullptr, event));

  for (int round = 0; round < 50; ++round) {
    Gate gate;
    std::atomic<bool> before_event{false};
    CHECK_ACL(npuSimLaunchHostTask(nullptr, &Gate::waitTask, &gate));
    CHECK_ACL(launch(nullptr, [&] { before_event = true; }));
    CHECK_ACL(aclrtRecordEvent(event, nullptr));
    CHECK_ACL(aclrtQueryEventStatus(event, &status));
    CHECK_EQ(status, ACL_EVENT_RECORDED_STATUS_NOT_READY);
    std::atomic<bool> synchronized{false};
    bool saw_work_done = false;
    std::thread waiter([&] {
      aclrtSynchronizeEvent(event);
      saw_work_done = before_event.load();
      synchronized = true;
    });
    if (round % 2 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    const bool synchronized_early = synchronized.load();
    gate.open();
    waiter.join();
    CHECK(!synchronized_early);
    CHECK(saw_work_done);
    CHECK_ACL(aclrtQueryEventStatus(event, &status));
    CHECK_EQ(status, ACL_EVENT_RECORDED_STATUS_COMPLETE);
  }

  Gate gate;
  CHECK_ACL(npuSimLaunchHostTask(nullptr, &Gate::waitTask, &gate));
  CHECK_ACL(aclrtRecordEvent(event, nullptr));
  CHECK_ACL(aclrtResetEvent(event, nullptr));
  CHECK_ACL(aclrtQueryEventStatus(event, &status));
  CHECK_EQ(status, ACL_EVENT_RECORDED_STATUS_COMPLETE);
  // Destroying an event with a record still queued is safe.
  CHECK_ACL(aclrtRecordEvent(event, nullptr));
  CHECK_ACL(aclrtDestroyEvent(event));
  gate.open();
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
}

TEST_CASE(event_elapsed_time) {
  ScopedSimulator sim;
  aclrtEvent start = nullptr;
  aclrtEvent end = nullptr;
  CHECK_ACL(aclrtCreateEvent(&start));
  CHECK_ACL(aclrtCreateEventWithFlag(&end, ACL_EVENT_TIME_LINE | ACL_EVENT_SYNC));
  float ms = -1;
  CHECK_ACL_ERROR(aclrtEventElapsedTime(&ms, start, end), ACL_ERROR_INVALID_PARAM);  // never recorded

  Gate gate;
  CHECK_ACL(aclrtRecordEvent(start, nullptr));
  CHECK_ACL(launch(nullptr, [] { std::this_thread::sleep_for(std::chrono::milliseconds(5)); }));
  CHECK_ACL(npuSimLaunchHostTask(nullptr, &Gate::waitTask, &gate));
  CHECK_ACL(aclrtRecordEvent(end, nullptr));
  CHECK_ACL_ERROR(aclrtEventElapsedTime(&ms, start, end), ACL_ERROR_INVALID_PARAM);  // end not complete
  CHECK(std::strstr(aclGetRecentErrMsg(), "not completed") != nullptr);
  gate.open();
  CHECK_ACL(aclrtSynchronizeEvent(end));
  CHECK_ACL(aclrtEventElapsedTime(&ms, start, end));
  CHECK(ms >= 4.9f);
  CHECK(ms < 5000.0f);
  CHECK_ACL(aclrtEventElapsedTime(&ms, start, start));
  CHECK_EQ(ms, 0.0f);

  // Events without ACL_EVENT_TIME_LINE keep no time.
  aclrtEvent untimed = nullptr;
  CHECK_ACL(aclrtCreateEventWithFlag(&untimed, ACL_EVENT_SYNC));
  CHECK_ACL(aclrtRecordEvent(untimed, nullptr));
  CHECK_ACL(aclrtSynchronizeEvent(untimed));
  CHECK_ACL_ERROR(aclrtEventElapsedTime(&ms, start, untimed), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtEventElapsedTime(nullptr, start, end), ACL_ERROR_INVALID_PARAM);
  for (aclrtEvent event : {start, end, untimed}) CHECK_ACL(aclrtDestroyEvent(event));
}

TEST_CASE(event_handles_are_checked) {
  ScopedSimulator sim;
  aclrtEvent event = nullptr;
  CHECK_ACL_ERROR(aclrtCreateEventWithFlag(&event, 0x80), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtCreateEvent(nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtCreateEvent(&event));
  CHECK_ACL(aclrtDestroyEvent(event));
  CHECK_ACL_ERROR(aclrtDestroyEvent(event), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtRecordEvent(event, nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtSynchronizeEvent(nullptr), ACL_ERROR_INVALID_PARAM);
  aclError without_device = ACL_SUCCESS;
  std::thread([&] {
    aclrtEvent ignored = nullptr;
    without_device = aclrtCreateEvent(&ignored);
  }).join();
  CHECK_EQ(without_device, ACL_ERROR_RT_CONTEXT_NULL);
}

TEST_CASE(an_external_event_is_a_flag_a_stream_may_wait_for_before_its_record) {
  ScopedSimulator sim;
  aclrtStream waiter = nullptr;
  aclrtStream recorder = nullptr;
  CHECK_ACL(aclrtCreateStream(&waiter));
  CHECK_ACL(aclrtCreateStream(&recorder));
  aclrtEvent flag = nullptr;
  CHECK_ACL(aclrtCreateEventWithFlag(&flag, ACL_EVENT_EXTERNAL));
  aclrtEventRecordedStatus status = ACL_EVENT_RECORDED_STATUS_COMPLETE;
  CHECK_ACL(aclrtQueryEventStatus(flag, &status));
  CHECK_EQ(status, ACL_EVENT_RECORDED_STATUS_NOT_READY);

  std::atomic<int> after_wait{0};
  CHECK_ACL(aclrtStreamWaitEvent(waiter, flag));
  CHECK_ACL(launch(waiter, [&after_wait] { after_wait.store(1); }));
  spinFor(std::chrono::milliseconds(20));
  CHECK_EQ(after_wait.load(), 0);
  CHECK_ACL(aclrtRecordEvent(flag, recorder));
  CHECK_ACL(aclrtSynchronizeStream(waiter));
  CHECK_EQ(after_wait.load(), 1);
  CHECK_ACL(aclrtSynchronizeEvent(flag));
  CHECK_ACL(aclrtQueryEventStatus(flag, &status));
  CHECK_EQ(status, ACL_EVENT_RECORDED_STATUS_COMPLETE);

  // A reset lowers the flag in its stream's order: a later wait waits for a new record.
  CHECK_ACL(aclrtResetEvent(flag, waiter));
  CHECK_ACL(aclrtSynchronizeStream(waiter));
  CHECK_ACL(aclrtQueryEventStatus(flag, &status));
  CHECK_EQ(status, ACL_EVENT_RECORDED_STATUS_NOT_READY);
  CHECK_ACL(aclrtStreamWaitEvent(waiter, flag));
  CHECK_ACL(launch(waiter, [&after_wait] { after_wait.store(2); }));
  spinFor(std::chrono::milliseconds(20));
  CHECK_EQ(after_wait.load(), 1);
  CHECK_ACL(aclrtRecordEvent(flag, recorder));
  CHECK_ACL(aclrtSynchronizeStream(waiter));
  CHECK_EQ(after_wait.load(), 2);

  float ms = 0;
  CHECK_ACL_ERROR(aclrtEventElapsedTime(&ms, flag, flag), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtDestroyEvent(flag));
  CHECK_ACL(aclrtDestroyStream(recorder));
  CHECK_ACL(aclrtDestroyStream(waiter));
}
