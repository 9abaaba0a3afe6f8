// Process-wide runtime lifetime: aclInit once, fork detection.
#pragma once

namespace torch_npu::npu {

// Calls aclInit exactly once per process. Raises in a child forked after the
// parent initialized the runtime: the device state does not survive fork.
void ensureRuntimeInitialized();

bool isRuntimeInitialized() noexcept;

// True in a process forked from one that had initialized the runtime.
bool isInBadFork() noexcept;

}  // namespace torch_npu::npu
