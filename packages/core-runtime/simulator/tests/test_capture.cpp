// Stream capture: aclmdlRICapture* records a stream's tasks into a model
// that aclmdlRIExecuteAsync replays as one submission.
#include <cstring>

#include "npu_sim/sim_profiling.h"
#include "sim_fixture.h"

using namespace sim_test;

namespace {

struct Counter {
  std::atomic<int> runs{0};
  std::atomic<int> releases{0};
};

void countRun(void* arg) { static_cast<Counter*>(arg)->runs.fetch_add(1); }
void countRelease(void* arg) { static_cast<Counter*>(arg)->releases.fetch_add(1); }

aclError launchCounted(aclrtStream stream, Counter& counter) {
  return npuSimLaunchReplayableHostTask(stream, &countRun, &countRelease, &counter, NPU_SIM_ACTIVITY_KERNEL, "count");
}

}  // namespace

TEST_CASE(capture_records_tasks_and_each_execution_runs_them) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  void* device = nullptr;
  CHECK_ACL(aclrtMalloc(&device, 64, ACL_MEM_MALLOC_HUGE_FIRST));
  std::vector<uint8_t> host(64, 0);
  Counter counter;

  CHECK_ACL(aclmdlRICaptureBegin(stream, ACL_MODEL_RI_CAPTURE_MODE_GLOBAL));
  aclmdlRICaptureStatus status = ACL_MODEL_RI_CAPTURE_STATUS_NONE;
  aclmdlRI during = nullptr;
  CHECK_ACL(aclmdlRICaptureGetInfo(stream, &status, &during));
  CHECK_EQ(status, ACL_MODEL_RI_CAPTURE_STATUS_ACTIVE);
  CHECK(during != nullptr);
  CHECK_ACL(aclrtMemsetAsync(device, 64, 7, 64, stream));
  CHECK_ACL(launchCounted(stream, counter));
  void* pinned = nullptr;
  CHECK_ACL(aclrtMallocHost(&pinned, 64));
  std::memset(pinned, 0, 64);
  CHECK_ACL(aclrtMemcpyAsync(pinned, 64, device, 64, ACL_MEMCPY_DEVICE_TO_HOST, stream));
  aclmdlRI model = nullptr;
  CHECK_ACL(aclmdlRICaptureEnd(stream, &model));
  CHECK_EQ(model, during);
  CHECK_ACL(aclmdlRICaptureGetInfo(stream, &status, nullptr));
  CHECK_EQ(status, ACL_MODEL_RI_CAPTURE_STATUS_NONE);

  // Nothing ran during the capture.
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_EQ(counter.runs.load(), 0);
  CHECK_EQ(static_cast<uint8_t*>(pinned)[0], uint8_t{0});

  for (int replay = 1; replay <= 3; ++replay) {
    std::memset(pinned, 0, 64);
    CHECK_ACL(aclmdlRIExecuteAsync(model, stream));
    CHECK_ACL(aclrtSynchronizeStream(stream));
    CHECK_EQ(counter.runs.load(), replay);
    for (int byte = 0; byte < 64; ++byte) CHECK_EQ(static_cast<uint8_t*>(pinned)[byte], uint8_t{7});
  }
  CHECK_EQ(counter.releases.load(), 0);
  CHECK_ACL(aclmdlRIDestroy(model));
  CHECK_EQ(counter.releases.load(), 1);
  CHECK_ACL_ERROR(aclmdlRIExecuteAsync(model, stream), ACL_ERROR_INVALID_PARAM);

  // Launched outside a capture, a replayable task runs once and is released.
  CHECK_ACL(launchCounted(stream, counter));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_EQ(counter.runs.load(), 4);
  CHECK_EQ(counter.releases.load(), 2);
  CHECK_ACL(aclrtFreeHost(pinned));
  CHECK_ACL(aclrtFree(device));
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(execution_is_ordered_with_the_streams_other_work_and_events) {
  ScopedSimulator sim;
  aclrtStream capture_stream = nullptr;
  aclrtStream replay_stream = nullptr;
  aclrtStream reader = nullptr;
  CHECK_ACL(aclrtCreateStream(&capture_stream));
  CHECK_ACL(aclrtCreateStream(&replay_stream));
  CHECK_ACL(aclrtCreateStream(&reader));
  void* device = nullptr;
  CHECK_ACL(aclrtMalloc(&device, 4, ACL_MEM_MALLOC_HUGE_FIRST));
  aclrtEvent captured_event = nullptr;
  CHECK_ACL(aclrtCreateEvent(&captured_event));

  CHECK_ACL(aclmdlRICaptureBegin(capture_stream, ACL_MODEL_RI_CAPTURE_MODE_GLOBAL));
  CHECK_ACL(aclrtMemsetAsync(device, 4, 9, 4, capture_stream));
  CHECK_ACL(aclrtRecordEvent(captured_event, capture_stream));
  // The event's record is in the capture: it cannot be waited for yet.
  CHECK_ACL_ERROR(aclrtSynchronizeEvent(captured_event), ACL_ERROR_RT_EVENT_CAPTURED);
  CHECK_ACL_ERROR(aclrtStreamWaitEvent(reader, captured_event), ACL_ERROR_RT_CAPTURE_DEPENDENCY);
  aclmdlRI model = nullptr;
  CHECK_ACL(aclmdlRICaptureEnd(capture_stream, &model));

  // The replay stream is blocked: the execution waits behind its earlier work,
  // and the event recorded inside the model is not reached before it runs.
  Gate gate;
  CHECK_ACL(npuSimLaunchHostTask(replay_stream, &Gate::waitTask, &gate));
  CHECK_ACL(aclmdlRIExecuteAsync(model, replay_stream));
  aclrtEventRecordedStatus recorded = ACL_EVENT_RECORDED_STATUS_COMPLETE;
  CHECK_ACL(aclrtQueryEventStatus(captured_event, &recorded));
  CHECK_EQ(recorded, ACL_EVENT_RECORDED_STATUS_NOT_READY);
  // A reader ordered after the model's event sees the model's fill.
  uint8_t seen[4] = {0, 0, 0, 0};
  void* pinned = nullptr;
  CHECK_ACL(aclrtMallocHost(&pinned, 4));
  CHECK_ACL(aclrtStreamWaitEvent(reader, captured_event));
  CHECK_ACL(aclrtMemcpyAsync(pinned, 4, device, 4, ACL_MEMCPY_DEVICE_TO_HOST, reader));
  gate.open();
  CHECK_ACL(aclrtSynchronizeStream(reader));
  std::memcpy(seen, pinned, 4);
  for (uint8_t byte : seen) CHECK_EQ(byte, uint8_t{9});
  CHECK_ACL(aclrtSynchronizeEvent(captured_event));
  CHECK_ACL(aclmdlRIDestroy(model));
  CHECK_ACL(aclrtDestroyEvent(captured_event));
  CHECK_ACL(aclrtFreeHost(pinned));
  CHECK_ACL(aclrtFree(device));
  for (aclrtStream stream : {capture_stream, replay_stream, reader}) CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(operations_not_permitted_while_capturing_invalidate_the_capture) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  void* device = nullptr;
  CHECK_ACL(aclrtMalloc(&device, 4, ACL_MEM_MALLOC_HUGE_FIRST));
  uint8_t pageable[4] = {};
  aclmdlRI model = nullptr;
  aclmdlRICaptureStatus status = ACL_MODEL_RI_CAPTURE_STATUS_NONE;

  // Synchronizing the capturing stream.
  CHECK_ACL(aclmdlRICaptureBegin(stream, ACL_MODEL_RI_CAPTURE_MODE_GLOBAL));
  CHECK_ACL_ERROR(aclmdlRICaptureBegin(stream, ACL_MODEL_RI_CAPTURE_MODE_GLOBAL), ACL_ERROR_RT_STREAM_CAPTURED);
  CHECK_ACL_ERROR(aclrtSynchronizeStream(stream), ACL_ERROR_RT_STREAM_CAPTURED);
  CHECK_ACL(aclmdlRICaptureGetInfo(stream, &status, nullptr));
  CHECK_EQ(status, ACL_MODEL_RI_CAPTURE_STATUS_INVALIDATED);
  CHECK_ACL_ERROR(aclrtMemsetAsync(device, 4, 1, 4, stream), ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED);
  CHECK_ACL_ERROR(aclmdlRICaptureEnd(stream, &model), ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED);
  CHECK(model == nullptr);
  CHECK_ACL_ERROR(aclmdlRICaptureEnd(stream, &model), ACL_ERROR_RT_STREAM_NOT_CAPTURED);

  // The device, a synchronous copy, a pageable asynchronous copy: refused in
  // global mode, from any thread.
  CHECK_ACL(aclmdlRICaptureBegin(stream, ACL_MODEL_RI_CAPTURE_MODE_GLOBAL));
  CHECK_ACL_ERROR(aclrtSynchronizeDevice(), ACL_ERROR_RT_STREAM_CAPTURED);
  CHECK_ACL_ERROR(aclmdlRICaptureEnd(stream, &model), ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED);
  CHECK_ACL(aclmdlRICaptureBegin(stream, ACL_MODEL_RI_CAPTURE_MODE_GLOBAL));
  aclError from_other_thread = ACL_SUCCESS;
  std::thread([&] {
    aclrtSetDevice(0);
    from_other_thread = aclrtMemcpy(pageable, 4, device, 4, ACL_MEMCPY_DEVICE_TO_HOST);
  }).join();
  CHECK_EQ(from_other_thread, ACL_ERROR_RT_CAPTURE_MODE_NOT_SUPPORT);
  CHECK_ACL_ERROR(aclmdlRICaptureEnd(stream, &model), ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED);
  CHECK_ACL(aclmdlRICaptureBegin(stream, ACL_MODEL_RI_CAPTURE_MODE_GLOBAL));
  CHECK_ACL_ERROR(aclrtMemcpyAsync(pageable, 4, device, 4, ACL_MEMCPY_DEVICE_TO_HOST, stream),
                  ACL_ERROR_RT_CAPTURE_MODE_NOT_SUPPORT);
  CHECK_ACL_ERROR(aclmdlRICaptureEnd(stream, &model), ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED);

  // Thread-local mode refuses only the capturing thread; relaxed refuses nobody.
  CHECK_ACL(aclmdlRICaptureBegin(stream, ACL_MODEL_RI_CAPTURE_MODE_THREAD_LOCAL));
  std::thread([&] {
    aclrtSetDevice(0);
    from_other_thread = aclrtMemcpy(pageable, 4, device, 4, ACL_MEMCPY_DEVICE_TO_HOST);
  }).join();
  CHECK_EQ(from_other_thread, ACL_SUCCESS);
  CHECK_ACL_ERROR(aclrtMemset(device, 4, 0, 4), ACL_ERROR_RT_CAPTURE_MODE_NOT_SUPPORT);
  CHECK_ACL_ERROR(aclmdlRICaptureEnd(stream, &model), ACL_ERROR_RT_STREAM_CAPTURE_INVALIDATED);
  CHECK_ACL(aclmdlRICaptureBegin(stream, ACL_MODEL_RI_CAPTURE_MODE_RELAXED));
  CHECK_ACL(aclrtMemset(device, 4, 0, 4));
  // A host task that consumes its argument cannot be replayed.
  Gate gate;
  CHECK_ACL_ERROR(npuSimLaunchHostTask(stream, &Gate::waitTask, &gate), ACL_ERROR_RT_FEATURE_NOT_SUPPORT);
  CHECK_ACL(aclmdlRICaptureEnd(stream, &model));
  CHECK_ACL(aclmdlRIDestroy(model));

  // The default stream is not captured.
  CHECK_ACL_ERROR(aclmdlRICaptureBegin(nullptr, ACL_MODEL_RI_CAPTURE_MODE_GLOBAL), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtFree(device));
  CHECK_ACL(aclrtDestroyStream(stream));
}

