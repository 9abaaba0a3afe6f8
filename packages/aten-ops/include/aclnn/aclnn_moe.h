// The aclnn operators of CANN's mixture-of-experts family that the operator
// layer calls: the gating softmax with its top-k, and the routing of tokens to
// their experts and back.
//
// Declared from CANN's documented prototypes, as aclnn_math.h is (the
// aclnnMoe* pages of the CANN 8.2.RC1 operator API reference). CANN declares
// the written tensors const. NUM_ROWS is the number of tokens, K the experts
// each token is routed to, E the number of experts, H the hidden size.
#pragma once

#include "acl/acl_rt.h"
#include "aclnn/acl_meta.h"

#ifdef __cplusplus
extern "C" {
#endif

// yOut, expertIdxOut = topk(softmax(x, -1), k) over the last dimension (the
// expert index is E for the rows finishedOptional marks), and
// rowIdxOut[i][j] = j * NUM_ROWS + i, the source row of each choice.
ACL_FUNC_VISIBILITY aclnnStatus aclnnMoeGatingTopKSoftmaxGetWorkspaceSize(
    const aclTensor* x, const aclTensor* finishedOptional, int64_t k, const aclTensor* yOut,
    const aclTensor* expertIdxOut, const aclTensor* rowIdxOut, uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnMoeGatingTopKSoftmax(void* workspace, uint64_t workspaceSize,
                                                          aclOpExecutor* executor, aclrtStream stream);

// Sorts the (expertIdx, rowIdx) pairs by expert: expandedExpertIdxOut holds the
// sorted experts, expandedXOut the rows of x in that order (the first
// min(NUM_ROWS, activeNum) * K of them), and expandedRowIdxOut, for each
// rowIdx value, its position in the sorted order.
ACL_FUNC_VISIBILITY aclnnStatus aclnnMoeInitRoutingGetWorkspaceSize(
    const aclTensor* x, const aclTensor* rowIdx, const aclTensor* expertIdx, int64_t activeNum,
    const aclTensor* expandedXOut, const aclTensor* expandedRowIdxOut, const aclTensor* expandedExpertIdxOut,
    uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnMoeInitRouting(void* workspace, uint64_t workspaceSize,
                                                    aclOpExecutor* executor, aclrtStream stream);

// out[i] = x1[i] + x2Optional[i]
//          + sum over k of scales[i][k] * (expandedX[expandedRowIdx[i + k * NUM_ROWS]] + bias[expandedExpertIdx[i][k]]).
ACL_FUNC_VISIBILITY aclnnStatus aclnnMoeFinalizeRoutingGetWorkspaceSize(
    const aclTensor* expandedX, const aclTensor* x1, const aclTensor* x2Optional, const aclTensor* bias,
    const aclTensor* scales, const aclTensor* expandedRowIdx, const aclTensor* expandedExpertIdx,
    const aclTensor* out, uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnMoeFinalizeRouting(void* workspace, uint64_t workspaceSize,
                                                        aclOpExecutor* executor, aclrtStream stream);

#ifdef __cplusplus
}
#endif
