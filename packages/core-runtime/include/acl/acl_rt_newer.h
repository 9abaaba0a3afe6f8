// CANN runtime functions newer than CANN 8.5.0, the release our cells target.
//
// They are declared as the later CANN headers publish them and resolved only
// if the loaded runtime has them (see csrc/acl/AclNewerSymbols.h): on an older
// toolkit, calling one raises an error that names it. The simulator has them.
#pragma once

#include "acl/acl_rt.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclError aclrtSetStreamResLimit(aclrtStream stream, aclrtDevResLimitType type, uint32_t value);

#ifdef __cplusplus
}
#endif
