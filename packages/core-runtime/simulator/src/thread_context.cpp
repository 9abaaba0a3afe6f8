#include "thread_context.h"

namespace npu_sim {
namespace {

struct ThreadContext {
  // The session the device was set in: after aclFinalize and a new aclInit
  // the old choice must not leak into the new session, whose device count
  // may differ.
  uint64_t session_generation = 0;
  int32_t device_index = -1;
};

thread_local ThreadContext t_context;

}  // namespace

int32_t currentDeviceIndex(const Session& session) noexcept {
  return t_context.session_generation == session.generation() ? t_context.device_index : -1;
}

void setCurrentDeviceIndex(const Session& session, int32_t index) noexcept {
  t_context = ThreadContext{session.generation(), index};
}

}  // namespace npu_sim
