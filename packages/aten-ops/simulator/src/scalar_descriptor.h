// aclScalar: one host value, converted to an at::Scalar at creation so that
// toAten is a copy.
#pragma once

#include <c10/core/Scalar.h>

#include "aclnn/acl_meta.h"

// The C handle type is this struct itself; aclCreateScalar hands out an
// object that the caller owns until aclDestroyScalar (or the aclScalarList
// it was put into) deletes it.
struct aclScalar {
  at::Scalar value;
  // What the caller created it as; at::Scalar keeps only the kind (integral,
  // floating, complex, bool), not the width.
  aclDataType data_type;
};
