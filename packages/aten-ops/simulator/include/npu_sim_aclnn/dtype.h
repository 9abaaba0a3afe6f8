// aclDataType <-> at::ScalarType, for every acl_base.h type that ATen has.
//
// ACL_STRING and ACL_DT_UNDEFINED have no ATen counterpart; ATen types that
// CANN does not name (the Float8 types, ComplexHalf, the quantized and bit
// types, ...) have no aclDataType.
#pragma once

#include <c10/core/ScalarType.h>

#include <optional>

#include "acl/acl_base.h"

namespace npu_sim::aclnn {

// Also safe for any integer a C caller passed as aclDataType.
std::optional<at::ScalarType> toScalarType(aclDataType type) noexcept;
std::optional<aclDataType> toAclDataType(at::ScalarType type) noexcept;

}  // namespace npu_sim::aclnn
