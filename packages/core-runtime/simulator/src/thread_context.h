// The calling host thread's current device (aclrtSetDevice), as on CANN
// where the current context is per thread.
#pragma once

#include <cstdint>

#include "session.h"

namespace npu_sim {

// -1 when the thread has not set a device in this session.
int32_t currentDeviceIndex(const Session& session) noexcept;
void setCurrentDeviceIndex(const Session& session, int32_t index) noexcept;

}  // namespace npu_sim
