// Copies between two devices' memory: they run on one of the two, once its
// access to the other is enabled.
#include <cstdint>

#include "sim_fixture.h"

using namespace sim_test;

TEST_CASE(copies_between_devices_need_peer_access_from_the_copying_device) {
  ScopedSimulator sim({{"TORCH_NPU_SIM_DEVICE_COUNT", std::string("3")}});
  void* on_zero = nullptr;
  void* on_one = nullptr;
  CHECK_ACL(aclrtMalloc(&on_zero, 64, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtSetDevice(1));
  CHECK_ACL(aclrtMalloc(&on_one, 64, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtSetDevice(0));
  const uint32_t value = 0xfeedbeef;
  CHECK_ACL(aclrtMemcpy(on_zero, sizeof value, &value, sizeof value, ACL_MEMCPY_HOST_TO_DEVICE));

  CHECK_ACL_ERROR(aclrtMemcpy(on_one, 64, on_zero, 64, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK(recentErrorContains("its access to device 1 is not enabled"));
  CHECK_ACL(aclrtDeviceEnablePeerAccess(1, 0));
  CHECK_ACL(aclrtMemcpy(on_one, 64, on_zero, 64, ACL_MEMCPY_DEVICE_TO_DEVICE));
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  CHECK_ACL(aclrtMemcpyAsync(on_zero, 64, on_one, 64, ACL_MEMCPY_DEFAULT, stream));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  uint32_t back = 0;
  CHECK_ACL(aclrtMemcpy(&back, sizeof back, on_one, sizeof back, ACL_MEMCPY_DEVICE_TO_HOST));
  CHECK_EQ(back, value);

  // Access is one way, and only the two devices' own copies may reach across.
  CHECK_ACL(aclrtSetDevice(1));
  CHECK_ACL_ERROR(aclrtMemcpy(on_zero, 64, on_one, 64, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtSetDevice(2));
  CHECK_ACL_ERROR(aclrtMemcpy(on_zero, 64, on_one, 64, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK(recentErrorContains("must run on one of them"));

  CHECK_ACL(aclrtSetDevice(0));
  CHECK_ACL_ERROR(aclrtDeviceEnablePeerAccess(1, 0), ACL_ERROR_INVALID_PARAM);
  CHECK(recentErrorContains("enabled already"));
  CHECK_ACL_ERROR(aclrtDeviceEnablePeerAccess(0, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtDeviceEnablePeerAccess(2, 1), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtDeviceEnablePeerAccess(7, 0), ACL_ERROR_RT_INVALID_DEVICEID);
  CHECK_ACL(aclrtDeviceDisablePeerAccess(1));
  CHECK_ACL_ERROR(aclrtDeviceDisablePeerAccess(1), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemcpyAsync(on_one, 64, on_zero, 64, ACL_MEMCPY_DEVICE_TO_DEVICE, stream),
                  ACL_ERROR_INVALID_PARAM);

  CHECK_ACL(aclrtDestroyStream(stream));
  CHECK_ACL(aclrtFree(on_zero));
  CHECK_ACL(aclrtFree(on_one));
}
