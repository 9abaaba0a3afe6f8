// Hand-written simulated operators for the tests, written the way the
// generated ones are (aclnnXxxGetWorkspaceSize over prepare(), aclnnXxx over
// launch()).
#pragma once

#include <cstdint>

#include "aclnn/acl_meta.h"
#include "acl/acl_rt.h"

extern "C" {

// out = self + alpha * other (at::add_out).
aclnnStatus aclnnTestAddGetWorkspaceSize(const aclTensor* self, const aclTensor* other, const aclScalar* alpha,
                                         aclTensor* out, uint64_t* workspaceSize, aclOpExecutor** executor);
aclnnStatus aclnnTestAdd(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream);

// out = cat(tensors, dim) (at::cat_out over a tensor list).
aclnnStatus aclnnTestCatGetWorkspaceSize(const aclTensorList* tensors, int64_t dim, aclTensor* out,
                                         uint64_t* workspaceSize, aclOpExecutor** executor);
aclnnStatus aclnnTestCat(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream);

}  // extern "C"

// Both phases of an operator on `stream`; the first failing status.
template <class GetWorkspaceSize, class Launch>
aclnnStatus runAclnn(GetWorkspaceSize&& get_workspace_size, Launch&& launch, aclrtStream stream) {
  uint64_t workspace_size = 0;
  aclOpExecutor* executor = nullptr;
  if (const aclnnStatus status = get_workspace_size(&workspace_size, &executor); status != ACLNN_SUCCESS) {
    return status;
  }
  return launch(nullptr, workspace_size, executor, stream);
}
