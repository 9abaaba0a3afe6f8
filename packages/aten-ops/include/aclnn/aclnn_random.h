// The random aclnn operators the operator layer calls. Each draws from the
// Philox stream at (seed, offset), a position the caller reserved in its
// generator.
//
// Declared from CANN's documented prototypes, as aclnn_math.h is. The
// in-place operators write selfRef; CANN declares it const.
//
// Dropout keeps its mask as bits: element i of the input is kept when bit
// i % 8 (least significant first) of byte i / 8 is set, and the bit count is
// padded to a multiple of 128, so the mask is a UINT8 tensor of
// align(numel, 128) / 8 elements.
#pragma once

#include "acl/acl_rt.h"
#include "aclnn/acl_meta.h"

#ifdef __cplusplus
extern "C" {
#endif

// out = the bit mask of a dropout with drop probability prob over a tensor of
// `shape` and data type probDataType.
ACL_FUNC_VISIBILITY aclnnStatus aclnnDropoutGenMaskV2GetWorkspaceSize(const aclIntArray* shape, double prob,
                                                                      int64_t seed, int64_t offset,
                                                                      aclDataType probDataType, aclTensor* out,
                                                                      uint64_t* workspaceSize,
                                                                      aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnDropoutGenMaskV2(void* workspace, uint64_t workspaceSize,
                                                      aclOpExecutor* executor, aclrtStream stream);

// out = self / (1 - prob) where the bit mask keeps an element, else 0; prob 0
// leaves self unchanged, prob 1 zeroes it.
ACL_FUNC_VISIBILITY aclnnStatus aclnnDropoutDoMaskGetWorkspaceSize(const aclTensor* self, const aclTensor* mask,
                                                                   double prob, aclTensor* out,
                                                                   uint64_t* workspaceSize,
                                                                   aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnDropoutDoMask(void* workspace, uint64_t workspaceSize,
                                                   aclOpExecutor* executor, aclrtStream stream);

// selfRef = uniform in [from, to). Seed and offset are unsigned here only.
ACL_FUNC_VISIBILITY aclnnStatus aclnnInplaceUniformGetWorkspaceSize(const aclTensor* selfRef, double from, double to,
                                                                    uint64_t seed, uint64_t offset,
                                                                    uint64_t* workspaceSize,
                                                                    aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnInplaceUniform(void* workspace, uint64_t workspaceSize,
                                                    aclOpExecutor* executor, aclrtStream stream);

// selfRef = normal(mean, std); mean and std are single precision.
ACL_FUNC_VISIBILITY aclnnStatus aclnnInplaceNormalGetWorkspaceSize(const aclTensor* selfRef, float mean, float std,
                                                                   int64_t seed, int64_t offset,
                                                                   uint64_t* workspaceSize,
                                                                   aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnInplaceNormal(void* workspace, uint64_t workspaceSize,
                                                   aclOpExecutor* executor, aclrtStream stream);

// selfRef = 1 with probability prob, else 0.
ACL_FUNC_VISIBILITY aclnnStatus aclnnInplaceBernoulliGetWorkspaceSize(const aclTensor* selfRef,
                                                                      const aclScalar* prob, int64_t seed,
                                                                      int64_t offset, uint64_t* workspaceSize,
                                                                      aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnInplaceBernoulli(void* workspace, uint64_t workspaceSize,
                                                      aclOpExecutor* executor, aclrtStream stream);

// out = a random permutation of 0 .. n-1.
ACL_FUNC_VISIBILITY aclnnStatus aclnnRandpermGetWorkspaceSize(int64_t n, int64_t seed, int64_t offset, aclTensor* out,
                                                              uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnRandperm(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                              aclrtStream stream);

#ifdef __cplusplus
}

namespace aclnn_format {

// The size in bytes of the dropout mask of an input of `numel` elements.
constexpr int64_t dropoutMaskBytes(int64_t numel) {
  return (numel + 127) / 128 * 128 / 8;
}

}  // namespace aclnn_format
#endif
