// The library loads the way the runtime layer loads it: dlopen(RTLD_LOCAL)
// and dlsym() of every contract symbol.
#include <dlfcn.h>

#include <string>

#include "sim_fixture.h"

using namespace sim_test;

TEST_CASE(every_contract_symbol_resolves_with_dlsym) {
  void* library = dlopen(NPU_SIM_LIBRARY_PATH, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) failCheck(__FILE__, __LINE__, std::string("dlopen failed: ") + dlerror());
  std::string missing;
  for (const char* name :
       {"aclInit", "aclFinalize", "aclGetRecentErrMsg", "aclsysGetCANNVersion", "aclrtSetDevice", "aclrtGetDevice",
        "aclrtResetDevice", "aclrtGetDeviceCount", "aclrtSynchronizeDevice", "aclrtGetSocName",
        "aclrtDeviceCanAccessPeer", "aclrtGetDeviceUtilizationRate", "aclrtMalloc", "aclrtFree", "aclrtMallocHost",
        "aclrtFreeHost", "aclrtGetMemInfo", "aclrtMemcpy", "aclrtMemcpyAsync", "aclrtMemset", "aclrtMemsetAsync",
        "aclrtCreateStream", "aclrtCreateStreamWithConfig", "aclrtDestroyStream", "aclrtSynchronizeStream",
        "aclrtStreamQuery", "aclrtStreamWaitEvent", "aclrtCreateEvent", "aclrtCreateEventWithFlag", "aclrtDestroyEvent",
        "aclrtRecordEvent", "aclrtResetEvent", "aclrtQueryEventStatus", "aclrtSynchronizeEvent",
        "aclrtEventElapsedTime", "aclrtSubscribeReport", "aclrtUnSubscribeReport", "aclrtProcessReport",
        "aclrtLaunchCallback", "npuSimLaunchHostTask", "npuSimDeviceOfPointer", "npuSimFailCurrentTask",
        "npuSimSetRecentErrMsg", "aclprofInit", "aclprofFinalize", "aclprofCreateConfig",
        "aclprofDestroyConfig", "aclprofStart", "aclprofStop", "npuSimProfDeviceClockNs", "npuSimProfSetCorrelationId",
        "npuSimProfTakeActivities", "npuSimLaunchLabeledHostTask", "npuSimLaunchSizedHostTask",
        "npuSimLaunchReplayableHostTask", "aclmdlRICaptureBegin", "aclmdlRICaptureGetInfo", "aclmdlRICaptureEnd",
        "aclmdlRIExecuteAsync", "aclmdlRIDestroy", "aclrtDeviceEnablePeerAccess", "aclrtDeviceDisablePeerAccess",
        "aclrtReserveMemAddress", "aclrtReleaseMemAddress", "aclrtMallocPhysical", "aclrtFreePhysical", "aclrtMapMem",
        "aclrtUnmapMem", "aclrtDeviceTaskAbort", "aclrtGetMemUceInfo", "aclrtMemUceRepair",
        "npuSimInjectMemoryError"}) {
    if (dlsym(library, name) == nullptr) missing += std::string(" ") + name;
  }
  // Internals stay hidden.
  const bool internals_hidden = dlsym(library, "_ZN7npu_sim7Runtime8instanceEv") == nullptr;
  dlclose(library);
  if (!missing.empty()) failCheck(__FILE__, __LINE__, "not exported:" + missing);
  CHECK(internals_hidden);
}
