// Splitting a CANN version string into the parts aclsysGetCANNVersion reports.
#pragma once

#include <string>

#include "acl/acl_base.h"

namespace npu_sim {

// Fills `out` from a version such as "8.5.0" (major 8, minor 5, release 0,
// patch 0) or "8.3.RC1" (release "RC1"); a missing part reads "0" and a part
// too long for its field is truncated. `version` must fit `out->version`.
void describeCannVersion(const std::string& version, aclCANNPackageVersion& out);

}  // namespace npu_sim
