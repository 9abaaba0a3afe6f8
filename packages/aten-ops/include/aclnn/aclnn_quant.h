// The aclnn quantization operators that the operator layer calls.
//
// Declared from CANN's documented prototypes, as aclnn_math.h is
// (aclnnDynamicQuant: the CANN 8.2.RC1 operator API reference, the same
// prototype as ops-nn's docs/aclnnDynamicQuant.md). CANN declares the written
// tensors const.
#pragma once

#include "acl/acl_rt.h"
#include "aclnn/acl_meta.h"

#ifdef __cplusplus
extern "C" {
#endif

// Per-token symmetric quantization to INT8: with input = x (times
// smoothScalesOptional along the last dimension when given),
// scaleOut = row_max(abs(input)) / 127 and yOut = round(input / scaleOut).
ACL_FUNC_VISIBILITY aclnnStatus aclnnDynamicQuantGetWorkspaceSize(const aclTensor* x,
                                                                  const aclTensor* smoothScalesOptional,
                                                                  const aclTensor* yOut, const aclTensor* scaleOut,
                                                                  uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnDynamicQuant(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                                  aclrtStream stream);

#ifdef __cplusplus
}
#endif
