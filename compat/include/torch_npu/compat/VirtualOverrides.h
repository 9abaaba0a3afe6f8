// Virtual members that PyTorch's device interfaces gained after our oldest
// supported release. Our implementations are marked with these instead of
// `override`: where the base class declares the member they override it; where
// it does not, they stay plain members of ours (called directly by our code).
#pragma once

#include <torch_npu/compat/TorchVersion.h>

// c10::DeviceAllocator::getMemoryInfo (torch.accelerator.get_memory_info): 2.10+.
#if TORCH_NPU_TORCH_AT_LEAST(2, 10)
#define TORCH_NPU_OVERRIDE_SINCE_2_10 override
#else
#define TORCH_NPU_OVERRIDE_SINCE_2_10
#endif

// c10::impl::DeviceGuardImplInterface::getStreamNativeHandle (torch.Stream.native_handle)
// and at::CachingHostAllocatorImpl::get_current_stream / stream_is_capturing: 2.11+.
#if TORCH_NPU_TORCH_AT_LEAST(2, 11)
#define TORCH_NPU_OVERRIDE_SINCE_2_11 override
#else
#define TORCH_NPU_OVERRIDE_SINCE_2_11
#endif

// c10::impl::DeviceGuardImplInterface::isStreamCapturing (graph capture): in
// 2.13, not in 2.9. A release in between that has it is overridden all the
// same (same signature), only without the keyword's check.
#if TORCH_NPU_TORCH_AT_LEAST(2, 13)
#define TORCH_NPU_OVERRIDE_SINCE_2_13 override
#else
#define TORCH_NPU_OVERRIDE_SINCE_2_13
#endif
