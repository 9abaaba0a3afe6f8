// Functions only the bundled NPU simulator (libascendcl_sim.so) provides.
//
// They are resolved with dlsym() next to the CANN runtime subset declared in
// acl/acl_rt.h; a real CANN toolkit has no such symbols, so callers must treat
// them as optional.
#pragma once

#include <stdint.h>

#include "acl/acl_rt.h"

#ifdef __cplusplus
extern "C" {
#endif

// Enqueues `fn(arg)` on `stream` (null: the current device's default stream).
// It runs on the stream's worker thread after every task enqueued before it
// and before every task enqueued after it, like a kernel launch. `fn` must not
// synchronize the stream it runs on, and must not throw; it reports failure
// with npuSimFailCurrentTask.
//
// `fn(arg)` is called exactly when npuSimLaunchEnqueued(result): the result
// is ACL_SUCCESS, or a task failure (ACL_ERROR_RT_AICORE_EXCEPTION,
// ACL_ERROR_RT_AICORE_TIMEOUT) under ASCEND_LAUNCH_BLOCKING, where the launch
// waits for the task and so reports its failure (or an earlier unreported one
// of the stream) like a synchronization would. `fn` may consume `arg`, so the task cannot be
// replayed: on a capturing stream the launch fails with
// ACL_ERROR_RT_FEATURE_NOT_SUPPORT (see npuSimLaunchReplayableHostTask).
ACL_FUNC_VISIBILITY aclError npuSimLaunchHostTask(aclrtStream stream, void (*fn)(void*), void* arg);

// Whether a host task launch that returned `result` enqueued the task, which
// then owns its argument.
static inline int npuSimLaunchEnqueued(aclError result) {
  return result == ACL_SUCCESS || result == ACL_ERROR_RT_AICORE_EXCEPTION || result == ACL_ERROR_RT_AICORE_TIMEOUT;
}

// Called from inside a host task: the task failed, like a kernel raising a
// device exception. The stream goes on with its next task; the failure is
// reported once, by whichever comes first of the next aclrtSynchronizeStream
// of the stream, aclrtSynchronizeDevice of its device, or
// aclrtSynchronizeEvent on an event recorded on the stream after the task:
// that call returns ACL_ERROR_RT_AICORE_EXCEPTION, and aclGetRecentErrMsg on
// its thread returns `message` (copied; null gives a generic text). Further
// failures before it is reported are only counted into its message.
// ACL_ERROR_INVALID_PARAM on a thread that is not running a stream task.
ACL_FUNC_VISIBILITY aclError npuSimFailCurrentTask(const char* message);

// Gives [ptr, ptr + size), device memory, an uncorrectable error (UCE), which
// a task enqueued on `stream` runs into: the next synchronization covering it
// returns ACL_ERROR_RT_DEVICE_MEM_ERROR, and aclrtGetMemUceInfo of the
// memory's device lists the range until aclrtMemUceRepair repairs it.
ACL_FUNC_VISIBILITY aclError npuSimInjectMemoryError(aclrtStream stream, const void* ptr, size_t size);

// Makes `message` what aclGetRecentErrMsg returns on the calling thread, for
// libraries that report errors through the runtime's channel, as CANN's
// operator libraries do (the simulator's libopapi_sim.so).
ACL_FUNC_VISIBILITY void npuSimSetRecentErrMsg(const char* message);

// The index of the visible device that owns `ptr` (any address inside a live
// aclrtMalloc allocation), or -1 when no device does.
ACL_FUNC_VISIBILITY int32_t npuSimDeviceOfPointer(const void* ptr);

// Where the simulator's own code (kernels, copies, collectives) reads and
// writes the device memory at `ptr`. That is `ptr` itself, unless
// TORCH_NPU_SIM_PROTECT=1 made device memory inaccessible to host code: then
// it is the address of the same byte in the allocation's second, accessible
// mapping. Pointers outside device memory come back as given.
ACL_FUNC_VISIBILITY void* npuSimHostAddress(const void* ptr);

// Makes `hook` (null: none) what every stream worker calls, on its own thread,
// when it runs out of work and is about to sleep. Kernel libraries release
// per-thread resources there that would otherwise weigh on the host's own
// work while the device idles (libopapi_sim.so releases the worker's OpenMP
// team). `hook` must not throw or enqueue work.
ACL_FUNC_VISIBILITY void npuSimSetWorkerIdleHook(void (*hook)(void));

#ifdef __cplusplus
}
#endif
