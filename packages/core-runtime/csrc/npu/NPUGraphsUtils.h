// Whether a stream is capturing (aclmdlRICaptureGetInfo), in the shape of
// c10/cuda/CUDAGraphsC10Utils.h.
#pragma once

#include <c10/core/Device.h>

#include "acl/acl_rt.h"

namespace torch_npu::npu {

// The capture state of `stream`, and the model it records into (null when
// it does not capture).
struct CaptureInfo {
  aclmdlRICaptureStatus status = ACL_MODEL_RI_CAPTURE_STATUS_NONE;
  aclmdlRI model = nullptr;
};
CaptureInfo captureInfo(aclrtStream stream);

// True while a capture records `stream`'s work (not once it was invalidated).
bool isStreamCapturing(aclrtStream stream);

// True while an NPUGraph capture is under way on the calling thread's current
// stream; false without touching the runtime when no capture is under way.
bool isCurrentStreamCapturing();

}  // namespace torch_npu::npu
