#include "test_ops.h"

#include <ATen/ops/add.h>
#include <ATen/ops/cat.h>

#include "npu_sim_aclnn/kernel_support.h"

extern "C" ACL_FUNC_VISIBILITY aclnnStatus aclnnTestAddGetWorkspaceSize(const aclTensor* self, const aclTensor* other,
    const aclScalar* alpha, aclTensor* out, uint64_t* workspaceSize, aclOpExecutor** executor) {
  return npu_sim::aclnn::prepare("aclnnTestAdd", workspaceSize, executor,
      [self = npu_sim::aclnn::toAten(self), other = npu_sim::aclnn::toAten(other),
       alpha = npu_sim::aclnn::toAten(alpha), out = npu_sim::aclnn::toAten(out)]() mutable {
        at::add_out(out, self, other, alpha);
      });
}
extern "C" ACL_FUNC_VISIBILITY aclnnStatus aclnnTestAdd(void* workspace, uint64_t workspaceSize,
    aclOpExecutor* executor, aclrtStream stream) {
  return npu_sim::aclnn::launch(executor, workspace, workspaceSize, stream);
}

extern "C" ACL_FUNC_VISIBILITY aclnnStatus aclnnTestCatGetWorkspaceSize(const aclTensorList* tensors, int64_t dim,
    aclTensor* out, uint64_t* workspaceSize, aclOpExecutor** executor) {
  return npu_sim::aclnn::prepare("aclnnTestCat", workspaceSize, executor,
      [tensors = npu_sim::aclnn::toAten(tensors), dim, out = npu_sim::aclnn::toAten(out)]() mutable {
        at::cat_out(out, tensors, dim);
      });
}
extern "C" ACL_FUNC_VISIBILITY aclnnStatus aclnnTestCat(void* workspace, uint64_t workspaceSize,
    aclOpExecutor* executor, aclrtStream stream) {
  return npu_sim::aclnn::launch(executor, workspace, workspaceSize, stream);
}
