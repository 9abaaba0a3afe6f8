// aclTensor: a view of device memory, as aclCreateTensor describes it.
//
// Everything is validated and precomputed at creation, so that turning it
// into an at::Tensor (toAten) is a couple of allocations and no checks.
#pragma once

#include <c10/core/ScalarType.h>
#include <c10/util/ArrayRef.h>
#include <c10/util/SmallVector.h>

#include <cstdint>

#include "aclnn/acl_meta.h"

// The C handle type is this struct itself; aclCreateTensor hands out an
// object that the caller owns until aclDestroyTensor (or the aclTensorList
// it was put into) deletes it.
struct aclTensor {
  // Up to this many dimensions need no allocation besides the object.
  static constexpr unsigned kInlineDims = 6;

  c10::SmallVector<int64_t, kInlineDims> sizes;
  c10::SmallVector<int64_t, kInlineDims> strides;
  // In elements, from `data`.
  int64_t storage_offset = 0;
  at::ScalarType dtype = at::ScalarType::Undefined;
  aclFormat format = ACL_FORMAT_ND;
  // The storage: `storage_bytes` of device memory at `data` (not owned).
  void* data = nullptr;
  uint64_t storage_bytes = 0;
};

namespace npu_sim::aclnn {

// For an operator whose output size depends on the data (aclnnNonzero): gives
// the caller's output descriptor the view it wrote, `sizes` (of the same rank,
// each at most the allocated one, so the strides stay). Runs in the kernel, on
// the stream's worker; the caller reads it with aclGetViewShape after
// synchronizing the stream. Throws (failing the kernel) on a shape that does not fit.
void setViewShape(aclTensor* descriptor, c10::IntArrayRef sizes);

}  // namespace npu_sim::aclnn
