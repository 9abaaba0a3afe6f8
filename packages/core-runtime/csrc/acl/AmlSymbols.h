// The functions of CANN's libascend_ml.so that torch-npu resolves at run time
// (torch.npu.stress_detect), in AclSymbols.h's X-macro form.
#pragma once

#include "aml/aml_fwk_detect.h"

#define TORCH_NPU_AML_SYMBOLS(X)                                                                          \
  X(AmlStatus, AmlAicoreDetectOnline, (int32_t deviceId, const AmlAicoreDetectAttr* attr), (deviceId, attr)) \
  X(AmlStatus, AmlP2PDetectOnline, (int32_t devId, void* comm, const AmlP2PDetectAttr* attr), (devId, comm, attr))
