// aclIntArray, aclFloatArray, aclBoolArray: host arrays copied at creation.
#pragma once

#include <c10/util/SmallVector.h>

#include <cstdint>

#include "aclnn/acl_meta.h"

// Each C handle type is the struct itself; the create functions hand out an
// object the caller owns until the matching destroy function deletes it.
// Short arrays (shapes, dims) need no allocation besides the object.
struct aclIntArray {
  c10::SmallVector<int64_t, 8> values;
};

struct aclFloatArray {
  c10::SmallVector<float, 8> values;
};

struct aclBoolArray {
  c10::SmallVector<bool, 8> values;
};
