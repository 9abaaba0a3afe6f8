#include "ProfilingApi.h"

#include <c10/util/Exception.h>

#include <string>

#include "acl/AclApi.h"
#include "npu/NPUException.h"

namespace torch_npu::profiler {
namespace {

struct ProfilingTable {
#define TORCH_NPU_PROFILING_POINTER(ret, name, params, args) ret(*name) params = nullptr;
  TORCH_NPU_ACL_PROFILING_SYMBOLS(TORCH_NPU_PROFILING_POINTER)
#undef TORCH_NPU_PROFILING_POINTER
  decltype(&npuSimProfDeviceClockNs) device_clock = nullptr;
  decltype(&npuSimProfSetCorrelationId) set_correlation = nullptr;
  decltype(&npuSimProfTakeActivities) take_activities = nullptr;
};

// On a real toolkit the profiling API lives in libmsprofiler.so beside
// libascendcl.so; the simulator has it in its own library.
ProfilingTable load() {
  ProfilingTable table;
  std::string missing;
#define TORCH_NPU_PROFILING_RESOLVE(ret, name, params, args)                                        \
  table.name = reinterpret_cast<ret(*) params>(acl::resolveSymbol("libmsprofiler.so", #name));    \
  if (table.name == nullptr) missing += std::string(missing.empty() ? "" : ", ") + #name;
  TORCH_NPU_ACL_PROFILING_SYMBOLS(TORCH_NPU_PROFILING_RESOLVE)
#undef TORCH_NPU_PROFILING_RESOLVE
  TORCH_CHECK(missing.empty(), "The CANN runtime ", acl::runtimeInfo().library,
              " lacks the profiling functions torch_npu's profiler needs: ", missing,
              ". Install a CANN toolkit with libmsprofiler.so.");
  table.device_clock = reinterpret_cast<decltype(table.device_clock)>(
      acl::resolveSymbol(nullptr, "npuSimProfDeviceClockNs"));
  table.set_correlation = reinterpret_cast<decltype(table.set_correlation)>(
      acl::resolveSymbol(nullptr, "npuSimProfSetCorrelationId"));
  table.take_activities = reinterpret_cast<decltype(table.take_activities)>(
      acl::resolveSymbol(nullptr, "npuSimProfTakeActivities"));
  return table;
}

const ProfilingTable& table() {
  static const ProfilingTable loaded = load();
  return loaded;
}

void requireSimulator(const char* what) {
  TORCH_CHECK(hasSimulatorRecords(), "torch_npu's profiler reads ", what,
              " from the NPU simulator only; on a real CANN toolkit (", acl::runtimeInfo().library,
              ") reading msprof data is not implemented yet");
}

}  // namespace

#define TORCH_NPU_DEFINE_PROFILING_FORWARD(ret, name, params, args) \
  ret cann::name params {                                           \
    return table().name args;                                       \
  }
TORCH_NPU_ACL_PROFILING_SYMBOLS(TORCH_NPU_DEFINE_PROFILING_FORWARD)
#undef TORCH_NPU_DEFINE_PROFILING_FORWARD

bool hasSimulatorRecords() {
  const ProfilingTable& loaded = table();
  return loaded.device_clock != nullptr && loaded.set_correlation != nullptr && loaded.take_activities != nullptr;
}

int64_t deviceClockNs() {
  requireSimulator("the device clock");
  return table().device_clock();
}

void setCorrelationId(uint64_t id) noexcept {
  if (auto set = table().set_correlation) set(id);
}

std::vector<npuSimActivity> takeActivities() {
  requireSimulator("device activity records");
  std::vector<npuSimActivity> all;
  constexpr size_t kChunk = 4096;
  size_t count = 0;
  do {
    const size_t used = all.size();
    all.resize(used + kChunk);
    NPU_CHECK(table().take_activities(all.data() + used, kChunk, &count));
    all.resize(used + count);
  } while (count == kChunk);
  return all;
}

}  // namespace torch_npu::profiler
