// Calling aclnn operators: their descriptors, symbol resolution and the
// two-phase call. The generated typed callers (AclnnCallers.cpp) are built
// from these pieces only.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <optional>
#include <vector>

#include "aclnn/acl_meta.h"
#include "acl/acl_rt.h"
#include "npu/NPUDeterministic.h"
#include "npu/NPUFunctions.h"
#include "npu/NPURecovery.h"

namespace torch_npu::ops::aclnn {

// RAII owners of aclnn descriptors.
struct DescriptorDeleter {
  void operator()(const aclTensor* tensor) const;
  void operator()(const aclScalar* scalar) const;
  void operator()(const aclIntArray* array) const;
  void operator()(const aclBoolArray* array) const;
  void operator()(const aclTensorList* list) const;
  void operator()(const aclScalarList* list) const;
};
using AclTensor = std::unique_ptr<aclTensor, DescriptorDeleter>;
using AclScalar = std::unique_ptr<aclScalar, DescriptorDeleter>;
using AclIntArray = std::unique_ptr<aclIntArray, DescriptorDeleter>;
using AclBoolArray = std::unique_ptr<aclBoolArray, DescriptorDeleter>;
using AclTensorList = std::unique_ptr<aclTensorList, DescriptorDeleter>;
using AclScalarList = std::unique_ptr<aclScalarList, DescriptorDeleter>;

aclDataType toAclDataType(at::ScalarType type);
// A descriptor of the tensor's view of its device storage; undefined -> null.
AclTensor toAclTensor(const at::Tensor& tensor);
AclTensor toAclTensor(const std::optional<at::Tensor>& tensor);
AclScalar toAclScalar(const at::Scalar& scalar);
AclIntArray toAclIntArray(at::IntArrayRef values);
AclBoolArray toAclBoolArray(at::ArrayRef<bool> values);
AclTensorList toAclTensorList(at::TensorList tensors);
// nullopt: a null list (CANN's optional list parameters).
AclTensorList toAclTensorList(const std::optional<at::TensorList>& tensors);
AclScalarList toAclScalarList(at::ArrayRef<at::Scalar> scalars);

// The address of an aclnn or descriptor function of the loaded runtime:
// CANN's libopapi.so/libnnopbase.so, or the simulator's libopapi_sim.so.
void* resolveSymbol(const char* name);

// `function` (declared in include/aclnn/) of the loaded runtime, typed as declared.
#define TORCH_NPU_RESOLVE_ACLNN(function) \
  reinterpret_cast<decltype(&function)>(::torch_npu::ops::aclnn::resolveSymbol(#function))

// Phase two of every aclnn operator.
using LaunchFunction = aclnnStatus (*)(void* workspace, uint64_t workspace_size, aclOpExecutor* executor,
                                       aclrtStream stream);

// Raises through NPU_CHECK's path, naming the aclnn function that failed.
void checkStatus(aclnnStatus status, const char* op, const char* phase);

// Phase two: runs `executor` on the current stream with a workspace of
// `workspace_size` bytes from the caching allocator.
void launchOnCurrentStream(const char* op, uint64_t workspace_size, aclOpExecutor* executor, LaunchFunction launch);

// Phase one (`get_workspace_size` sizes the workspace and builds the
// executor, choosing the kernel by CANN's options), then phase two.
template <class GetWorkspaceSize>
void runTwoPhase(const char* op, GetWorkspaceSize&& get_workspace_size, LaunchFunction launch) {
  npu::checkNotStopped(npu::current_device());
  npu::applyDeterministicOption();
  uint64_t workspace_size = 0;
  aclOpExecutor* executor = nullptr;
  checkStatus(get_workspace_size(&workspace_size, &executor), op, "GetWorkspaceSize");
  launchOnCurrentStream(op, workspace_size, executor, launch);
}

// For an operator whose output size depends on the data (aclnnNonzero): waits
// for the current stream, then reads the view shape the operator gave `output`
// (aclGetViewShape). `output` is the descriptor passed to the operator, alive
// until this returns.
std::vector<int64_t> viewShapeAfterRun(const char* op, const aclTensor* output);

}  // namespace torch_npu::ops::aclnn
