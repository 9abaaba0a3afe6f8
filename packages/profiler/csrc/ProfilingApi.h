// CANN's profiling functions and the simulator's record access, resolved at
// run time from whichever runtime torch_npu loaded.
#pragma once

#include <vector>

#include "ProfilingSymbols.h"
#include "npu_sim/sim_profiling.h"

namespace torch_npu::profiler {

// `cann::aclprofStart(...)` calls the loaded runtime's aclprofStart.
namespace cann {
#define TORCH_NPU_DECLARE_PROFILING_FORWARD(ret, name, params, args) ret name params;
TORCH_NPU_ACL_PROFILING_SYMBOLS(TORCH_NPU_DECLARE_PROFILING_FORWARD)
#undef TORCH_NPU_DECLARE_PROFILING_FORWARD
}  // namespace cann

// The simulator's device records (npu_sim/sim_profiling.h); a real toolkit
// hands its data over as msprof files instead, so there these say so.
bool hasSimulatorRecords();
int64_t deviceClockNs();
void setCorrelationId(uint64_t id) noexcept;
// Every record collected so far.
std::vector<npuSimActivity> takeActivities();

}  // namespace torch_npu::profiler
