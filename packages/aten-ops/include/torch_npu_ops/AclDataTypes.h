// The one table pairing ATen's dtypes with CANN's aclDataType. The runtime
// (building descriptors) and the simulator (reading them) both expand it.
#pragma once

#include "acl/acl_base.h"

// X(ATen scalar type, aclDataType)
#define TORCH_NPU_ACL_DATA_TYPES(X)     \
  X(at::kFloat, ACL_FLOAT)              \
  X(at::kHalf, ACL_FLOAT16)             \
  X(at::kBFloat16, ACL_BF16)            \
  X(at::kDouble, ACL_DOUBLE)            \
  X(at::kChar, ACL_INT8)                \
  X(at::kShort, ACL_INT16)              \
  X(at::kInt, ACL_INT32)                \
  X(at::kLong, ACL_INT64)               \
  X(at::kByte, ACL_UINT8)               \
  X(at::kUInt16, ACL_UINT16)            \
  X(at::kUInt32, ACL_UINT32)            \
  X(at::kUInt64, ACL_UINT64)            \
  X(at::kBool, ACL_BOOL)                \
  X(at::kComplexFloat, ACL_COMPLEX64)   \
  X(at::kComplexDouble, ACL_COMPLEX128)
