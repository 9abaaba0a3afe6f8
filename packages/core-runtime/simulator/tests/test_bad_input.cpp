// Bad input to every public entry point returns one of CANN's error codes, with
// a recent-error message, and never crashes: null handles and out-parameters,
// destroyed or made-up handles, devices that do not exist, streams of another
// device, and ranges past the end of an allocation.
#include <cstdint>
#include <string>

#include "sim_fixture.h"

using sim_test::ScopedSimulator;

namespace {

// The call failed with `code`, and said why.
void checkRefused(aclError actual, aclError code, const char* call, const char* file, int line) {
  sim_test::checkAcl(actual, code, call, file, line);
  const char* message = aclGetRecentErrMsg();
  if (message == nullptr || message[0] == '\0') {
    sim_test::failCheck(file, line, std::string(call) + " failed without a recent-error message");
  }
}

#define CHECK_REFUSED(call, code) checkRefused((call), (code), #call, __FILE__, __LINE__)

void callback(void*) {}

// A handle that was never created: the address of a local, as a caller's bug would pass.
template <typename Handle>
Handle madeUp() {
  static int storage = 0;
  return reinterpret_cast<Handle>(&storage);
}

}  // namespace

TEST_CASE(null_out_parameters_are_refused) {
  ScopedSimulator sim({}, 0);
  CHECK_REFUSED(aclrtGetDevice(nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtGetDeviceCount(nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtMalloc(nullptr, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtMallocHost(nullptr, 64), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtCreateStream(nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtCreateStreamWithConfig(nullptr, 0, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclsysGetCANNVersion(ACL_PKG_NAME_CANN, nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtCreateEvent(nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtCreateEventWithFlag(nullptr, ACL_EVENT_SYNC), ACL_ERROR_INVALID_PARAM);
  size_t free = 0;
  CHECK_REFUSED(aclrtGetMemInfo(ACL_HBM_MEM, &free, nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtGetDeviceUtilizationRate(0, nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtDeviceCanAccessPeer(nullptr, 0, 1), ACL_ERROR_INVALID_PARAM);
  aclrtEvent event = nullptr;
  CHECK_ACL(aclrtCreateEvent(&event));
  CHECK_REFUSED(aclrtQueryEventStatus(event, nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtEventElapsedTime(nullptr, event, event), ACL_ERROR_INVALID_PARAM);
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  CHECK_REFUSED(aclrtStreamQuery(stream, nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtDestroyStream(stream));
  CHECK_ACL(aclrtDestroyEvent(event));
}

TEST_CASE(destroyed_and_made_up_streams_are_refused) {
  ScopedSimulator sim({}, 0);
  void* memory = nullptr;
  CHECK_ACL(aclrtMalloc(&memory, 64, ACL_MEM_MALLOC_HUGE_FIRST));
  aclrtEvent event = nullptr;
  CHECK_ACL(aclrtCreateEvent(&event));
  aclrtStream destroyed = nullptr;
  CHECK_ACL(aclrtCreateStream(&destroyed));
  CHECK_ACL(aclrtDestroyStream(destroyed));
  for (aclrtStream stream : {destroyed, madeUp<aclrtStream>()}) {
    aclrtStreamStatus status = ACL_STREAM_STATUS_COMPLETE;
    CHECK_REFUSED(aclrtSynchronizeStream(stream), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtStreamQuery(stream, &status), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtDestroyStream(stream), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtMemsetAsync(memory, 64, 0, 64, stream), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtMemcpyAsync(memory, 64, memory, 32, ACL_MEMCPY_DEVICE_TO_DEVICE, stream),
                  ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtRecordEvent(event, stream), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtResetEvent(event, stream), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtStreamWaitEvent(stream, event), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtLaunchCallback(&callback, nullptr, ACL_CALLBACK_NO_BLOCK, stream),
                  ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtSubscribeReport(1, stream), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtUnSubscribeReport(1, stream), ACL_ERROR_INVALID_PARAM);
  }
  CHECK_ACL(aclrtDestroyEvent(event));
  CHECK_ACL(aclrtFree(memory));
}

TEST_CASE(destroyed_and_made_up_events_are_refused) {
  ScopedSimulator sim({}, 0);
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  aclrtEvent destroyed = nullptr;
  CHECK_ACL(aclrtCreateEvent(&destroyed));
  CHECK_ACL(aclrtDestroyEvent(destroyed));
  for (aclrtEvent event : {destroyed, madeUp<aclrtEvent>(), aclrtEvent{nullptr}}) {
    aclrtEventRecordedStatus status = ACL_EVENT_RECORDED_STATUS_COMPLETE;
    float ms = 0;
    CHECK_REFUSED(aclrtRecordEvent(event, stream), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtResetEvent(event, stream), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtStreamWaitEvent(stream, event), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtSynchronizeEvent(event), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtQueryEventStatus(event, &status), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtEventElapsedTime(&ms, event, event), ACL_ERROR_INVALID_PARAM);
    CHECK_REFUSED(aclrtDestroyEvent(event), ACL_ERROR_INVALID_PARAM);
  }
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(devices_that_do_not_exist_are_refused) {
  ScopedSimulator sim({{"TORCH_NPU_SIM_DEVICE_COUNT", "2"}}, 0);
  aclrtUtilizationInfo info{};
  int32_t can_access = 0;
  for (int32_t device : {2, 99, -1}) {
    CHECK_REFUSED(aclrtSetDevice(device), ACL_ERROR_RT_INVALID_DEVICEID);
    CHECK_REFUSED(aclrtResetDevice(device), ACL_ERROR_RT_INVALID_DEVICEID);
    CHECK_REFUSED(aclrtGetDeviceUtilizationRate(device, &info), ACL_ERROR_RT_INVALID_DEVICEID);
    CHECK_REFUSED(aclrtDeviceCanAccessPeer(&can_access, 0, device), ACL_ERROR_RT_INVALID_DEVICEID);
  }
  int32_t current = -1;
  CHECK_ACL(aclrtGetDevice(&current));
  CHECK_EQ(current, 0);  // a refused aclrtSetDevice changes nothing
}

TEST_CASE(a_stream_of_another_device_is_refused) {
  ScopedSimulator sim({{"TORCH_NPU_SIM_DEVICE_COUNT", "2"}}, 1);
  aclrtStream on_device1 = nullptr;
  CHECK_ACL(aclrtCreateStream(&on_device1));
  CHECK_ACL(aclrtSetDevice(0));
  void* memory = nullptr;
  CHECK_ACL(aclrtMalloc(&memory, 64, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_REFUSED(aclrtMemsetAsync(memory, 64, 0, 64, on_device1), ACL_ERROR_RT_STREAM_CONTEXT);
  aclrtEvent event = nullptr;
  CHECK_ACL(aclrtCreateEvent(&event));
  CHECK_REFUSED(aclrtRecordEvent(event, on_device1), ACL_ERROR_RT_STREAM_CONTEXT);
  CHECK_ACL(aclrtDestroyEvent(event));
  CHECK_ACL(aclrtFree(memory));
  CHECK_ACL(aclrtSetDevice(1));
  CHECK_ACL(aclrtDestroyStream(on_device1));
}

TEST_CASE(ranges_past_an_allocation_are_refused) {
  ScopedSimulator sim({}, 0);
  void* small = nullptr;
  void* other = nullptr;
  CHECK_ACL(aclrtMalloc(&small, 32, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtMalloc(&other, 32, ACL_MEM_MALLOC_HUGE_FIRST));
  auto* inside = static_cast<uint8_t*>(small) + 16;
  CHECK_REFUSED(aclrtMemcpy(other, 32, inside, 32, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtMemcpy(inside, 32, other, 32, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtMemcpy(other, 16, small, 32, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtMemset(inside, 32, 0, 32), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtMemset(small, 16, 0, 32), ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtMemsetAsync(inside, 32, 0, 32, nullptr), ACL_ERROR_INVALID_PARAM);
  // Not a kind, yet inside the enumeration's range (0..7): a value outside it would be UB in the caller.
  CHECK_REFUSED(aclrtMemcpy(other, 32, small, 32, static_cast<aclrtMemcpyKind>(7)), ACL_ERROR_INVALID_PARAM);
  int on_host = 0;
  CHECK_REFUSED(aclrtMemcpy(&on_host, sizeof on_host, &on_host, sizeof on_host, ACL_MEMCPY_DEVICE_TO_HOST),
                ACL_ERROR_INVALID_PARAM);
  CHECK_REFUSED(aclrtFree(inside), ACL_ERROR_RT_MEMORY_FREE);
  CHECK_REFUSED(aclrtFree(&on_host), ACL_ERROR_RT_MEMORY_FREE);
  CHECK_REFUSED(aclrtFreeHost(&on_host), ACL_ERROR_RT_MEMORY_FREE);
  CHECK_ACL(aclrtFree(small));
  CHECK_REFUSED(aclrtFree(small), ACL_ERROR_RT_MEMORY_FREE);  // twice
  CHECK_ACL(aclrtFree(other));
}
