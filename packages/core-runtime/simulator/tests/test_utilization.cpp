// aclrtGetDeviceUtilizationRate: busy share of recent time, memory share.
#include "sim_fixture.h"

using namespace sim_test;

TEST_CASE(utilization_follows_busy_workers_and_memory) {
  ScopedSimulator sim({{"TORCH_NPU_SIM_HBM_MB", "100"}}, 0);
  aclrtUtilizationInfo info{};
  CHECK_ACL(aclrtGetDeviceUtilizationRate(1, &info));
  CHECK_EQ(info.cubeUtilization, 0);
  CHECK_EQ(info.memoryUtilization, 0);

  // A kernel that occupies device 0 for longer than the 100 ms window.
  Gate gate;
  CHECK_ACL(npuSimLaunchHostTask(nullptr, &Gate::waitTask, &gate));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  CHECK_ACL(aclrtGetDeviceUtilizationRate(0, &info));
  const aclrtUtilizationInfo busy = info;
  CHECK_ACL(aclrtGetDeviceUtilizationRate(1, &info));
  const aclrtUtilizationInfo idle = info;
  gate.open();
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK(busy.cubeUtilization >= 90);
  CHECK_EQ(busy.vectorUtilization, busy.cubeUtilization);
  CHECK_EQ(busy.aicpuUtilization, 0);
  CHECK_EQ(idle.cubeUtilization, 0);

  // Once the window has passed without work, the device reads idle again.
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  CHECK_ACL(aclrtGetDeviceUtilizationRate(0, &info));
  CHECK_EQ(info.cubeUtilization, 0);

  void* quarter = nullptr;
  CHECK_ACL(aclrtMalloc(&quarter, size_t{25} << 20, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtGetDeviceUtilizationRate(0, &info));
  CHECK_EQ(info.memoryUtilization, 25);
  CHECK_ACL(aclrtFree(quarter));
  CHECK_ACL_ERROR(aclrtGetDeviceUtilizationRate(0, nullptr), ACL_ERROR_INVALID_PARAM);
}

TEST_CASE(waiting_on_events_is_not_busy_time) {
  ScopedSimulator sim;
  // Device 1 waits for device 0's event for the whole window: a stream that
  // waits is stalled, not computing.
  Gate gate;
  aclrtEvent event = nullptr;
  CHECK_ACL(aclrtCreateEvent(&event));
  CHECK_ACL(npuSimLaunchHostTask(nullptr, &Gate::waitTask, &gate));
  CHECK_ACL(aclrtRecordEvent(event, nullptr));
  CHECK_ACL(aclrtSetDevice(1));
  CHECK_ACL(aclrtStreamWaitEvent(nullptr, event));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  aclrtUtilizationInfo info{};
  CHECK_ACL(aclrtGetDeviceUtilizationRate(1, &info));
  gate.open();
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK_EQ(info.cubeUtilization, 0);
  CHECK_ACL(aclrtDestroyEvent(event));
}
