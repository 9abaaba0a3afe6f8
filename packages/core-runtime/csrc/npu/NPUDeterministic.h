// Deterministic kernels: torch.use_deterministic_algorithms, passed to CANN
// as the ACL_OPT_DETERMINISTIC system option before each aclnn operator.
#pragma once

namespace torch_npu::npu {

// Makes ACL_OPT_DETERMINISTIC of the process and of the current device's
// context what torch.are_deterministic_algorithms_enabled() says. Called
// before an aclnn operator's first phase, where CANN picks the kernel; costs
// two relaxed loads when nothing changed.
void applyDeterministicOption();

}  // namespace torch_npu::npu