namespace {

// A replayable task that stores `value` into `*target` each time it runs.
struct Store {
  std::atomic<int>* target;
  int value;
};

void runStore(void* arg) {
  auto* store = static_cast<Store*>(arg);
  store->target->store(store->value);
}
void releaseStore(void* arg) { delete static_cast<Store*>(arg); }

aclError launchStore(aclrtStream stream, std::atomic<int>& target, int value) {
  return npuSimLaunchReplayableHostTask(stream, &runStore, &releaseStore, new Store{&target, value},
                                        NPU_SIM_ACTIVITY_KERNEL, "store");
}

}  // namespace

TEST_CASE(a_task_update_replaces_a_task_group_in_later_replays) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  aclrtStream updater = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  CHECK_ACL(aclrtCreateStream(&updater));
  aclrtEvent updated = nullptr;
  CHECK_ACL(aclrtCreateEventWithFlag(&updated, ACL_EVENT_EXTERNAL));
  std::atomic<int> first{0};
  std::atomic<int> grouped{0};

  CHECK_ACL(aclmdlRICaptureBegin(stream, ACL_MODEL_RI_CAPTURE_MODE_GLOBAL));
  CHECK_ACL(launchStore(stream, first, 1));
  // As torch_npu's graph dispatch does: each replay waits for the update before the group.
  CHECK_ACL(aclrtStreamWaitEvent(stream, updated));
  CHECK_ACL(aclrtResetEvent(updated, stream));
  CHECK_ACL(aclmdlRICaptureTaskGrpBegin(stream));
  CHECK_ACL_ERROR(aclmdlRICaptureTaskGrpBegin(stream), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(launchStore(stream, grouped, 10));
  aclrtTaskGrp group = nullptr;
  CHECK_ACL(aclmdlRICaptureTaskGrpEnd(stream, &group));
  CHECK_ACL_ERROR(aclmdlRICaptureTaskGrpEnd(stream, &group), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclmdlRICaptureTaskUpdateBegin(stream, group), ACL_ERROR_RT_STREAM_CAPTURED);
  aclmdlRI model = nullptr;
  CHECK_ACL(aclmdlRICaptureEnd(stream, &model));
  CHECK_ACL_ERROR(aclmdlRICaptureTaskGrpBegin(stream), ACL_ERROR_RT_STREAM_NOT_CAPTURED);

  for (int value : {20, 30}) {
    CHECK_ACL(aclmdlRICaptureTaskUpdateBegin(updater, group));
    CHECK_ACL_ERROR(aclmdlRICaptureEnd(updater, &model), ACL_ERROR_INVALID_PARAM);
    CHECK_ACL(launchStore(updater, grouped, value));
    CHECK_ACL(aclmdlRICaptureTaskUpdateEnd(updater));
    CHECK_ACL(aclrtRecordEvent(updated, updater));
    CHECK_ACL(aclmdlRIExecuteAsync(model, stream));
    CHECK_ACL(aclrtSynchronizeStream(stream));
    CHECK_EQ(first.load(), 1);
    CHECK_EQ(grouped.load(), value);
  }

  // An update must bring as many tasks as the group holds; the group keeps its tasks otherwise.
  CHECK_ACL(aclmdlRICaptureTaskUpdateBegin(updater, group));
  CHECK_ACL(launchStore(updater, grouped, 40));
  CHECK_ACL(launchStore(updater, grouped, 50));
  CHECK_ACL_ERROR(aclmdlRICaptureTaskUpdateEnd(updater), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclmdlRICaptureTaskUpdateEnd(updater), ACL_ERROR_RT_STREAM_NOT_CAPTURED);
  CHECK_ACL(aclrtRecordEvent(updated, updater));
  CHECK_ACL(aclmdlRIExecuteAsync(model, stream));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_EQ(grouped.load(), 30);

  // The group's handle dies with its model.
  CHECK_ACL(aclmdlRIDestroy(model));
  CHECK_ACL_ERROR(aclmdlRICaptureTaskUpdateBegin(updater, group), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtDestroyEvent(updated));
  CHECK_ACL(aclrtDestroyStream(updater));
  CHECK_ACL(aclrtDestroyStream(stream));
}
