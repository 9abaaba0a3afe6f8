// The aclnn operators of mixed-precision training (GradScaler's unscale and
// update steps).
//
// Declared from CANN's documented prototypes, as aclnn_math.h is. CANN
// declares every tensor here const, the written ones included.
#pragma once

#include "acl/acl_rt.h"
#include "aclnn/acl_meta.h"

#ifdef __cplusplus
extern "C" {
#endif

// Multiplies every tensor of scaledGrads by invScale in place and sets
// foundInf (one element) to 1 if any of them held an inf or a NaN.
ACL_FUNC_VISIBILITY aclnnStatus aclnnForeachNonFiniteCheckAndUnscaleGetWorkspaceSize(
    const aclTensorList* scaledGrads, const aclTensor* foundInf, const aclTensor* invScale,
    uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnForeachNonFiniteCheckAndUnscale(void* workspace, uint64_t workspaceSize,
                                                                     aclOpExecutor* executor, aclrtStream stream);

// The loss-scale update: with foundInf nonzero, scale * backoffFactor and a
// tracker of 0; else the tracker counts up, and on reaching growthInterval
// the scale grows by growthFactor (when that stays finite) and the tracker
// restarts. The results go to the two outputs, which may be the inputs.
ACL_FUNC_VISIBILITY aclnnStatus aclnnAmpUpdateScaleGetWorkspaceSize(
    const aclTensor* currentScale, const aclTensor* growthTracker, const aclTensor* foundInf, double growthFactor,
    double backoffFactor, int64_t growthInterval, const aclTensor* updatedScaleOut,
    const aclTensor* updatedGrowthTrackerOut, uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnAmpUpdateScale(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                                    aclrtStream stream);

#ifdef __cplusplus
}
#endif
