#include "npu_sim_aclnn/dtype.h"

#include "c_enum.h"
#include "torch_npu_ops/AclDataTypes.h"

namespace npu_sim::aclnn {

std::optional<at::ScalarType> toScalarType(aclDataType type) noexcept {
#define TORCH_NPU_TO_SCALAR_TYPE(aten, acl) \
  case acl:                                 \
    return aten;
  switch (rawEnumValue(type)) {
    TORCH_NPU_ACL_DATA_TYPES(TORCH_NPU_TO_SCALAR_TYPE)
    default:
      return std::nullopt;
  }
#undef TORCH_NPU_TO_SCALAR_TYPE
}

std::optional<aclDataType> toAclDataType(at::ScalarType type) noexcept {
#define TORCH_NPU_TO_ACL_DATA_TYPE(aten, acl) \
  case aten:                                  \
    return acl;
  switch (type) {
    TORCH_NPU_ACL_DATA_TYPES(TORCH_NPU_TO_ACL_DATA_TYPE)
    default:
      return std::nullopt;
  }
#undef TORCH_NPU_TO_ACL_DATA_TYPE
}

}  // namespace npu_sim::aclnn
