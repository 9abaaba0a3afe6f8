// C entry points that only the simulator has (npu_sim/sim_extensions.h).
#include "npu_sim/sim_extensions.h"

#include "api_support.h"
#include "runtime.h"

using namespace npu_sim;

extern "C" {

aclError npuSimLaunchHostTask(aclrtStream stream, void (*fn)(void*), void* arg) {
  return guarded("npuSimLaunchHostTask", [&]() -> aclError {
    if (fn == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "npuSimLaunchHostTask: fn is null");
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("npuSimLaunchHostTask", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamForLaunch("npuSimLaunchHostTask", *session, stream, target);
        error != ACL_SUCCESS) {
      return error;
    }
    target->submit(Task{[fn, arg] { fn(arg); }, TaskKind::Work});
    return ACL_SUCCESS;
  });
}

int32_t npuSimDeviceOfPointer(const void* ptr) {
  Runtime& runtime = Runtime::instance();
  if (runtime.forkedAfterInit()) return -1;
  const Session* session = runtime.session();
  if (session == nullptr || ptr == nullptr) return -1;
  try {
    const std::optional<DeviceBlock> block = session->findDeviceMemory(ptr);
    return block ? block->device->index() : -1;
  } catch (...) {
    // Only a failing mutex could throw here; a C caller gets "not found".
    return -1;
  }
}

}  // extern "C"
