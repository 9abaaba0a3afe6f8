// CANN's online hardware self-tests (libascend_ml.so), as CANN 8.5 publishes
// them in aml/aml_fwk_detect.h: the part torch.npu.stress_detect calls.
#ifndef TORCH_NPU_AML_FWK_DETECT_H_
#define TORCH_NPU_AML_FWK_DETECT_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t AmlStatus;

typedef enum AmlDetectRunMode {
  AML_DETECT_RUN_MODE_ONLINE = 0,
  AML_DETECT_RUN_MODE_OFFLINE = 1,
  AML_DETECT_RUN_MODE_MAX,
} AmlDetectRunMode;

// The test's device workspace; `reserve` must be zero.
typedef struct AmlAicoreDetectAttr {
  AmlDetectRunMode mode;
  void* workspace;
  uint64_t workspaceSize;
  uint8_t reserve[64];
} AmlAicoreDetectAttr;

struct AmlP2PDetectAttr {
  void* workspace;
  uint64_t workspaceSize;
  uint8_t reserve[64];
};

// Tests the AI Cores of `deviceId`; 0 when they computed correctly.
AmlStatus AmlAicoreDetectOnline(int32_t deviceId, const AmlAicoreDetectAttr* attr);
// Tests the HCCS links between the devices of the communicator `comm`.
AmlStatus AmlP2PDetectOnline(int32_t devId, void* comm, const AmlP2PDetectAttr* attr);

#ifdef __cplusplus
}
#endif

#endif  // TORCH_NPU_AML_FWK_DETECT_H_
