// The aclnn quantization operators that the operator layer calls.
//
// Declared from CANN's documented prototypes, as aclnn_math.h is (the
// aclnnDynamicQuant and aclnnQuantMatmulV4 pages of the CANN 8.2.RC1 operator
// API reference; aclnnDynamicQuant's is also ops-nn's docs/aclnnDynamicQuant.md).
// CANN declares the written tensors const.
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

// Quantized matmul of x1 and x2 (INT8, or INT4 packed in INT32) by the
// documented cases: out = x1 @ x2 * scale + offset; with an INT32 bias,
// (x1 @ x2 + bias) * scale + offset; with a float bias, x1 @ x2 * scale + bias;
// with pertokenScaleOptional the scaled product is also multiplied by it per
// row of x1 (and takes no offset). transposeX1/X2: x1 is (..., k, m), x2 (..., n, k).
ACL_FUNC_VISIBILITY aclnnStatus aclnnQuantMatmulV4GetWorkspaceSize(const aclTensor* x1, const aclTensor* x2,
                                                                   const aclTensor* scale, const aclTensor* offset,
                                                                   const aclTensor* pertokenScaleOptional,
                                                                   const aclTensor* bias, bool transposeX1,
                                                                   bool transposeX2, const aclTensor* out,
                                                                   uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnQuantMatmulV4(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                                   aclrtStream stream);

#ifdef __cplusplus
}
#endif
