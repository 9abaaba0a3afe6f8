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
// synchronize the stream it runs on, and must not throw.
ACL_FUNC_VISIBILITY aclError npuSimLaunchHostTask(aclrtStream stream, void (*fn)(void*), void* arg);

// The index of the visible device that owns `ptr` (any address inside a live
// aclrtMalloc allocation), or -1 when no device does.
ACL_FUNC_VISIBILITY int32_t npuSimDeviceOfPointer(const void* ptr);

#ifdef __cplusplus
}
#endif
