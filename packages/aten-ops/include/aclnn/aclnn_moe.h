// The aclnn operators of CANN's mixture-of-experts family that the operator
// layer calls: the gating softmax with its top-k, the routing of tokens to
// their experts and back, and the experts' grouped matmul.
//
// Declared from CANN's documented prototypes, as aclnn_math.h is (the
// aclnnMoe* and aclnnGroupedMatmulV4 pages of the CANN 8.2.RC1 operator API
// reference). CANN declares the written tensors const, except the lists of
// aclnnGroupedMatmulV4. NUM_ROWS is the number of tokens, K the experts
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

// y_i = x_i @ weight_i + bias_i for each group i, the quantized forms scaled
// by the scale/offset lists, with an optional activation (actType). groupType
// -1: the groups are the list elements; 0: x is split along M, 2: along K,
// at the ends (groupListType 0) or by the sizes (1) in groupListOptional.
// splitItem 0/1: one output per group; 2/3: one output, the groups' rows
// concatenated.
ACL_FUNC_VISIBILITY aclnnStatus aclnnGroupedMatmulV4GetWorkspaceSize(
    const aclTensorList* x, const aclTensorList* weight, const aclTensorList* biasOptional,
    const aclTensorList* scaleOptional, const aclTensorList* offsetOptional,
    const aclTensorList* antiquantScaleOptional, const aclTensorList* antiquantOffsetOptional,
    const aclTensorList* perTokenScaleOptional, const aclTensor* groupListOptional,
    const aclTensorList* activationInputOptional, const aclTensorList* activationQuantScaleOptional,
    const aclTensorList* activationQuantOffsetOptional, int64_t splitItem, int64_t groupType, int64_t groupListType,
    int64_t actType, aclTensorList* out, aclTensorList* activationFeatureOutOptional,
    aclTensorList* dynQuantScaleOutOptional, uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnGroupedMatmulV4(void* workspace, uint64_t workspaceSize,
                                                     aclOpExecutor* executor, aclrtStream stream);

#ifdef __cplusplus
}
#endif
