// The op execute timeout (aclrtSetOpExecuteTimeOutV2): how long a kernel may
// run before the device stops it and its stream fails with
// ACL_ERROR_RT_AICORE_TIMEOUT.
//
// Kernels here run on host threads and cannot be stopped midway: one that
// runs past its timeout completes, and its stream then fails as it would on
// hardware, at the next synchronization that covers the kernel.
#pragma once

#include <cstdint>

#include "task_queue.h"

namespace npu_sim {

// Makes `task`, a kernel, fail its stream when it runs for longer than
// `timeout_us` microseconds. The limit travels with the task, so a captured
// kernel keeps the timeout of its launch when a model replays it.
void limitRunTime(Task& task, uint64_t timeout_us);

}  // namespace npu_sim
