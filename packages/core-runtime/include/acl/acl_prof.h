// The subset of CANN's profiling interface (acl/acl_prof.h) torch-npu uses,
// with CANN's public names and signatures.
//
// On a real toolkit these live in libmsprofiler.so and write msprof data
// under the result path. The simulator implements them in
// libascendcl_sim.so: aclprofStart with ACL_PROF_TASK_TIME (or
// ACL_PROF_TASK_TIME_L0) turns on its per-stream activity recording, which
// is read back with the npuSimProf* extensions (npu_sim/sim_profiling.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "acl/acl_base.h"

#ifdef __cplusplus
extern "C" {
#endif

// Kinds of data aclprofCreateConfig's dataTypeConfig asks for (bit flags).
#define ACL_PROF_ACL_API 0x00000001ULL
#define ACL_PROF_TASK_TIME 0x00000002ULL
#define ACL_PROF_AICORE_METRICS 0x00000004ULL
#define ACL_PROF_L2CACHE 0x00000010ULL
#define ACL_PROF_HCCL_TRACE 0x00000020ULL
#define ACL_PROF_MSPROFTX 0x00000080ULL
#define ACL_PROF_TASK_TIME_L0 0x00000800ULL
#define ACL_PROF_TASK_MEMORY 0x00001000ULL

// The AI Core counters a session may collect (none on the simulator).
typedef enum {
  ACL_AICORE_ARITHMETIC_UTILIZATION = 0,
  ACL_AICORE_PIPE_UTILIZATION = 1,
  ACL_AICORE_MEMORY_BANDWIDTH = 2,
  ACL_AICORE_L0B_AND_WIDTH = 3,
  ACL_AICORE_RESOURCE_CONFLICT_RATIO = 4,
  ACL_AICORE_MEMORY_UB = 5,
  ACL_AICORE_L2_CACHE = 6,
  ACL_AICORE_PIPE_EXECUTE_UTILIZATION = 7,
  ACL_AICORE_MEMORY_ACCESS = 8,
  ACL_AICORE_NONE = 0xFF
} aclprofAicoreMetrics;

// Opaque; made by aclprofCreateConfig.
typedef struct aclprofConfig aclprofConfig;
typedef struct aclprofAicoreEvents aclprofAicoreEvents;

// Starts a profiling session writing under `profilerResultPath` (of
// `length` characters). ACL_ERROR_REPEAT_INITIALIZE when one is running.
ACL_FUNC_VISIBILITY aclError aclprofInit(const char* profilerResultPath, size_t length);
// Ends the session aclprofInit started (stopping collection first).
ACL_FUNC_VISIBILITY aclError aclprofFinalize();
// Collects what `profilerConfig` asks for, on its devices, until aclprofStop.
ACL_FUNC_VISIBILITY aclError aclprofStart(const aclprofConfig* profilerConfig);
ACL_FUNC_VISIBILITY aclError aclprofStop(const aclprofConfig* profilerConfig);
// The simulator has no AI Core counters: it accepts only ACL_AICORE_NONE and
// no ACL_PROF_AICORE_METRICS or ACL_PROF_L2CACHE (null and a recent error).
ACL_FUNC_VISIBILITY aclprofConfig* aclprofCreateConfig(uint32_t* deviceIdList, uint32_t deviceNums,
                                                       aclprofAicoreMetrics aicoreMetrics,
                                                       const aclprofAicoreEvents* aicoreEvents,
                                                       uint64_t dataTypeConfig);
ACL_FUNC_VISIBILITY aclError aclprofDestroyConfig(const aclprofConfig* profilerConfig);

#ifdef __cplusplus
}
#endif
