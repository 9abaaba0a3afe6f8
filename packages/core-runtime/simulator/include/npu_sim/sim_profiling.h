// The simulator's device activity records: what each stream executed, when.
//
// CANN's public profiling API (acl/acl_prof.h) switches collection on and off
// but hands the data over only as msprof files; these extensions are how a
// consumer in the same process reads the simulator's records instead. Like
// every npuSim* function they exist only in libascendcl_sim.so.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "acl/acl_rt.h"

#ifdef __cplusplus
extern "C" {
#endif

// What a recorded task was.
typedef enum npuSimActivityKind {
  NPU_SIM_ACTIVITY_KERNEL = 0,         // an aclnn operator's kernel
  NPU_SIM_ACTIVITY_MEMCPY = 1,         // aclrtMemcpyAsync; detail: its aclrtMemcpyKind
  NPU_SIM_ACTIVITY_MEMSET = 2,         // aclrtMemsetAsync
  NPU_SIM_ACTIVITY_EVENT_RECORD = 3,   // aclrtRecordEvent
  NPU_SIM_ACTIVITY_EVENT_WAIT = 4,     // aclrtStreamWaitEvent: spans the wait
  NPU_SIM_ACTIVITY_HOST_CALLBACK = 5,  // aclrtLaunchCallback
  NPU_SIM_ACTIVITY_COLLECTIVE = 6,     // an HCCL collective
  NPU_SIM_ACTIVITY_HOST_TASK = 7,      // npuSimLaunchHostTask
} npuSimActivityKind;

#define NPU_SIM_ACTIVITY_NAME_CAPACITY 64

// One task a stream ran. Times are device clock nanoseconds
// (npuSimProfDeviceClockNs); tasks of one stream never overlap.
typedef struct npuSimActivity {
  int64_t start_ns;
  int64_t end_ns;
  // Set by the launching host thread (npuSimProfSetCorrelationId); 0: none.
  uint64_t correlation_id;
  uint64_t bytes;      // copied or set, or what a sized host task (a collective) moved; else 0
  uint64_t stream_id;  // unique per stream over the process's life, from 1
  int32_t device;      // the visible device index
  int32_t kind;        // an npuSimActivityKind
  int32_t detail;      // the aclrtMemcpyKind of a memcpy, else 0
  char name[NPU_SIM_ACTIVITY_NAME_CAPACITY];  // NUL-terminated, cut to fit
} npuSimActivity;

// Now, on the clock the records use.
ACL_FUNC_VISIBILITY int64_t npuSimProfDeviceClockNs(void);

// The correlation id the calling thread's next launches carry (0: none),
// until it is set again. Costs one thread-local store.
ACL_FUNC_VISIBILITY void npuSimProfSetCorrelationId(uint64_t correlationId);

// Moves up to `capacity` of the records collected so far, oldest first per
// stream, into `records`; `*count` says how many. Records of streams
// destroyed since are included. Call again until `*count` < `capacity`.
ACL_FUNC_VISIBILITY aclError npuSimProfTakeActivities(npuSimActivity* records, size_t capacity, size_t* count);

// npuSimLaunchHostTask (npu_sim/sim_extensions.h) that is recorded as `kind`
// named `name`, which must stay valid until the task ran (a string literal):
// how the simulated operator and collective libraries label their tasks.
ACL_FUNC_VISIBILITY aclError npuSimLaunchLabeledHostTask(aclrtStream stream, void (*fn)(void*), void* arg,
                                                         npuSimActivityKind kind, const char* name);

// npuSimLaunchLabeledHostTask whose record also carries `bytes`: how the
// simulated HCCL reports the bytes a collective sends.
ACL_FUNC_VISIBILITY aclError npuSimLaunchSizedHostTask(aclrtStream stream, void (*fn)(void*), void* arg,
                                                       npuSimActivityKind kind, const char* name, uint64_t bytes);

// npuSimLaunchLabeledHostTask for a task that may run more than once: how
// the simulated operator library launches its kernels. `fn(arg)` must leave
// `arg` as it found it. Once the launch enqueued the task
// (npuSimLaunchEnqueued, npu_sim/sim_extensions.h) the stream owns `arg` and calls
// `release(arg)` when the task can run no more: after it ran, or, when a
// capturing stream recorded it (aclmdlRICaptureBegin), once the model that
// holds it is destroyed, having run `fn(arg)` at each execution. Otherwise
// `arg` stays the caller's. The other host task launches consume their task
// at its one run, so they fail on a capturing stream.
ACL_FUNC_VISIBILITY aclError npuSimLaunchReplayableHostTask(aclrtStream stream, void (*fn)(void*),
                                                            void (*release)(void*), void* arg,
                                                            npuSimActivityKind kind, const char* name);

#ifdef __cplusplus
}
#endif
