// CANN runtime symbols newer than the release our cells target
// (include/acl/acl_rt_newer.h), in AclSymbols.h's X-macro form.
//
// The loader resolves them if the runtime has them; a call to one it lacks
// raises an error naming the function instead of failing every load.
#pragma once

#include "acl/acl_rt_newer.h"

#define TORCH_NPU_ACL_NEWER_SYMBOLS(X)                                                                   \
  X(aclError, aclrtSetStreamResLimit, (aclrtStream stream, aclrtDevResLimitType type, uint32_t value),   \
    (stream, type, value))
