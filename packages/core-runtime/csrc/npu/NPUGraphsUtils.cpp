#include "npu/NPUGraphsUtils.h"

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUGraph.h"
#include "npu/NPUStream.h"

namespace torch_npu::npu {

CaptureInfo captureInfo(aclrtStream stream) {
  CaptureInfo info;
  NPU_CHECK(acl::aclmdlRICaptureGetInfo(stream, &info.status, &info.model));
  return info;
}

bool isStreamCapturing(aclrtStream stream) {
  return captureInfo(stream).status == ACL_MODEL_RI_CAPTURE_STATUS_ACTIVE;
}

bool isCurrentStreamCapturing() {
  // Captures begin only through NPUGraph, which counts them; without one
  // under way there is nothing to ask the runtime (which may not be loaded).
  if (capturesUnderway() == 0) {
    return false;
  }
  return isStreamCapturing(getCurrentNPUStream().stream());
}

}  // namespace torch_npu::npu
