// Device activity recording: aclprofStart/Stop switch it, npuSimProf* read it.
#include <cstring>
#include <string>
#include <vector>

#include "acl/acl_prof.h"
#include "npu_sim/sim_profiling.h"
#include "sim_fixture.h"

using namespace sim_test;

namespace {

// aclprofInit + a started config on `devices`, stopped and finalized at scope end.
class ScopedProfiling {
 public:
  explicit ScopedProfiling(std::vector<uint32_t> devices, uint64_t data_types = ACL_PROF_TASK_TIME) {
    CHECK_ACL(aclprofInit("/tmp", 4));
    config_ = aclprofCreateConfig(devices.data(), static_cast<uint32_t>(devices.size()), ACL_AICORE_NONE, nullptr,
                                  data_types);
    CHECK(config_ != nullptr);
    CHECK_ACL(aclprofStart(config_));
  }
  ~ScopedProfiling() {
    aclprofStop(config_);
    aclprofDestroyConfig(config_);
    aclprofFinalize();
  }

 private:
  aclprofConfig* config_ = nullptr;
};

std::vector<npuSimActivity> takeAll() {
  std::vector<npuSimActivity> all;
  npuSimActivity chunk[4];
  size_t count = 0;
  do {
    CHECK_ACL(npuSimProfTakeActivities(chunk, 4, &count));
    all.insert(all.end(), chunk, chunk + count);
  } while (count == 4);
  return all;
}

void noop(void*) {}

}  // namespace

