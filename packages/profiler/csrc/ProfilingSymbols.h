// The one table of CANN profiling symbols (acl/acl_prof.h) the profiler
// resolves at run time; rows as in core-runtime's AclSymbols.h.
#pragma once

#include "acl/acl_prof.h"

#define TORCH_NPU_ACL_PROFILING_SYMBOLS(X)                                                          \
  X(aclError, aclprofInit, (const char* profilerResultPath, size_t length), (profilerResultPath, length)) \
  X(aclError, aclprofFinalize, (), ())                                                              \
  X(aclError, aclprofStart, (const aclprofConfig* profilerConfig), (profilerConfig))                \
  X(aclError, aclprofStop, (const aclprofConfig* profilerConfig), (profilerConfig))                 \
  X(aclprofConfig*, aclprofCreateConfig,                                                            \
    (uint32_t * deviceIdList, uint32_t deviceNums, aclprofAicoreMetrics aicoreMetrics,              \
     const aclprofAicoreEvents* aicoreEvents, uint64_t dataTypeConfig),                             \
    (deviceIdList, deviceNums, aicoreMetrics, aicoreEvents, dataTypeConfig))                        \
  X(aclError, aclprofDestroyConfig, (const aclprofConfig* profilerConfig), (profilerConfig))
