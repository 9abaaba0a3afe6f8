// aclTensorList, aclScalarList: lists that own their elements.
#pragma once

#include <memory>
#include <vector>

#include "scalar_descriptor.h"
#include "npu_sim_aclnn/tensor_descriptor.h"

// Each C handle type is the struct itself; the create functions hand out an
// object the caller owns until the matching destroy function deletes it,
// and with it every element.
struct aclTensorList {
  // A null element stands for an absent tensor (an undefined at::Tensor).
  std::vector<std::unique_ptr<const aclTensor>> elements;
};

struct aclScalarList {
  std::vector<std::unique_ptr<const aclScalar>> elements;
};