TEST_CASE(nothing_is_recorded_before_aclprof_start) {
  ScopedSimulator sim;
  void* device = nullptr;
  CHECK_ACL(aclrtMalloc(&device, 64, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtMemsetAsync(device, 64, 0, 64, nullptr));
  CHECK_ACL(aclrtSynchronizeDevice());
  CHECK(takeAll().empty());
  CHECK_ACL(aclrtFree(device));
}

TEST_CASE(each_task_is_recorded_with_its_kind_stream_and_correlation) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  void* device = nullptr;
  char host[256] = {};
  CHECK_ACL(aclrtMalloc(&device, sizeof host, ACL_MEM_MALLOC_HUGE_FIRST));
  aclrtEvent event = nullptr;
  CHECK_ACL(aclrtCreateEvent(&event));
  {
    ScopedProfiling profiling({0});
    npuSimProfSetCorrelationId(41);
    CHECK_ACL(aclrtMemcpyAsync(device, sizeof host, host, sizeof host, ACL_MEMCPY_HOST_TO_DEVICE, stream));
    npuSimProfSetCorrelationId(42);
    CHECK_ACL(npuSimLaunchLabeledHostTask(stream, &noop, nullptr, NPU_SIM_ACTIVITY_KERNEL, "aclnnAdd"));
    CHECK_ACL(aclrtRecordEvent(event, stream));
    npuSimProfSetCorrelationId(0);
    CHECK_ACL(aclrtStreamWaitEvent(nullptr, event));
    CHECK_ACL(aclrtMemsetAsync(device, sizeof host, 0, 16, nullptr));
    CHECK_ACL(aclrtSynchronizeDevice());
  }
  const std::vector<npuSimActivity> records = takeAll();
  CHECK_EQ(records.size(), size_t{5});
  std::vector<const npuSimActivity*> on_stream;
  std::vector<const npuSimActivity*> on_default;
  for (const npuSimActivity& record : records) {
    CHECK_EQ(record.device, 0);
    CHECK(record.start_ns <= record.end_ns);
    (record.stream_id == records[0].stream_id ? on_stream : on_default).push_back(&record);
  }
  CHECK_EQ(on_stream.size(), size_t{3});
  CHECK_EQ(on_stream[0]->kind, int32_t{NPU_SIM_ACTIVITY_MEMCPY});
  CHECK_EQ(on_stream[0]->bytes, uint64_t{sizeof host});
  CHECK_EQ(on_stream[0]->detail, int32_t{ACL_MEMCPY_HOST_TO_DEVICE});
  CHECK_EQ(on_stream[0]->correlation_id, uint64_t{41});
  CHECK_EQ(on_stream[1]->kind, int32_t{NPU_SIM_ACTIVITY_KERNEL});
  CHECK_EQ(std::string(on_stream[1]->name), std::string("aclnnAdd"));
  CHECK_EQ(on_stream[1]->correlation_id, uint64_t{42});
  CHECK_EQ(on_stream[2]->kind, int32_t{NPU_SIM_ACTIVITY_EVENT_RECORD});
  // A stream's tasks run one after another.
  CHECK(on_stream[0]->end_ns <= on_stream[1]->start_ns);
  CHECK(on_stream[1]->end_ns <= on_stream[2]->start_ns);
  CHECK_EQ(on_default.size(), size_t{2});
  CHECK_EQ(on_default[0]->kind, int32_t{NPU_SIM_ACTIVITY_EVENT_WAIT});
  CHECK_EQ(on_default[0]->correlation_id, uint64_t{0});
  CHECK_EQ(on_default[1]->kind, int32_t{NPU_SIM_ACTIVITY_MEMSET});
  CHECK_EQ(on_default[1]->bytes, uint64_t{16});
  CHECK(takeAll().empty());
  CHECK_ACL(aclrtDestroyEvent(event));
  CHECK_ACL(aclrtFree(device));
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(a_sized_host_task_records_its_bytes) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  {
    ScopedProfiling profiling({0});
    CHECK_ACL(npuSimLaunchSizedHostTask(stream, &noop, nullptr, NPU_SIM_ACTIVITY_COLLECTIVE, "HcclAllReduce", 4096));
    CHECK_ACL(aclrtSynchronizeStream(stream));
  }
  const std::vector<npuSimActivity> records = takeAll();
  CHECK_EQ(records.size(), size_t{1});
  CHECK_EQ(records[0].kind, int32_t{NPU_SIM_ACTIVITY_COLLECTIVE});
  CHECK_EQ(records[0].bytes, uint64_t{4096});
  CHECK(std::strcmp(records[0].name, "HcclAllReduce") == 0);
  CHECK_ACL_ERROR(npuSimLaunchSizedHostTask(stream, &noop, nullptr, NPU_SIM_ACTIVITY_COLLECTIVE, nullptr, 1),
                  ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(only_the_configured_devices_record) {
  ScopedSimulator sim(ScopedSimulator::Environment{{"TORCH_NPU_SIM_DEVICE_COUNT", "2"}});
  {
    ScopedProfiling profiling({1});
    CHECK_ACL(npuSimLaunchHostTask(nullptr, &noop, nullptr));
    CHECK_ACL(aclrtSetDevice(1));
    CHECK_ACL(npuSimLaunchHostTask(nullptr, &noop, nullptr));
    CHECK_ACL(aclrtSynchronizeDevice());
  }
  const std::vector<npuSimActivity> records = takeAll();
  CHECK_EQ(records.size(), size_t{1});
  CHECK_EQ(records[0].device, 1);
  CHECK_EQ(records[0].kind, int32_t{NPU_SIM_ACTIVITY_HOST_TASK});
}

TEST_CASE(records_of_a_destroyed_stream_stay_readable) {
  ScopedSimulator sim;
  {
    ScopedProfiling profiling({0});
    aclrtStream stream = nullptr;
    CHECK_ACL(aclrtCreateStream(&stream));
    CHECK_ACL(npuSimLaunchHostTask(stream, &noop, nullptr));
    CHECK_ACL(aclrtDestroyStream(stream));
  }
  CHECK_EQ(takeAll().size(), size_t{1});
}

TEST_CASE(profiling_calls_check_their_order_and_arguments) {
  ScopedSimulator sim;
  uint32_t device = 0;
  aclprofConfig* config = aclprofCreateConfig(&device, 1, ACL_AICORE_NONE, nullptr, ACL_PROF_TASK_TIME);
  CHECK(config != nullptr);
  CHECK_ACL_ERROR(aclprofStart(config), ACL_ERROR_UNINITIALIZE);
  CHECK_ACL_ERROR(aclprofInit(nullptr, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclprofInit("/tmp", 4));
  CHECK_ACL_ERROR(aclprofInit("/tmp", 4), ACL_ERROR_REPEAT_INITIALIZE);
  CHECK_ACL(aclprofStart(config));
  CHECK_ACL_ERROR(aclprofDestroyConfig(config), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclprofStop(config));
  CHECK_ACL_ERROR(aclprofStop(config), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclprofDestroyConfig(config));
  CHECK_ACL(aclprofFinalize());
  CHECK_ACL_ERROR(aclprofFinalize(), ACL_ERROR_UNINITIALIZE);
  // No counters on the simulator; a device that is not visible.
  CHECK(aclprofCreateConfig(&device, 1, ACL_AICORE_PIPE_UTILIZATION, nullptr, ACL_PROF_TASK_TIME) == nullptr);
  CHECK(std::strstr(aclGetRecentErrMsg(), "counters") != nullptr);
  uint32_t missing = 99;
  CHECK(aclprofCreateConfig(&missing, 1, ACL_AICORE_NONE, nullptr, ACL_PROF_TASK_TIME) == nullptr);
  CHECK_ACL_ERROR(npuSimLaunchLabeledHostTask(nullptr, &noop, nullptr, NPU_SIM_ACTIVITY_KERNEL, nullptr),
                  ACL_ERROR_INVALID_PARAM);
}
